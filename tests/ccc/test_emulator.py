"""The CCC emulator: gateway checks, the actions' rules and data, fault knobs, the dataset."""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccc import (
    CccClient,
    InvalidParameterError,
    NotFoundError,
    PhoneNumber,
    RetryPolicy,
    ThrottlingError,
    UnavailableError,
    signing,
)
from ccc.client import API_VERSION
from ccc.emulator import (
    DEFAULT_MAX_NUMBERS_PER_WRITE,
    DEFAULT_MAX_SKILL_GROUPS_PER_WRITE,
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    Emulator,
    FaultKind,
    Faults,
    build_demo_instances,
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
    InstanceRecord,
)
from tests.ccc.raw_writes import write_raw

HOST = "ccc.emulator.test"
GATEWAY_ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}
PRODUCT_ERROR_KEYS = {"Code", "HttpStatusCode", "Message", "RequestId"}
# 2024-05-01T12:00:00Z: a fixed "now" for the clock-skew tests.
FIXED_NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()
NO_RETRY = RetryPolicy(attempts=1)
# ccc-test's voice (AUDIO) skill groups, in the order listed.
VOICE_SKILL_GROUP_IDS = [
    EXAMPLE_SKILL_GROUP_ID,
    "sales@ccc-test",
    "aftersales@ccc-test",
    "vip@ccc-test",
    "night-shift@ccc-test",
]


# -- building and sending signed requests by hand --------------------------------------------


def acs_date(timestamp: float | None = None) -> str:
    moment = datetime.now(UTC) if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


FORM = {"content-type": "application/x-www-form-urlencoded"}


def signed_headers(
    action: str,
    params: Mapping[str, str],
    *,
    access_key_id: str = DEMO_ACCESS_KEY_ID,
    secret: str = DEMO_ACCESS_KEY_SECRET,
    date: str | None = None,
    nonce: str | None = None,
    body: bytes = b"",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers of a correctly signed request (extra x-acs-* headers are signed too)."""
    headers = {
        "host": HOST,
        "x-acs-action": action,
        "x-acs-version": API_VERSION,
        "x-acs-date": date or acs_date(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        **(extra or {}),
    }
    headers["authorization"] = signing.sign(
        method="POST",
        query=signing.canonical_query(params),
        headers=headers,
        access_key_id=access_key_id,
        secret=secret,
    )
    return headers


def post(
    emulator: Emulator,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    body: bytes = b"",
    query: str | None = None,
) -> httpx.Response:
    """POST through WSGITransport; the wire query defaults to the canonical encoding."""
    wire_query = signing.canonical_query(params) if query is None else query
    with httpx.Client(
        transport=httpx.WSGITransport(app=emulator), base_url=f"http://{HOST}"
    ) as http:
        return http.post(f"/?{wire_query}", headers=dict(headers), content=body)


def call(
    emulator: Emulator, action: str, params: Mapping[str, str] | None = None, **signing_options
) -> httpx.Response:
    params = dict(params or {})
    return post(emulator, params, signed_headers(action, params, **signing_options))


def list_numbers_params(**overrides: str | None) -> dict[str, str]:
    """ListPhoneNumbersOfSkillGroup parameters for the API page's example; None drops one."""
    params: dict[str, str | None] = {
        "InstanceId": EXAMPLE_INSTANCE_ID,
        "SkillGroupId": EXAMPLE_SKILL_GROUP_ID,
        "PageNumber": "1",
        "PageSize": "100",
        "IsMember": "true",
        **overrides,
    }
    return {name: value for name, value in params.items() if value is not None}


def list_numbers(emulator: Emulator, **overrides: str | None) -> httpx.Response:
    return call(emulator, "ListPhoneNumbersOfSkillGroup", list_numbers_params(**overrides))


def assert_gateway_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == GATEWAY_ERROR_KEYS
    assert body["Code"] == code
    assert body["Message"]
    assert body["RequestId"] == response.headers["x-acs-request-id"]
    assert DEMO_ACCESS_KEY_SECRET not in response.text
    return body


def assert_product_error(
    response: httpx.Response, status: int, code: str, message: str | None = None
) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == PRODUCT_ERROR_KEYS
    assert body["Code"] == code
    assert body["HttpStatusCode"] == status
    assert body["RequestId"] == response.headers["x-acs-request-id"]
    if message is not None:
        assert body["Message"] == message
    return body


def assert_ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["Code"] == "OK"
    assert body["HttpStatusCode"] == 200
    assert body["RequestId"] == response.headers["x-acs-request-id"]
    return body


# -- reading the emulator through our client -------------------------------------------------


@pytest.fixture
def ccc(make_client: Callable[..., CccClient], emulator: Emulator) -> CccClient:
    """A client on the `emulator` fixture that does not retry, so every error surfaces."""
    return make_client(emulator=emulator, retry=NO_RETRY)


def all_numbers(
    client: CccClient,
    *,
    instance_id: str = EXAMPLE_INSTANCE_ID,
    skill_group_id: str = EXAMPLE_SKILL_GROUP_ID,
    is_member: bool,
    **filters,
) -> tuple[list[PhoneNumber], int]:
    """Every row over all pages, and the TotalCount the first page reported."""
    rows: list[PhoneNumber] = []
    page_number = 1
    while True:
        page = client.list_phone_numbers_of_skill_group(
            instance_id=instance_id,
            skill_group_id=skill_group_id,
            is_member=is_member,
            page_number=page_number,
            page_size=100,
            **filters,
        )
        if page_number == 1:
            total = page.total_count
        assert page.total_count == total
        rows.extend(page.items)
        if not page.items:
            return rows, total
        page_number += 1


def linked_count(client: CccClient, skill_group_id: str = EXAMPLE_SKILL_GROUP_ID) -> int:
    groups = client.list_skill_groups(instance_id=EXAMPLE_INSTANCE_ID, page_size=100).items
    (group,) = [group for group in groups if group.skill_group_id == skill_group_id]
    return group.phone_number_count


def example_instance(emulator: Emulator) -> InstanceRecord:
    return emulator.instances[EXAMPLE_INSTANCE_ID]


def linked_numbers(emulator: Emulator, skill_group_id: str = EXAMPLE_SKILL_GROUP_ID) -> set[str]:
    return set(example_instance(emulator).skill_groups[skill_group_id].linked)


def eligible_numbers(emulator: Emulator, skill_group_id: str = EXAMPLE_SKILL_GROUP_ID) -> set[str]:
    linked = linked_numbers(emulator, skill_group_id)
    return {
        record.number
        for record in example_instance(emulator).numbers.values()
        if record.number not in linked and not record.personal_outbound
    }


def personal_outbound_numbers(emulator: Emulator) -> list[str]:
    return sorted(
        record.number
        for record in example_instance(emulator).numbers.values()
        if record.personal_outbound
    )


# == 1. the gateway's checks =================================================================


def test_a_correctly_signed_request_is_answered(emulator):
    body = assert_ok(call(emulator, "ListInstances", {"PageNumber": "1", "PageSize": "10"}))
    assert [row["Id"] for row in body["Data"]["List"]] == [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID]


def test_an_unknown_access_key_id_is_not_found(emulator):
    response = call(
        emulator, "ListInstances", {"PageNumber": "1", "PageSize": "10"}, access_key_id="LTAInope"
    )
    assert_gateway_error(response, 404, "InvalidAccessKeyId.NotFound")


def test_a_wrong_secret_does_not_match_and_nothing_secret_is_echoed(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params, secret="not-the-secret")
    response = post(emulator, params, headers)

    assert_gateway_error(response, 400, "SignatureDoesNotMatch")
    authorization = signing.Authorization.parse(headers["authorization"])
    expected = signing.signature(
        secret=DEMO_ACCESS_KEY_SECRET,
        method="POST",
        query=signing.canonical_query(params),
        headers=headers,
        signed_headers=authorization.signed_headers,
        payload_sha256=headers["x-acs-content-sha256"],
    )
    assert expected != authorization.signature
    assert expected not in response.text
    assert DEMO_ACCESS_KEY_SECRET not in response.text


def test_a_forged_signature_does_not_match(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params)
    signature = headers["authorization"].rsplit("Signature=", 1)[1]
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]
    headers["authorization"] = headers["authorization"].replace(signature, forged)
    assert_gateway_error(post(emulator, params, headers), 400, "SignatureDoesNotMatch")


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda params, headers: params.update(PageSize="11"), id="query-value"),
        pytest.param(lambda params, headers: params.update(Extra="1"), id="query-added"),
        pytest.param(lambda params, headers: params.pop("PageNumber"), id="query-dropped"),
        pytest.param(
            lambda params, headers: headers.update({"x-acs-action": "ListSkillGroups"}),
            id="signed-header",
        ),
        pytest.param(lambda params, headers: headers.update(host="evil.test"), id="host"),
    ],
)
def test_a_request_changed_after_signing_does_not_match(emulator, tamper):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params)
    tamper(params, headers)
    assert_gateway_error(post(emulator, params, headers), 400, "SignatureDoesNotMatch")


def test_a_missing_authorization_is_an_incomplete_signature(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params)
    del headers["authorization"]
    assert_gateway_error(post(emulator, params, headers), 400, "IncompleteSignature")


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "garbage",
        "ACS3-HMAC-SHA256",
        "HMAC-SHA1 Credential={key},SignedHeaders=host,Signature=abc",
        "ACS3-HMAC-SHA256 Credential={key},SignedHeaders={signed}",
        "ACS3-HMAC-SHA256 Credential={key},Signature=abc",
        "ACS3-HMAC-SHA256 SignedHeaders={signed},Signature=abc",
        "ACS3-HMAC-SHA256 Credential=,SignedHeaders={signed},Signature=abc",
    ],
)
def test_a_malformed_authorization_is_an_incomplete_signature(emulator, authorization):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params)
    signed = ";".join(signing.Authorization.parse(headers["authorization"]).signed_headers)
    headers["authorization"] = authorization.format(key=DEMO_ACCESS_KEY_ID, signed=signed)
    assert_gateway_error(post(emulator, params, headers), 400, "IncompleteSignature")


def test_an_x_acs_header_added_after_signing_is_an_incomplete_signature(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params)
    headers["x-acs-extra"] = "smuggled"
    body = assert_gateway_error(post(emulator, params, headers), 400, "IncompleteSignature")
    assert "x-acs-extra" in body["Message"]


@pytest.mark.parametrize("left_out", ["host", "x-acs-signature-nonce", "x-acs-date"])
def test_a_required_header_left_out_of_the_signature_is_an_incomplete_signature(emulator, left_out):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params)
    names = tuple(
        name
        for name in signing.Authorization.parse(headers["authorization"]).signed_headers
        if name != left_out
    )
    headers["authorization"] = signing.Authorization(
        access_key_id=DEMO_ACCESS_KEY_ID,
        signed_headers=names,
        signature=signing.signature(
            secret=DEMO_ACCESS_KEY_SECRET,
            method="POST",
            query=signing.canonical_query(params),
            headers=headers,
            signed_headers=names,
            payload_sha256=headers["x-acs-content-sha256"],
        ),
    ).header_value()
    body = assert_gateway_error(post(emulator, params, headers), 400, "IncompleteSignature")
    assert left_out in body["Message"]


def test_a_signed_header_missing_from_the_request_is_an_incomplete_signature(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params, extra={"x-acs-extra": "1"})
    del headers["x-acs-extra"]
    assert_gateway_error(post(emulator, params, headers), 400, "IncompleteSignature")


