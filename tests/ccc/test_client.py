"""CccClient against the emulator (in-process and over a socket), and against odd responses."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from urllib.parse import parse_qsl

import httpx
import pytest
from stamina.instrumentation import get_on_retry_hooks, set_on_retry_hooks

from ccc import (
    AuthenticationError,
    CccClient,
    CccError,
    ContactFlow,
    ContactFlowType,
    Instance,
    InstancePhoneNumber,
    InvalidParameterError,
    LinkedSkillGroup,
    NotFoundError,
    NumberUsage,
    Page,
    PersonalOutboundNumber,
    PhoneNumber,
    RetryPolicy,
    SkillGroup,
    SkillLevel,
    ThrottlingError,
    UnavailableError,
    User,
    budget,
    signing,
)
from ccc.client import endpoint_url
from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator
from ccc.emulator.dataset import (
    CHAT_SKILL_GROUP_ID,
    EXAMPLE_CONTACT_FLOW_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
)
from phone_numbers.emulator_server import running_emulator

from .conftest import FAST_RETRY, RecordingTransport

GROUP = {"instance_id": EXAMPLE_INSTANCE_ID, "skill_group_id": EXAMPLE_SKILL_GROUP_ID}
NO_RETRY = RetryPolicy(attempts=1, wait_initial=0, wait_max=0, wait_jitter=0)
STS_TOKEN = "CAIS+sts/Token==secret-part-0123456789"


def ok_body(data: object = None, request_id: str = "OK-REQUEST-ID") -> dict:
    body = {"RequestId": request_id, "Code": "OK", "HttpStatusCode": 200, "Message": ""}
    if data is not None:
        body["Data"] = data
    return body


EMPTY_PAGE = {"PageNumber": 1, "PageSize": 20, "TotalCount": 0, "List": []}


class Capture:
    """A MockTransport handler that records requests and answers with a fixed response."""

    def __init__(self, response: httpx.Response | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.response = response

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.response is not None:
            return self.response
        return httpx.Response(200, json=ok_body(EMPTY_PAGE))

    @property
    def params(self) -> dict[str, str]:
        return dict(self.requests[-1].url.params)


def linked(emulator: Emulator, skill_group_id: str = EXAMPLE_SKILL_GROUP_ID) -> set[str]:
    return emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups[skill_group_id].linked


def eligible_numbers(emulator: Emulator) -> list[str]:
    """What IsMember=false should list for the example group, in the API's order."""
    group = linked(emulator)
    return [
        record.number
        for record in emulator.instances[EXAMPLE_INSTANCE_ID].numbers.values()
        if record.number not in group and not record.personal_outbound
    ]


# -- happy paths ---------------------------------------------------------------------------


def test_list_instances(client):
    page = client.list_instances()
    assert isinstance(page, Page)
    assert (page.page_number, page.page_size, page.total_count) == (1, 20, 2)
    assert all(isinstance(item, Instance) for item in page.items)
    assert [item.instance_id for item in page.items] == ["ccc-test", "ccc-bulk"]
    assert page.items[0].name == "CCC test"
    assert page.items[0].status == "RUNNING"
    assert page.items[0].create_time == 1593561600000


def test_list_instances_pages(client):
    page = client.list_instances(page_number=2, page_size=1)
    assert (page.page_number, page.page_size, page.total_count) == (2, 1, 2)
    assert [item.instance_id for item in page.items] == ["ccc-bulk"]


def test_list_skill_groups(client):
    page = client.list_skill_groups(instance_id=EXAMPLE_INSTANCE_ID, page_size=100)
    assert page.total_count == 5  # the AUDIO ones, CCC's default
    assert all(isinstance(item, SkillGroup) for item in page.items)
    example = next(g for g in page.items if g.skill_group_id == EXAMPLE_SKILL_GROUP_ID)
    assert example.name == "skillgroup"
    assert example.display_name == "Customer service"
    assert example.media_type == "AUDIO"
    assert example.instance_id == EXAMPLE_INSTANCE_ID
    assert example.user_count == 42
    assert example.phone_number_count >= 60


def test_list_skill_groups_filters(client):
    sales = client.list_skill_groups(instance_id=EXAMPLE_INSTANCE_ID, search_pattern="sales")
    assert {g.skill_group_id for g in sales.items} == {"sales@ccc-test", "aftersales@ccc-test"}
    chat = client.list_skill_groups(instance_id=EXAMPLE_INSTANCE_ID, media_type="chat")
    assert [g.skill_group_id for g in chat.items] == [CHAT_SKILL_GROUP_ID]
    assert [g.media_type for g in chat.items] == ["CHAT"]


def test_media_type_is_sent_as_given():
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_skill_groups(instance_id=EXAMPLE_INSTANCE_ID, media_type="Video")
    assert capture.params["MediaType"] == "Video"


@pytest.mark.parametrize(
    ("media_type", "is_voice"),
    [("AUDIO", True), ("Audio", True), ("", True), ("CHAT", False), ("VIDEO", False)],
)
def test_a_voice_group_is_an_audio_one_or_one_without_media(media_type, is_voice):
    group = SkillGroup.from_api({"SkillGroupId": "g@ccc-test", "MediaType": media_type})
    assert group.is_voice is is_voice


def test_list_contact_flows(client, emulator):
    page = client.list_contact_flows(instance_id=EXAMPLE_INSTANCE_ID, page_size=100)
    instance = emulator.instances[EXAMPLE_INSTANCE_ID]
    assert (page.page_number, page.page_size, page.total_count) == (1, 100, 10)
    assert all(isinstance(flow, ContactFlow) for flow in page.items)
    assert {flow.contact_flow_id for flow in page.items} == set(instance.contact_flows)
    example = page.items[0]  # the most recently changed comes first
    assert example == ContactFlow(
        contact_flow_id=EXAMPLE_CONTACT_FLOW_ID,
        instance_id=EXAMPLE_INSTANCE_ID,
        name="售后服务流程",
        flow_type=ContactFlowType.MAIN_FLOW,
        description="v3.2 增加工单查询",
        published=True,
        numbers=tuple(
            record.number
            for record in instance.numbers.values()
            if record.contact_flow_id == EXAMPLE_CONTACT_FLOW_ID
        ),
        created_time="2021-01-10 09:30:00.0",
        updated_time="2024-12-25 18:00:00.0",
    )
    assert EXAMPLE_NUMBER in example.numbers


def test_list_contact_flows_filters_and_pages(client):
    def names(**filters) -> list[str]:
        page = client.list_contact_flows(instance_id=EXAMPLE_INSTANCE_ID, **filters)
        return [flow.name for flow in page.items]

    assert names(search_pattern="sales") == ["Sales hotline"]
    assert names(flow_type=ContactFlowType.SURVEY_FLOW) == ["满意度调查"]
    assert names(page_number=2, page_size=3) == [
        "VIP priority line",
        "投诉与建议",
        "Order status self-service",
    ]


