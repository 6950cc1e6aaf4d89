"""The official SDK, over a real socket, is the oracle: the emulator must speak its protocol.

Every action the project uses is called through `alibabacloud_ccc20200701`; every documented
error reaches it with its code; and our CccClient, on the same server with the same
credentials, reads the same data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from alibabacloud_ccc20200701 import models as ccc_models
from alibabacloud_ccc20200701.client import Client as SdkClient
from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi.exceptions import (
    AlibabaCloudException,
    ClientException,
    ServerException,
    ThrottlingException,
)
from darabonba.runtime import RuntimeOptions

from ccc import (
    CccClient,
    CccError,
    ContactFlow,
    Instance,
    InstancePhoneNumber,
    LinkedSkillGroup,
    PersonalOutboundNumber,
    PhoneNumber,
    RetryPolicy,
    SkillGroup,
    SkillLevel,
    User,
)
from ccc.emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    Emulator,
    FaultKind,
)
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    CHAT_SKILL_GROUP_ID,
    EXAMPLE_CONTACT_FLOW_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
    EXAMPLE_USER_ID,
    OVERFLOW_SKILL_GROUP_ID,
    VIDEO_SKILL_GROUP_ID,
    build_demo_instances,
)
from phone_numbers.emulator_server import running_emulator
from tests.ccc.raw_writes import write_raw

# Characters the SDK encodes differently from the canonical query (space as `+`), or not at all.
AWKWARD_PATTERN = "08 33+*~/乐é"


def sdk_client(
    url: str,
    *,
    access_key_id: str = DEMO_ACCESS_KEY_ID,
    access_key_secret: str = DEMO_ACCESS_KEY_SECRET,
    security_token: str | None = None,
) -> SdkClient:
    """The SDK on the emulator's loopback port: plain http, short timeouts, no retry options."""
    return SdkClient(
        open_api_models.Config(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            security_token=security_token,
            endpoint=url.removeprefix("http://"),
            protocol="http",
            connect_timeout=2_000,
            read_timeout=5_000,
        )
    )


def runtime() -> RuntimeOptions:
    return RuntimeOptions(connect_timeout=2_000, read_timeout=5_000)


@pytest.fixture(scope="module")
def module_server() -> Iterator[tuple[str, Emulator]]:
    """One socket for the module: shutting a server down costs half a second of polling."""
    with running_emulator(Emulator()) as served:
        yield served


@pytest.fixture
def served(module_server: tuple[str, Emulator]) -> Iterator[tuple[str, Emulator]]:
    """The module's server, with fresh demo data and no faults for every test."""
    _, emulator = module_server
    yield module_server
    emulator.faults.clear()
    emulator.instances = build_demo_instances()


@pytest.fixture
def sdk(served: tuple[str, Emulator]) -> SdkClient:
    return sdk_client(served[0])


@pytest.fixture
def ours(served: tuple[str, Emulator], make_client: Callable[..., CccClient]) -> CccClient:
    """Our client on the same socket with the same credentials, without retries."""
    return make_client(endpoint=served[0], retry=RetryPolicy(attempts=1), timeout=5.0)


def list_numbers_request(**fields) -> ccc_models.ListPhoneNumbersOfSkillGroupRequest:
    return ccc_models.ListPhoneNumbersOfSkillGroupRequest(
        **{
            "instance_id": EXAMPLE_INSTANCE_ID,
            "skill_group_id": EXAMPLE_SKILL_GROUP_ID,
            "is_member": True,
            "page_number": 1,
            "page_size": 100,
            **fields,
        }
    )


# What the SDK read, as our dataclasses, field by field.


def sdk_instance(row) -> Instance:
    return Instance(
        instance_id=row.id,
        name=row.name,
        domain_name=row.domain_name,
        description=row.description,
        status=row.status,
        console_url=row.console_url,
        create_time=row.create_time,
    )


def sdk_listed_skill_group(row) -> SkillGroup:
    return SkillGroup(
        skill_group_id=row.skill_group_id,
        instance_id=row.instance_id,
        name=row.skill_group_name,
        display_name=row.display_name,
        description=row.description,
        media_type=row.media_type,
        phone_number_count=row.phone_number_count,
        user_count=row.user_count,
    )


def sdk_phone_number(row) -> PhoneNumber:
    return PhoneNumber(
        number=row.number,
        instance_id=row.instance_id,
        active=row.active,
        usage=row.usage,
        province=row.province,
        city=row.city,
        contact_flow_id=row.contact_flow_id,
    )


def sdk_contact_flow(row) -> ContactFlow:
    return ContactFlow(
        contact_flow_id=row.contact_flow_id,
        instance_id=row.instance_id,
        name=row.name,
        flow_type=row.type,
        description=row.description,
        published=row.published,
        numbers=tuple(row.number_list),
        created_time=row.created_time,
        updated_time=row.updated_time,
    )


def paging(data) -> tuple[int, int, int]:
    return (data.page_number, data.page_size, data.total_count)


# == every action succeeds through the SDK and reads like our client =========================


def test_list_instances(sdk, ours):
    response = sdk.list_instances_with_options(
        ccc_models.ListInstancesRequest(page_number=1, page_size=10), runtime()
    )
    assert response.status_code == 200
    assert response.body.code == "OK"
    data = response.body.data
    assert [row.id for row in data.list] == [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID]

    page = ours.list_instances(page_number=1, page_size=10)
    assert page.items == tuple(sdk_instance(row) for row in data.list)
    assert (page.page_number, page.page_size, page.total_count) == paging(data) == (1, 10, 2)