@pytest.mark.parametrize("skew_seconds", [-16 * 60, 16 * 60, -24 * 3600, 24 * 3600])
def test_a_date_more_than_15_minutes_off_has_expired(skew_seconds):
    emulator = Emulator(clock=lambda: FIXED_NOW)
    response = call(
        emulator,
        "ListInstances",
        {"PageNumber": "1", "PageSize": "10"},
        date=acs_date(FIXED_NOW + skew_seconds),
    )
    assert_gateway_error(response, 400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("skew_seconds", [-15 * 60, -14 * 60, 0, 14 * 60, 15 * 60])
def test_a_date_within_15_minutes_is_accepted(skew_seconds):
    emulator = Emulator(clock=lambda: FIXED_NOW)
    response = call(
        emulator,
        "ListInstances",
        {"PageNumber": "1", "PageSize": "10"},
        date=acs_date(FIXED_NOW + skew_seconds),
    )
    assert_ok(response)


@pytest.mark.parametrize("date", ["yesterday", "2024-05-01 12:00:00", "1714564800"])
def test_a_badly_formatted_date_is_refused(date):
    emulator = Emulator(clock=lambda: FIXED_NOW)
    response = call(emulator, "ListInstances", {"PageNumber": "1", "PageSize": "1"}, date=date)
    assert_gateway_error(response, 400, "InvalidTimeStamp.Format")


def test_a_reused_nonce_is_refused(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    assert_ok(call(emulator, "ListInstances", params, nonce="nonce-1"))
    replay = call(emulator, "ListInstances", params, nonce="nonce-1")
    assert_gateway_error(replay, 400, "SignatureNonceUsed")
    assert_ok(call(emulator, "ListInstances", params, nonce="nonce-2"))


def test_a_nonce_is_forgotten_once_its_request_could_no_longer_be_replayed():
    """Past twice the allowed clock skew, a replay fails the date check, so the emulator
    forgets the nonce instead of keeping every nonce it has ever seen."""
    now = [FIXED_NOW]
    emulator = Emulator(clock=lambda: now[0])
    params = {"PageNumber": "1", "PageSize": "10"}
    assert_ok(call(emulator, "ListInstances", params, nonce="n-1", date=acs_date(now[0])))

    # Signed 15 minutes ahead, it passed the date check; 30 minutes on it still would.
    first = acs_date(now[0] + 15 * 60)
    assert_ok(call(emulator, "ListInstances", params, nonce="n-2", date=first))
    now[0] += 30 * 60
    replay = call(emulator, "ListInstances", params, nonce="n-2", date=first)
    assert_gateway_error(replay, 400, "SignatureNonceUsed")

    now[0] += 1
    assert_ok(call(emulator, "ListInstances", params, nonce="n-1", date=acs_date(now[0])))


def test_the_very_same_request_replayed_is_refused(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params)
    assert_ok(post(emulator, params, headers))
    assert_gateway_error(post(emulator, params, headers), 400, "SignatureNonceUsed")


def test_a_request_with_a_bad_signature_does_not_use_up_its_nonce(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    forged = call(emulator, "ListInstances", params, secret="wrong", nonce="shared-nonce")
    assert_gateway_error(forged, 400, "SignatureDoesNotMatch")
    assert_ok(call(emulator, "ListInstances", params, nonce="shared-nonce"))


def test_a_nonce_sent_concurrently_is_accepted_exactly_once(emulator):
    params = {"PageNumber": "1", "PageSize": "1"}
    headers = signed_headers("ListInstances", params)
    barrier = threading.Barrier(12)
    statuses: list[tuple[int, str]] = []

    def send() -> None:
        barrier.wait()
        response = post(emulator, params, headers)
        statuses.append((response.status_code, response.json()["Code"]))

    threads = [threading.Thread(target=send) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(statuses) == [(200, "OK")] + [(400, "SignatureNonceUsed")] * 11


def test_a_body_that_does_not_match_its_hash_is_refused(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params, body=b"", extra=FORM)
    response = post(emulator, params, headers, body=b"PageSize=99")
    body = assert_gateway_error(response, 400, "SignatureDoesNotMatch")
    assert "x-acs-content-sha256" in body["Message"]


def test_a_body_that_matches_its_signed_hash_is_accepted(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params, body=b"ignored=1", extra=FORM)
    assert_ok(post(emulator, params, headers, body=b"ignored=1"))


def test_a_body_needs_a_signed_content_type(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params, body=b"ignored=1")
    unsigned = {**headers, **FORM}
    response = post(emulator, params, unsigned, body=b"ignored=1")
    body = assert_gateway_error(response, 400, "IncompleteSignature")
    assert "content-type" in body["Message"]


def test_only_the_root_path_is_an_api(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers("ListInstances", params)
    with httpx.Client(
        transport=httpx.WSGITransport(app=emulator), base_url=f"http://{HOST}"
    ) as http:
        response = http.post(f"/other/?{signing.canonical_query(params)}", headers=headers)
    assert_gateway_error(response, 404, "InvalidAction.NotFound")


def test_the_wire_query_may_encode_spaces_as_plus(emulator):
    """The SDK sends `+` for a space but signs `%20`: the emulator decodes, then re-encodes."""
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "PageNumber": "1", "PageSize": "10"}
    params["SearchPattern"] = "VIP hotline"
    headers = signed_headers("ListSkillGroups", params)
    wire = signing.canonical_query(params).replace("%20", "+")
    assert "VIP+hotline" in wire
    body = assert_ok(post(emulator, params, headers, query=wire))
    assert [row["SkillGroupId"] for row in body["Data"]["List"]] == ["vip@ccc-test"]


def test_an_unknown_action_and_version_are_refused(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    assert_gateway_error(call(emulator, "DeleteEverything", params), 404, "InvalidAction.NotFound")
    wrong_version = call(emulator, "ListInstances", params, extra={"x-acs-version": "2017-07-05"})
    assert_gateway_error(wrong_version, 400, "InvalidVersion")


@pytest.fixture
def sts_emulator() -> Emulator:
    return Emulator(
        credentials={"STS.key": "sts-secret", DEMO_ACCESS_KEY_ID: DEMO_ACCESS_KEY_SECRET},
        security_tokens={"STS.key": "the-token"},
    )


def sts_call(emulator: Emulator, token: str | None, access_key_id: str = "STS.key"):
    extra = {"x-acs-accesskey-id": access_key_id}
    if token is not None:
        extra["x-acs-security-token"] = token
    secret = emulator.credentials[access_key_id]
    return call(
        emulator,
        "ListInstances",
        {"PageNumber": "1", "PageSize": "10"},
        access_key_id=access_key_id,
        secret=secret,
        extra=extra,
    )


def test_an_sts_key_with_its_token_is_accepted(sts_emulator):
    assert_ok(sts_call(sts_emulator, "the-token"))


@pytest.mark.parametrize("token", [None, "", "another-token"])
def test_an_sts_key_without_its_token_is_refused(sts_emulator, token):
    body = assert_gateway_error(
        sts_call(sts_emulator, token), 400, "InvalidSecurityToken.Malformed"
    )
    assert "the-token" not in json.dumps(body)


def test_a_token_sent_with_a_permanent_key_is_refused(sts_emulator):
    response = sts_call(sts_emulator, "the-token", access_key_id=DEMO_ACCESS_KEY_ID)
    assert_gateway_error(response, 400, "InvalidSecurityToken.MismatchWithAccessKey")


def test_our_client_with_an_sts_token_is_accepted(make_client, sts_emulator):
    client = make_client(
        emulator=sts_emulator,
        access_key_id="STS.key",
        access_key_secret="sts-secret",
        security_token="the-token",
        retry=NO_RETRY,
    )
    assert client.list_instances().total_count == 2


def test_the_gateway_error_body_names_the_host_and_a_troubleshooting_link(emulator):
    response = call(emulator, "ListInstances", {"PageNumber": "1", "PageSize": "1"}, secret="x")
    body = assert_gateway_error(response, 400, "SignatureDoesNotMatch")
    assert body["HostId"] == HOST
    assert "SignatureDoesNotMatch" in body["Recommend"]


def wsgi_call(
    emulator: Emulator, params: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[str, dict[str, str], dict]:
    """Call the WSGI app directly: header values may hold any latin-1 text, as on a socket."""
    environ = {
        "REQUEST_METHOD": "POST",
        "QUERY_STRING": signing.canonical_query(params),
        "wsgi.input": io.BytesIO(b""),
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    started: list = []
    body = b"".join(emulator(environ, lambda status, headers: started.extend((status, headers))))
    status, response_headers = started
    return status, dict(response_headers), json.loads(body)


def test_a_signature_with_non_ascii_characters_does_not_match(emulator):
    params = {"PageNumber": "1", "PageSize": "1"}
    headers = signed_headers("ListInstances", params)
    headers["authorization"] = headers["authorization"][:-1] + "é"
    status, response_headers, body = wsgi_call(emulator, params, headers)
    assert (status, body["Code"]) == ("400 Bad Request", "SignatureDoesNotMatch")
    assert response_headers["Content-Type"].startswith("application/json")
    assert response_headers["x-acs-request-id"] == body["RequestId"]


def test_a_security_token_with_non_ascii_characters_is_refused(sts_emulator):
    params = {"PageNumber": "1", "PageSize": "1"}
    headers = signed_headers(
        "ListInstances",
        params,
        access_key_id="STS.key",
        secret="sts-secret",
        extra={"x-acs-accesskey-id": "STS.key", "x-acs-security-token": "thé-token"},
    )
    status, _, body = wsgi_call(sts_emulator, params, headers)
    assert (status, body["Code"]) == ("400 Bad Request", "InvalidSecurityToken.Malformed")


@pytest.fixture(scope="module")
def shared_emulator() -> Emulator:
    """Read only: the property test runs many examples against one emulator."""
    return Emulator()


@settings(max_examples=60, deadline=None)
@given(pattern=st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12))
def test_any_search_pattern_signed_by_our_signing_is_verified(shared_emulator, pattern):
    params = list_numbers_params(SearchPattern=pattern, IsMember="false")
    headers = signed_headers("ListPhoneNumbersOfSkillGroup", params)
    body = assert_ok(post(shared_emulator, params, headers))
    assert all(pattern in row["Number"] for row in body["Data"]["List"])


# == 2. the actions ==========================================================================


def test_the_api_page_example_is_answered_as_documented(emulator):
    body = assert_ok(list_numbers(emulator, SearchPattern="0833", PageSize="10"))
    assert body["Data"] == {
        "PageNumber": 1,
        "PageSize": 10,
        "TotalCount": 1,
        "List": [
            {
                "Active": True,
                "Number": EXAMPLE_NUMBER,
                "City": "乐山",
                "InstanceId": EXAMPLE_INSTANCE_ID,
                "Usage": "Bidirection",
                "ContactFlowId": "a3fb6c62-9b49-4942-ae5b-cf2abd4123ek",
                "Province": "四川",
            }
        ],
    }
    assert EXAMPLE_CONTACT_FLOW_ID == "a3fb6c62-9b49-4942-ae5b-cf2abd4123ek"


@pytest.mark.parametrize(
    ("name", "value", "code", "message"),
    [
        (
            "PageSize",
            "101",
            "Parameter.Maximum",
            "The parameter PageSize must be less than or equal to 100.",
        ),
        (
            "PageNumber",
            "101",
            "Parameter.Maximum",
            "The parameter PageNumber must be less than or equal to 100.",
        ),
        (
            "PageSize",
            "0",
            "Parameter.Minimum",
            "The parameter PageSize must be greater than or equal to 1.",
        ),
        (
            "PageNumber",
            "-3",
            "Parameter.Minimum",
            "The parameter PageNumber must be greater than or equal to 1.",
        ),
        (
            "InstanceId",
            "",
            "Parameter.Empty",
            "The parameter InstanceId may not be null or empty.",
        ),
        (
            "InstanceId",
            None,
            "Parameter.Empty",
            "The parameter InstanceId may not be null or empty.",
        ),
        (
            "SkillGroupId",
            "  ",
            "Parameter.Empty",
            "The parameter SkillGroupId may not be null or empty.",
        ),
        ("IsMember", None, "Parameter.Null", "The parameter IsMember may not be null."),
        ("PageSize", None, "Parameter.Null", "The parameter PageSize may not be null."),
        ("PageNumber", "", "Parameter.Null", "The parameter PageNumber may not be null."),
    ],
)
def test_parameter_rules_answer_the_documented_codes_and_messages(
    emulator, name, value, code, message
):
    assert_product_error(list_numbers(emulator, **{name: value}), 400, code, message)


def test_an_unknown_instance_does_not_exist(emulator):
    assert_product_error(
        list_numbers(emulator, InstanceId="ccc-nope"),
        404,
        "NotExists.InstanceId",
        "The specified instance ccc-nope does not exist.",
    )


@pytest.mark.parametrize("skill_group_id", ["nope@ccc-test", BULK_SKILL_GROUP_ID])
def test_an_unknown_skill_group_does_not_exist_in_the_instance(emulator, skill_group_id):
    assert_product_error(
        list_numbers(emulator, SkillGroupId=skill_group_id),
        404,
        "NotExists.SkillGroupId",
        f"The skill group ID {skill_group_id} does not exist in instance ccc-test.",
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("9" * 40, "Parameter.Maximum"),
        ("9" * 5000, "Parameter.Maximum"),
        ("-" + "9" * 5000, "Parameter.Minimum"),
        ("0" * 5000 + "101", "Parameter.Maximum"),
        ("-" + "0" * 5000 + "1", "Parameter.Minimum"),
    ],
    ids=["40-digits", "5000-digits", "minus-5000-digits", "leading-zeros", "minus-leading-zeros"],
)
def test_an_integer_of_any_length_is_out_of_range_not_a_crash(emulator, value, code):
    assert_product_error(list_numbers(emulator, PageNumber=value), 400, code)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PageNumber", "abc"),
        ("PageNumber", "1.5"),
        ("PageNumber", "1_0"),
        ("PageNumber", " 5"),
        ("PageSize", "１０"),
        ("PageSize", "ten"),
        ("IsMember", "yes"),
        ("IsMember", "1"),
        ("Active", "maybe"),
    ],
)
def test_values_of_the_wrong_type_are_invalid_parameters(emulator, name, value):
    body = assert_product_error(list_numbers(emulator, **{name: value}), 400, "Parameter.Invalid")
    assert name in body["Message"]
    assert value in body["Message"]


@pytest.mark.parametrize(
    ("action", "params", "status", "code"),
    [
        ("ListInstances", {"PageNumber": "1", "PageSize": "101"}, 400, "Parameter.Maximum"),
        ("ListInstances", {"PageNumber": "0", "PageSize": "10"}, 400, "Parameter.Minimum"),
        ("ListSkillGroups", {"PageNumber": "1", "PageSize": "10"}, 400, "Parameter.Empty"),
        (
            "ListSkillGroups",
            {"InstanceId": "ccc-nope", "PageNumber": "1", "PageSize": "10"},
            404,
            "NotExists.InstanceId",
        ),
        ("GetSkillGroup", {"InstanceId": EXAMPLE_INSTANCE_ID}, 400, "Parameter.Empty"),
        (
            "GetSkillGroup",
            {"InstanceId": EXAMPLE_INSTANCE_ID, "SkillGroupId": "nope@ccc-test"},
            404,
            "NotExists.SkillGroupId",
        ),
        (
            "AddNumbersToSkillGroup",
            {"InstanceId": "ccc-nope", "SkillGroupId": "x", "NumberList": '["083300110001"]'},
            404,
            "NotExists.InstanceId",
        ),
        (
            "RemovePhoneNumbersFromSkillGroup",
            {"InstanceId": EXAMPLE_INSTANCE_ID, "SkillGroupId": EXAMPLE_SKILL_GROUP_ID},
            400,
            "Parameter.Empty",
        ),
    ],
)
def test_every_action_checks_its_parameters(emulator, action, params, status, code):
    assert_product_error(call(emulator, action, params), status, code)


@pytest.mark.parametrize(
    ("true", "false"), [("true", "false"), ("True", "False"), ("TRUE", "FALSE")]
)
def test_booleans_are_accepted_whatever_their_case(emulator, true, false):
    reference_members = assert_ok(list_numbers(emulator, IsMember="true"))["Data"]
    reference_inactive = assert_ok(list_numbers(emulator, IsMember="false", Active="false"))
    assert assert_ok(list_numbers(emulator, IsMember=true))["Data"] == reference_members
    inactive = assert_ok(list_numbers(emulator, IsMember=false, Active=false))
    assert inactive["Data"] == reference_inactive["Data"]
    assert inactive["Data"]["TotalCount"] > 0


def test_is_member_true_lists_exactly_the_linked_numbers(emulator, ccc):
    rows, total = all_numbers(ccc, is_member=True)
    assert {row.number for row in rows} == linked_numbers(emulator)
    assert total == len(rows) == 61
    assert {row.instance_id for row in rows} == {EXAMPLE_INSTANCE_ID}


def test_is_member_false_lists_the_eligible_numbers_never_a_personal_outbound_one(emulator, ccc):
    rows, total = all_numbers(ccc, is_member=False)
    numbers = [row.number for row in rows]
    assert len(numbers) == len(set(numbers)) == total
    assert set(numbers) == eligible_numbers(emulator)
    assert not set(numbers) & linked_numbers(emulator)
    records = example_instance(emulator).numbers
    assert not [number for number in numbers if records[number].personal_outbound]
    assert personal_outbound_numbers(emulator), "the dataset must have some to leave out"


def test_rows_carry_the_records_fields(emulator, ccc):
    rows, _ = all_numbers(ccc, is_member=True)
    records = example_instance(emulator).numbers
    for row in rows:
        record = records[row.number]
        assert (row.active, row.usage, row.province, row.city, row.contact_flow_id) == (
            record.active,
            record.usage,
            record.province,
            record.city,
            record.contact_flow_id,
        )


@pytest.mark.parametrize("pattern", ["0833", "021", "13", "4000", "99", EXAMPLE_NUMBER, "x"])
def test_search_pattern_is_a_substring_match(emulator, ccc, pattern):
    rows, total = all_numbers(ccc, is_member=False, search_pattern=pattern)
    expected = {number for number in eligible_numbers(emulator) if pattern in number}
    assert {row.number for row in rows} == expected
    assert total == len(expected)


def test_a_search_pattern_matches_in_the_middle_of_a_number(emulator, ccc):
    middle = EXAMPLE_NUMBER[4:9]
    rows, _ = all_numbers(ccc, is_member=True, search_pattern=middle)
    assert EXAMPLE_NUMBER in {row.number for row in rows}
    assert {row.number for row in rows} == {n for n in linked_numbers(emulator) if middle in n}


@pytest.mark.parametrize("is_member", [True, False])
def test_active_filters_and_both_halves_make_the_whole(emulator, ccc, is_member):
    everything, total = all_numbers(ccc, is_member=is_member)
    active, active_total = all_numbers(ccc, is_member=is_member, active=True)
    inactive, inactive_total = all_numbers(ccc, is_member=is_member, active=False)
    assert all(row.active for row in active)
    assert not any(row.active for row in inactive)
    assert active_total + inactive_total == total
    assert {row.number for row in active} | {row.number for row in inactive} == {
        row.number for row in everything
    }
    assert inactive_total > 0


def test_paging_past_the_end_gives_an_empty_list_and_the_true_total(emulator):
    data = assert_ok(list_numbers(emulator, PageNumber="100", PageSize="100"))["Data"]
    assert data == {"PageNumber": 100, "PageSize": 100, "TotalCount": 61, "List": []}


def test_pages_do_not_overlap_and_cover_the_matches_in_number_order(emulator):
    pages = [
        assert_ok(list_numbers(emulator, PageNumber=str(n), PageSize="25"))["Data"]
        for n in (1, 2, 3, 4)
    ]
    numbers = [row["Number"] for page in pages for row in page["List"]]
    assert [len(page["List"]) for page in pages] == [25, 25, 11, 0]
    assert numbers == sorted(linked_numbers(emulator))


def test_the_bulk_skill_group_has_more_than_10000_eligible_numbers(emulator, ccc):
    page = ccc.list_phone_numbers_of_skill_group(
        instance_id=BULK_INSTANCE_ID,
        skill_group_id=BULK_SKILL_GROUP_ID,
        is_member=False,
        page_number=100,
        page_size=100,
    )
    assert page.total_count > 10_000
    assert len(page.items) == 100
    overflow = ccc.list_phone_numbers_of_skill_group(
        instance_id=BULK_INSTANCE_ID, skill_group_id=OVERFLOW_SKILL_GROUP_ID, is_member=True
    )
    assert overflow.total_count > 10_000


def skill_group_ids(ccc: CccClient, **filters: str) -> list[str]:
    page = ccc.list_skill_groups(instance_id=EXAMPLE_INSTANCE_ID, page_size=100, **filters)
    return [group.skill_group_id for group in page.items]


def test_list_skill_groups_searches_name_and_display_name(ccc):
    assert skill_group_ids(ccc, search_pattern="售后") == ["aftersales@ccc-test"]
    assert skill_group_ids(ccc, search_pattern="NIGHT") == ["night-shift@ccc-test"]
    assert skill_group_ids(ccc, search_pattern="chat", media_type="CHAT") == [CHAT_SKILL_GROUP_ID]


def test_list_skill_groups_without_media_type_lists_the_audio_groups(ccc):
    assert skill_group_ids(ccc) == VOICE_SKILL_GROUP_IDS
    assert skill_group_ids(ccc, media_type="AUDIO") == VOICE_SKILL_GROUP_IDS
    assert skill_group_ids(ccc, search_pattern="chat") == []


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("CHAT", [CHAT_SKILL_GROUP_ID]),
        ("chat", [CHAT_SKILL_GROUP_ID]),
        ("Video", [VIDEO_SKILL_GROUP_ID]),
        ("audio", VOICE_SKILL_GROUP_IDS),
    ],
)
def test_list_skill_groups_takes_media_type_in_any_case(ccc, media_type, expected):
    assert skill_group_ids(ccc, media_type=media_type) == expected


@pytest.mark.parametrize("media_type", ["VOICE", "ONLINE", "AUDIO "])
def test_a_media_type_that_is_not_one_is_named_with_the_media_types(emulator, media_type):
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "PageNumber": "1", "PageSize": "10"}
    response = call(emulator, "ListSkillGroups", {**params, "MediaType": media_type})

    body = assert_product_error(response, 400, "Parameter.Invalid")
    assert repr(media_type) in body["Message"]
    assert "AUDIO, CHAT, VIDEO" in body["Message"]