def test_a_contact_flow_is_read_from_the_api_fields():
    row = {
        "ContactFlowId": "flow-1",
        "InstanceId": "ccc-test",
        "Name": "夜间值班",
        "Type": "MAIN_FLOW",
        "Description": "v1.0",
        "Published": False,
        "NumberList": ["0833001", "0833002"],
        "CreatedTime": "2021-07-14 10:48:43.0",
        "UpdatedTime": "2021-07-15 10:48:43.0",
        "Definition": "{}",  # documented, not read
    }
    data = {
        "PageNumber": 1,
        "PageSize": 20,
        "TotalCount": 2,
        "List": [row, {"ContactFlowId": "flow-2"}],
    }
    with _mock_client(Capture(httpx.Response(200, json=ok_body(data)))) as client:
        page = client.list_contact_flows(instance_id="ccc-test")
    assert page.items == (
        ContactFlow(
            contact_flow_id="flow-1",
            instance_id="ccc-test",
            name="夜间值班",
            flow_type="MAIN_FLOW",
            description="v1.0",
            published=False,
            numbers=("0833001", "0833002"),
            created_time="2021-07-14 10:48:43.0",
            updated_time="2021-07-15 10:48:43.0",
        ),
        # Only the id is certain: whatever else is missing reads as empty.
        ContactFlow("flow-2", "", "", "", "", False, (), "", ""),
    )
    assert page.total_count == 2


def test_get_skill_group(client):
    group = client.get_skill_group(**GROUP)
    assert group == SkillGroup(
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        instance_id=EXAMPLE_INSTANCE_ID,
        name="skillgroup",
        display_name="Customer service",
        description="Customer service (skillgroup)",
        media_type="AUDIO",
    )


def test_list_phone_numbers_finds_the_api_page_example(client, emulator):
    page = client.list_phone_numbers_of_skill_group(
        **GROUP, is_member=True, search_pattern=EXAMPLE_NUMBER
    )
    assert page.total_count == 1
    assert page.items == (
        PhoneNumber(
            number=EXAMPLE_NUMBER,
            instance_id=EXAMPLE_INSTANCE_ID,
            active=True,
            usage="Bidirection",
            province="四川",
            city="乐山",
            contact_flow_id=EXAMPLE_CONTACT_FLOW_ID,
        ),
    )
    members = client.list_phone_numbers_of_skill_group(**GROUP, is_member=True, page_size=100)
    assert members.total_count == len(linked(emulator))
    assert {n.number for n in members.items} == linked(emulator)


def test_list_phone_numbers_eligible_pages(client, emulator):
    expected = eligible_numbers(emulator)
    page = client.list_phone_numbers_of_skill_group(
        **GROUP, is_member=False, page_number=2, page_size=25
    )
    assert (page.page_number, page.page_size, page.total_count) == (2, 25, len(expected))
    assert [n.number for n in page.items] == expected[25:50]
    assert all(isinstance(n, PhoneNumber) for n in page.items)


def test_list_phone_numbers_active_filter(client, emulator):
    numbers = emulator.instances[EXAMPLE_INSTANCE_ID].numbers
    inactive_linked = [n for n in linked(emulator) if not numbers[n].active]
    page = client.list_phone_numbers_of_skill_group(
        **GROUP, is_member=True, active=False, page_size=100
    )
    assert page.total_count == len(inactive_linked) > 0
    assert all(not n.active for n in page.items)


def test_add_and_remove_numbers(client, emulator):
    number = eligible_numbers(emulator)[0]

    def is_member(member: bool) -> int:
        return client.list_phone_numbers_of_skill_group(
            **GROUP, is_member=member, search_pattern=number
        ).total_count

    assert (is_member(True), is_member(False)) == (0, 1)
    added = client.add_numbers_to_skill_group(**GROUP, numbers=[number])
    assert re.fullmatch(r"[0-9A-F-]{36}", added)
    assert number in linked(emulator)
    assert (is_member(True), is_member(False)) == (1, 0)
    removed = client.remove_phone_numbers_from_skill_group(**GROUP, numbers=[number])
    assert re.fullmatch(r"[0-9A-F-]{36}", removed) and removed != added
    assert number not in linked(emulator)
    assert (is_member(True), is_member(False)) == (0, 1)


def test_numbers_travel_as_a_json_array():
    capture = Capture(httpx.Response(200, json=ok_body()))
    with _mock_client(capture) as client:
        client.add_numbers_to_skill_group(**GROUP, numbers=("0833001", "+86 10 1234"))
    assert capture.requests[-1].headers["x-acs-action"] == "AddNumbersToSkillGroup"
    assert json.loads(capture.params["NumberList"]) == ["0833001", "+86 10 1234"]


def test_adding_a_personal_outbound_number_is_refused(client, emulator):
    personal = next(
        r.number
        for r in emulator.instances[EXAMPLE_INSTANCE_ID].numbers.values()
        if r.personal_outbound
    )
    with pytest.raises(InvalidParameterError) as caught:
        client.add_numbers_to_skill_group(**GROUP, numbers=[personal])
    assert caught.value.code == "Parameter.Invalid"
    assert personal in caught.value.message
    assert personal not in linked(emulator)


@pytest.mark.parametrize(
    ("call", "code", "message"),
    [
        (
            lambda c: c.get_skill_group(instance_id="ccc-nope", skill_group_id="x@ccc-nope"),
            "NotExists.InstanceId",
            "The specified instance ccc-nope does not exist.",
        ),
        (
            lambda c: c.list_phone_numbers_of_skill_group(
                instance_id=EXAMPLE_INSTANCE_ID, skill_group_id="nope@ccc-test", is_member=True
            ),
            "NotExists.SkillGroupId",
            "The skill group ID nope@ccc-test does not exist in instance ccc-test.",
        ),
        (
            lambda c: c.remove_phone_numbers_from_skill_group(**GROUP, numbers=["000"]),
            "NotExists.Number",
            "The number 000 does not exist in instance ccc-test.",
        ),
    ],
    ids=["instance", "skill-group", "number"],
)
def test_not_found_from_the_emulator(client, emulator, call, code, message):
    with pytest.raises(NotFoundError) as caught:
        call(client)
    error = caught.value
    assert (error.code, error.message, error.http_status) == (code, message, 404)
    assert error.request_id
    assert emulator.request_count == 1  # not retried


# -- credentials ---------------------------------------------------------------------------


def test_security_token_is_accepted(make_client):
    emulator = Emulator(security_tokens={DEMO_ACCESS_KEY_ID: STS_TOKEN})
    client = make_client(emulator=emulator, security_token=STS_TOKEN)
    assert client.list_instances().total_count == 2


@pytest.mark.parametrize("token", [None, "", "CAIS-wrong-token"], ids=["none", "empty", "wrong"])
def test_security_token_missing_or_wrong(make_client, token):
    emulator = Emulator(security_tokens={DEMO_ACCESS_KEY_ID: STS_TOKEN})
    client = make_client(emulator=emulator, security_token=token)
    with pytest.raises(AuthenticationError) as caught:
        client.list_instances()
    assert caught.value.code == "InvalidSecurityToken.Malformed"
    assert caught.value.http_status == 400
    assert caught.value.request_id
    assert emulator.request_count == 1