@pytest.mark.parametrize(
    ("search_pattern", "media_type", "expected"),
    [
        # Without MediaType, the AUDIO groups: CCC's default.
        (
            None,
            None,
            [
                EXAMPLE_SKILL_GROUP_ID,
                "sales@ccc-test",
                "aftersales@ccc-test",
                "vip@ccc-test",
                "night-shift@ccc-test",
            ],
        ),
        ("VIP hotline", None, ["vip@ccc-test"]),
        ("售后", None, ["aftersales@ccc-test"]),
        (None, "CHAT", [CHAT_SKILL_GROUP_ID]),
        (None, "video", [VIDEO_SKILL_GROUP_ID]),
        ("night", "Audio", ["night-shift@ccc-test"]),
    ],
)
def test_list_skill_groups(sdk, ours, search_pattern, media_type, expected):
    data = sdk.list_skill_groups(
        ccc_models.ListSkillGroupsRequest(
            instance_id=EXAMPLE_INSTANCE_ID,
            page_number=1,
            page_size=100,
            search_pattern=search_pattern,
            media_type=media_type,
        )
    ).body.data
    assert [row.skill_group_id for row in data.list] == expected

    page = ours.list_skill_groups(
        instance_id=EXAMPLE_INSTANCE_ID,
        page_size=100,
        search_pattern=search_pattern,
        media_type=media_type,
    )
    assert page.items == tuple(sdk_listed_skill_group(row) for row in data.list)
    assert (page.page_number, page.page_size, page.total_count) == paging(data)


def test_get_skill_group(sdk, ours):
    data = sdk.get_skill_group(
        ccc_models.GetSkillGroupRequest(
            instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
        )
    ).body.data
    assert (data.skill_group_id, data.name, data.display_name, data.media_type) == (
        EXAMPLE_SKILL_GROUP_ID,
        "skillgroup",
        "Customer service",
        "AUDIO",
    )

    group = ours.get_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )
    assert group == SkillGroup(
        skill_group_id=data.skill_group_id,
        instance_id=data.instance_id,
        name=data.name,
        display_name=data.display_name,
        description=data.description,
        media_type=data.media_type,
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"is_member": True},
        {"is_member": False},
        {"is_member": False, "active": False},
        {"is_member": True, "active": True, "page_size": 7, "page_number": 3},
        {"is_member": True, "search_pattern": "0833", "page_size": 10},
        {"is_member": False, "search_pattern": "021"},
        {"is_member": False, "page_number": 100},
    ],
    ids=lambda fields: "-".join(f"{name}={value}" for name, value in fields.items()),
)
def test_list_phone_numbers_of_skill_group(sdk, ours, fields):
    response = sdk.list_phone_numbers_of_skill_group_with_options(
        list_numbers_request(**fields), runtime()
    )
    assert response.status_code == 200
    data = response.body.data

    page = ours.list_phone_numbers_of_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        page_size=fields.get("page_size", 100),
        **{name: value for name, value in fields.items() if name != "page_size"},
    )
    assert page.items == tuple(sdk_phone_number(row) for row in data.list)
    assert (page.page_number, page.page_size, page.total_count) == paging(data)
    if fields.get("page_number") == 100:
        assert data.list == [] and data.total_count > 300
    else:
        assert data.list


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"page_number": 2, "page_size": 3},
        {"search_pattern": "服务"},
        {"search_pattern": AWKWARD_PATTERN},
        {"type": "SURVEY_FLOW"},
        {"instance_id": BULK_INSTANCE_ID},
    ],
    ids=lambda fields: "-".join(f"{name}={value}" for name, value in fields.items()) or "all",
)
def test_list_contact_flows(sdk, ours, fields):
    request = {"instance_id": EXAMPLE_INSTANCE_ID, "page_number": 1, "page_size": 100, **fields}
    response = sdk.list_contact_flows_with_options(
        ccc_models.ListContactFlowsRequest(**request), runtime()
    )
    assert (response.status_code, response.body.code) == (200, "OK")
    data = response.body.data

    page = ours.list_contact_flows(
        instance_id=request["instance_id"],
        page_number=request["page_number"],
        page_size=request["page_size"],
        search_pattern=request.get("search_pattern"),
        flow_type=request.get("type"),
    )
    assert page.items == tuple(sdk_contact_flow(row) for row in data.list)
    assert (page.page_number, page.page_size, page.total_count) == paging(data)
    if fields.get("search_pattern") == AWKWARD_PATTERN:
        assert data.list == []
    else:
        assert data.list


def test_the_example_flow_is_named_through_the_sdk(sdk):
    rows = sdk.list_contact_flows(
        ccc_models.ListContactFlowsRequest(
            instance_id=EXAMPLE_INSTANCE_ID, page_number=1, page_size=100
        )
    ).body.data.list
    example = next(row for row in rows if row.contact_flow_id == EXAMPLE_CONTACT_FLOW_ID)
    assert (example.name, example.type, example.published) == ("售后服务流程", "MAIN_FLOW", True)
    assert EXAMPLE_NUMBER in example.number_list


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"instance_id": "ccc-nope"}, 404, "NotExists.InstanceId"),
        ({"page_size": 101}, 400, "Parameter.Maximum"),
        ({"page_number": None}, 400, "Parameter.Null"),
        ({"type": "IVR"}, 400, "Parameter.Invalid"),
    ],
)
def test_a_refused_list_contact_flows_reaches_the_sdk_and_our_client_alike(
    sdk, ours, served, fields, status, code
):
    request = {"instance_id": EXAMPLE_INSTANCE_ID, "page_number": 1, "page_size": 10, **fields}
    error = sdk_error(
        served[1],
        lambda: sdk.list_contact_flows_with_options(
            ccc_models.ListContactFlowsRequest(**request), runtime()
        ),
    )
    assert isinstance(error, ClientException)
    assert (error.code, error.status_code) == (code, status)

    # Our client refuses the paging before sending, with the API's own code and message.
    with pytest.raises(CccError) as raised:
        ours.list_contact_flows(
            instance_id=request["instance_id"],
            page_number=request["page_number"],
            page_size=request["page_size"],
            flow_type=request.get("type"),
        )
    assert (raised.value.code, raised.value.http_status) == (code, status)
    assert raised.value.message == error.data["Message"]


def test_a_ram_refusal_of_list_contact_flows_reaches_the_sdk_and_our_client_alike(
    sdk, ours, served
):
    _, emulator = served
    emulator.faults.add_rule(FaultKind.FORBIDDEN, 1, action="ListContactFlows")
    error = sdk_error(
        emulator,
        lambda: sdk.list_contact_flows(
            ccc_models.ListContactFlowsRequest(
                instance_id=EXAMPLE_INSTANCE_ID, page_number=1, page_size=10
            )
        ),
    )
    assert isinstance(error, ClientException)
    assert (error.code, error.status_code) == ("Forbidden.RAM", 403)

    with pytest.raises(CccError) as raised:
        ours.list_contact_flows(instance_id=EXAMPLE_INSTANCE_ID)
    assert (raised.value.code, raised.value.http_status) == ("Forbidden.RAM", 403)
    assert raised.value.message == error.data["Message"]