def test_get_skill_group_answers_the_documented_fields(emulator):
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "SkillGroupId": EXAMPLE_SKILL_GROUP_ID}
    data = assert_ok(call(emulator, "GetSkillGroup", params))["Data"]
    assert data == {
        "SkillGroupId": EXAMPLE_SKILL_GROUP_ID,
        "Name": "skillgroup",
        "DisplayName": "Customer service",
        "Description": "Customer service (skillgroup)",
        "MediaType": "AUDIO",
        "InstanceId": EXAMPLE_INSTANCE_ID,
    }


@pytest.mark.parametrize(
    ("skill_group_id", "media_type"),
    [(CHAT_SKILL_GROUP_ID, "CHAT"), (VIDEO_SKILL_GROUP_ID, "VIDEO")],
)
def test_get_skill_group_answers_a_group_of_any_media(emulator, skill_group_id, media_type):
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "SkillGroupId": skill_group_id}
    data = assert_ok(call(emulator, "GetSkillGroup", params))["Data"]
    assert (data["SkillGroupId"], data["MediaType"]) == (skill_group_id, media_type)


# -- ListContactFlows ------------------------------------------------------------------------

FLOW_FIELDS = {
    "ContactFlowId",
    "InstanceId",
    "Name",
    "Type",
    "Description",
    "Published",
    "NumberList",
    "CreatedTime",
    "UpdatedTime",
}


EMPTY_INSTANCE_ID = "The parameter InstanceId may not be null or empty."


def list_flows(emulator: Emulator, **overrides: str | None) -> httpx.Response:
    params = {
        "InstanceId": EXAMPLE_INSTANCE_ID,
        "PageNumber": "1",
        "PageSize": "100",
        **overrides,
    }
    return call(
        emulator,
        "ListContactFlows",
        {name: value for name, value in params.items() if value is not None},
    )


def flow_names(emulator: Emulator, **overrides: str | None) -> list[str]:
    return [row["Name"] for row in assert_ok(list_flows(emulator, **overrides))["Data"]["List"]]


@pytest.mark.parametrize("instance_id", [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID])
def test_list_contact_flows_names_every_flow_the_numbers_use(emulator, instance_id):
    data = assert_ok(list_flows(emulator, InstanceId=instance_id))["Data"]
    rows = data["List"]
    numbers = emulator.instances[instance_id].numbers.values()
    used = {record.contact_flow_id for record in numbers} - {""}
    assert used <= {row["ContactFlowId"] for row in rows}
    assert data["TotalCount"] == len(rows) > len(used)  # and flows no number uses
    for row in rows:
        assert set(row) == FLOW_FIELDS
        assert row["InstanceId"] == instance_id
        assert row["Name"] and isinstance(row["Published"], bool)
        assert row["Type"] in {"MAIN_FLOW", "SUB_FLOW", "SURVEY_FLOW"}
        assert row["NumberList"] == [
            record.number for record in numbers if record.contact_flow_id == row["ContactFlowId"]
        ]


def test_the_example_flow_has_a_chinese_name_among_english_ones(emulator):
    rows = assert_ok(list_flows(emulator))["Data"]["List"]
    by_id = {row["ContactFlowId"]: row for row in rows}
    example = by_id[EXAMPLE_CONTACT_FLOW_ID]
    assert (example["Name"], example["Type"], example["Published"]) == (
        "售后服务流程",
        "MAIN_FLOW",
        True,
    )
    assert EXAMPLE_NUMBER in example["NumberList"]
    names = [row["Name"] for row in rows]
    assert {"售后服务流程", "夜间值班", "Sales hotline"} <= set(names)
    assert [row["Name"] for row in rows if not row["Published"]] == ["New Year campaign"]
    assert Counter(row["Type"] for row in rows).most_common(1) == [("MAIN_FLOW", 8)]


def test_each_instance_has_flows_of_its_own(emulator):
    test, bulk = (
        {
            row["ContactFlowId"]
            for row in assert_ok(list_flows(emulator, InstanceId=i))["Data"]["List"]
        }
        for i in (EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID)
    )
    assert test and bulk and not test & bulk


def test_contact_flows_are_listed_the_most_recently_changed_first(emulator):
    rows = assert_ok(list_flows(emulator))["Data"]["List"]
    updated = [row["UpdatedTime"] for row in rows]
    assert updated == sorted(updated, reverse=True)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.0", time) for time in updated)


