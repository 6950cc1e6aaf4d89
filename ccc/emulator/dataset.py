"""The emulator's deterministic demo data: the API page's own example among realistic numbers."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from ..types import ContactFlowType, MediaType, NumberUsage

EXAMPLE_INSTANCE_ID = "ccc-test"
EXAMPLE_SKILL_GROUP_ID = "skillgroup@ccc-test"
EXAMPLE_NUMBER = "083300110001"
EXAMPLE_CONTACT_FLOW_ID = "a3fb6c62-9b49-4942-ae5b-cf2abd4123ek"
BULK_INSTANCE_ID = "ccc-bulk"
BULK_SKILL_GROUP_ID = "hotline@ccc-bulk"
OVERFLOW_SKILL_GROUP_ID = "overflow@ccc-bulk"
CHAT_SKILL_GROUP_ID = "chat@ccc-test"
VIDEO_SKILL_GROUP_ID = "video@ccc-test"

# (province, city, area code) as the API names them.
REGIONS = (
    ("四川", "乐山", "0833"),
    ("四川", "成都", "028"),
    ("北京", "北京", "010"),
    ("上海", "上海", "021"),
    ("广东", "广州", "020"),
    ("广东", "深圳", "0755"),
    ("浙江", "杭州", "0571"),
    ("浙江", "宁波", "0574"),
    ("江苏", "南京", "025"),
    ("江苏", "苏州", "0512"),
    ("湖北", "武汉", "027"),
    ("湖南", "长沙", "0731"),
    ("陕西", "西安", "029"),
    ("山东", "济南", "0531"),
    ("山东", "青岛", "0532"),
    ("福建", "厦门", "0592"),
    ("河南", "郑州", "0371"),
    ("重庆", "重庆", "023"),
    ("天津", "天津", "022"),
    ("辽宁", "沈阳", "024"),
    ("云南", "昆明", "0871"),
    ("黑龙江", "哈尔滨", "0451"),
)
USAGES = (NumberUsage.BIDIRECTION, NumberUsage.INBOUND, NumberUsage.OUTBOUND)

MAIN, SUB, SURVEY = ContactFlowType.MAIN_FLOW, ContactFlowType.SUB_FLOW, ContactFlowType.SURVEY_FLOW
# Each instance's IVR flows as (name, type, version description, published): first those its
# numbers use (ccc-test's first is the API page's example flow), then some no number uses.
TEST_CONTACT_FLOWS = (
    ("售后服务流程", MAIN, "v3.2 增加工单查询", True),
    ("Sales hotline", MAIN, "v2.0", True),
    ("夜间值班", MAIN, "v1.4 转接值班手机", True),
    ("VIP priority line", MAIN, "v1.1", True),
    ("投诉与建议", MAIN, "v2.3", True),
    ("Order status self-service", MAIN, "v1.0", True),
    ("节假日问候", MAIN, "v1.2 春节放假通知", True),
    ("转人工", SUB, "v1.0", True),
    ("满意度调查", SURVEY, "v1.1", True),
    ("New Year campaign", MAIN, "draft", False),
)
TEST_FLOWS_IN_USE = 7
BULK_CONTACT_FLOWS = (
    ("全国服务热线", MAIN, "v5.1", True),
    ("Nationwide hotline (English)", MAIN, "v2.0", True),
    ("话务溢出排队", MAIN, "v1.3", True),
    ("Callback request", MAIN, "v1.0", True),
    ("账单查询", MAIN, "v2.2", True),
    ("Emergency closure notice", MAIN, "v1.0", True),
    ("Post-call survey", SURVEY, "v1.0", True),
)
BULK_FLOWS_IN_USE = 6


@dataclass
class NumberRecord:
    number: str
    instance_id: str
    province: str
    city: str
    usage: str
    active: bool
    contact_flow_id: str
    # An agent's personal outbound number is never eligible for a skill group.
    personal_outbound: bool = False

    def to_api(self) -> dict:
        return {
            "Number": self.number,
            "InstanceId": self.instance_id,
            "Active": self.active,
            "Usage": self.usage,
            "Province": self.province,
            "City": self.city,
            "ContactFlowId": self.contact_flow_id,
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


def _generate_numbers(
    instance: InstanceRecord, count: int, rng: random.Random, contact_flows: list[str]
) -> None:
    while len(instance.numbers) < count:
        province, city, area_code = rng.choice(REGIONS)
        kind = rng.random()
        if kind < 0.7:
            number = area_code + "".join(rng.choices("0123456789", k=11 - len(area_code) + 1))
        elif kind < 0.9:
            number = "1" + rng.choice("3578") + "".join(rng.choices("0123456789", k=9))
        else:
            number = "400" + "".join(rng.choices("0123456789", k=7))
        if number in instance.numbers:
            continue
        usage = rng.choices(USAGES, weights=(6, 3, 2))[0]
        instance.numbers[number] = NumberRecord(
            number=number,
            instance_id=instance.instance_id,
            province=province,
            city=city,
            usage=usage,
            active=rng.random() > 0.12,
            contact_flow_id=rng.choice(contact_flows) if usage != NumberUsage.OUTBOUND else "",
            personal_outbound=usage != NumberUsage.INBOUND and rng.random() < 0.06,
        )


def _link(
    group: SkillGroupRecord, instance: InstanceRecord, count: int, rng: random.Random
) -> None:
    eligible = [n.number for n in instance.numbers.values() if not n.personal_outbound]
    group.linked.update(rng.sample(eligible, count))


def _flow_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _add_contact_flows(
    instance: InstanceRecord,
    flows: tuple[tuple[str, str, str, bool], ...],
    ids_in_use: list[str],
    rng: random.Random,
) -> None:
    """Name the flows the instance's numbers use (`ids_in_use`, in order), then add the rest
    of `flows` with ids from `rng`."""
    ids = [*ids_in_use, *(_flow_id(rng) for _ in flows[len(ids_in_use) :])]
    for flow_id, (name, flow_type, description, published) in zip(ids, flows, strict=True):
        instance.add_contact_flow(
            flow_id, name, flow_type, description=description, published=published
        )


def build_demo_instances(seed: int = 20200701) -> dict[str, InstanceRecord]:
    """Always the same data for the same seed: tests and screenshots rely on it."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    flows = [_flow_id(rng) for _ in range(TEST_FLOWS_IN_USE - 1)]
    # The other flows' ids come from a sequence of their own: the numbers stay as they were.
    flow_rng = random.Random(f"{seed}:contact-flows")  # noqa: S311 - demo data

    test = InstanceRecord(EXAMPLE_INSTANCE_ID, "CCC test", "Demo contact center", 1593561600000)
    test.numbers[EXAMPLE_NUMBER] = NumberRecord(
        number=EXAMPLE_NUMBER,
        instance_id=EXAMPLE_INSTANCE_ID,
        province="四川",
        city="乐山",
        usage=NumberUsage.BIDIRECTION,
        active=True,
        contact_flow_id=EXAMPLE_CONTACT_FLOW_ID,
    )
    _generate_numbers(test, 480, rng, [EXAMPLE_CONTACT_FLOW_ID, *flows])
    example = test.add_group(EXAMPLE_SKILL_GROUP_ID, "Customer service", user_count=42)
    example.linked.add(EXAMPLE_NUMBER)
    _link(example, test, 60, rng)
    for group_id, display_name, users, linked in (
        ("sales@ccc-test", "Sales", 18, 35),
        ("aftersales@ccc-test", "售后服务", 25, 48),
        ("vip@ccc-test", "VIP hotline", 6, 12),
        ("night-shift@ccc-test", "Night shift", 9, 0),
    ):
        _link(test.add_group(group_id, display_name, users), test, linked, rng)
    # Groups of the other media, which phone numbers do not serve: none linked.
    test.add_group(CHAT_SKILL_GROUP_ID, "Online chat", 14, media_type=MediaType.CHAT)
    test.add_group(VIDEO_SKILL_GROUP_ID, "Video support", 4, media_type=MediaType.VIDEO)
    _add_contact_flows(test, TEST_CONTACT_FLOWS, [EXAMPLE_CONTACT_FLOW_ID, *flows], flow_rng)

    bulk = InstanceRecord(BULK_INSTANCE_ID, "CCC nationwide", "Nationwide hotline", 1609459200000)
    bulk_flows = [_flow_id(flow_rng) for _ in range(BULK_FLOWS_IN_USE)]
    _generate_numbers(bulk, 12_000, rng, bulk_flows)
    _link(bulk.add_group(BULK_SKILL_GROUP_ID, "Nationwide hotline", 310), bulk, 150, rng)
    _link(bulk.add_group(OVERFLOW_SKILL_GROUP_ID, "Overflow", 120), bulk, 10_400, rng)
    _add_contact_flows(bulk, BULK_CONTACT_FLOWS, bulk_flows, flow_rng)
    for instance in (test, bulk):
        # Listed in number order, as an admin scanning a page expects.
        instance.numbers = dict(sorted(instance.numbers.items()))
    return {instance.instance_id: instance for instance in (test, bulk)}
