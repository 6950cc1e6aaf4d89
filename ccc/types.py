"""What the CCC OpenAPI returns, as frozen dataclasses built from its JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class NumberUsage(StrEnum):
    INBOUND = "Inbound"
    OUTBOUND = "Outbound"
    BIDIRECTION = "Bidirection"


class MediaType(StrEnum):
    """A skill group's media. CCC takes them in any case, and AUDIO where none is given."""

    AUDIO = "AUDIO"
    CHAT = "CHAT"
    VIDEO = "VIDEO"


@dataclass(frozen=True, slots=True)
class Instance:
    instance_id: str
    name: str
    domain_name: str
    description: str
    status: str
    console_url: str
    create_time: int | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Instance:
        return cls(
            instance_id=data["Id"],
            name=data.get("Name") or "",
            domain_name=data.get("DomainName") or "",
            description=data.get("Description") or "",
            status=data.get("Status") or "",
            console_url=data.get("ConsoleUrl") or "",
            create_time=data.get("CreateTime"),
        )


@dataclass(frozen=True, slots=True)
class SkillGroup:
    skill_group_id: str
    instance_id: str
    name: str
    display_name: str
    description: str
    media_type: str
    phone_number_count: int | None = None
    user_count: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SkillGroup:
        # ListSkillGroups says SkillGroupName, GetSkillGroup says Name.
        return cls(
            skill_group_id=data["SkillGroupId"],
            instance_id=data.get("InstanceId") or "",
            name=data.get("SkillGroupName") or data.get("Name") or "",
            display_name=data.get("DisplayName") or "",
            description=data.get("Description") or "",
            media_type=data.get("MediaType") or "",
            phone_number_count=data.get("PhoneNumberCount"),
            user_count=data.get("UserCount"),
        )

    @property
    def is_voice(self) -> bool:
        """Whether phone numbers serve it: an AUDIO group, in any case, or one whose media
        CCC leaves out (AUDIO is the documented default)."""
        return self.media_type.upper() in ("", MediaType.AUDIO)


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    number: str
    instance_id: str
    active: bool
    usage: str
    province: str
    city: str
    contact_flow_id: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PhoneNumber:
        # Positional: this runs for every row of every page, and keywords cost twice as much.
        get = data.get
        return cls(
            data["Number"],
            get("InstanceId") or "",
            get("Active") is True,
            get("Usage") or "",
            get("Province") or "",
            get("City") or "",
            get("ContactFlowId") or "",
        )


@dataclass(frozen=True, slots=True)
class LinkedSkillGroup:
    """A skill group a number is linked to, as ListPhoneNumbers names it."""

    skill_group_id: str
    instance_id: str
    name: str
    display_name: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> LinkedSkillGroup:
        return cls(
            skill_group_id=data["SkillGroupId"],
            instance_id=data.get("InstanceId") or "",
            name=data.get("Name") or "",
            display_name=data.get("DisplayName") or "",
        )


@dataclass(frozen=True, slots=True)
class InstancePhoneNumber:
    """A number of an instance as ListPhoneNumbers lists it: with the skill groups it is
    linked to and, when it is an agent's personal outbound number, that agent's `user_id`
    (empty otherwise). `create_time` is as CCC writes it: epoch milliseconds in a string."""

    number: str
    instance_id: str
    active: bool
    usage: str
    province: str
    city: str
    contact_flow_id: str
    contact_flow_name: str
    provider: str
    create_time: str
    tags: str
    user_id: str
    skill_groups: tuple[LinkedSkillGroup, ...]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> InstancePhoneNumber:
        return cls(
            number=data["Number"],
            instance_id=data.get("InstanceId") or "",
            active=data.get("Active") is True,
            usage=data.get("Usage") or "",
            province=data.get("Province") or "",
            city=data.get("City") or "",
            contact_flow_id=data.get("ContactFlowId") or "",
            contact_flow_name=data.get("ContactFlowName") or "",
            provider=data.get("Provider") or "",
            create_time=str(data.get("CreateTime") or ""),
            tags=data.get("Tags") or "",
            user_id=data.get("UserId") or "",
            skill_groups=tuple(
                LinkedSkillGroup.from_api(group) for group in data.get("SkillGroups") or ()
            ),
        )