def test_security_token_headers_are_sent_and_signed():
    capture = Capture()
    with _mock_client(capture, security_token=STS_TOKEN) as client:
        client.list_instances()
    request = capture.requests[-1]
    assert request.headers["x-acs-security-token"] == STS_TOKEN
    assert request.headers["x-acs-accesskey-id"] == DEMO_ACCESS_KEY_ID
    signed = signing.Authorization.parse(request.headers["authorization"]).signed_headers
    assert "x-acs-security-token" in signed
    assert "x-acs-accesskey-id" in signed


@pytest.mark.parametrize(
    ("key", "secret", "code", "status"),
    [
        (DEMO_ACCESS_KEY_ID, "not-the-secret", "SignatureDoesNotMatch", 400),
        ("LTAI-unknown", DEMO_ACCESS_KEY_SECRET, "InvalidAccessKeyId.NotFound", 404),
    ],
)
def test_bad_credentials(make_client, emulator, key, secret, code, status):
    client = make_client(emulator=emulator, access_key_id=key, access_key_secret=secret)
    with pytest.raises(AuthenticationError) as caught:
        client.list_instances()
    assert (caught.value.code, caught.value.http_status) == (code, status)
    assert caught.value.request_id
    assert emulator.request_count == 1


# -- what goes on the wire -----------------------------------------------------------------