def test_the_api_page_example_through_the_sdk(sdk):
    body = sdk.list_phone_numbers_of_skill_group(
        list_numbers_request(search_pattern="0833", page_size=10)
    ).body
    (row,) = body.data.list
    assert (row.number, row.city, row.province, row.usage, row.contact_flow_id, row.active) == (
        EXAMPLE_NUMBER,
        "乐山",
        "四川",
        "Bidirection",
        "a3fb6c62-9b49-4942-ae5b-cf2abd4123ek",
        True,
    )
    assert body.data.total_count == 1


@pytest.mark.parametrize("is_member", [True, False])
def test_an_awkward_search_pattern_is_signed_and_verified(sdk, ours, is_member):
    data = sdk.list_phone_numbers_of_skill_group(
        list_numbers_request(search_pattern=AWKWARD_PATTERN, is_member=is_member)
    ).body.data
    assert (data.total_count, data.list) == (0, [])
    page = ours.list_phone_numbers_of_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        is_member=is_member,
        search_pattern=AWKWARD_PATTERN,
    )
    assert (page.total_count, page.items) == (0, ())


def test_add_and_remove_numbers(sdk, ours, served):
    _, emulator = served
    group = emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups[EXAMPLE_SKILL_GROUP_ID]
    eligible = ours.list_phone_numbers_of_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        is_member=False,
        page_size=3,
    )
    numbers = [row.number for row in eligible.items]
    before = set(group.linked)

    added = sdk.add_numbers_to_skill_group_with_options(
        ccc_models.AddNumbersToSkillGroupRequest(
            instance_id=EXAMPLE_INSTANCE_ID,
            skill_group_id=EXAMPLE_SKILL_GROUP_ID,
            number_list=json.dumps(numbers),
        ),
        runtime(),
    )
    assert (added.status_code, added.body.code) == (200, "OK")
    assert group.linked == before | set(numbers)
    members = ours.list_phone_numbers_of_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        is_member=True,
        page_size=100,
    )
    assert set(numbers) <= {row.number for row in members.items}
    assert members.total_count == len(before) + 3

    removed = sdk.remove_phone_numbers_from_skill_group_with_options(
        ccc_models.RemovePhoneNumbersFromSkillGroupRequest(
            instance_id=EXAMPLE_INSTANCE_ID,
            skill_group_id=EXAMPLE_SKILL_GROUP_ID,
            number_list=json.dumps(numbers),
        ),
        runtime(),
    )
    assert (removed.status_code, removed.body.code) == (200, "OK")
    assert group.linked == before


def test_our_client_and_the_sdk_see_each_others_writes(sdk, ours):
    number = ours.list_phone_numbers_of_skill_group(
        instance_id=BULK_INSTANCE_ID, skill_group_id=BULK_SKILL_GROUP_ID, is_member=False
    ).items[0]
    ours.add_numbers_to_skill_group(
        instance_id=BULK_INSTANCE_ID, skill_group_id=BULK_SKILL_GROUP_ID, numbers=[number.number]
    )
    linked = sdk.list_phone_numbers_of_skill_group(
        list_numbers_request(
            instance_id=BULK_INSTANCE_ID,
            skill_group_id=BULK_SKILL_GROUP_ID,
            search_pattern=number.number,
        )
    ).body.data
    assert [sdk_phone_number(row) for row in linked.list] == [number]

    sdk.remove_phone_numbers_from_skill_group(
        ccc_models.RemovePhoneNumbersFromSkillGroupRequest(
            instance_id=BULK_INSTANCE_ID,
            skill_group_id=BULK_SKILL_GROUP_ID,
            number_list=json.dumps([number.number]),
        )
    )
    after = ours.list_phone_numbers_of_skill_group(
        instance_id=BULK_INSTANCE_ID,
        skill_group_id=BULK_SKILL_GROUP_ID,
        is_member=True,
        search_pattern=number.number,
    )
    assert after.items == ()


# == documented errors reach the SDK with their code =========================================


def sdk_error(emulator: Emulator, call: Callable[[], object]) -> AlibabaCloudException:
    """The exception the SDK raised, after checking it sent exactly one request (no retry)."""
    before = emulator.request_count
    with pytest.raises(AlibabaCloudException) as raised:
        call()
    assert emulator.request_count == before + 1
    return raised.value


@pytest.mark.parametrize(
    ("fields", "status", "code", "message"),
    [
        (
            {"page_size": 101},
            400,
            "Parameter.Maximum",
            "The parameter PageSize must be less than or equal to 100.",
        ),
        (
            {"page_number": 0},
            400,
            "Parameter.Minimum",
            "The parameter PageNumber must be greater than or equal to 1.",
        ),
        (
            {"instance_id": ""},
            400,
            "Parameter.Empty",
            "The parameter InstanceId may not be null or empty.",
        ),
        ({"is_member": None}, 400, "Parameter.Null", "The parameter IsMember may not be null."),
        (
            {"instance_id": "ccc-nope"},
            404,
            "NotExists.InstanceId",
            "The specified instance ccc-nope does not exist.",
        ),
        (
            {"skill_group_id": "nope@ccc-test"},
            404,
            "NotExists.SkillGroupId",
            "The skill group ID nope@ccc-test does not exist in instance ccc-test.",
        ),
    ],
)
def test_documented_errors_reach_the_sdk_with_their_code(
    sdk, served, fields, status, code, message
):
    error = sdk_error(
        served[1],
        lambda: sdk.list_phone_numbers_of_skill_group_with_options(
            list_numbers_request(**fields), runtime()
        ),
    )
    assert isinstance(error, ClientException)
    assert (error.code, error.status_code) == (code, status)
    assert error.data["Message"] == message
    assert message in error.message


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"instance_id": "ccc-nope"}, "NotExists.InstanceId"),
        ({"skill_group_id": "nope@ccc-test"}, "NotExists.SkillGroupId"),
    ],
)
def test_our_client_raises_the_same_code_as_the_sdk(sdk, ours, served, fields, code):
    error = sdk_error(
        served[1],
        lambda: sdk.list_phone_numbers_of_skill_group(list_numbers_request(**fields)),
    )
    with pytest.raises(CccError) as raised:
        ours.list_phone_numbers_of_skill_group(
            instance_id=fields.get("instance_id", EXAMPLE_INSTANCE_ID),
            skill_group_id=fields.get("skill_group_id", EXAMPLE_SKILL_GROUP_ID),
            is_member=True,
        )
    assert raised.value.code == error.code == code
    assert raised.value.http_status == error.status_code