@dataclass(frozen=True, slots=True)
class PersonalOutboundNumber:
    """A number in an agent's PersonalOutboundNumberList (ListUsers)."""

    number: str
    active: bool
    usage: str
    province: str
    city: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PersonalOutboundNumber:
        return cls(
            number=data["Number"],
            active=data.get("Active") is True,
            usage=data.get("Usage") or "",
            province=data.get("Province") or "",
            city=data.get("City") or "",
        )


@dataclass(frozen=True, slots=True)
class SkillLevel:
    """A skill group an agent serves, at its level there (1-10; 0 when CCC leaves it out),
    as ListUsers lists it."""

    skill_group_id: str
    skill_group_name: str
    level: int

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SkillLevel:
        return cls(
            skill_group_id=data["SkillGroupId"],
            skill_group_name=data.get("SkillGroupName") or "",
            level=int(data.get("SkillLevel") or 0),
        )


@dataclass(frozen=True, slots=True)
class User:
    """An agent of an instance. ListUsers gives its personal outbound numbers and skill
    levels and no InstanceId; GetUser gives the InstanceId and neither list, left None."""

    user_id: str
    instance_id: str
    login_name: str
    display_name: str
    email: str
    display_id: str
    role_name: str
    personal_outbound_numbers: tuple[PersonalOutboundNumber, ...] | None = None
    skill_levels: tuple[SkillLevel, ...] | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> User:
        numbers = data.get("PersonalOutboundNumberList")
        levels = data.get("SkillLevelList")
        return cls(
            user_id=data["UserId"],
            instance_id=data.get("InstanceId") or "",
            login_name=data.get("LoginName") or "",
            display_name=data.get("DisplayName") or "",
            email=data.get("Email") or "",
            display_id=data.get("DisplayId") or "",
            role_name=data.get("RoleName") or "",
            personal_outbound_numbers=None
            if numbers is None
            else tuple(PersonalOutboundNumber.from_api(number) for number in numbers),
            skill_levels=None
            if levels is None
            else tuple(SkillLevel.from_api(level) for level in levels),
        )


class ContactFlowType(StrEnum):
    MAIN_FLOW = "MAIN_FLOW"
    SUB_FLOW = "SUB_FLOW"
    SURVEY_FLOW = "SURVEY_FLOW"


@dataclass(frozen=True, slots=True)
class ContactFlow:
    """An IVR flow of an instance, as ListContactFlows lists it (times as CCC writes them,
    e.g. "2021-07-14 10:48:43.0")."""

    contact_flow_id: str
    instance_id: str
    name: str
    flow_type: str
    description: str
    published: bool
    numbers: tuple[str, ...]
    created_time: str
    updated_time: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ContactFlow:
        return cls(
            contact_flow_id=data["ContactFlowId"],
            instance_id=data.get("InstanceId") or "",
            name=data.get("Name") or "",
            flow_type=data.get("Type") or "",
            description=data.get("Description") or "",
            published=data.get("Published") is True,
            numbers=tuple(data.get("NumberList") or ()),
            created_time=data.get("CreatedTime") or "",
            updated_time=data.get("UpdatedTime") or "",
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    page_number: int
    page_size: int
    total_count: int

    @classmethod
    def parser(
        cls, item: Callable[[Mapping[str, Any]], T]
    ) -> Callable[[Mapping[str, Any]], Page[T]]:
        return lambda data: cls.from_api(data, item)

    @classmethod
    def from_api(cls, data: Mapping[str, Any], item: Callable[[Mapping[str, Any]], T]) -> Page[T]:
        return cls(
            items=tuple(item(row) for row in data.get("List") or ()),
            page_number=int(data["PageNumber"]),
            page_size=int(data["PageSize"]),
            total_count=int(data["TotalCount"]),
        )