def _mock_client(handler, **kwargs) -> CccClient:
    """A client whose every request is answered by `handler` (an httpx.MockTransport)."""
    kwargs.setdefault("endpoint", "http://ccc.mock.test")
    kwargs.setdefault("retry", NO_RETRY)
    return CccClient(
        access_key_id=DEMO_ACCESS_KEY_ID,
        access_key_secret=DEMO_ACCESS_KEY_SECRET,
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def test_a_body_that_does_not_fit_its_content_encoding_is_an_invalid_response():
    corrupt = httpx.Response(
        200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip")
    )
    with _mock_client(Capture(corrupt)) as client, pytest.raises(UnavailableError) as caught:
        client.list_instances()
    assert caught.value.code == "InvalidResponse"


def test_request_shape_and_signature():
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_phone_numbers_of_skill_group(
            **GROUP, is_member=True, search_pattern="0833 1+2*3~4/乐山"
        )
    request = capture.requests[-1]
    assert request.method == "POST"
    assert request.url.path == "/"
    assert request.content == b""
    assert request.headers["accept"] == "application/json"
    assert request.headers["x-acs-action"] == "ListPhoneNumbersOfSkillGroup"
    assert request.headers["x-acs-version"] == "2020-07-01"
    assert request.headers["x-acs-content-sha256"] == signing.EMPTY_BODY_SHA256
    assert request.headers["host"] == "ccc.mock.test"
    time.strptime(request.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ")
    # The wire query is the canonical one: RFC 3986, sorted.
    assert request.url.query.decode() == (
        "InstanceId=ccc-test&IsMember=true&PageNumber=1&PageSize=20"
        "&SearchPattern=0833%201%2B2%2A3~4%2F%E4%B9%90%E5%B1%B1"
        "&SkillGroupId=skillgroup%40ccc-test"
    )
    assert capture.params["SearchPattern"] == "0833 1+2*3~4/乐山"
    # And the signature verifies from what arrived.
    authorization = signing.Authorization.parse(request.headers["authorization"])
    assert authorization.access_key_id == DEMO_ACCESS_KEY_ID
    assert authorization.signature == signing.signature(
        secret=DEMO_ACCESS_KEY_SECRET,
        method=request.method,
        query=signing.canonical_query(
            dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        ),
        headers={name.lower(): value for name, value in request.headers.items()},
        signed_headers=authorization.signed_headers,
        payload_sha256=signing.EMPTY_BODY_SHA256,
    )


def test_list_contact_flows_sends_its_parameters():
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_contact_flows(instance_id="ccc-test")
        client.list_contact_flows(
            instance_id="ccc-test",
            page_number=3,
            page_size=100,
            search_pattern="售后 服务",
            flow_type=ContactFlowType.SUB_FLOW,
        )
    first, second = capture.requests
    assert first.headers["x-acs-action"] == second.headers["x-acs-action"] == "ListContactFlows"
    assert dict(first.url.params) == {"InstanceId": "ccc-test", "PageNumber": "1", "PageSize": "20"}
    assert dict(second.url.params) == {
        "InstanceId": "ccc-test",
        "PageNumber": "3",
        "PageSize": "100",
        "SearchPattern": "售后 服务",
        "Type": "SUB_FLOW",
    }


def test_every_request_gets_a_fresh_nonce():
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_instances()
        client.list_instances()
    nonces = {r.headers["x-acs-signature-nonce"] for r in capture.requests}
    assert len(nonces) == 2


@pytest.mark.parametrize(
    ("is_member", "active", "expected"),
    [
        (True, None, {"IsMember": "true"}),
        (False, True, {"IsMember": "false", "Active": "true"}),
        (True, False, {"IsMember": "true", "Active": "false"}),
    ],
)
def test_booleans_are_sent_as_true_and_false(is_member, active, expected):
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_phone_numbers_of_skill_group(**GROUP, is_member=is_member, active=active)
    sent = {name: capture.params.get(name) for name in ("IsMember", "Active")}
    assert sent == {"IsMember": None, "Active": None} | expected


def test_unset_parameters_are_left_out():
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_phone_numbers_of_skill_group(**GROUP, is_member=True, search_pattern="")
        client.list_skill_groups(instance_id="ccc-test", search_pattern=None, media_type="")
    first, second = (dict(r.url.params) for r in capture.requests)
    assert set(first) == {"InstanceId", "SkillGroupId", "IsMember", "PageNumber", "PageSize"}
    assert set(second) == {"InstanceId", "PageNumber", "PageSize"}


def test_user_agent_names_cccadmin():
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_instances()
    assert "cccadmin" in capture.requests[-1].headers["user-agent"]


def test_bare_host_endpoint_becomes_https():
    capture = Capture()
    with _mock_client(capture, endpoint="ccc.cn-shanghai.aliyuncs.com") as client:
        client.list_instances()
    request = capture.requests[-1]
    assert request.url.scheme == "https"
    assert request.url.host == "ccc.cn-shanghai.aliyuncs.com"
    assert request.headers["host"] == "ccc.cn-shanghai.aliyuncs.com"


def test_default_endpoint_is_shanghai_over_https():
    capture = Capture()
    with CccClient(
        access_key_id=DEMO_ACCESS_KEY_ID,
        access_key_secret=DEMO_ACCESS_KEY_SECRET,
        transport=httpx.MockTransport(capture),
        retry=NO_RETRY,
    ) as client:
        client.list_instances()
    assert str(capture.requests[-1].url).startswith("https://ccc.cn-shanghai.aliyuncs.com/?")


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("ccc.cn-shanghai.aliyuncs.com", "https://ccc.cn-shanghai.aliyuncs.com"),
        (" ccc.cn-beijing.aliyuncs.com/ ", "https://ccc.cn-beijing.aliyuncs.com"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("https://ccc.example.com", "https://ccc.example.com"),
    ],
)
def test_endpoint_url(endpoint, url):
    assert endpoint_url(endpoint) == url


def test_emulator_over_a_real_socket(make_client, live_emulator):
    url, emulator = live_emulator
    client = make_client(endpoint=url)
    page = client.list_phone_numbers_of_skill_group(
        **GROUP, is_member=True, search_pattern=EXAMPLE_NUMBER
    )
    assert [n.city for n in page.items] == ["乐山"]
    assert emulator.request_count == 1


# -- error shapes through the client --------------------------------------------------------


def _gateway(code: str) -> dict:
    return {
        "RequestId": "GW-REQUEST-ID",
        "HostId": "ccc.mock.test",
        "Code": code,
        "Message": f"{code} happened.",
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=CCC",
    }


def _product(code: str, status: int) -> dict:
    return {
        "Code": code,
        "HttpStatusCode": status,
        "Message": f"{code} happened.",
        "RequestId": "GW-REQUEST-ID",
    }


@pytest.mark.parametrize(
    ("status", "body", "error_class", "code"),
    [
        (400, _product("Parameter.Invalid", 400), InvalidParameterError, "Parameter.Invalid"),
        (404, _product("NotExists.InstanceId", 404), NotFoundError, "NotExists.InstanceId"),
        (400, _gateway("SignatureDoesNotMatch"), AuthenticationError, "SignatureDoesNotMatch"),
        (400, _gateway("IncompleteSignature"), AuthenticationError, "IncompleteSignature"),
        (
            404,
            _gateway("InvalidAccessKeyId.NotFound"),
            AuthenticationError,
            "InvalidAccessKeyId.NotFound",
        ),
        (403, _gateway("Forbidden.RAM"), AuthenticationError, "Forbidden.RAM"),
        (503, _gateway("Throttling"), ThrottlingError, "Throttling"),
        (400, _gateway("Throttling.User"), ThrottlingError, "Throttling.User"),
        (429, _gateway("Throttling.Api"), ThrottlingError, "Throttling.Api"),
        (503, _gateway("ServiceUnavailable"), UnavailableError, "ServiceUnavailable"),
        (400, _gateway("ServiceUnavailable"), UnavailableError, "ServiceUnavailable"),
        (500, _gateway("InternalError"), UnavailableError, "InternalError"),
    ],
)
def test_error_bodies_map_to_their_class(status, body, error_class, code):
    capture = Capture(httpx.Response(status, json=body))
    with _mock_client(capture) as client, pytest.raises(CccError) as caught:
        client.get_skill_group(**GROUP)
    error = caught.value
    assert type(error) is error_class
    assert (error.code, error.message, error.http_status, error.request_id) == (
        code,
        f"{code} happened.",
        status,
        "GW-REQUEST-ID",
    )


@pytest.mark.parametrize(
    ("response", "error_class", "status"),
    [
        (httpx.Response(502, text="<html>Bad Gateway</html>"), UnavailableError, 502),
        (httpx.Response(503, content=b""), UnavailableError, 503),
        (httpx.Response(400, text="Bad Request"), CccError, 400),
        (httpx.Response(200, text="<html>captive portal</html>"), UnavailableError, 200),
        (httpx.Response(200, content=b""), UnavailableError, 200),
        (httpx.Response(200, json=["not", "an", "object"]), UnavailableError, 200),
    ],
    ids=["html-502", "empty-503", "text-400", "html-200", "empty-200", "list-200"],
)
def test_bodies_that_are_not_ccc_answers(response, error_class, status):
    response.headers["x-acs-request-id"] = "HEADER-REQUEST-ID"
    with _mock_client(Capture(response)) as client, pytest.raises(CccError) as caught:
        client.list_instances()
    error = caught.value
    assert type(error) is error_class
    assert error.code == "InvalidResponse"
    assert error.http_status == status
    assert error.request_id == "HEADER-REQUEST-ID"


@pytest.mark.parametrize(
    ("body", "error_class", "status"),
    [
        (_product("NotExists.SkillGroupId", 404), NotFoundError, 404),
        (_product("Parameter.Empty", 400), InvalidParameterError, 400),
        (_gateway("Throttling.User"), ThrottlingError, 200),
        ({**_product("Forbidden.RAM", 403), "HttpStatusCode": "n/a"}, AuthenticationError, 200),
    ],
    ids=["not-found", "parameter", "throttling-no-status", "garbled-status"],
)
def test_a_200_whose_code_is_not_ok_is_an_error(body, error_class, status):
    with (
        _mock_client(Capture(httpx.Response(200, json=body))) as client,
        pytest.raises(CccError) as caught,
    ):
        client.get_skill_group(**GROUP)
    assert type(caught.value) is error_class
    assert caught.value.code == body["Code"]
    assert caught.value.http_status == status
    assert caught.value.request_id == "GW-REQUEST-ID"


# -- retries -------------------------------------------------------------------------------


@pytest.fixture
def retry_waits():
    """The waits stamina schedules between attempts, in seconds."""
    waits: list[float] = []
    previous = get_on_retry_hooks()
    set_on_retry_hooks([*previous, lambda details: waits.append(details.wait_for)])
    yield waits
    set_on_retry_hooks(previous)


@pytest.mark.parametrize("kind", ["unavailable", "internal", "throttling", "malformed"])
def test_reads_retry_transient_faults(client, emulator, kind):
    emulator.faults.inject(kind, times=2)
    assert client.list_instances().total_count == 2
    assert emulator.request_count == 3


@pytest.mark.parametrize(
    ("kind", "error_class", "code", "status"),
    [
        ("unavailable", UnavailableError, "ServiceUnavailable", 503),
        ("internal", UnavailableError, "InternalError", 500),
        ("throttling", ThrottlingError, "Throttling.User", 400),
        ("malformed", UnavailableError, "InvalidResponse", 200),
    ],
)
def test_reads_give_up_after_the_last_attempt(client, emulator, kind, error_class, code, status):
    emulator.faults.inject(kind, times=5)
    with pytest.raises(CccError) as caught:
        client.get_skill_group(**GROUP)
    assert type(caught.value) is error_class
    assert (caught.value.code, caught.value.http_status) == (code, status)
    assert caught.value.request_id
    assert emulator.request_count == 3


def test_attempts_follow_the_retry_policy(make_client, emulator):
    client = make_client(
        emulator=emulator,
        retry=RetryPolicy(attempts=5, wait_initial=0, wait_max=0, wait_jitter=0),
    )
    emulator.faults.inject("unavailable", times=4)
    assert client.list_skill_groups(instance_id=EXAMPLE_INSTANCE_ID).total_count == 5
    assert emulator.request_count == 5


def test_list_contact_flows_is_retried_as_a_read(client, emulator):
    emulator.faults.inject("unavailable", times=2, action="ListContactFlows")
    assert client.list_contact_flows(instance_id=EXAMPLE_INSTANCE_ID).total_count == 10
    assert emulator.request_count == 3


def test_a_refused_list_contact_flows_is_not_retried(client, emulator):
    emulator.faults.add_rule("forbidden", 1, action="ListContactFlows")
    with pytest.raises(AuthenticationError) as caught:
        client.list_contact_flows(instance_id=EXAMPLE_INSTANCE_ID)
    assert (caught.value.code, caught.value.http_status) == ("Forbidden.RAM", 403)
    assert emulator.request_count == 1
    assert client.list_instances().total_count == 2  # the other actions are allowed


def test_faults_on_other_actions_do_not_count(client, emulator):
    emulator.faults.inject("unavailable", times=3, action="ListSkillGroups")
    assert client.list_instances().total_count == 2
    assert emulator.request_count == 1


@pytest.mark.parametrize("kind", ["throttling", "unavailable"])
def test_transient_errors_wait_as_long_as_the_gateway_asks(client, emulator, retry_waits, kind):
    emulator.faults.inject(kind, times=1, retry_after_ms=300)
    started = time.perf_counter()
    assert client.list_instances().total_count == 2
    elapsed = time.perf_counter() - started
    assert emulator.request_count == 2
    assert retry_waits == [pytest.approx(0.3)]
    # 300 milliseconds, not 300 seconds, and not ignored either.
    assert 0.3 <= elapsed < 1.5


def test_throttling_that_asks_for_longer_than_the_budget_is_not_retried(client, emulator):
    emulator.faults.inject("throttling", times=1, retry_after_ms=60_000)
    with pytest.raises(ThrottlingError) as caught:
        client.list_instances()
    assert caught.value.retry_after == 60.0
    assert emulator.request_count == 1


def test_a_wait_that_would_end_past_the_budget_is_not_taken(make_client, emulator, retry_waits):
    """Each wait must fit in what is left of the budget, not in the whole budget."""
    client = make_client(emulator=emulator, retry=RetryPolicy(attempts=3, total_seconds=1.0))
    emulator.faults.inject("throttling", times=3, retry_after_ms=600)
    started = time.perf_counter()
    with pytest.raises(ThrottlingError):
        client.list_instances()
    assert retry_waits == [pytest.approx(0.6)]  # a second 0.6 s wait would end past 1 s
    assert emulator.request_count == 2
    assert time.perf_counter() - started < 1.0


def test_throttling_without_retry_after_uses_the_backoff(make_client, emulator, retry_waits):
    client = make_client(
        emulator=emulator,
        retry=RetryPolicy(attempts=3, wait_initial=0.05, wait_max=0.05, wait_jitter=0),
    )
    emulator.faults.inject("throttling", times=2)
    client.list_instances()
    assert retry_waits == [pytest.approx(0.05), pytest.approx(0.05)]


def test_reads_retry_timeouts(make_client, live_emulator):
    url, emulator = live_emulator
    client = make_client(endpoint=url, timeout=0.2)
    emulator.faults.inject("slow", times=1, delay=0.6)
    started = time.perf_counter()
    assert client.list_instances().total_count == 2
    assert emulator.request_count == 2
    assert time.perf_counter() - started < 1.5


def test_reads_give_up_on_repeated_timeouts(make_client, live_emulator):
    url, emulator = live_emulator
    client = make_client(endpoint=url, timeout=0.2)
    emulator.faults.inject("slow", times=3, delay=0.6)
    started = time.perf_counter()
    with pytest.raises(UnavailableError) as caught:
        client.get_skill_group(**GROUP)
    assert caught.value.code == "Timeout"
    assert emulator.request_count == 3
    assert time.perf_counter() - started < 1.5


def test_reads_retry_connection_errors():
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    with (
        _mock_client(refuse, retry=RetryPolicy(wait_initial=0, wait_max=0, wait_jitter=0)) as c,
        pytest.raises(UnavailableError) as caught,
    ):
        c.list_instances()
    assert caught.value.code == "ConnectionError"
    assert caught.value.http_status is None
    assert len(calls) == 3


def test_a_closed_port_is_unavailable(make_client):
    with running_emulator() as (url, _):
        pass  # the port is free again once the server is closed
    client = make_client(endpoint=url, timeout=0.5)
    with pytest.raises(UnavailableError) as caught:
        client.list_instances()
    assert caught.value.code == "ConnectionError"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, _product("Parameter.Invalid", 400)),
        (404, _product("NotExists.SkillGroupId", 404)),
        (400, _gateway("SignatureDoesNotMatch")),
        (403, _gateway("Forbidden.RAM")),
        (400, {"unexpected": "json"}),
    ],
)
def test_reads_do_not_retry_permanent_errors(status, body):
    capture = Capture(httpx.Response(status, json=body))
    policy = RetryPolicy(wait_initial=0, wait_max=0, wait_jitter=0)
    with _mock_client(capture, retry=policy) as client, pytest.raises(CccError):
        client.get_skill_group(**GROUP)
    assert len(capture.requests) == 1