@pytest.mark.parametrize(
    ("credentials", "status", "code"),
    [
        ({"access_key_secret": "not-the-secret"}, 400, "SignatureDoesNotMatch"),
        ({"access_key_id": "LTAIunknownKey"}, 404, "InvalidAccessKeyId.NotFound"),
    ],
)
def test_bad_credentials_reach_the_sdk_and_our_client_alike(
    served, make_client, credentials, status, code
):
    url, emulator = served
    sdk = sdk_client(url, **credentials)
    error = sdk_error(
        emulator,
        lambda: sdk.list_instances(ccc_models.ListInstancesRequest(page_number=1, page_size=10)),
    )
    assert (error.code, error.status_code) == (code, status)
    assert DEMO_ACCESS_KEY_SECRET not in json.dumps(error.data)

    ours = make_client(endpoint=url, retry=RetryPolicy(attempts=1), **credentials)
    with pytest.raises(CccError) as raised:
        ours.list_instances()
    assert (raised.value.code, raised.value.http_status) == (code, status)


def test_an_unknown_number_reaches_the_sdk_as_not_found(sdk, served):
    error = sdk_error(
        served[1],
        lambda: sdk.add_numbers_to_skill_group(
            ccc_models.AddNumbersToSkillGroupRequest(
                instance_id=EXAMPLE_INSTANCE_ID,
                skill_group_id=EXAMPLE_SKILL_GROUP_ID,
                number_list=json.dumps(["099999999999"]),
            )
        ),
    )
    assert (error.code, error.status_code) == ("NotExists.Number", 404)


def test_faults_reach_the_sdk_without_retries(sdk, served):
    _, emulator = served
    emulator.faults.inject(FaultKind.UNAVAILABLE)
    unavailable = sdk_error(
        emulator,
        lambda: sdk.list_instances(ccc_models.ListInstancesRequest(page_number=1, page_size=1)),
    )
    assert isinstance(unavailable, ServerException)
    assert (unavailable.code, unavailable.status_code) == ("ServiceUnavailable", 503)

    emulator.faults.inject(FaultKind.THROTTLING, retry_after_ms=2_000)
    throttled = sdk_error(
        emulator,
        lambda: sdk.list_instances(ccc_models.ListInstancesRequest(page_number=1, page_size=1)),
    )
    assert isinstance(throttled, ThrottlingException)
    assert (throttled.code, throttled.retry_after) == ("Throttling.User", 2_000)


# == STS credentials ==========================================================================


@pytest.fixture(scope="module")
def sts_served() -> Iterator[tuple[str, Emulator]]:
    emulator = Emulator(
        credentials={"STS.demoKey": "sts-secret"}, security_tokens={"STS.demoKey": "sts-token"}
    )
    with running_emulator(emulator) as served:
        yield served


def test_the_sdk_with_an_sts_token_is_accepted(sts_served, make_client):
    url, _ = sts_served
    sdk = sdk_client(
        url, access_key_id="STS.demoKey", access_key_secret="sts-secret", security_token="sts-token"
    )
    data = sdk.list_instances(ccc_models.ListInstancesRequest(page_number=1, page_size=10)).body
    assert data.data.total_count == 2

    ours = make_client(
        endpoint=url,
        access_key_id="STS.demoKey",
        access_key_secret="sts-secret",
        security_token="sts-token",
        retry=RetryPolicy(attempts=1),
    )
    assert ours.list_instances(page_size=10).items == tuple(
        sdk_instance(row) for row in data.data.list
    )


@pytest.mark.parametrize("token", [None, "another-token"])
def test_the_sdk_without_the_right_sts_token_is_refused(sts_served, token):
    url, emulator = sts_served
    sdk = sdk_client(
        url, access_key_id="STS.demoKey", access_key_secret="sts-secret", security_token=token
    )
    error = sdk_error(
        emulator,
        lambda: sdk.list_instances(ccc_models.ListInstancesRequest(page_number=1, page_size=1)),
    )
    assert error.code == "InvalidSecurityToken.Malformed"


# == writes: the SDK and our client are answered alike ========================================

WRITE_ACTIONS = ["AddNumbersToSkillGroup", "RemovePhoneNumbersFromSkillGroup"]


def linked_state(emulator: Emulator) -> dict[str, set[str]]:
    """Every skill group's linked numbers, across every instance."""
    return {
        group.skill_group_id: set(group.linked)
        for instance in emulator.instances.values()
        for group in instance.skill_groups.values()
    }


def sdk_write(sdk: SdkClient, action: str, number_list: str, **group: str):
    fields = {
        "instance_id": EXAMPLE_INSTANCE_ID,
        "skill_group_id": EXAMPLE_SKILL_GROUP_ID,
        "number_list": number_list,
        **group,
    }
    if action == "AddNumbersToSkillGroup":
        return sdk.add_numbers_to_skill_group_with_options(
            ccc_models.AddNumbersToSkillGroupRequest(**fields), runtime()
        )
    return sdk.remove_phone_numbers_from_skill_group_with_options(
        ccc_models.RemovePhoneNumbersFromSkillGroupRequest(**fields), runtime()
    )


def our_write(ours: CccClient, action: str, number_list: str) -> None:
    """The same NumberList through our client: its public methods when they can build it,
    else its request path with the raw parameter (they never send a malformed list)."""
    numbers = json.loads(number_list) if number_list.startswith("[") else None
    if numbers and all(isinstance(n, str) and n.strip() for n in numbers):
        method = (
            ours.add_numbers_to_skill_group
            if action == "AddNumbersToSkillGroup"
            else ours.remove_phone_numbers_from_skill_group
        )
        method(
            instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, numbers=numbers
        )
        return
    write_raw(ours, action, number_list)


