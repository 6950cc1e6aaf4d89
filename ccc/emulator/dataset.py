"""The emulator's deterministic demo data: the API page's own example among realistic numbers."""

from __future__ import annotations

import random
import uuid

from ..types import ContactFlowType, MediaType, NumberUsage
from .names import agent_name
from .records import (
    InstanceRecord,
    NumberRecord,
    SkillGroupRecord,
    UserRecord,
)

EXAMPLE_INSTANCE_ID = "ccc-test"
EXAMPLE_SKILL_GROUP_ID = "skillgroup@ccc-test"
EXAMPLE_NUMBER = "083300110001"
EXAMPLE_CONTACT_FLOW_ID = "a3fb6c62-9b49-4942-ae5b-cf2abd4123ek"
BULK_INSTANCE_ID = "ccc-bulk"
BULK_SKILL_GROUP_ID = "hotline@ccc-bulk"
OVERFLOW_SKILL_GROUP_ID = "overflow@ccc-bulk"
CHAT_SKILL_GROUP_ID = "chat@ccc-test"
VIDEO_SKILL_GROUP_ID = "video@ccc-test"
# ListUsers' example agent, in the example group at its example skill level.
EXAMPLE_USER_ID = "agent@ccc-test"
EXAMPLE_SKILL_LEVEL = 5

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
PROVIDERS = ("ali", "中国电信", "中国联通", "中国移动")

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


def _generate_numbers(
    instance: InstanceRecord, count: int, rng: random.Random, contact_flows: list[str]
) -> list[str]:
    """Add numbers up to `count`; return those drawn to be agents' personal outbound numbers,
    for `_give_personal_numbers` to hand out."""
    personal: list[str] = []
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
        )
        if usage != NumberUsage.INBOUND and rng.random() < 0.06:
            personal.append(number)
    return personal


def _describe_numbers(instance: InstanceRecord, rng: random.Random) -> None:
    """Each number's provider and the time it joined the instance, up to three years after."""
    for record in instance.numbers.values():
        record.provider = rng.choice(PROVIDERS)
        record.create_time = instance.create_time + rng.randrange(3 * 365 * 86_400) * 1000


def _hire_agents(instance: InstanceRecord, count: int, rng: random.Random) -> list[UserRecord]:
    """Add agents up to `count`, Chinese and English; the first is the instance's Admin, one
    in fifteen a Manager. Namesakes' login names are told apart by a number: wangfang2."""
    taken = {user.login_name for user in instance.users.values()}
    while len(instance.users) < count:
        index = len(instance.users)
        display_name, login = agent_name(rng)
        login_name, namesakes = login, 1
        while login_name in taken:
            namesakes += 1
            login_name = f"{login}{namesakes}"
        taken.add(login_name)
        user = UserRecord(
            user_id=f"{login_name}@{instance.instance_id}",
            instance_id=instance.instance_id,
            login_name=login_name,
            display_name=display_name,
            email=f"{login_name}@example.com",
            display_id=str(1001 + index),
            role_name="Admin" if index == 0 else "Manager" if index % 15 == 0 else "Agent",
        )
        instance.users[user.user_id] = user
    return list(instance.users.values())


def _give_personal_numbers(
    instance: InstanceRecord, numbers: list[str], owners: list[UserRecord], rng: random.Random
) -> None:
    """Each of `numbers` becomes the personal outbound number of one of `owners`."""
    for number in numbers:
        instance.numbers[number].user_id = rng.choice(owners).user_id


def _staff(
    group: SkillGroupRecord, agents: list[UserRecord], count: int, rng: random.Random
) -> None:
    """`count` of `agents` serve the group, each at a skill level of 1-10."""
    for agent in rng.sample(agents, count):
        agent.skill_levels[group.skill_group_id] = rng.randint(1, 10)


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
    # What came after the numbers and groups draws from sequences of its own, so they stay
    # as they were: the other flows' ids, the agents, the numbers' providers and times.
    flow_rng = random.Random(f"{seed}:contact-flows")  # noqa: S311 - demo data
    agent_rng = random.Random(f"{seed}:agents")  # noqa: S311 - demo data
    detail_rng = random.Random(f"{seed}:number-details")  # noqa: S311 - demo data

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
    personal = _generate_numbers(test, 480, rng, [EXAMPLE_CONTACT_FLOW_ID, *flows])
    example_agent = UserRecord(
        user_id=EXAMPLE_USER_ID,
        instance_id=EXAMPLE_INSTANCE_ID,
        login_name="agent",
        display_name="坐席小王",
        email="username@example.com",
        display_id="1001",
        role_name="Admin",
    )
    test.users[EXAMPLE_USER_ID] = example_agent
    agents = _hire_agents(test, 60, agent_rng)
    # A few agents own the personal outbound numbers, the example agent at least one.
    test.numbers[min(personal)].user_id = EXAMPLE_USER_ID
    owners = [example_agent, *agent_rng.sample(agents[1:], 7)]
    _give_personal_numbers(test, sorted(personal)[1:], owners, agent_rng)
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
    example_agent.skill_levels[EXAMPLE_SKILL_GROUP_ID] = EXAMPLE_SKILL_LEVEL
    _staff(example, agents[1:], example.user_count - 1, agent_rng)
    for group in list(test.skill_groups.values())[1:]:
        _staff(group, agents, group.user_count, agent_rng)
    _add_contact_flows(test, TEST_CONTACT_FLOWS, [EXAMPLE_CONTACT_FLOW_ID, *flows], flow_rng)

    bulk = InstanceRecord(BULK_INSTANCE_ID, "CCC nationwide", "Nationwide hotline", 1609459200000)
    bulk_flows = [_flow_id(flow_rng) for _ in range(BULK_FLOWS_IN_USE)]
    bulk_personal = _generate_numbers(bulk, 12_000, rng, bulk_flows)
    bulk_agents = _hire_agents(bulk, 400, agent_rng)
    _give_personal_numbers(bulk, bulk_personal, agent_rng.sample(bulk_agents, 300), agent_rng)
    _link(bulk.add_group(BULK_SKILL_GROUP_ID, "Nationwide hotline", 310), bulk, 150, rng)
    _link(bulk.add_group(OVERFLOW_SKILL_GROUP_ID, "Overflow", 120), bulk, 10_400, rng)
    for group in bulk.skill_groups.values():
        _staff(group, bulk_agents, group.user_count, agent_rng)
    _add_contact_flows(bulk, BULK_CONTACT_FLOWS, bulk_flows, flow_rng)
    for instance in (test, bulk):
        _describe_numbers(instance, detail_rng)
        # Listed in number order, as an admin scanning a page expects.
        instance.numbers = dict(sorted(instance.numbers.items()))
    return {instance.instance_id: instance for instance in (test, bulk)}