WRITES = [
    pytest.param(
        lambda c, n: c.add_numbers_to_skill_group(**GROUP, numbers=[n]),
        "AddNumbersToSkillGroup",
        id="add",
    ),
    pytest.param(
        lambda c, n: c.remove_phone_numbers_from_skill_group(**GROUP, numbers=[n]),
        "RemovePhoneNumbersFromSkillGroup",
        id="remove",
    ),
]


@pytest.mark.parametrize(("write", "action"), WRITES)
@pytest.mark.parametrize(
    ("kind", "error_class"),
    [
        ("unavailable", UnavailableError),
        ("internal", UnavailableError),
        ("throttling", ThrottlingError),
        ("malformed", UnavailableError),
    ],
)
def test_writes_are_sent_once(client, emulator, write, action, kind, error_class):
    number = eligible_numbers(emulator)[0]
    before = set(linked(emulator))
    emulator.faults.inject(kind, times=3, action=action, retry_after_ms=10)
    with pytest.raises(error_class):
        write(client, number)
    assert emulator.request_count == 1
    assert linked(emulator) == before


@pytest.mark.parametrize(("write", "action"), WRITES)
def test_writes_are_not_resent_after_a_timeout(make_client, live_emulator, write, action):
    url, emulator = live_emulator
    client = make_client(endpoint=url, timeout=0.2)
    emulator.faults.inject("slow", times=3, action=action, delay=0.5)
    with pytest.raises(UnavailableError) as caught:
        write(client, EXAMPLE_NUMBER)
    assert caught.value.code == "Timeout"
    assert emulator.request_count == 1


# -- parameter checks before sending -------------------------------------------------------