def example_numbers(emulator: Emulator) -> tuple[list[str], list[str], list[str]]:
    """The example instance's linked, eligible and personal outbound numbers, sorted."""
    instance = emulator.instances[EXAMPLE_INSTANCE_ID]
    linked = instance.skill_groups[EXAMPLE_SKILL_GROUP_ID].linked
    records = sorted(instance.numbers.values(), key=lambda record: record.number)
    return (
        [r.number for r in records if r.number in linked],
        [r.number for r in records if r.number not in linked and not r.personal_outbound],
        [r.number for r in records if r.personal_outbound],
    )


def refused_write_cases(emulator: Emulator) -> dict[str, tuple[str, int, str]]:
    linked, eligible, personal = example_numbers(emulator)
    over = (linked + eligible)[: emulator.max_numbers_per_write + 1]
    return {
        "unknown-number": (json.dumps([*eligible[:2], "099999999999"]), 404, "NotExists.Number"),
        "unknown-among-linked": (
            json.dumps([*linked[:2], "099999999999"]),
            404,
            "NotExists.Number",
        ),
        "personal-outbound": (json.dumps([eligible[0], personal[0]]), 400, "Parameter.Invalid"),
        "over-the-maximum": (json.dumps(over), 400, "Parameter.Maximum"),
        "not-json": ("083300110001,083300110002", 400, "Parameter.Format"),
        "not-an-array": ('{"Number": "083300110001"}', 400, "Parameter.Format"),
        "not-strings": ("[83300110001]", 400, "Parameter.Format"),
        "a-blank-entry": (json.dumps([eligible[0], " "]), 400, "Parameter.Format"),
        "an-empty-array": ("[]", 400, "Parameter.Empty"),
    }


REFUSED_CASES = [
    (action, case)
    for action in WRITE_ACTIONS
    for case in [
        "unknown-number",
        "unknown-among-linked",
        "personal-outbound",
        "over-the-maximum",
        "not-json",
        "not-an-array",
        "not-strings",
        "a-blank-entry",
        "an-empty-array",
    ]
    # Removing a personal outbound number that is not linked is a no-op success.
    if not (action == "RemovePhoneNumbersFromSkillGroup" and case == "personal-outbound")
]


@pytest.mark.parametrize(("action", "case"), REFUSED_CASES)
def test_a_refused_write_reaches_the_sdk_and_our_client_alike(sdk, ours, served, action, case):
    _, emulator = served
    number_list, status, code = refused_write_cases(emulator)[case]
    before = linked_state(emulator)

    error = sdk_error(emulator, lambda: sdk_write(sdk, action, number_list))
    assert isinstance(error, ClientException)
    assert (error.code, error.status_code) == (code, status)
    assert error.data["Code"] == code and error.data["HttpStatusCode"] == status
    assert "NumberList" in error.data["Message"] or code == "NotExists.Number"
    assert linked_state(emulator) == before

    with pytest.raises(CccError) as raised:
        our_write(ours, action, number_list)
    assert (raised.value.code, raised.value.http_status) == (error.code, error.status_code)
    assert raised.value.message == error.data["Message"]
    assert linked_state(emulator) == before


def test_removing_a_personal_outbound_number_that_is_not_linked_succeeds_alike(sdk, ours, served):
    _, emulator = served
    _, _, personal = example_numbers(emulator)
    before = linked_state(emulator)
    response = sdk_write(sdk, "RemovePhoneNumbersFromSkillGroup", json.dumps(personal[:1]))
    assert (response.status_code, response.body.code) == (200, "OK")
    assert linked_state(emulator) == before
    our_write(ours, "RemovePhoneNumbersFromSkillGroup", json.dumps(personal[:1]))
    assert linked_state(emulator) == before


def accepted_write_cases(emulator: Emulator) -> list[tuple[str, list[str]]]:
    """Calls that succeed, applied in turn: overlapping, duplicated, no-op and retried."""
    linked, eligible, _ = example_numbers(emulator)
    batch = eligible[:4]
    return [
        ("AddNumbersToSkillGroup", batch[:2]),
        ("AddNumbersToSkillGroup", [*batch, batch[3], batch[0]]),  # overlapping, duplicated
        ("AddNumbersToSkillGroup", batch),  # retried: all already linked
        ("AddNumbersToSkillGroup", (linked + eligible)[: emulator.max_numbers_per_write]),
        ("RemovePhoneNumbersFromSkillGroup", [linked[0], batch[1], linked[0]]),
        ("RemovePhoneNumbersFromSkillGroup", [linked[0], batch[1]]),  # retried: not linked
        ("RemovePhoneNumbersFromSkillGroup", eligible[-2:]),  # never linked
    ]


def test_accepted_writes_leave_the_same_state_from_the_sdk_and_our_client(sdk, ours, served):
    _, emulator = served
    cases = accepted_write_cases(emulator)
    states = []
    for action, numbers in cases:
        response = sdk_write(sdk, action, json.dumps(numbers))
        assert (response.status_code, response.body.code) == (200, "OK")
        states.append(linked_state(emulator))
    assert states[0] != states[-1]

    emulator.instances = build_demo_instances()
    for (action, numbers), sdk_state in zip(cases, states, strict=True):
        our_write(ours, action, json.dumps(numbers))
        assert linked_state(emulator) == sdk_state


# == a number's skill groups and the agents: the SDK and our client alike ======================


def sdk_instance_number(row) -> InstancePhoneNumber:
    return InstancePhoneNumber(
        number=row.number,
        instance_id=row.instance_id,
        active=row.active,
        usage=row.usage,
        province=row.province,
        city=row.city,
        contact_flow_id=row.contact_flow_id,
        contact_flow_name=row.contact_flow_name,
        provider=row.provider,
        create_time=row.create_time,
        tags=row.tags,
        user_id=row.user_id,
        skill_groups=tuple(
            LinkedSkillGroup(
                skill_group_id=group.skill_group_id,
                instance_id=group.instance_id,
                name=group.name,
                display_name=group.display_name,
            )
            for group in row.skill_groups
        ),
    )