def test_contact_flow_pages_do_not_overlap_and_cover_every_flow(emulator):
    pages = [
        assert_ok(list_flows(emulator, PageNumber=str(n), PageSize="3"))["Data"]
        for n in (1, 2, 3, 4, 5)
    ]
    assert [len(page["List"]) for page in pages] == [3, 3, 3, 1, 0]
    assert {page["TotalCount"] for page in pages} == {10}
    assert [row["Name"] for page in pages for row in page["List"]] == flow_names(emulator)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"SearchPattern": "服务"}, ["售后服务流程"]),
        ({"SearchPattern": "SALES"}, ["Sales hotline"]),  # whatever the case
        ({"SearchPattern": "春节"}, ["节假日问候"]),  # in the version description
        ({"SearchPattern": "no such flow"}, []),
        ({"Type": "SUB_FLOW"}, ["转人工"]),
        ({"Type": "SURVEY_FLOW", "SearchPattern": "满意"}, ["满意度调查"]),
        ({"Type": "MAIN_FLOW", "SearchPattern": "满意"}, []),
    ],
)
def test_contact_flows_are_searched_by_name_and_description_and_filtered_by_type(
    emulator, filters, expected
):
    assert flow_names(emulator, **filters) == expected


@pytest.mark.parametrize(
    ("overrides", "status", "code", "message"),
    [
        ({"InstanceId": None}, 400, "Parameter.Empty", EMPTY_INSTANCE_ID),
        ({"InstanceId": " "}, 400, "Parameter.Empty", EMPTY_INSTANCE_ID),
        ({"PageNumber": None}, 400, "Parameter.Null", "The parameter PageNumber may not be null."),
        ({"PageSize": ""}, 400, "Parameter.Null", "The parameter PageSize may not be null."),
        (
            {"PageSize": "101"},
            400,
            "Parameter.Maximum",
            "The parameter PageSize must be less than or equal to 100.",
        ),
        (
            {"PageNumber": "0"},
            400,
            "Parameter.Minimum",
            "The parameter PageNumber must be greater than or equal to 1.",
        ),
        ({"PageSize": "ten"}, 400, "Parameter.Invalid", None),
        ({"Type": "IVR"}, 400, "Parameter.Invalid", None),
        (
            {"InstanceId": "ccc-nope"},
            404,
            "NotExists.InstanceId",
            "The specified instance ccc-nope does not exist.",
        ),
    ],
)
def test_list_contact_flows_checks_its_parameters(emulator, overrides, status, code, message):
    assert_product_error(list_flows(emulator, **overrides), status, code, message)


def test_a_contact_flow_type_that_is_not_one_is_named_with_the_types(emulator):
    body = assert_product_error(list_flows(emulator, Type="main_flow"), 400, "Parameter.Invalid")
    assert "'main_flow'" in body["Message"]
    assert "MAIN_FLOW, SUB_FLOW, SURVEY_FLOW" in body["Message"]


# -- ListPhoneNumbers, ListUsers and GetUser -------------------------------------------------

INSTANCE_NUMBER_FIELDS = {
    "Number",
    "InstanceId",
    "Active",
    "Usage",
    "Province",
    "City",
    "ContactFlowId",
    "ContactFlowName",
    "Provider",
    "CreateTime",
    "Tags",
    "UserId",
    "SkillGroups",
}


def all_rows(emulator: Emulator, action: str, **params: str) -> list[dict]:
    """Every row of a paged action over all its pages, checking TotalCount on each."""
    rows: list[dict] = []
    for page_number in range(1, 101):
        page = {"PageNumber": str(page_number), "PageSize": "100", **params}
        data = assert_ok(call(emulator, action, page))["Data"]
        rows.extend(data["List"])
        if not data["List"]:
            assert data["TotalCount"] == len(rows)
            return rows
    raise AssertionError("more than 10,000 rows")


def instance_numbers(emulator: Emulator, **filters: str) -> list[dict]:
    return all_rows(emulator, "ListPhoneNumbers", InstanceId=EXAMPLE_INSTANCE_ID, **filters)


def agents(emulator: Emulator, instance_id: str = EXAMPLE_INSTANCE_ID, **filters: str):
    return all_rows(emulator, "ListUsers", InstanceId=instance_id, **filters)


def test_list_phone_numbers_lists_every_number_of_the_instance_in_number_order(emulator):
    rows = instance_numbers(emulator)
    assert [row["Number"] for row in rows] == list(example_instance(emulator).numbers)
    assert all(set(row) == INSTANCE_NUMBER_FIELDS for row in rows)
    assert {row["InstanceId"] for row in rows} == {EXAMPLE_INSTANCE_ID}


def test_the_example_number_is_listed_with_its_flow_and_its_group(emulator):
    (row,) = instance_numbers(emulator, SearchPattern=EXAMPLE_NUMBER)
    assert row == {
        "Number": EXAMPLE_NUMBER,
        "InstanceId": EXAMPLE_INSTANCE_ID,
        "Active": True,
        "Usage": "Bidirection",
        "Province": "四川",
        "City": "乐山",
        "ContactFlowId": EXAMPLE_CONTACT_FLOW_ID,
        "ContactFlowName": "售后服务流程",
        "Provider": row["Provider"],
        "CreateTime": row["CreateTime"],
        "Tags": "",
        "UserId": "",
        "SkillGroups": [
            {
                "SkillGroupId": EXAMPLE_SKILL_GROUP_ID,
                "Name": "skillgroup",
                "DisplayName": "Customer service",
                "InstanceId": EXAMPLE_INSTANCE_ID,
            }
        ],
    }
    assert row["Provider"]
    # Milliseconds, in a string, after the instance was created.
    assert int(row["CreateTime"]) >= example_instance(emulator).create_time


def test_a_numbers_skill_groups_are_the_groups_whose_listing_holds_it(emulator, ccc):
    groups_of = {
        row["Number"]: [group["SkillGroupId"] for group in row["SkillGroups"]]
        for row in instance_numbers(emulator)
    }
    for group_id in [*VOICE_SKILL_GROUP_IDS, CHAT_SKILL_GROUP_ID]:
        listed, _ = all_numbers(ccc, skill_group_id=group_id, is_member=True)
        holding = {number for number, groups in groups_of.items() if group_id in groups}
        assert holding == {row.number for row in listed}
    assert max(len(groups) for groups in groups_of.values()) > 1  # a number in several groups


def test_a_personal_outbound_number_names_its_agent_and_is_in_no_group(emulator):
    rows = instance_numbers(emulator)
    personal = [row for row in rows if row["UserId"]]
    assert {row["Number"] for row in personal} == set(personal_outbound_numbers(emulator))
    assert {row["UserId"] for row in personal} <= set(example_instance(emulator).users)
    assert all(row["SkillGroups"] == [] for row in personal)
    assert all(row["UserId"] == "" for row in rows if row not in personal)


def test_a_number_linked_shows_in_its_skill_groups_at_once(emulator, ccc):
    number = min(eligible_numbers(emulator))
    assert instance_numbers(emulator, SearchPattern=number)[0]["SkillGroups"] == []
    ccc.add_numbers_to_skill_group(**EXAMPLE_GROUP, numbers=[number])
    (row,) = instance_numbers(emulator, SearchPattern=number)
    assert [group["SkillGroupId"] for group in row["SkillGroups"]] == [EXAMPLE_SKILL_GROUP_ID]


@pytest.mark.parametrize(
    "filters",
    [
        {"SearchPattern": "0833"},
        {"SearchPattern": "99"},
        {"Usage": "Inbound"},
        {"Usage": "Outbound", "Active": "false"},
        {"Active": "True"},
        {"SearchPattern": "13", "Usage": "Bidirection", "Active": "true"},
        {"SearchPattern": "no such number"},
    ],
)
def test_list_phone_numbers_filters_by_pattern_usage_and_active(emulator, filters):
    pattern = filters.get("SearchPattern", "")
    active = filters.get("Active", "").lower()
    expected = [
        record.number
        for record in example_instance(emulator).numbers.values()
        if pattern in record.number
        and filters.get("Usage") in (None, record.usage)
        and active in ("", str(record.active).lower())
    ]
    assert [row["Number"] for row in instance_numbers(emulator, **filters)] == expected
    assert expected or pattern == "no such number"


@pytest.mark.parametrize(
    ("overrides", "status", "code", "message"),
    [
        ({"InstanceId": None}, 400, "Parameter.Empty", EMPTY_INSTANCE_ID),
        ({"PageSize": None}, 400, "Parameter.Null", "The parameter PageSize may not be null."),
        (
            {"PageNumber": "101"},
            400,
            "Parameter.Maximum",
            "The parameter PageNumber must be less than or equal to 100.",
        ),
        (
            {"Usage": "inbound"},
            400,
            "Parameter.Invalid",
            "The parameter Usage is invalid: 'inbound' is not one of Inbound, Outbound, "
            "Bidirection.",
        ),
        ({"Active": "maybe"}, 400, "Parameter.Invalid", None),
        (
            {"InstanceId": "ccc-nope"},
            404,
            "NotExists.InstanceId",
            "The specified instance ccc-nope does not exist.",
        ),
    ],
)
def test_list_phone_numbers_checks_its_parameters(emulator, overrides, status, code, message):
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "PageNumber": "1", "PageSize": "10", **overrides}
    response = call(
        emulator,
        "ListPhoneNumbers",
        {name: value for name, value in params.items() if value is not None},
    )
    assert_product_error(response, status, code, message)


def test_the_example_agent_is_listed_as_the_api_page_shows_it(emulator):
    (row,) = agents(emulator, SearchPattern="坐席小王")
    assert row == {
        "UserId": EXAMPLE_USER_ID,
        "LoginName": "agent",
        "DisplayName": "坐席小王",
        "Email": "username@example.com",
        "DisplayId": "1001",
        "RoleId": "Admin@ccc-test",
        "RoleName": "Admin",
        "WorkMode": "ON_SITE",
        "PersonalOutboundNumberList": row["PersonalOutboundNumberList"],
        "SkillLevelList": row["SkillLevelList"],
    }
    assert row["SkillLevelList"][0] == {
        "SkillGroupId": EXAMPLE_SKILL_GROUP_ID,
        "SkillGroupName": "skillgroup",
        "SkillLevel": 5,
    }
    number = row["PersonalOutboundNumberList"][0]
    record = example_instance(emulator).numbers[number["Number"]]
    assert number == {
        "Number": record.number,
        "Active": record.active,
        "Usage": record.usage,
        "Province": record.province,
        "City": record.city,
    }
    assert record.user_id == EXAMPLE_USER_ID


@pytest.mark.parametrize("instance_id", [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID])
def test_an_agents_personal_numbers_are_those_listed_with_its_user_id(emulator, instance_id):
    owners: dict[str, set[str]] = {}
    # Inbound numbers are never personal; each other usage fits in one query's 10,000 rows.
    for usage in ("Outbound", "Bidirection"):
        for row in all_rows(emulator, "ListPhoneNumbers", InstanceId=instance_id, Usage=usage):
            owners.setdefault(row["UserId"], set()).add(row["Number"])
    owners.pop("")
    listed = {
        row["UserId"]: {number["Number"] for number in row["PersonalOutboundNumberList"]}
        for row in agents(emulator, instance_id)
    }
    assert {user: numbers for user, numbers in listed.items() if numbers} == owners
    assert len(listed) == len(emulator.instances[instance_id].users)


def test_an_agents_skill_levels_name_the_groups_it_serves(emulator):
    for row in agents(emulator):
        user = example_instance(emulator).users[row["UserId"]]
        assert {level["SkillGroupId"]: level["SkillLevel"] for level in row["SkillLevelList"]} == (
            user.skill_levels
        )
        groups = example_instance(emulator).skill_groups
        assert all(
            level["SkillGroupName"] == groups[level["SkillGroupId"]].name
            for level in row["SkillLevelList"]
        )


@pytest.mark.parametrize("pattern", ["坐席", "AGENT", "Walker", "陈", "li", "no such agent"])
def test_list_users_searches_login_and_display_names_whatever_their_case(emulator, pattern):
    expected = [
        user.user_id
        for user in example_instance(emulator).users.values()
        if pattern.lower() in user.login_name.lower() + "\n" + user.display_name.lower()
    ]
    assert [row["UserId"] for row in agents(emulator, SearchPattern=pattern)] == expected
    assert (EXAMPLE_USER_ID in expected) == (pattern in ("坐席", "AGENT"))
    assert expected or pattern == "no such agent"


def test_a_skill_groups_agents_are_as_many_as_its_user_count(emulator, ccc):
    for media_type in ("AUDIO", "CHAT", "VIDEO"):
        for group in ccc.list_skill_groups(
            instance_id=EXAMPLE_INSTANCE_ID, media_type=media_type, page_size=100
        ).items:
            rows = agents(emulator, SkillGroupId=group.skill_group_id)
            assert len(rows) == group.user_count > 0
            assert all(
                group.skill_group_id in {level["SkillGroupId"] for level in row["SkillLevelList"]}
                for row in rows
            )