MINIMUM = "The parameter {} must be greater than or equal to 1."
MAXIMUM = "The parameter {} must be less than or equal to 100."
EMPTY = "The parameter {} may not be null or empty."


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"page_number": 0}, "Parameter.Minimum", MINIMUM.format("PageNumber")),
        ({"page_number": 101}, "Parameter.Maximum", MAXIMUM.format("PageNumber")),
        ({"page_size": 0}, "Parameter.Minimum", MINIMUM.format("PageSize")),
        ({"page_size": 101}, "Parameter.Maximum", MAXIMUM.format("PageSize")),
        ({"page_number": -5}, "Parameter.Minimum", MINIMUM.format("PageNumber")),
        ({"instance_id": ""}, "Parameter.Empty", EMPTY.format("InstanceId")),
        ({"instance_id": "   "}, "Parameter.Empty", EMPTY.format("InstanceId")),
        ({"skill_group_id": ""}, "Parameter.Empty", EMPTY.format("SkillGroupId")),
    ],
)
def test_list_phone_numbers_checks_parameters_before_sending(
    client, emulator, kwargs, code, message
):
    arguments = {**GROUP, "is_member": True, **kwargs}
    with pytest.raises(InvalidParameterError) as caught:
        client.list_phone_numbers_of_skill_group(**arguments)
    error = caught.value
    assert (error.code, error.message, error.http_status) == (code, message, 400)
    assert emulator.request_count == 0


@pytest.mark.parametrize(
    ("call", "code", "message"),
    [
        (
            lambda c: c.list_instances(page_size=101),
            "Parameter.Maximum",
            MAXIMUM.format("PageSize"),
        ),
        (
            lambda c: c.list_instances(page_number=0),
            "Parameter.Minimum",
            MINIMUM.format("PageNumber"),
        ),
        (
            lambda c: c.list_skill_groups(instance_id=""),
            "Parameter.Empty",
            EMPTY.format("InstanceId"),
        ),
        (
            lambda c: c.list_skill_groups(instance_id="ccc-test", page_size=0),
            "Parameter.Minimum",
            MINIMUM.format("PageSize"),
        ),
        (
            lambda c: c.get_skill_group(instance_id="", skill_group_id="x"),
            "Parameter.Empty",
            EMPTY.format("InstanceId"),
        ),
        (
            lambda c: c.list_contact_flows(instance_id=" "),
            "Parameter.Empty",
            EMPTY.format("InstanceId"),
        ),
        (
            lambda c: c.list_contact_flows(instance_id="ccc-test", page_size=101),
            "Parameter.Maximum",
            MAXIMUM.format("PageSize"),
        ),
        (
            lambda c: c.add_numbers_to_skill_group(**GROUP, numbers=[]),
            "Parameter.Empty",
            EMPTY.format("NumberList"),
        ),
        (
            lambda c: c.remove_phone_numbers_from_skill_group(**GROUP, numbers=["0833", ""]),
            "Parameter.Empty",
            EMPTY.format("NumberList"),
        ),
        (
            lambda c: c.add_numbers_to_skill_group(
                instance_id="", skill_group_id="x", numbers=["1"]
            ),
            "Parameter.Empty",
            EMPTY.format("InstanceId"),
        ),
    ],
)
def test_other_actions_check_parameters_before_sending(client, emulator, call, code, message):
    with pytest.raises(InvalidParameterError) as caught:
        call(client)
    assert (caught.value.code, caught.value.message) == (code, message)
    assert emulator.request_count == 0


# -- nothing secret in the logs -------------------------------------------------------------

LOG_SECRET = "log-test-secret-Zq8vX2"


def _everything_logged(records: list[logging.LogRecord]) -> str:
    """Every message and every attribute of every record, extras included."""
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.extend(repr(value) for value in vars(record).values())
    return "\n".join(parts)


@pytest.mark.parametrize("over", ["wsgi", "socket"])
def test_nothing_secret_reaches_the_logs(caplog, make_client, over):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "stamina", "ccc"):
        caplog.set_level(logging.DEBUG, logger=name)
    emulator = Emulator(
        credentials={DEMO_ACCESS_KEY_ID: LOG_SECRET},
        security_tokens={DEMO_ACCESS_KEY_ID: STS_TOKEN},
    )
    with running_emulator(emulator) as (url, _):
        inner = httpx.WSGITransport(app=emulator) if over == "wsgi" else httpx.HTTPTransport()
        transport = RecordingTransport(inner)
        client = make_client(
            endpoint=url,
            transport=transport,
            access_key_secret=LOG_SECRET,
            security_token=STS_TOKEN,
        )
        wrong = make_client(
            endpoint=url,
            transport=transport,
            access_key_secret="wrong-" + LOG_SECRET,
            security_token=STS_TOKEN,
        )

        client.list_phone_numbers_of_skill_group(**GROUP, is_member=True)
        success_id = transport.responses[-1].headers["x-acs-request-id"]
        emulator.faults.inject("throttling", times=1, retry_after_ms=10)
        emulator.faults.inject("unavailable", times=1)
        client.get_skill_group(**GROUP)
        retried_id = transport.responses[-1].headers["x-acs-request-id"]
        emulator.faults.inject("unavailable", times=3)
        with pytest.raises(UnavailableError) as unavailable:
            client.list_instances()
        with pytest.raises(NotFoundError) as not_found:
            client.add_numbers_to_skill_group(**GROUP, numbers=["000"])
        with pytest.raises(AuthenticationError) as refused:
            wrong.list_skill_groups(instance_id=EXAMPLE_INSTANCE_ID)

    assert len(transport.requests) == 9
    logged = _everything_logged(caplog.records)
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"httpx", "stamina", "ccc"} <= loggers
    if over == "socket":
        assert "httpcore" in loggers

    # Nothing secret ...
    assert LOG_SECRET not in logged
    assert STS_TOKEN not in logged
    assert "Signature=" not in logged
    assert "Credential=" not in logged
    for request in transport.requests:
        authorization = request.headers["authorization"]
        assert authorization not in logged
        assert signing.Authorization.parse(authorization).signature not in logged
    for error in (unavailable.value, not_found.value, refused.value):
        assert LOG_SECRET not in str(error)
        assert LOG_SECRET not in repr(error)
    assert LOG_SECRET not in repr(client)
    assert STS_TOKEN not in repr(client)

    # ... but what an operator needs, in the rendered messages: the actions and the RequestIds.
    messages = "\n".join(caplog.messages)
    for action in (
        "ListPhoneNumbersOfSkillGroup",
        "GetSkillGroup",
        "ListInstances",
        "AddNumbersToSkillGroup",
        "ListSkillGroups",
    ):
        assert action in messages
    for request_id in (
        success_id,
        retried_id,
        unavailable.value.request_id,
        not_found.value.request_id,
        refused.value.request_id,
    ):
        assert request_id
        assert request_id in messages


def test_repr_of_the_client_hides_the_credentials(make_client, emulator):
    client = make_client(emulator=emulator, access_key_secret=LOG_SECRET, security_token=STS_TOKEN)
    assert repr(client) == (
        f"CccClient(endpoint='ccc.emulator.test', access_key_id='{DEMO_ACCESS_KEY_ID}')"
    )