def sdk_listed_user(row) -> User:
    return User(
        user_id=row.user_id,
        instance_id="",
        login_name=row.login_name,
        display_name=row.display_name,
        email=row.email,
        display_id=row.display_id,
        role_name=row.role_name,
        personal_outbound_numbers=tuple(
            PersonalOutboundNumber(
                number=number.number,
                active=number.active,
                usage=number.usage,
                province=number.province,
                city=number.city,
            )
            for number in row.personal_outbound_number_list
        ),
        skill_levels=tuple(
            SkillLevel(
                skill_group_id=level.skill_group_id,
                skill_group_name=level.skill_group_name,
                level=level.skill_level,
            )
            for level in row.skill_level_list
        ),
    )


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"page_number": 3, "page_size": 7},
        {"search_pattern": "0833"},
        {"search_pattern": EXAMPLE_NUMBER},
        {"usage": "Outbound", "active": False},
        {"usage": "Bidirection", "active": True, "search_pattern": "13"},
        {"instance_id": BULK_INSTANCE_ID, "page_number": 100},
        {"search_pattern": AWKWARD_PATTERN},
    ],
    ids=lambda fields: "-".join(f"{name}={value}" for name, value in fields.items()) or "all",
)
def test_list_phone_numbers(sdk, ours, fields):
    request = {"instance_id": EXAMPLE_INSTANCE_ID, "page_number": 1, "page_size": 100, **fields}
    response = sdk.list_phone_numbers_with_options(
        ccc_models.ListPhoneNumbersRequest(**request), runtime()
    )
    assert (response.status_code, response.body.code) == (200, "OK")
    data = response.body.data

    page = ours.list_phone_numbers(**request)
    assert page.items == tuple(sdk_instance_number(row) for row in data.list)
    assert (page.page_number, page.page_size, page.total_count) == paging(data)
    if fields.get("search_pattern") == AWKWARD_PATTERN:
        assert data.list == []
    else:
        assert data.list


def test_a_numbers_groups_and_agent_through_the_sdk(sdk, served):
    _, emulator = served
    instance = emulator.instances[EXAMPLE_INSTANCE_ID]
    rows = sdk.list_phone_numbers(
        ccc_models.ListPhoneNumbersRequest(
            instance_id=EXAMPLE_INSTANCE_ID, page_number=1, page_size=100, search_pattern="0833"
        )
    ).body.data.list
    example = next(row for row in rows if row.number == EXAMPLE_NUMBER)
    assert [group.skill_group_id for group in example.skill_groups] == [EXAMPLE_SKILL_GROUP_ID]
    assert (example.contact_flow_name, example.user_id) == ("售后服务流程", "")
    personal = [row for row in rows if row.user_id]
    assert personal and all(row.skill_groups == [] for row in personal)
    assert {row.user_id for row in personal} <= set(instance.users)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"page_number": 2, "page_size": 25},
        {"search_pattern": "坐席"},
        {"search_pattern": AWKWARD_PATTERN},
        {"skill_group_id": "vip@ccc-test"},
        {"skill_group_id": CHAT_SKILL_GROUP_ID, "page_size": 5},
        {"instance_id": BULK_INSTANCE_ID, "page_number": 4},
    ],
    ids=lambda fields: "-".join(f"{name}={value}" for name, value in fields.items()) or "all",
)
def test_list_users(sdk, ours, fields):
    request = {"instance_id": EXAMPLE_INSTANCE_ID, "page_number": 1, "page_size": 100, **fields}
    response = sdk.list_users_with_options(ccc_models.ListUsersRequest(**request), runtime())
    assert (response.status_code, response.body.code) == (200, "OK")
    data = response.body.data

    page = ours.list_users(**request)
    assert page.items == tuple(sdk_listed_user(row) for row in data.list)
    assert (page.page_number, page.page_size, page.total_count) == paging(data)
    if fields.get("search_pattern") == AWKWARD_PATTERN:
        assert data.list == []
    else:
        assert data.list


def test_the_api_pages_example_agent_through_the_sdk(sdk):
    (row,) = sdk.list_users(
        ccc_models.ListUsersRequest(
            instance_id=EXAMPLE_INSTANCE_ID, page_number=1, page_size=10, search_pattern="坐席"
        )
    ).body.data.list
    assert (row.user_id, row.login_name, row.display_name, row.email, row.role_name) == (
        EXAMPLE_USER_ID,
        "agent",
        "坐席小王",
        "username@example.com",
        "Admin",
    )
    assert (row.skill_level_list[0].skill_group_id, row.skill_level_list[0].skill_level) == (
        EXAMPLE_SKILL_GROUP_ID,
        5,
    )
    assert row.personal_outbound_number_list


@pytest.mark.parametrize(
    "instance_id, user_id",
    [(EXAMPLE_INSTANCE_ID, EXAMPLE_USER_ID), (BULK_INSTANCE_ID, None)],
)
def test_get_user(sdk, ours, served, instance_id, user_id):
    user_id = user_id or next(iter(served[1].instances[instance_id].users))
    response = sdk.get_user_with_options(
        ccc_models.GetUserRequest(instance_id=instance_id, user_id=user_id), runtime()
    )
    assert (response.status_code, response.body.code) == (200, "OK")
    data = response.body.data
    assert (data.user_id, data.instance_id) == (user_id, instance_id)

    assert ours.get_user(instance_id=instance_id, user_id=user_id) == User(
        user_id=data.user_id,
        instance_id=data.instance_id,
        login_name=data.login_name,
        display_name=data.display_name,
        email=data.email,
        display_id=data.display_id,
        role_name=data.role_name,
    )


READ_REFUSALS = [
    pytest.param(
        "ListPhoneNumbers", {"instance_id": "ccc-nope"}, 404, "NotExists.InstanceId", id="lpn-404"
    ),
    pytest.param("ListPhoneNumbers", {"usage": "All"}, 400, "Parameter.Invalid", id="lpn-usage"),
    pytest.param(
        "ListPhoneNumbers", {"page_size": 101}, 400, "Parameter.Maximum", id="lpn-page-size"
    ),
    pytest.param("ListUsers", {"instance_id": "ccc-nope"}, 404, "NotExists.InstanceId", id="lu"),
    pytest.param(
        "ListUsers",
        {"skill_group_id": "nope@ccc-test"},
        404,
        "NotExists.SkillGroupId",
        id="lu-group",
    ),
    pytest.param("ListUsers", {"page_number": 0}, 400, "Parameter.Minimum", id="lu-page"),
    pytest.param("GetUser", {"user_id": "nobody@ccc-test"}, 404, "NotExists.UserId", id="gu"),
    pytest.param("GetUser", {"user_id": None}, 400, "Parameter.Empty", id="gu-no-user"),
]