def test_list_users_pages_the_bulk_instances_agents(emulator):
    rows = agents(emulator, BULK_INSTANCE_ID)
    assert len(rows) == len({row["UserId"] for row in rows}) > 100
    hotline = agents(emulator, BULK_INSTANCE_ID, SkillGroupId=BULK_SKILL_GROUP_ID)
    assert len(hotline) == 310


@pytest.mark.parametrize(
    ("overrides", "status", "code", "message"),
    [
        ({"InstanceId": None}, 400, "Parameter.Empty", EMPTY_INSTANCE_ID),
        ({"PageNumber": "0"}, 400, "Parameter.Minimum", None),
        (
            {"SkillGroupId": BULK_SKILL_GROUP_ID},
            404,
            "NotExists.SkillGroupId",
            f"The skill group ID {BULK_SKILL_GROUP_ID} does not exist in instance ccc-test.",
        ),
        ({"InstanceId": "ccc-nope"}, 404, "NotExists.InstanceId", None),
    ],
)
def test_list_users_checks_its_parameters(emulator, overrides, status, code, message):
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "PageNumber": "1", "PageSize": "10", **overrides}
    response = call(
        emulator, "ListUsers", {name: value for name, value in params.items() if value is not None}
    )
    assert_product_error(response, status, code, message)


def test_get_user_answers_the_agent_and_its_instance(emulator):
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "UserId": EXAMPLE_USER_ID}
    assert assert_ok(call(emulator, "GetUser", params))["Data"] == {
        "UserId": EXAMPLE_USER_ID,
        "LoginName": "agent",
        "DisplayName": "坐席小王",
        "Email": "username@example.com",
        "DisplayId": "1001",
        "RoleId": "Admin@ccc-test",
        "RoleName": "Admin",
        "WorkMode": "ON_SITE",
        "InstanceId": EXAMPLE_INSTANCE_ID,
    }


def test_get_user_names_every_agent_listed(emulator, ccc):
    listed = ccc.list_users(instance_id=EXAMPLE_INSTANCE_ID, page_size=100).items
    for user in listed:
        got = ccc.get_user(instance_id=EXAMPLE_INSTANCE_ID, user_id=user.user_id)
        assert (got.user_id, got.display_name, got.login_name, got.email, got.instance_id) == (
            user.user_id,
            user.display_name,
            user.login_name,
            user.email,
            EXAMPLE_INSTANCE_ID,
        )


@pytest.mark.parametrize(
    ("params", "status", "code", "message"),
    [
        ({"InstanceId": EXAMPLE_INSTANCE_ID}, 400, "Parameter.Empty", None),
        ({"UserId": EXAMPLE_USER_ID}, 400, "Parameter.Empty", EMPTY_INSTANCE_ID),
        (
            {"InstanceId": EXAMPLE_INSTANCE_ID, "UserId": "nobody@ccc-test"},
            404,
            "NotExists.UserId",
            "The user nobody@ccc-test does not exist in instance ccc-test.",
        ),
        (
            {"InstanceId": BULK_INSTANCE_ID, "UserId": EXAMPLE_USER_ID},
            404,
            "NotExists.UserId",
            "The user agent@ccc-test does not exist in instance ccc-bulk.",
        ),
        ({"InstanceId": "ccc-nope", "UserId": EXAMPLE_USER_ID}, 404, "NotExists.InstanceId", None),
    ],
)
def test_get_user_checks_its_parameters(emulator, params, status, code, message):
    assert_product_error(call(emulator, "GetUser", params), status, code, message)


def test_our_client_maps_an_unknown_agent_to_not_found(ccc):
    with pytest.raises(NotFoundError) as raised:
        ccc.get_user(instance_id=EXAMPLE_INSTANCE_ID, user_id="nobody@ccc-test")
    assert (raised.value.code, raised.value.http_status) == ("NotExists.UserId", 404)


# -- Add and Remove --------------------------------------------------------------------------


def test_an_added_number_moves_from_eligible_to_linked_and_back(emulator, ccc):
    number = min(eligible_numbers(emulator))
    _, members_before = all_numbers(ccc, is_member=True)
    _, eligible_before = all_numbers(ccc, is_member=False)
    count_before = linked_count(ccc)

    ccc.add_numbers_to_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, numbers=[number]
    )

    members, members_total = all_numbers(ccc, is_member=True)
    eligible, eligible_total = all_numbers(ccc, is_member=False)
    assert number in {row.number for row in members}
    assert number not in {row.number for row in eligible}
    assert (members_total, eligible_total) == (members_before + 1, eligible_before - 1)
    assert linked_count(ccc) == count_before + 1

    ccc.remove_phone_numbers_from_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, numbers=[number]
    )

    members, members_total = all_numbers(ccc, is_member=True)
    eligible, eligible_total = all_numbers(ccc, is_member=False)
    assert number not in {row.number for row in members}
    assert number in {row.number for row in eligible}
    assert (members_total, eligible_total) == (members_before, eligible_before)
    assert linked_count(ccc) == count_before


def test_new_data_is_listed_at_once(emulator, ccc):
    """Replacing the data (as tests reset it) drops the listings built from the old data."""
    number = min(eligible_numbers(emulator))
    _, linked_before = all_numbers(ccc, is_member=True)
    ccc.add_numbers_to_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, numbers=[number]
    )
    assert all_numbers(ccc, is_member=True)[1] == linked_before + 1

    emulator.instances = build_demo_instances()

    assert all_numbers(ccc, is_member=True)[1] == linked_before


def test_several_numbers_are_added_and_removed_at_once(emulator, ccc):
    numbers = sorted(eligible_numbers(emulator))[:5]
    before = linked_numbers(emulator)
    group = {"instance_id": EXAMPLE_INSTANCE_ID, "skill_group_id": EXAMPLE_SKILL_GROUP_ID}
    ccc.add_numbers_to_skill_group(**group, numbers=numbers)
    assert linked_numbers(emulator) == before | set(numbers)
    ccc.remove_phone_numbers_from_skill_group(**group, numbers=numbers[:2])
    assert linked_numbers(emulator) == before | set(numbers[2:])
    assert ccc.get_skill_group(**group).skill_group_id == EXAMPLE_SKILL_GROUP_ID


@pytest.mark.parametrize("action", ["AddNumbersToSkillGroup", "RemovePhoneNumbersFromSkillGroup"])
def test_an_unknown_number_is_refused_and_nothing_changes(emulator, action):
    known = min(linked_numbers(emulator) if "Remove" in action else eligible_numbers(emulator))
    before = linked_numbers(emulator)
    params = {
        "InstanceId": EXAMPLE_INSTANCE_ID,
        "SkillGroupId": EXAMPLE_SKILL_GROUP_ID,
        "NumberList": json.dumps([known, "099999999999"]),
    }
    assert_product_error(
        call(emulator, action, params),
        404,
        "NotExists.Number",
        "The number 099999999999 does not exist in instance ccc-test.",
    )
    assert linked_numbers(emulator) == before


def test_a_personal_outbound_number_cannot_be_added_and_nothing_changes(emulator, ccc):
    personal = personal_outbound_numbers(emulator)[0]
    eligible = min(eligible_numbers(emulator))
    before = linked_numbers(emulator)
    with pytest.raises(InvalidParameterError) as raised:
        ccc.add_numbers_to_skill_group(
            instance_id=EXAMPLE_INSTANCE_ID,
            skill_group_id=EXAMPLE_SKILL_GROUP_ID,
            numbers=[eligible, personal],
        )
    assert raised.value.code == "Parameter.Invalid"
    assert raised.value.http_status == 400
    assert personal in raised.value.message
    assert "personal outbound" in raised.value.message
    assert linked_numbers(emulator) == before


def test_our_client_maps_an_unknown_number_to_not_found(emulator, ccc):
    with pytest.raises(NotFoundError) as raised:
        ccc.add_numbers_to_skill_group(
            instance_id=EXAMPLE_INSTANCE_ID,
            skill_group_id=EXAMPLE_SKILL_GROUP_ID,
            numbers=["099999999999"],
        )
    assert raised.value.code == "NotExists.Number"


WRITE_ACTIONS = ["AddNumbersToSkillGroup", "RemovePhoneNumbersFromSkillGroup"]
EXAMPLE_GROUP = {"instance_id": EXAMPLE_INSTANCE_ID, "skill_group_id": EXAMPLE_SKILL_GROUP_ID}


def write(client: CccClient, action: str, numbers: list[str], **group: str) -> None:
    """Add or Remove through our client's public methods."""
    method = (
        client.add_numbers_to_skill_group
        if action == "AddNumbersToSkillGroup"
        else client.remove_phone_numbers_from_skill_group
    )
    method(**{**EXAMPLE_GROUP, **group}, numbers=numbers)


def refused(
    emulator: Emulator, call_it: Callable[[], object], error_class: type, status: int, code: str
):
    """The CccError a refused write raised, after checking nothing at all was applied."""
    before = {
        skill_group_id: set(group.linked)
        for skill_group_id, group in example_instance(emulator).skill_groups.items()
    }
    with pytest.raises(error_class) as raised:
        call_it()
    assert (raised.value.code, raised.value.http_status) == (code, status)
    assert {
        skill_group_id: set(group.linked)
        for skill_group_id, group in example_instance(emulator).skill_groups.items()
    } == before
    return raised.value


@pytest.mark.parametrize("action", WRITE_ACTIONS)
@pytest.mark.parametrize(
    ("number_list", "code"),
    [
        ("", "Parameter.Empty"),
        ("   ", "Parameter.Empty"),
        ("[]", "Parameter.Empty"),
        ("not json", "Parameter.Format"),
        ('["083300110001"', "Parameter.Format"),
        ('{"Number": "083300110001"}', "Parameter.Format"),
        ('"083300110001"', "Parameter.Format"),
        ("null", "Parameter.Format"),
        ("[83300110001]", "Parameter.Format"),
        ('["083300110001", 83300110002]', "Parameter.Format"),
        ('["083300110001", null]', "Parameter.Format"),
        ('["083300110001", ["083300110002"]]', "Parameter.Format"),
        ('["083300110001", ""]', "Parameter.Format"),
        ('["083300110001", "  "]', "Parameter.Format"),
        ("[" * 2000 + "]" * 2000, "Parameter.Format"),
    ],
)
def test_a_malformed_number_list_is_refused_and_nothing_changes(
    emulator, ccc, action, number_list, code
):
    if action == "RemovePhoneNumbersFromSkillGroup":
        number_list = number_list.replace(EXAMPLE_NUMBER, min(linked_numbers(emulator)))
    error = refused(
        emulator, lambda: write_raw(ccc, action, number_list), InvalidParameterError, 400, code
    )
    assert "NumberList" in error.message


def test_a_malformed_number_list_answers_the_documented_format_message(emulator):
    params = {
        "InstanceId": EXAMPLE_INSTANCE_ID,
        "SkillGroupId": EXAMPLE_SKILL_GROUP_ID,
        "NumberList": '["083300110001", 7]',
    }
    body = assert_product_error(
        call(emulator, "AddNumbersToSkillGroup", params), 400, "Parameter.Format"
    )
    assert body["Message"].startswith("The format of parameter NumberList is invalid. ")
    assert "entry 2" in body["Message"]


def test_a_malformed_number_list_is_refused_before_the_skill_group_is_looked_up(emulator):
    params = {"InstanceId": "ccc-nope", "SkillGroupId": "nope", "NumberList": "[1]"}
    assert_product_error(call(emulator, "AddNumbersToSkillGroup", params), 400, "Parameter.Format")


@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_more_numbers_than_the_maximum_are_refused_and_nothing_changes(emulator, ccc, action):
    # Eligible ones, some of them linked: each would be accepted alone.
    numbers = sorted(eligible_numbers(emulator) | linked_numbers(emulator))
    numbers = numbers[: DEFAULT_MAX_NUMBERS_PER_WRITE + 1]
    assert len(numbers) == DEFAULT_MAX_NUMBERS_PER_WRITE + 1
    error = refused(
        emulator,
        lambda: write(ccc, action, numbers),
        InvalidParameterError,
        400,
        "Parameter.Maximum",
    )
    assert error.message == (
        f"The parameter NumberList must be less than or equal to {DEFAULT_MAX_NUMBERS_PER_WRITE}."
    )


def test_exactly_the_maximum_is_accepted(emulator, ccc):
    numbers = sorted(eligible_numbers(emulator))[:DEFAULT_MAX_NUMBERS_PER_WRITE]
    before = linked_numbers(emulator)
    ccc.add_numbers_to_skill_group(**EXAMPLE_GROUP, numbers=numbers)
    assert linked_numbers(emulator) == before | set(numbers)
    ccc.remove_phone_numbers_from_skill_group(**EXAMPLE_GROUP, numbers=numbers)
    assert linked_numbers(emulator) == before