@pytest.mark.parametrize(
    "data",
    [None, {"PageNumber": 1}, {"PageNumber": 1, "PageSize": 20, "TotalCount": "x", "List": []}],
    ids=["no-data", "no-total", "garbled-total"],
)
def test_a_success_without_the_documented_data_is_unavailable(data):
    capture = Capture(httpx.Response(200, json=ok_body(data, request_id="RID-PARTIAL")))
    client = _mock_client(
        capture, retry=RetryPolicy(attempts=2, wait_initial=0, wait_max=0, wait_jitter=0)
    )

    with pytest.raises(UnavailableError) as raised:
        client.list_instances()

    assert raised.value.code == "InvalidResponse"
    assert raised.value.request_id == "RID-PARTIAL"
    assert len(capture.requests) == 2  # a read: retried like any transient failure


def test_a_redirect_is_a_configuration_error_sent_once():
    capture = Capture(httpx.Response(301, headers={"location": "https://ccc.mock.test/"}))
    client = _mock_client(
        capture, retry=RetryPolicy(attempts=3, wait_initial=0, wait_max=0, wait_jitter=0)
    )

    with pytest.raises(CccError) as raised:
        client.list_instances()

    assert type(raised.value) is CccError
    assert raised.value.code == "UnexpectedRedirect"
    assert "CCC_ENDPOINT" in raised.value.message
    assert len(capture.requests) == 1


@pytest.mark.parametrize(
    ("failure", "sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("no connection"), False),
        (httpx.PoolTimeout("no free connection"), False),
        (httpx.ReadTimeout("no answer"), True),
        (httpx.RemoteProtocolError("reset after sending"), True),
        (httpx.ReadError("reset"), True),
    ],
)
def test_a_failed_write_says_whether_it_may_have_reached_ccc(failure, sent):
    """Only a request that never left proves a write was not applied; silence after sending
    leaves it unknown, and the client sends a write once either way."""
    calls = []

    def fail(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        failure.request = request
        raise failure

    with _mock_client(fail) as client, pytest.raises(UnavailableError) as caught:
        client.add_numbers_to_skill_group(**GROUP, numbers=["0833001"])
    assert caught.value.sent is sent
    assert len(calls) == 1


def test_a_write_with_no_time_left_is_never_sent():
    calls = []
    with (
        _mock_client(lambda request: calls.append(request)) as client,
        budget.budget(0),
        pytest.raises(UnavailableError) as caught,
    ):
        client.add_numbers_to_skill_group(**GROUP, numbers=["0833001"])
    assert (caught.value.code, caught.value.sent, calls) == ("Timeout", False, [])


def test_an_answered_error_was_sent(client):
    with pytest.raises(NotFoundError) as caught:
        client.add_numbers_to_skill_group(**GROUP, numbers=["0999999999"])
    assert caught.value.sent is True


# -- a number's skill groups, and the agents ------------------------------------------------

NUMBER_ROW = {
    "Number": "083300110001",
    "InstanceId": "ccc-test",
    "Active": True,
    "Usage": "Bidirection",
    "Province": "四川",
    "City": "乐山",
    "ContactFlowId": "flow-1",
    "ContactFlowName": "售后服务流程",
    "Provider": "ali",
    "CreateTime": "1617958538000",
    "Tags": "M1",
    "UserId": "agent@ccc-test",
    "SkillGroups": [
        {
            "SkillGroupId": "sales@ccc-test",
            "Name": "sales",
            "DisplayName": "Sales",
            "InstanceId": "ccc-test",
        },
        {"SkillGroupId": "vip@ccc-test"},
    ],
}
USER_ROW = {
    "UserId": "agent@ccc-test",
    "LoginName": "agent",
    "DisplayName": "坐席小王",
    "Email": "username@example.com",
    "DisplayId": "1001",
    "RoleName": "Admin",
    "Mobile": "1382114****",  # documented, not read
}


def _answering(data: object) -> Capture:
    return Capture(httpx.Response(200, json=ok_body(data)))


def test_list_phone_numbers_sends_its_parameters():
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_phone_numbers(instance_id="ccc-test")
        client.list_phone_numbers(
            instance_id="ccc-test",
            page_number=2,
            page_size=100,
            search_pattern="0833",
            usage=NumberUsage.OUTBOUND,
            active=False,
        )
    first, second = capture.requests
    assert first.headers["x-acs-action"] == "ListPhoneNumbers"
    assert dict(first.url.params) == {"InstanceId": "ccc-test", "PageNumber": "1", "PageSize": "20"}
    assert dict(second.url.params) == {
        "InstanceId": "ccc-test",
        "PageNumber": "2",
        "PageSize": "100",
        "SearchPattern": "0833",
        "Usage": "Outbound",
        "Active": "false",
    }


def test_an_instance_number_is_read_from_the_api_fields():
    data = {"PageNumber": 1, "PageSize": 20, "TotalCount": 2, "List": [NUMBER_ROW, {"Number": "1"}]}
    with _mock_client(_answering(data)) as client:
        page = client.list_phone_numbers(instance_id="ccc-test")
    assert page.items == (
        InstancePhoneNumber(
            number="083300110001",
            instance_id="ccc-test",
            active=True,
            usage="Bidirection",
            province="四川",
            city="乐山",
            contact_flow_id="flow-1",
            contact_flow_name="售后服务流程",
            provider="ali",
            create_time="1617958538000",
            tags="M1",
            user_id="agent@ccc-test",
            skill_groups=(
                LinkedSkillGroup("sales@ccc-test", "ccc-test", "sales", "Sales"),
                LinkedSkillGroup("vip@ccc-test", "", "", ""),
            ),
        ),
        # Only the number is certain: whatever else is missing reads as empty.
        InstancePhoneNumber("1", "", False, "", "", "", "", "", "", "", "", "", ()),
    )
    assert page.total_count == 2


def test_list_users_and_get_user_send_their_parameters():
    capture = Capture()
    with _mock_client(capture) as client:
        client.list_users(instance_id="ccc-test")
        client.list_users(
            instance_id="ccc-test",
            page_number=3,
            page_size=50,
            search_pattern="小王",
            skill_group_id="sales@ccc-test",
        )
        capture.response = httpx.Response(200, json=ok_body(USER_ROW))
        client.get_user(instance_id="ccc-test", user_id="agent@ccc-test")
    listed, filtered, got = capture.requests
    assert listed.headers["x-acs-action"] == filtered.headers["x-acs-action"] == "ListUsers"
    assert dict(listed.url.params) == {
        "InstanceId": "ccc-test",
        "PageNumber": "1",
        "PageSize": "20",
    }
    assert dict(filtered.url.params) == {
        "InstanceId": "ccc-test",
        "PageNumber": "3",
        "PageSize": "50",
        "SearchPattern": "小王",
        "SkillGroupId": "sales@ccc-test",
    }
    assert got.headers["x-acs-action"] == "GetUser"
    assert dict(got.url.params) == {"InstanceId": "ccc-test", "UserId": "agent@ccc-test"}


def test_a_user_is_read_from_list_users_and_get_user_fields():
    listed_row = {
        **USER_ROW,
        "PersonalOutboundNumberList": [
            {
                "Number": "0830011****",
                "Active": True,
                "City": "乐山",
                "Usage": "Bidirection",
                "Province": "四川",
            }
        ],
        "SkillLevelList": [
            {"SkillLevel": 5, "SkillGroupId": "skillgroup@ccc-test", "SkillGroupName": "skillgroup"}
        ],
    }
    data = {
        "PageNumber": 1,
        "PageSize": 20,
        "TotalCount": 2,
        "List": [listed_row, {"UserId": "x@ccc-test", "PersonalOutboundNumberList": []}],
    }
    with _mock_client(_answering(data)) as client:
        listed = client.list_users(instance_id="ccc-test").items
    with _mock_client(_answering({**USER_ROW, "InstanceId": "ccc-test"})) as client:
        got = client.get_user(instance_id="ccc-test", user_id="agent@ccc-test")

    agent = User(
        user_id="agent@ccc-test",
        instance_id="",  # ListUsers' rows do not say
        login_name="agent",
        display_name="坐席小王",
        email="username@example.com",
        display_id="1001",
        role_name="Admin",
        personal_outbound_numbers=(
            PersonalOutboundNumber("0830011****", True, "Bidirection", "四川", "乐山"),
        ),
        skill_levels=(SkillLevel("skillgroup@ccc-test", "skillgroup", 5),),
    )
    assert listed == (agent, User("x@ccc-test", "", "", "", "", "", "", (), None))
    # GetUser says which instance, and gives neither list: unknown, not empty.
    assert got == dataclasses.replace(
        agent, instance_id="ccc-test", personal_outbound_numbers=None, skill_levels=None
    )


SKILL_GROUP_WRITES = [
    pytest.param(
        CccClient.add_phone_number_to_skill_groups, "AddPhoneNumberToSkillGroups", id="add"
    ),
    pytest.param(
        CccClient.remove_phone_number_from_skill_groups,
        "RemovePhoneNumberFromSkillGroups",
        id="remove",
    ),
]


@pytest.mark.parametrize(("write", "action"), SKILL_GROUP_WRITES)
def test_a_number_goes_to_its_skill_groups_in_a_json_array(write, action):
    capture = Capture(httpx.Response(200, json=ok_body(request_id="RID-WRITE")))
    with _mock_client(capture) as client:
        request_id = write(
            client,
            instance_id="ccc-test",
            number="083300110001",
            skill_group_ids=(group for group in ("sales@ccc-test", "vip@ccc-test")),
        )
    assert request_id == "RID-WRITE"
    assert capture.requests[-1].headers["x-acs-action"] == action
    assert capture.params == {
        "InstanceId": "ccc-test",
        "Number": "083300110001",
        "SkillGroupIdList": '["sales@ccc-test","vip@ccc-test"]',
    }


@pytest.mark.parametrize(("write", "action"), SKILL_GROUP_WRITES)
@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"skill_group_ids": []}, "SkillGroupIdList"),
        ({"skill_group_ids": ["sales@ccc-test", " "]}, "SkillGroupIdList"),
        ({"number": ""}, "Number"),
        ({"instance_id": " "}, "InstanceId"),
    ],
)
def test_skill_group_writes_check_parameters_before_sending(write, action, arguments, name):
    capture = Capture()
    call = {
        "instance_id": "ccc-test",
        "number": "083300110001",
        "skill_group_ids": ["sales@ccc-test"],
        **arguments,
    }
    with _mock_client(capture) as client, pytest.raises(InvalidParameterError) as caught:
        write(client, **call)
    assert (caught.value.code, caught.value.message) == ("Parameter.Empty", EMPTY.format(name))
    assert capture.requests == []