READ_DEFAULTS = {
    "ListPhoneNumbers": {"instance_id": EXAMPLE_INSTANCE_ID, "page_number": 1, "page_size": 10},
    "ListUsers": {"instance_id": EXAMPLE_INSTANCE_ID, "page_number": 1, "page_size": 10},
    "GetUser": {"instance_id": EXAMPLE_INSTANCE_ID, "user_id": EXAMPLE_USER_ID},
}


def number_or_agent_read(client: SdkClient | CccClient, action: str, fields: dict):
    """The read with `fields` over a valid request's, by the SDK or by our client (their
    request models and our methods share the field names)."""
    request = {**READ_DEFAULTS[action], **fields}
    if isinstance(client, SdkClient):
        model, call = {
            "ListPhoneNumbers": (ccc_models.ListPhoneNumbersRequest, client.list_phone_numbers),
            "ListUsers": (ccc_models.ListUsersRequest, client.list_users),
            "GetUser": (ccc_models.GetUserRequest, client.get_user),
        }[action]
        return call(model(**request))
    method = {
        "ListPhoneNumbers": client.list_phone_numbers,
        "ListUsers": client.list_users,
        "GetUser": client.get_user,
    }[action]
    # Our methods take a blank where the SDK leaves a field out.
    return method(**{name: "" if value is None else value for name, value in request.items()})


@pytest.mark.parametrize(("action", "fields", "status", "code"), READ_REFUSALS)
def test_a_refused_number_or_agent_read_reaches_the_sdk_and_our_client_alike(
    sdk, ours, served, action, fields, status, code
):
    error = sdk_error(served[1], lambda: number_or_agent_read(sdk, action, fields))
    assert isinstance(error, ClientException)
    assert (error.code, error.status_code) == (code, status)

    # Our client refuses paging and blanks before sending, with the API's code and message.
    with pytest.raises(CccError) as raised:
        number_or_agent_read(ours, action, fields)
    assert (raised.value.code, raised.value.http_status) == (code, status)
    assert raised.value.message == error.data["Message"]


NUMBER_WRITE_ACTIONS = ["AddPhoneNumberToSkillGroups", "RemovePhoneNumberFromSkillGroups"]


@pytest.mark.parametrize(
    "action", [*NUMBER_WRITE_ACTIONS, "ListPhoneNumbers", "ListUsers", "GetUser"]
)
def test_a_ram_refusal_of_a_number_or_agent_action_reaches_the_sdk_and_our_client_alike(
    sdk, ours, served, action
):
    _, emulator = served
    emulator.faults.add_rule(FaultKind.FORBIDDEN, 1, action=action)
    if action in NUMBER_WRITE_ACTIONS:
        groups = json.dumps([EXAMPLE_SKILL_GROUP_ID])
        error = sdk_error(emulator, lambda: sdk_number_write(sdk, action, EXAMPLE_NUMBER, groups))
        with pytest.raises(CccError) as raised:
            our_number_write(ours, action, EXAMPLE_NUMBER, groups)
    else:
        error = sdk_error(emulator, lambda: number_or_agent_read(sdk, action, {}))
        with pytest.raises(CccError) as raised:
            number_or_agent_read(ours, action, {})
    assert (error.code, error.status_code) == ("Forbidden.RAM", 403)
    assert (raised.value.code, raised.value.http_status) == ("Forbidden.RAM", 403)
    assert raised.value.message == error.data["Message"]


def sdk_number_write(sdk: SdkClient, action: str, number: str, skill_group_id_list: str):
    fields = {
        "instance_id": EXAMPLE_INSTANCE_ID,
        "number": number,
        "skill_group_id_list": skill_group_id_list,
    }
    if action == "AddPhoneNumberToSkillGroups":
        return sdk.add_phone_number_to_skill_groups_with_options(
            ccc_models.AddPhoneNumberToSkillGroupsRequest(**fields), runtime()
        )
    return sdk.remove_phone_number_from_skill_groups_with_options(
        ccc_models.RemovePhoneNumberFromSkillGroupsRequest(**fields), runtime()
    )


def our_number_write(ours: CccClient, action: str, number: str, skill_group_id_list: str) -> None:
    """The same SkillGroupIdList through our client: its public methods when they can build
    it, else its request path with the raw parameter (they never send a malformed list)."""
    groups = json.loads(skill_group_id_list) if skill_group_id_list.startswith("[") else None
    if groups and all(isinstance(group, str) and group.strip() for group in groups):
        method = (
            ours.add_phone_number_to_skill_groups
            if action == "AddPhoneNumberToSkillGroups"
            else ours.remove_phone_number_from_skill_groups
        )
        method(instance_id=EXAMPLE_INSTANCE_ID, number=number, skill_group_ids=groups)
        return
    ours._request(
        action,
        {
            "InstanceId": EXAMPLE_INSTANCE_ID,
            "Number": number,
            "SkillGroupIdList": skill_group_id_list,
        },
        lambda payload: payload,
    )


def refused_number_write_cases(emulator: Emulator) -> dict[str, tuple[str, str, int, str]]:
    """(number, SkillGroupIdList, status, code) by case; EXAMPLE_NUMBER is in the example
    group alone."""
    _, _, personal = example_numbers(emulator)
    over = json.dumps([EXAMPLE_SKILL_GROUP_ID] * (emulator.max_skill_groups_per_write + 1))
    return {
        "unknown-group": (
            EXAMPLE_NUMBER,
            json.dumps([EXAMPLE_SKILL_GROUP_ID, "nope@ccc-test"]),
            404,
            "NotExists.SkillGroupId",
        ),
        "not-linked": (
            EXAMPLE_NUMBER,
            json.dumps([EXAMPLE_SKILL_GROUP_ID, "vip@ccc-test"]),
            400,
            "Parameter.Invalid",
        ),
        "personal-outbound": (personal[0], json.dumps(["vip@ccc-test"]), 400, "Parameter.Invalid"),
        "unknown-number": ("099999999999", json.dumps(["vip@ccc-test"]), 404, "NotExists.Number"),
        "over-the-maximum": (EXAMPLE_NUMBER, over, 400, "Parameter.Maximum"),
        "not-json": (EXAMPLE_NUMBER, "vip@ccc-test,sales@ccc-test", 400, "Parameter.Format"),
        "not-an-array": (EXAMPLE_NUMBER, '{"Id": "vip@ccc-test"}', 400, "Parameter.Format"),
        "not-strings": (EXAMPLE_NUMBER, "[1, 2]", 400, "Parameter.Format"),
        "a-blank-entry": (EXAMPLE_NUMBER, '["vip@ccc-test", " "]', 400, "Parameter.Format"),
        "an-empty-array": (EXAMPLE_NUMBER, "[]", 400, "Parameter.Empty"),
    }