@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_the_maximum_is_a_setting_and_counts_entries_as_sent(make_client, action):
    emulator = Emulator(max_numbers_per_write=3)
    ccc = make_client(emulator=emulator, retry=NO_RETRY)
    numbers = sorted(eligible_numbers(emulator))[:3]
    if action == "RemovePhoneNumbersFromSkillGroup":
        numbers = sorted(linked_numbers(emulator))[:3]
    error = refused(
        emulator,
        lambda: write(ccc, action, [*numbers, numbers[0]]),
        InvalidParameterError,
        400,
        "Parameter.Maximum",
    )
    assert error.message == "The parameter NumberList must be less than or equal to 3."
    before = linked_numbers(emulator)
    write(ccc, action, numbers)
    expected = before | set(numbers) if "Add" in action else before - set(numbers)
    assert linked_numbers(emulator) == expected


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "100", None])
def test_the_maximum_is_a_positive_integer(value):
    with pytest.raises(ValueError, match="max_numbers_per_write"):
        Emulator(max_numbers_per_write=value)


def test_the_default_maximum_is_100():
    assert DEFAULT_MAX_NUMBERS_PER_WRITE == 100
    assert Emulator().max_numbers_per_write == 100


@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_one_unknown_number_refuses_the_whole_call_through_our_client(emulator, ccc, action):
    known = sorted(linked_numbers(emulator) if "Remove" in action else eligible_numbers(emulator))
    error = refused(
        emulator,
        lambda: write(ccc, action, [*known[:3], "099999999999", *known[3:6]]),
        NotFoundError,
        404,
        "NotExists.Number",
    )
    assert error.message == "The number 099999999999 does not exist in instance ccc-test."


@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_a_number_of_another_instance_does_not_exist_in_this_one(emulator, ccc, action):
    other = min(emulator.instances[BULK_INSTANCE_ID].numbers)
    assert other not in example_instance(emulator).numbers
    refused(emulator, lambda: write(ccc, action, [other]), NotFoundError, 404, "NotExists.Number")


def test_a_personal_outbound_number_refuses_the_whole_add(emulator, ccc):
    personal = personal_outbound_numbers(emulator)[0]
    eligible = sorted(eligible_numbers(emulator))[:4]
    error = refused(
        emulator,
        lambda: write(ccc, "AddNumbersToSkillGroup", [*eligible[:2], personal, *eligible[2:]]),
        InvalidParameterError,
        400,
        "Parameter.Invalid",
    )
    assert personal in error.message and "NumberList" in error.message


def test_an_unknown_number_is_answered_before_a_personal_outbound_one(emulator, ccc):
    personal = personal_outbound_numbers(emulator)[0]
    refused(
        emulator,
        lambda: write(ccc, "AddNumbersToSkillGroup", [personal, "099999999999"]),
        NotFoundError,
        404,
        "NotExists.Number",
    )


def test_a_personal_outbound_number_that_is_not_linked_can_be_removed_as_a_no_op(emulator, ccc):
    personal = personal_outbound_numbers(emulator)[0]
    before = linked_numbers(emulator)
    ccc.remove_phone_numbers_from_skill_group(**EXAMPLE_GROUP, numbers=[personal])
    assert linked_numbers(emulator) == before


@pytest.mark.parametrize(
    ("group", "code"),
    [
        ({"instance_id": "ccc-nope"}, "NotExists.InstanceId"),
        ({"skill_group_id": "nope@ccc-test"}, "NotExists.SkillGroupId"),
    ],
)
@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_an_unknown_instance_or_skill_group_refuses_the_write(emulator, ccc, action, group, code):
    number = min(eligible_numbers(emulator))
    refused(emulator, lambda: write(ccc, action, [number], **group), NotFoundError, 404, code)


def test_linking_a_number_already_linked_is_a_success_that_changes_nothing(emulator, ccc):
    linked = sorted(linked_numbers(emulator))[:2]
    new = min(eligible_numbers(emulator))
    before = linked_numbers(emulator)
    ccc.add_numbers_to_skill_group(**EXAMPLE_GROUP, numbers=linked)
    assert linked_numbers(emulator) == before
    # Overlapping: the already linked ones are left alone, the new one is linked.
    ccc.add_numbers_to_skill_group(**EXAMPLE_GROUP, numbers=[*linked, new])
    assert linked_numbers(emulator) == before | {new}
    # Retried: the very same call again succeeds.
    ccc.add_numbers_to_skill_group(**EXAMPLE_GROUP, numbers=[*linked, new])
    assert linked_numbers(emulator) == before | {new}
    assert linked_count(ccc) == len(before) + 1


def test_unlinking_a_number_that_is_not_linked_is_a_success_that_changes_nothing(emulator, ccc):
    unlinked = sorted(eligible_numbers(emulator))[:2]
    linked = min(linked_numbers(emulator))
    before = linked_numbers(emulator)
    ccc.remove_phone_numbers_from_skill_group(**EXAMPLE_GROUP, numbers=unlinked)
    assert linked_numbers(emulator) == before
    ccc.remove_phone_numbers_from_skill_group(**EXAMPLE_GROUP, numbers=[*unlinked, linked])
    assert linked_numbers(emulator) == before - {linked}
    ccc.remove_phone_numbers_from_skill_group(**EXAMPLE_GROUP, numbers=[*unlinked, linked])
    assert linked_numbers(emulator) == before - {linked}
    assert linked_count(ccc) == len(before) - 1


@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_a_number_listed_twice_counts_once(emulator, ccc, action):
    numbers = sorted(linked_numbers(emulator) if "Remove" in action else eligible_numbers(emulator))
    a, b = numbers[:2]
    before = linked_numbers(emulator)
    _, members_before = all_numbers(ccc, is_member=True)
    write(ccc, action, [a, b, a, a, b])
    expected = before | {a, b} if "Add" in action else before - {a, b}
    assert linked_numbers(emulator) == expected
    assert all_numbers(ccc, is_member=True)[1] == len(expected)
    assert members_before == len(before)


def test_writes_answer_no_data(emulator):
    params = {
        "InstanceId": EXAMPLE_INSTANCE_ID,
        "SkillGroupId": EXAMPLE_SKILL_GROUP_ID,
        "NumberList": json.dumps([min(eligible_numbers(emulator))]),
    }
    body = assert_ok(call(emulator, "AddNumbersToSkillGroup", params))
    assert "Data" not in body