@pytest.mark.parametrize(("write", "action"), SKILL_GROUP_WRITES)
@pytest.mark.parametrize(
    ("code", "message", "named"),
    [
        (
            "NotExists.SkillGroupId",
            "The skill group ID sales@ccc-test does not exist in instance ccc-test.",
            "sales@ccc-test",
        ),
        (
            "Parameter.Invalid",
            "The parameter SkillGroupIdList is invalid: 0833001 is not linked to skill group "
            "aftersales@ccc-test.",
            "aftersales@ccc-test",  # not sales@ccc-test, which it ends with
        ),
        ("NotExists.InstanceId", "The specified instance ccc-test does not exist.", None),
        (
            "Parameter.Invalid",
            "The parameter SkillGroupIdList is invalid: sales@ccc-test and vip@ccc-test clash.",
            None,  # two groups: which one is CCC's to say
        ),
        ("Parameter.Maximum", "The parameter SkillGroupIdList must be less than...", None),
    ],
)
def test_a_refused_skill_group_write_names_the_one_group_cccs_answer_names(
    write, action, code, message, named
):
    status = 404 if code.startswith("NotExists") else 400
    body = {"Code": code, "HttpStatusCode": status, "Message": message, "RequestId": "RID"}
    capture = Capture(httpx.Response(status, json=body))
    with _mock_client(capture) as client, pytest.raises(CccError) as caught:
        write(
            client,
            instance_id="ccc-test",
            number="0833001",
            skill_group_ids=["sales@ccc-test", "aftersales@ccc-test", "vip@ccc-test"],
        )
    assert (caught.value.code, caught.value.skill_group_id) == (code, named)


def test_other_errors_name_no_skill_group():
    body = {"Code": "NotExists.SkillGroupId", "HttpStatusCode": 404, "Message": "x@ccc-test"}
    capture = Capture(httpx.Response(404, json=body))
    with _mock_client(capture) as client, pytest.raises(NotFoundError) as caught:
        client.get_skill_group(instance_id="ccc-test", skill_group_id="x@ccc-test")
    assert caught.value.skill_group_id is None


@pytest.mark.parametrize(
    "read",
    [
        lambda c: c.list_phone_numbers(instance_id="ccc-test"),
        lambda c: c.list_users(instance_id="ccc-test"),
        lambda c: c.get_user(instance_id="ccc-test", user_id="agent@ccc-test"),
    ],
    ids=["ListPhoneNumbers", "ListUsers", "GetUser"],
)
def test_the_number_and_agent_reads_are_retried(read):
    capture = Capture(httpx.Response(503, json=_gateway("ServiceUnavailable")))
    with _mock_client(capture, retry=FAST_RETRY) as client, pytest.raises(UnavailableError):
        read(client)
    assert len(capture.requests) == FAST_RETRY.attempts


@pytest.mark.parametrize(("write", "action"), SKILL_GROUP_WRITES)
def test_the_skill_group_writes_are_sent_once(write, action):
    capture = Capture(httpx.Response(503, json=_gateway("ServiceUnavailable")))
    with _mock_client(capture, retry=FAST_RETRY) as client, pytest.raises(UnavailableError):
        write(client, instance_id="ccc-test", number="0833001", skill_group_ids=["a@ccc-test"])
    assert len(capture.requests) == 1