# The group each refusal names, for the caller to leave out.
NAMED_GROUPS = {"unknown-group": "nope@ccc-test", "not-linked": "vip@ccc-test"}
REFUSED_NUMBER_WRITES = [
    (action, case)
    for action in NUMBER_WRITE_ACTIONS
    for case in [
        "unknown-group",
        "not-linked",
        "personal-outbound",
        "unknown-number",
        "over-the-maximum",
        "not-json",
        "not-an-array",
        "not-strings",
        "a-blank-entry",
        "an-empty-array",
    ]
    # Only Remove refuses a group the number is not linked to, and only Add a personal
    # outbound number (which Remove refuses as it is linked to no group: "not-linked").
    if (action, case)
    not in {
        ("AddPhoneNumberToSkillGroups", "not-linked"),
        ("RemovePhoneNumberFromSkillGroups", "personal-outbound"),
    }
]


@pytest.mark.parametrize(("action", "case"), REFUSED_NUMBER_WRITES)
def test_a_refused_number_write_reaches_the_sdk_and_our_client_alike(
    sdk, ours, served, action, case
):
    _, emulator = served
    number, skill_group_id_list, status, code = refused_number_write_cases(emulator)[case]
    before = linked_state(emulator)

    error = sdk_error(emulator, lambda: sdk_number_write(sdk, action, number, skill_group_id_list))
    assert isinstance(error, ClientException)
    assert (error.code, error.status_code) == (code, status)
    assert error.data["Code"] == code and error.data["HttpStatusCode"] == status
    assert linked_state(emulator) == before

    with pytest.raises(CccError) as raised:
        our_number_write(ours, action, number, skill_group_id_list)
    assert (raised.value.code, raised.value.http_status) == (error.code, error.status_code)
    assert raised.value.message == error.data["Message"]
    assert raised.value.skill_group_id == NAMED_GROUPS.get(case)
    assert linked_state(emulator) == before


def accepted_number_write_cases(emulator: Emulator) -> list[tuple[str, str, list[str]]]:
    """Calls that succeed, applied in turn: several groups, duplicated, no-op and retried."""
    _, eligible, _ = example_numbers(emulator)
    number = eligible[0]
    return [
        ("AddPhoneNumberToSkillGroups", number, ["sales@ccc-test", "vip@ccc-test"]),
        ("AddPhoneNumberToSkillGroups", number, ["vip@ccc-test", "vip@ccc-test"]),  # no-op
        ("AddPhoneNumberToSkillGroups", EXAMPLE_NUMBER, [EXAMPLE_SKILL_GROUP_ID, "sales@ccc-test"]),
        ("RemovePhoneNumberFromSkillGroups", number, ["vip@ccc-test", "vip@ccc-test"]),
        ("RemovePhoneNumberFromSkillGroups", EXAMPLE_NUMBER, [EXAMPLE_SKILL_GROUP_ID]),
        ("AddPhoneNumberToSkillGroups", number, VOICE_GROUPS * 4),  # 20 entries: the maximum
    ]


VOICE_GROUPS = [
    EXAMPLE_SKILL_GROUP_ID,
    "sales@ccc-test",
    "aftersales@ccc-test",
    "vip@ccc-test",
    "night-shift@ccc-test",
]


def test_accepted_number_writes_leave_the_same_state_from_the_sdk_and_our_client(sdk, ours, served):
    _, emulator = served
    cases = accepted_number_write_cases(emulator)
    states = []
    for action, number, groups in cases:
        response = sdk_number_write(sdk, action, number, json.dumps(groups))
        assert (response.status_code, response.body.code) == (200, "OK")
        states.append(linked_state(emulator))
    assert states[0] != states[-1]

    emulator.instances = build_demo_instances()
    for (action, number, groups), sdk_state in zip(cases, states, strict=True):
        our_number_write(ours, action, number, json.dumps(groups))
        assert linked_state(emulator) == sdk_state


def test_our_client_and_the_sdk_see_each_others_number_writes(sdk, ours):
    number = ours.list_phone_numbers_of_skill_group(
        instance_id=BULK_INSTANCE_ID, skill_group_id=BULK_SKILL_GROUP_ID, is_member=False
    ).items[0]
    ours.add_phone_number_to_skill_groups(
        instance_id=BULK_INSTANCE_ID,
        number=number.number,
        skill_group_ids=[BULK_SKILL_GROUP_ID, OVERFLOW_SKILL_GROUP_ID],
    )
    (row,) = sdk.list_phone_numbers(
        ccc_models.ListPhoneNumbersRequest(
            instance_id=BULK_INSTANCE_ID, page_number=1, page_size=10, search_pattern=number.number
        )
    ).body.data.list
    assert [group.skill_group_id for group in row.skill_groups] == [
        BULK_SKILL_GROUP_ID,
        OVERFLOW_SKILL_GROUP_ID,
    ]

    sdk.remove_phone_number_from_skill_groups(
        ccc_models.RemovePhoneNumberFromSkillGroupsRequest(
            instance_id=BULK_INSTANCE_ID,
            number=number.number,
            skill_group_id_list=json.dumps([OVERFLOW_SKILL_GROUP_ID, BULK_SKILL_GROUP_ID]),
        )
    )
    (after,) = ours.list_phone_numbers(
        instance_id=BULK_INSTANCE_ID, search_pattern=number.number
    ).items
    assert after.skill_groups == ()
