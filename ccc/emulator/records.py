"""The emulator's records: what it keeps of each number, skill group, agent, flow and instance,
and each one's API shape."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import ContactFlowType, MediaType


@dataclass
class NumberRecord:
    number: str
    instance_id: str
    province: str
    city: str
    usage: str
    active: bool
    contact_flow_id: str
    # The agent whose personal outbound number it is; empty for the others.
    user_id: str = ""
    provider: str = ""
    create_time: int = 0  # when the number joined the instance, in epoch milliseconds

    @property
    def personal_outbound(self) -> bool:
        """An agent's personal outbound number is never eligible for a skill group."""
        return bool(self.user_id)

    def to_api(self) -> dict:
        """The number as ListPhoneNumbersOfSkillGroup lists it."""
        return {
            "Number": self.number,
            "InstanceId": self.instance_id,
            "Active": self.active,
            "Usage": self.usage,
            "Province": self.province,
            "City": self.city,
            "ContactFlowId": self.contact_flow_id,
        }

    def to_instance_api(self, contact_flow_name: str, skill_groups: list[dict]) -> dict:
        """The number as ListPhoneNumbers lists it: with its flow's name, the groups it is
        linked to (`SkillGroupRecord.to_link_api`) and its agent (CreateTime: the SDK reads a
        string)."""
        return {
            **self.to_api(),
            "ContactFlowName": contact_flow_name,
            "Provider": self.provider,
            "CreateTime": str(self.create_time),
            "Tags": "",
            "UserId": self.user_id,
            "SkillGroups": skill_groups,
        }

    def to_personal_api(self) -> dict:
        """The number in its agent's PersonalOutboundNumberList (ListUsers)."""
        return {
            "Number": self.number,
            "Active": self.active,
            "Usage": self.usage,
            "Province": self.province,
            "City": self.city,
        }


@dataclass
class SkillGroupRecord:
    skill_group_id: str
    instance_id: str
    name: str
    display_name: str
    description: str
    media_type: MediaType
    user_count: int
    linked: set[str] = field(default_factory=set)

    def to_api(self) -> dict:
        return {
            "SkillGroupId": self.skill_group_id,
            "SkillGroupName": self.name,
            "Name": self.name,
            "DisplayName": self.display_name,
            "Description": self.description,
            "MediaType": self.media_type,
            "InstanceId": self.instance_id,
            "PhoneNumberCount": len(self.linked),
            "UserCount": self.user_count,
        }

    def to_link_api(self) -> dict:
        """The group in the SkillGroups of a number linked to it (ListPhoneNumbers)."""
        return {
            "SkillGroupId": self.skill_group_id,
            "Name": self.name,
            "DisplayName": self.display_name,
            "InstanceId": self.instance_id,
        }


@dataclass
class UserRecord:
    """An agent of an instance. Its personal outbound numbers are the instance's numbers
    that name it (`NumberRecord.user_id`)."""

    user_id: str
    instance_id: str
    login_name: str
    display_name: str
    email: str
    display_id: str  # the agent's employee number
    role_name: str  # Admin, Manager or Agent
    # The skill groups the agent serves, by id, with its skill level in each (1-10).
    skill_levels: dict[str, int] = field(default_factory=dict)

    def to_api(self) -> dict:
        """The fields ListUsers and GetUser share."""
        return {
            "UserId": self.user_id,
            "LoginName": self.login_name,
            "DisplayName": self.display_name,
            "Email": self.email,
            "DisplayId": self.display_id,
            "RoleId": f"{self.role_name}@{self.instance_id}",
            "RoleName": self.role_name,
            "WorkMode": "ON_SITE",
        }


@dataclass
class ContactFlowRecord:
    contact_flow_id: str
    instance_id: str
    name: str
    flow_type: str
    description: str
    published: bool
    created_time: str  # as CCC writes times: "2021-07-14 10:48:43.0"
    updated_time: str

    def to_api(self, numbers: list[str]) -> dict:
        """The flow with the numbers bound to it (NumberList: the SDK reads a list of str)."""
        return {
            "ContactFlowId": self.contact_flow_id,
            "InstanceId": self.instance_id,
            "Name": self.name,
            "Type": self.flow_type,
            "Description": self.description,
            "Published": self.published,
            "NumberList": numbers,
            "CreatedTime": self.created_time,
            "UpdatedTime": self.updated_time,
        }


@dataclass
class InstanceRecord:
    instance_id: str
    name: str
    description: str
    create_time: int
    numbers: dict[str, NumberRecord] = field(default_factory=dict)
    skill_groups: dict[str, SkillGroupRecord] = field(default_factory=dict)
    contact_flows: dict[str, ContactFlowRecord] = field(default_factory=dict)
    users: dict[str, UserRecord] = field(default_factory=dict)

    def to_api(self) -> dict:
        return {
            "Id": self.instance_id,
            "Name": self.name,
            "DomainName": self.instance_id,
            "Description": self.description,
            "Status": "RUNNING",
            "ConsoleUrl": f"https://ccc-v2.aliyun.com/workbench/{self.instance_id}",
            "CreateTime": self.create_time,
        }

    def number_api(self, record: NumberRecord) -> dict:
        """A ListPhoneNumbers row: the number with its flow's name and the groups linking it."""
        flow = self.contact_flows.get(record.contact_flow_id)
        return record.to_instance_api(
            contact_flow_name=flow.name if flow else "",
            skill_groups=[
                group.to_link_api()
                for group in self.skill_groups.values()
                if record.number in group.linked
            ],
        )

    def add_group(
        self,
        skill_group_id: str,
        display_name: str,
        user_count: int,
        media_type: MediaType = MediaType.AUDIO,
    ) -> SkillGroupRecord:
        name = skill_group_id.split("@", 1)[0]
        group = SkillGroupRecord(
            skill_group_id=skill_group_id,
            instance_id=self.instance_id,
            name=name,
            display_name=display_name,
            description=f"{display_name} ({name})",
            media_type=media_type,
            user_count=user_count,
        )
        self.skill_groups[skill_group_id] = group
        return group

    def add_contact_flow(
        self,
        contact_flow_id: str,
        name: str,
        flow_type: str = ContactFlowType.MAIN_FLOW,
        *,
        description: str = "",
        published: bool = True,
    ) -> ContactFlowRecord:
        # Created some days after the instance's other flows, last changed before them: CCC
        # lists the most recently changed first, so they are listed in the order added.
        index = len(self.contact_flows)
        flow = ContactFlowRecord(
            contact_flow_id=contact_flow_id,
            instance_id=self.instance_id,
            name=name,
            flow_type=flow_type,
            description=description,
            published=published,
            created_time=f"2021-{1 + index % 12:02d}-{10 + index % 12:02d} 09:30:00.0",
            updated_time=f"2024-{12 - index % 12:02d}-{25 - index % 12:02d} 18:00:00.0",
        )
        self.contact_flows[contact_flow_id] = flow
        return flow