def test_concurrent_adds_and_removes_leave_consistent_counts(emulator, make_client):
    workers = 8
    per_worker = 12
    candidates = sorted(eligible_numbers(emulator))[: workers * per_worker]
    chunks = [candidates[i * per_worker : (i + 1) * per_worker] for i in range(workers)]
    clients = [make_client(emulator=emulator, retry=NO_RETRY) for _ in range(workers)]
    before = linked_numbers(emulator)
    eligible_before = len(eligible_numbers(emulator))
    group = {"instance_id": EXAMPLE_INSTANCE_ID, "skill_group_id": EXAMPLE_SKILL_GROUP_ID}
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(client: CccClient, numbers: list[str]) -> None:
        try:
            barrier.wait()
            for number in numbers:
                client.add_numbers_to_skill_group(**group, numbers=[number])
                client.list_phone_numbers_of_skill_group(**group, is_member=True, page_size=5)
            # Keep the even positions, take the odd ones back out.
            client.remove_phone_numbers_from_skill_group(**group, numbers=numbers[1::2])
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)

    threads = [
        threading.Thread(target=work, args=(client, chunk))
        for client, chunk in zip(clients, chunks, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    kept = {number for chunk in chunks for number in chunk[::2]}
    assert linked_numbers(emulator) == before | kept
    client = clients[0]
    assert linked_count(client) == len(before) + len(kept)
    _, members_total = all_numbers(client, is_member=True)
    _, eligible_total = all_numbers(client, is_member=False)
    assert members_total == len(before) + len(kept)
    assert eligible_total == eligible_before - len(kept)


def test_request_count_counts_every_request(emulator):
    call(emulator, "ListInstances", {"PageNumber": "1", "PageSize": "1"})
    call(emulator, "ListInstances", {"PageNumber": "1", "PageSize": "1"}, secret="wrong")
    assert emulator.request_count == 2


# -- a number's skill groups: AddPhoneNumberToSkillGroups, RemovePhoneNumberFromSkillGroups ----

NUMBER_WRITES = ["AddPhoneNumberToSkillGroups", "RemovePhoneNumberFromSkillGroups"]


def groups_of(emulator: Emulator, number: str) -> list[str]:
    """The example instance's groups linked to `number`, in the instance's order."""
    return [
        group.skill_group_id
        for group in example_instance(emulator).skill_groups.values()
        if number in group.linked
    ]


def every_link(emulator: Emulator) -> dict[str, set[str]]:
    """Every group's linked numbers, across every instance."""
    return {
        group.skill_group_id: set(group.linked)
        for instance in emulator.instances.values()
        for group in instance.skill_groups.values()
    }


def number_write(client: CccClient, action: str, number: str, groups: list[str]) -> None:
    method = (
        client.add_phone_number_to_skill_groups
        if action == "AddPhoneNumberToSkillGroups"
        else client.remove_phone_number_from_skill_groups
    )
    method(instance_id=EXAMPLE_INSTANCE_ID, number=number, skill_group_ids=groups)


def number_write_params(**overrides: str | None) -> dict[str, str]:
    params = {
        "InstanceId": EXAMPLE_INSTANCE_ID,
        "Number": EXAMPLE_NUMBER,
        "SkillGroupIdList": json.dumps([EXAMPLE_SKILL_GROUP_ID]),
        **overrides,
    }
    return {name: value for name, value in params.items() if value is not None}


def test_a_number_joins_several_groups_at_once_and_leaves_them_again(emulator, ccc):
    number = min(eligible_numbers(emulator))
    counts_before = {group: linked_count(ccc, group) for group in VOICE_SKILL_GROUP_IDS}
    ccc.add_phone_number_to_skill_groups(
        instance_id=EXAMPLE_INSTANCE_ID,
        number=number,
        skill_group_ids=["vip@ccc-test", "sales@ccc-test", "night-shift@ccc-test"],
    )
    assert groups_of(emulator, number) == ["sales@ccc-test", "vip@ccc-test", "night-shift@ccc-test"]
    (row,) = ccc.list_phone_numbers(instance_id=EXAMPLE_INSTANCE_ID, search_pattern=number).items
    assert [group.skill_group_id for group in row.skill_groups] == groups_of(emulator, number)
    for group in ("sales@ccc-test", "vip@ccc-test", "night-shift@ccc-test"):
        assert linked_count(ccc, group) == counts_before[group] + 1
        listed, _ = all_numbers(ccc, skill_group_id=group, is_member=True, search_pattern=number)
        assert [listed_row.number for listed_row in listed] == [number]

    ccc.remove_phone_number_from_skill_groups(
        instance_id=EXAMPLE_INSTANCE_ID, number=number, skill_group_ids=["sales@ccc-test"]
    )
    # The group's own write sees the same links.
    ccc.remove_phone_numbers_from_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id="vip@ccc-test", numbers=[number]
    )
    (row,) = ccc.list_phone_numbers(instance_id=EXAMPLE_INSTANCE_ID, search_pattern=number).items
    assert [group.skill_group_id for group in row.skill_groups] == ["night-shift@ccc-test"]
    assert linked_count(ccc, "sales@ccc-test") == counts_before["sales@ccc-test"]


def test_linking_a_number_to_a_group_it_is_in_changes_nothing_there(emulator, ccc):
    before = groups_of(emulator, EXAMPLE_NUMBER)
    assert before == [EXAMPLE_SKILL_GROUP_ID]
    number_write(
        ccc, "AddPhoneNumberToSkillGroups", EXAMPLE_NUMBER, [EXAMPLE_SKILL_GROUP_ID, "vip@ccc-test"]
    )
    assert groups_of(emulator, EXAMPLE_NUMBER) == [EXAMPLE_SKILL_GROUP_ID, "vip@ccc-test"]
    # Retried: the very same call again succeeds.
    number_write(
        ccc, "AddPhoneNumberToSkillGroups", EXAMPLE_NUMBER, [EXAMPLE_SKILL_GROUP_ID, "vip@ccc-test"]
    )
    assert linked_count(ccc) == len(linked_numbers(emulator))


@pytest.mark.parametrize("action", NUMBER_WRITES)
def test_a_group_listed_twice_counts_once(emulator, ccc, action):
    number = EXAMPLE_NUMBER
    if action == "RemovePhoneNumberFromSkillGroups":
        number_write(ccc, "AddPhoneNumberToSkillGroups", number, ["vip@ccc-test"])
    number_write(ccc, action, number, ["vip@ccc-test", "vip@ccc-test"])
    linked = "vip@ccc-test" in groups_of(emulator, number)
    assert linked is (action == "AddPhoneNumberToSkillGroups")


def test_unlinking_a_number_from_a_group_it_is_not_in_is_refused_naming_the_group(emulator, ccc):
    error = refused(
        emulator,
        lambda: number_write(
            ccc,
            "RemovePhoneNumberFromSkillGroups",
            EXAMPLE_NUMBER,
            [EXAMPLE_SKILL_GROUP_ID, "sales@ccc-test", "vip@ccc-test"],
        ),
        InvalidParameterError,
        400,
        "Parameter.Invalid",
    )
    assert error.message == (
        "The parameter SkillGroupIdList is invalid: "
        f"{EXAMPLE_NUMBER} is not linked to skill group sales@ccc-test."
    )
    assert error.skill_group_id == "sales@ccc-test"
    # So the caller leaves that group out and sends the others: the next one it is not in.
    error = refused(
        emulator,
        lambda: number_write(
            ccc,
            "RemovePhoneNumberFromSkillGroups",
            EXAMPLE_NUMBER,
            [EXAMPLE_SKILL_GROUP_ID, "vip@ccc-test"],
        ),
        InvalidParameterError,
        400,
        "Parameter.Invalid",
    )
    assert error.skill_group_id == "vip@ccc-test"
    number_write(ccc, "RemovePhoneNumberFromSkillGroups", EXAMPLE_NUMBER, [EXAMPLE_SKILL_GROUP_ID])
    assert groups_of(emulator, EXAMPLE_NUMBER) == []


def test_a_personal_outbound_number_joins_no_group(emulator, ccc):
    personal = personal_outbound_numbers(emulator)[0]
    error = refused(
        emulator,
        lambda: number_write(ccc, "AddPhoneNumberToSkillGroups", personal, ["sales@ccc-test"]),
        InvalidParameterError,
        400,
        "Parameter.Invalid",
    )
    assert error.message == (
        f"The parameter Number is invalid: {personal} is an agent's personal outbound number; "
        "it cannot be linked to a skill group."
    )
    assert error.skill_group_id is None


@pytest.mark.parametrize("action", NUMBER_WRITES)
@pytest.mark.parametrize("unknown", ["nope@ccc-test", BULK_SKILL_GROUP_ID])
def test_an_unknown_group_refuses_the_whole_write_naming_it(emulator, ccc, action, unknown):
    error = refused(
        emulator,
        lambda: number_write(
            ccc, action, EXAMPLE_NUMBER, [EXAMPLE_SKILL_GROUP_ID, unknown, "vip@ccc-test"]
        ),
        NotFoundError,
        404,
        "NotExists.SkillGroupId",
    )
    assert error.message == f"The skill group ID {unknown} does not exist in instance ccc-test."
    assert error.skill_group_id == unknown


@pytest.mark.parametrize("action", NUMBER_WRITES)
@pytest.mark.parametrize(
    ("overrides", "status", "code", "message"),
    [
        (
            {"Number": "099999999999", "SkillGroupIdList": '["nope@ccc-test"]'},
            404,
            "NotExists.Number",
            "The number 099999999999 does not exist in instance ccc-test.",
        ),
        (
            {"Number": min(build_demo_instances()[BULK_INSTANCE_ID].numbers)},
            404,
            "NotExists.Number",
            None,
        ),
        (
            {"InstanceId": "ccc-nope"},
            404,
            "NotExists.InstanceId",
            "The specified instance ccc-nope does not exist.",
        ),
        (
            {"InstanceId": "ccc-nope", "SkillGroupIdList": "[1]"},
            400,
            "Parameter.Format",
            None,
        ),
        (
            {"Number": None},
            400,
            "Parameter.Empty",
            "The parameter Number may not be null or empty.",
        ),
        ({"Number": " "}, 400, "Parameter.Empty", None),
        (
            {"SkillGroupIdList": None},
            400,
            "Parameter.Empty",
            "The parameter SkillGroupIdList may not be null or empty.",
        ),
        ({"InstanceId": None}, 400, "Parameter.Empty", EMPTY_INSTANCE_ID),
    ],
)
def test_a_numbers_writes_check_their_parameters_and_change_nothing(
    emulator, action, overrides, status, code, message
):
    before = every_link(emulator)
    response = call(emulator, action, number_write_params(**overrides))
    assert_product_error(response, status, code, message)
    assert every_link(emulator) == before


@pytest.mark.parametrize("action", NUMBER_WRITES)
@pytest.mark.parametrize(
    ("skill_group_id_list", "code"),
    [
        ("[]", "Parameter.Empty"),
        ("sales@ccc-test", "Parameter.Format"),
        ('"sales@ccc-test"', "Parameter.Format"),
        ('{"SkillGroupId": "sales@ccc-test"}', "Parameter.Format"),
        ('["sales@ccc-test", 7]', "Parameter.Format"),
        ('["sales@ccc-test", " "]', "Parameter.Format"),
        ('["sales@ccc-test", null]', "Parameter.Format"),
        ("[" * 2000 + "]" * 2000, "Parameter.Format"),
    ],
)
def test_a_malformed_skill_group_id_list_is_refused(emulator, action, skill_group_id_list, code):
    response = call(emulator, action, number_write_params(SkillGroupIdList=skill_group_id_list))
    body = assert_product_error(response, 400, code)
    assert "SkillGroupIdList" in body["Message"]
    assert groups_of(emulator, EXAMPLE_NUMBER) == [EXAMPLE_SKILL_GROUP_ID]


def test_a_malformed_skill_group_id_list_answers_the_documented_format_message(emulator):
    response = call(
        emulator,
        "AddPhoneNumberToSkillGroups",
        number_write_params(SkillGroupIdList="sales@ccc-test"),
    )
    body = assert_product_error(response, 400, "Parameter.Format")
    assert body["Message"] == (
        "The format of parameter SkillGroupIdList is invalid. It must be a JSON array of skill "
        'group IDs, e.g. ["skillgroup1@ccc-test","skillgroup2@ccc-test"].'
    )


@pytest.mark.parametrize("action", NUMBER_WRITES)
def test_more_skill_groups_than_the_maximum_are_refused_counted_as_sent(emulator, ccc, action):
    # Each group linked, so each would be accepted alone by either write.
    groups = VOICE_SKILL_GROUP_IDS
    number_write(ccc, "AddPhoneNumberToSkillGroups", EXAMPLE_NUMBER, groups)
    over = (groups * 5)[: DEFAULT_MAX_SKILL_GROUPS_PER_WRITE + 1]
    error = refused(
        emulator,
        lambda: number_write(ccc, action, EXAMPLE_NUMBER, over),
        InvalidParameterError,
        400,
        "Parameter.Maximum",
    )
    assert error.message == "The parameter SkillGroupIdList must be less than or equal to 20."
    number_write(ccc, action, EXAMPLE_NUMBER, over[:-1])
    assert groups_of(emulator, EXAMPLE_NUMBER) == (groups if "Add" in action else [])


@pytest.mark.parametrize("action", NUMBER_WRITES)
def test_the_skill_group_maximum_is_a_setting(make_client, action):
    emulator = Emulator(max_skill_groups_per_write=2)
    ccc = make_client(emulator=emulator, retry=NO_RETRY)
    groups = ["sales@ccc-test", "vip@ccc-test", "night-shift@ccc-test"]
    number_write(ccc, "AddPhoneNumberToSkillGroups", EXAMPLE_NUMBER, groups[:2])
    number_write(ccc, "AddPhoneNumberToSkillGroups", EXAMPLE_NUMBER, groups[2:])
    error = refused(
        emulator,
        lambda: number_write(ccc, action, EXAMPLE_NUMBER, groups),
        InvalidParameterError,
        400,
        "Parameter.Maximum",
    )
    assert error.message == "The parameter SkillGroupIdList must be less than or equal to 2."
    assert emulator.max_skill_groups_per_write == 2


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "20", None])
def test_the_skill_group_maximum_is_a_positive_integer(value):
    with pytest.raises(ValueError, match="max_skill_groups_per_write"):
        Emulator(max_skill_groups_per_write=value)


def test_the_default_skill_group_maximum_is_20():
    assert DEFAULT_MAX_SKILL_GROUPS_PER_WRITE == 20
    assert Emulator().max_skill_groups_per_write == 20


@pytest.mark.parametrize("action", NUMBER_WRITES)
def test_a_numbers_writes_answer_no_data(emulator, action):
    if action == "RemovePhoneNumberFromSkillGroups":
        params = number_write_params()
    else:
        params = number_write_params(SkillGroupIdList='["vip@ccc-test"]')
    assert "Data" not in assert_ok(call(emulator, action, params))


# -- the dataset -----------------------------------------------------------------------------


def test_the_dataset_is_deterministic():
    first, second = build_demo_instances(), build_demo_instances()
    assert first == second
    assert [number.to_api() for number in first[EXAMPLE_INSTANCE_ID].numbers.values()] == [
        number.to_api() for number in second[EXAMPLE_INSTANCE_ID].numbers.values()
    ]
    assert build_demo_instances(seed=1) != first


def test_the_dataset_is_realistic():
    instances = build_demo_instances()
    test = instances[EXAMPLE_INSTANCE_ID]
    records = list(test.numbers.values())
    assert 300 <= len(records) <= 2_000
    assert len({record.province for record in records}) >= 10
    assert {record.usage for record in records} == {"Inbound", "Outbound", "Bidirection"}
    assert sum(not record.active for record in records) >= 10
    assert sum(record.personal_outbound for record in records) >= 5
    assert all(record.instance_id == EXAMPLE_INSTANCE_ID for record in records)
    assert list(test.numbers) == sorted(test.numbers)
    assert len(test.skill_groups) >= 4
    example = test.numbers[EXAMPLE_NUMBER]
    assert (example.province, example.city, example.usage, example.contact_flow_id) == (
        "四川",
        "乐山",
        "Bidirection",
        EXAMPLE_CONTACT_FLOW_ID,
    )
    assert EXAMPLE_NUMBER in test.skill_groups[EXAMPLE_SKILL_GROUP_ID].linked


def test_no_skill_group_links_a_personal_outbound_number_or_an_unknown_one():
    for instance in build_demo_instances().values():
        for group in instance.skill_groups.values():
            assert group.instance_id == instance.instance_id
            assert group.linked <= set(instance.numbers)
            assert not [n for n in group.linked if instance.numbers[n].personal_outbound]


def test_the_bulk_instance_has_the_big_skill_groups():
    bulk = build_demo_instances()[BULK_INSTANCE_ID]
    eligible = [
        record
        for record in bulk.numbers.values()
        if record.number not in bulk.skill_groups[BULK_SKILL_GROUP_ID].linked
        and not record.personal_outbound
    ]
    assert len(eligible) > 10_000
    assert len(bulk.skill_groups[OVERFLOW_SKILL_GROUP_ID].linked) > 10_000


def test_every_personal_outbound_number_is_one_agents_of_its_instance():
    for instance in build_demo_instances().values():
        personal = [record for record in instance.numbers.values() if record.personal_outbound]
        assert personal
        assert {record.user_id for record in personal} <= set(instance.users)
        assert all(
            record.user_id == "" for record in instance.numbers.values() if record not in personal
        )


def test_a_few_agents_own_the_example_instances_personal_numbers():
    test = build_demo_instances()[EXAMPLE_INSTANCE_ID]
    owned = Counter(record.user_id for record in test.numbers.values() if record.user_id)
    assert 3 <= len(owned) <= 10 < len(test.users)
    assert max(owned.values()) > 1  # an agent may own several
    assert owned[EXAMPLE_USER_ID] >= 1


def test_the_example_agent_is_the_api_pages():
    agent = build_demo_instances()[EXAMPLE_INSTANCE_ID].users[EXAMPLE_USER_ID]
    assert (agent.login_name, agent.display_name, agent.email, agent.role_name) == (
        "agent",
        "坐席小王",
        "username@example.com",
        "Admin",
    )
    assert agent.skill_levels[EXAMPLE_SKILL_GROUP_ID] == 5


@pytest.mark.parametrize("instance_id", [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID])
def test_agents_have_chinese_and_english_names_and_logins_of_their_own(instance_id):
    users = list(build_demo_instances()[instance_id].users.values())
    names = [user.display_name for user in users]
    assert any(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name) for name in names)
    assert any(re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", name) for name in names)
    # Employee numbers in the order hired: no agent was replaced by a namesake.
    assert [user.display_id for user in users] == [str(1001 + n) for n in range(len(users))]
    for user in users:
        assert user.user_id == f"{user.login_name}@{instance_id}"
        assert user.email.endswith("@example.com")  # a domain reserved for examples
        assert re.fullmatch(r"[a-z.]+[0-9]*", user.login_name)
    assert [user.role_name for user in users].count("Admin") == 1


def test_namesakes_login_with_a_number():
    logins = {user.login_name for user in build_demo_instances()[BULK_INSTANCE_ID].users.values()}
    namesakes = [login for login in logins if re.fullmatch(r"[a-z.]+[2-9]", login)]
    assert namesakes
    assert all(login[:-1] in logins for login in namesakes)


@pytest.mark.parametrize("instance_id", [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID])
def test_each_skill_group_has_as_many_agents_as_its_user_count(instance_id):
    instance = build_demo_instances()[instance_id]
    for group in instance.skill_groups.values():
        levels = [
            user.skill_levels[group.skill_group_id]
            for user in instance.users.values()
            if group.skill_group_id in user.skill_levels
        ]
        assert len(levels) == group.user_count
        assert all(1 <= level <= 10 for level in levels)


def test_the_agents_leave_the_numbers_and_groups_as_they_were():
    """Agents, providers and times draw from sequences of their own: the numbers, which of
    them are personal and the groups' links stay what other tests count on."""
    instances = build_demo_instances()
    counts = {
        instance_id: (
            len(instance.numbers),
            sum(record.personal_outbound for record in instance.numbers.values()),
            [len(group.linked) for group in instance.skill_groups.values()],
        )
        for instance_id, instance in instances.items()
    }
    assert counts == {
        EXAMPLE_INSTANCE_ID: (480, 18, [61, 35, 48, 12, 0, 0, 0]),
        BULK_INSTANCE_ID: (12_000, 532, [150, 10_400]),
    }


# == 3. fault knobs ==========================================================================


def list_instances(emulator: Emulator) -> httpx.Response:
    return call(emulator, "ListInstances", {"PageNumber": "1", "PageSize": "1"})


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        (FaultKind.UNAVAILABLE, 503, "ServiceUnavailable"),
        (FaultKind.INTERNAL, 500, "InternalError"),
        ("throttling", 400, "Throttling.User"),
    ],
)
def test_an_injected_fault_answers_once_then_the_emulator_recovers(emulator, kind, status, code):
    emulator.faults.inject(kind)
    response = list_instances(emulator)
    assert_gateway_error(response, status, code)
    assert "x-acs-retry-after" not in response.headers
    assert_ok(list_instances(emulator))


def test_throttling_says_when_to_retry_when_given(emulator):
    emulator.faults.inject(FaultKind.THROTTLING, retry_after_ms=1500)
    response = list_instances(emulator)
    assert_gateway_error(response, 400, "Throttling.User")
    assert response.headers["x-acs-retry-after"] == "1500"


def test_a_malformed_fault_answers_200_with_a_body_that_is_not_json(emulator):
    emulator.faults.inject(FaultKind.MALFORMED)
    response = list_instances(emulator)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert_ok(list_instances(emulator))


def test_a_slow_fault_delays_a_normal_answer(emulator):
    emulator.faults.inject(FaultKind.SLOW, delay=0.3)
    started = time.perf_counter()
    assert_ok(list_instances(emulator))
    assert time.perf_counter() - started >= 0.3


def test_latency_applies_to_every_request_until_cleared(emulator):
    emulator.faults.latency = 0.25
    for _ in range(2):
        started = time.perf_counter()
        assert_ok(list_instances(emulator))
        assert time.perf_counter() - started >= 0.25
    emulator.faults.clear()
    assert emulator.faults.latency == 0
    started = time.perf_counter()
    assert_ok(list_instances(emulator))
    assert time.perf_counter() - started < 0.25


def test_a_fault_restricted_to_an_action_only_hits_that_action(emulator):
    emulator.faults.inject(FaultKind.UNAVAILABLE, action="GetSkillGroup")
    assert_ok(list_instances(emulator))
    assert_ok(list_numbers(emulator))
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "SkillGroupId": EXAMPLE_SKILL_GROUP_ID}
    assert_gateway_error(call(emulator, "GetSkillGroup", params), 503, "ServiceUnavailable")
    assert_ok(call(emulator, "GetSkillGroup", params))


def test_a_fault_injected_several_times_answers_that_many_times(emulator):
    emulator.faults.inject(FaultKind.INTERNAL, times=3)
    codes = [list_instances(emulator).json()["Code"] for _ in range(4)]
    assert codes == ["InternalError"] * 3 + ["OK"]


def test_clear_drops_pending_faults(emulator):
    emulator.faults.inject(FaultKind.UNAVAILABLE, times=5)
    emulator.faults.inject(FaultKind.MALFORMED, action="ListInstances")
    emulator.faults.clear()
    assert_ok(list_instances(emulator))
    assert_ok(list_instances(emulator))


def test_a_forbidden_fault_is_a_ram_refusal_of_that_action_alone(emulator):
    emulator.faults.add_rule(FaultKind.FORBIDDEN, 1, action="ListContactFlows")
    for _ in range(2):  # a policy, not a passing fault
        body = assert_gateway_error(list_flows(emulator), 403, "Forbidden.RAM")
        assert "not authorized" in body["Message"]
    assert_ok(list_instances(emulator))
    emulator.faults.clear()
    assert_ok(list_flows(emulator))


def test_faults_reach_our_client_as_typed_errors(emulator, ccc):
    emulator.faults.inject(FaultKind.MALFORMED)
    with pytest.raises(UnavailableError) as raised:
        ccc.list_instances()
    assert raised.value.code == "InvalidResponse"


# -- standing fault rules ---------------------------------------------------------------------


PAGE_ONE = {"PageNumber": "1", "PageSize": "1"}


def rule_hits(seed: int, rate: float = 0.5, count: int = 400) -> list[bool]:
    faults = Faults(seed=seed)
    faults.add_rule(FaultKind.INTERNAL, rate)
    return [faults.take("ListInstances") is not None for _ in range(count)]


def test_a_rule_at_rate_1_hits_every_request_until_cleared(emulator):
    emulator.faults.add_rule(FaultKind.UNAVAILABLE, 1.0)
    for _ in range(5):
        assert_gateway_error(list_instances(emulator), 503, "ServiceUnavailable")
    emulator.faults.clear()
    assert emulator.faults.rules == ()
    assert_ok(list_instances(emulator))


def test_a_rule_at_rate_one_half_hits_about_half_of_400_requests(emulator):
    emulator.faults.reseed(1234)
    emulator.faults.add_rule(FaultKind.INTERNAL, 0.5)
    with httpx.Client(
        transport=httpx.WSGITransport(app=emulator), base_url=f"http://{HOST}"
    ) as http:
        codes = Counter(
            http.post(
                "/?PageNumber=1&PageSize=1", headers=signed_headers("ListInstances", PAGE_ONE)
            ).json()["Code"]
            for _ in range(400)
        )
    # 200 ± 4 standard deviations; the seed makes the count the same on every run.
    assert set(codes) == {"InternalError", "OK"}
    assert 160 <= codes["InternalError"] <= 240


def test_a_seed_repeats_the_same_faults_and_another_seed_does_not():
    assert rule_hits(seed=7) == rule_hits(seed=7)
    assert rule_hits(seed=7) != rule_hits(seed=8)


def test_clear_restarts_the_random_sequence_from_the_seed():
    faults = Faults(seed=11)
    faults.add_rule(FaultKind.INTERNAL, 0.5)
    first = [faults.take("ListInstances") for _ in range(50)]
    faults.clear()
    faults.add_rule(FaultKind.INTERNAL, 0.5)
    assert [faults.take("ListInstances") for _ in range(50)] == first


def test_rules_share_one_draw_so_their_rates_add_up():
    faults = Faults(seed=99)
    faults.add_rule(FaultKind.UNAVAILABLE, 0.25)
    faults.add_rule(FaultKind.MALFORMED, 0.25)
    kinds = Counter(getattr(faults.take("ListInstances"), "kind", None) for _ in range(4000))
    # A quarter each and half with none, ± 4 standard deviations; independent draws would
    # give the second rule only a quarter of the three quarters left (750).
    assert 880 <= kinds[FaultKind.UNAVAILABLE] <= 1120
    assert 880 <= kinds[FaultKind.MALFORMED] <= 1120
    assert 1880 <= kinds[None] <= 2120


def test_a_rule_for_an_action_only_hits_that_action(emulator):
    emulator.faults.add_rule(FaultKind.UNAVAILABLE, 1.0, action="GetSkillGroup")
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "SkillGroupId": EXAMPLE_SKILL_GROUP_ID}
    for _ in range(3):
        assert_ok(list_instances(emulator))
        assert_ok(list_numbers(emulator))
        assert_gateway_error(call(emulator, "GetSkillGroup", params), 503, "ServiceUnavailable")


def test_requests_no_rule_matches_leave_the_random_sequence_alone():
    alone, mixed = Faults(seed=5), Faults(seed=5)
    for faults in (alone, mixed):
        faults.add_rule(FaultKind.INTERNAL, 0.5, action="GetSkillGroup")
    expected = [alone.take("GetSkillGroup") for _ in range(50)]
    seen = []
    for _ in range(50):
        assert mixed.take("ListInstances") is None
        seen.append(mixed.take("GetSkillGroup"))
    assert seen == expected
    assert {fault is None for fault in expected} == {True, False}


def test_rules_take_slow_and_throttling_parameters_from_the_faults_settings(emulator):
    emulator.faults.slow_delay = 0.3
    emulator.faults.throttle_retry_after_ms = 1500
    emulator.faults.add_rule(FaultKind.SLOW, 1.0, action="ListInstances")
    emulator.faults.add_rule(FaultKind.THROTTLING, 1.0, action="GetSkillGroup")
    started = time.perf_counter()
    assert_ok(list_instances(emulator))
    assert time.perf_counter() - started >= 0.3
    params = {"InstanceId": EXAMPLE_INSTANCE_ID, "SkillGroupId": EXAMPLE_SKILL_GROUP_ID}
    response = call(emulator, "GetSkillGroup", params)
    assert_gateway_error(response, 400, "Throttling.User")
    assert response.headers["x-acs-retry-after"] == "1500"


def test_one_shot_faults_come_before_the_rules(emulator):
    emulator.faults.add_rule(FaultKind.UNAVAILABLE, 1.0)
    emulator.faults.inject(FaultKind.INTERNAL)
    assert_gateway_error(list_instances(emulator), 500, "InternalError")
    assert_gateway_error(list_instances(emulator), 503, "ServiceUnavailable")


@pytest.mark.parametrize("rate", [0, -0.5, 1.01, float("nan"), float("inf"), True, "0.5"])
def test_a_rule_refuses_a_rate_outside_0_to_1(rate):
    faults = Faults()
    with pytest.raises(ValueError):
        faults.add_rule(FaultKind.UNAVAILABLE, rate)
    assert faults.rules == ()


def test_a_rule_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        Faults().add_rule("explode", 0.5)


# -- the reset fault --------------------------------------------------------------------------


def test_a_reset_reaches_our_client_in_process_as_a_connection_error(emulator, ccc):
    emulator.faults.add_rule(FaultKind.RESET, 1.0, action="ListInstances")
    with pytest.raises(UnavailableError) as raised:
        ccc.list_instances()
    assert raised.value.code == "ConnectionError"
    group = ccc.get_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )
    assert group.skill_group_id == EXAMPLE_SKILL_GROUP_ID


def test_a_reset_drops_a_real_connection_without_an_answer(make_client, live_emulator):
    url, emulator = live_emulator
    ccc = make_client(endpoint=url, retry=NO_RETRY, timeout=5.0)
    # A kept-alive connection first: the reset must close it, not leave it waiting.
    assert ccc.list_instances().total_count == 2
    emulator.faults.inject(FaultKind.RESET)
    started = time.perf_counter()
    with pytest.raises(UnavailableError) as raised:
        ccc.list_instances()
    assert raised.value.code == "ConnectionError"
    assert "RemoteProtocolError" in raised.value.message
    assert time.perf_counter() - started < 2
    assert ccc.list_instances().total_count == 2


def test_a_read_retries_past_a_dropped_connection(make_client, live_emulator):
    url, emulator = live_emulator
    ccc = make_client(endpoint=url, timeout=5.0)
    emulator.faults.inject(FaultKind.RESET, times=2)
    assert ccc.list_instances().total_count == 2
    assert emulator.request_count == 3


@pytest.mark.parametrize(
    ("kind", "raised"),
    [
        (FaultKind.INTERNAL, UnavailableError),
        (FaultKind.RESET, UnavailableError),
        (FaultKind.THROTTLING, ThrottlingError),
    ],
)
def test_a_fault_after_the_action_answers_it_but_the_write_was_applied(emulator, ccc, kind, raised):
    """What makes a write's outcome unknown: CCC applied it, and the answer says otherwise."""
    number = sorted(eligible_numbers(emulator))[0]
    emulator.faults.inject(kind, action="AddNumbersToSkillGroup", after=True)
    with pytest.raises(raised):
        ccc.add_numbers_to_skill_group(**EXAMPLE_GROUP, numbers=[number])
    assert number in linked_numbers(emulator)


def test_a_fault_before_the_action_leaves_the_state_alone(emulator, ccc):
    number = sorted(eligible_numbers(emulator))[0]
    emulator.faults.inject(FaultKind.INTERNAL, action="AddNumbersToSkillGroup")
    with pytest.raises(UnavailableError):
        ccc.add_numbers_to_skill_group(**EXAMPLE_GROUP, numbers=[number])
    assert number not in linked_numbers(emulator)
