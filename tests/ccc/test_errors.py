"""The typed errors: decided by the API's Code, whatever the HTTP status or body shape."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from ccc import (
    AuthenticationError,
    CccError,
    InvalidParameterError,
    NotFoundError,
    ThrottlingError,
    UnavailableError,
    signing,
)
from ccc.client import API_VERSION, CccClient
from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from ccc.errors import error_class_for, error_from_response

REQUEST_ID = "EEEE671A-3E24-4A04-81E6-6C4F5B39DF75"


def product_body(code: str, status: int, message: str = "a message") -> bytes:
    return json.dumps(
        {"Code": code, "HttpStatusCode": status, "Message": message, "RequestId": REQUEST_ID}
    ).encode()


def gateway_body(code: str, message: str = "a message") -> bytes:
    return json.dumps(
        {
            "RequestId": REQUEST_ID,
            "HostId": "ccc.cn-shanghai.aliyuncs.com",
            "Code": code,
            "Message": message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=CCC",
        }
    ).encode()


@pytest.mark.parametrize(
    ("code", "status", "error_class"),
    [
        ("Parameter.Empty", 400, InvalidParameterError),
        ("Parameter.Null", 400, InvalidParameterError),
        ("Parameter.Minimum", 400, InvalidParameterError),
        ("Parameter.Maximum", 400, InvalidParameterError),
        ("NotExists.InstanceId", 404, NotFoundError),
        ("NotExists.SkillGroupId", 404, NotFoundError),
    ],
)
def test_product_errors(code, status, error_class):
    error = error_from_response(status, product_body(code, status, "The parameter x is bad."))
    assert type(error) is error_class
    assert error.code == code
    assert error.message == "The parameter x is bad."
    assert error.http_status == status
    assert error.request_id == REQUEST_ID


@pytest.mark.parametrize(
    ("code", "status", "error_class"),
    [
        ("SignatureDoesNotMatch", 400, AuthenticationError),
        ("IncompleteSignature", 400, AuthenticationError),
        ("InvalidAccessKeyId.NotFound", 404, AuthenticationError),
        ("Forbidden.RAM", 403, AuthenticationError),
        ("InvalidSecurityToken.Malformed", 400, AuthenticationError),
        ("Throttling", 503, ThrottlingError),
        ("Throttling.User", 400, ThrottlingError),
        ("Throttling.Api", 429, ThrottlingError),
        ("ServiceUnavailable", 503, UnavailableError),
        ("InternalError", 500, UnavailableError),
    ],
)
def test_gateway_errors(code, status, error_class):
    error = error_from_response(status, gateway_body(code, "Denied."))
    assert type(error) is error_class
    assert (error.code, error.message, error.http_status, error.request_id) == (
        code,
        "Denied.",
        status,
        REQUEST_ID,
    )


@pytest.mark.parametrize(
    ("code", "status", "error_class"),
    [
        # The status says "client error" or "not found", the Code says otherwise: Code wins.
        ("Throttling.User", 400, ThrottlingError),
        ("ServiceUnavailable", 400, UnavailableError),
        ("InternalError", 200, UnavailableError),
        ("InvalidAccessKeyId.NotFound", 404, AuthenticationError),
        ("Parameter.Invalid", 500, InvalidParameterError),
        ("NotExists.InstanceId", 400, NotFoundError),
        ("Forbidden.RAM", 503, AuthenticationError),
    ],
)
def test_code_decides_not_status(code, status, error_class):
    assert type(error_from_response(status, gateway_body(code))) is error_class
    assert error_class_for(code, status) is error_class


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, CccError), (404, CccError), (500, UnavailableError), (503, UnavailableError)],
)
def test_unknown_codes_fall_back_on_the_status(status, error_class):
    error = error_from_response(status, gateway_body("Something.New"))
    assert type(error) is error_class
    assert error.code == "Something.New"


def test_code_prefixes_match_whole_segments():
    # "ParameterStore" is not a "Parameter.*" code, nor "ForbiddenFruit" a "Forbidden.*" one.
    assert error_class_for("ParameterStore.Full", 400) is CccError
    assert error_class_for("ForbiddenFruit", 400) is CccError
    assert error_class_for("Number.NotExists", 400) is NotFoundError


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (502, b"<html><body>502 Bad Gateway</body></html>", UnavailableError),
        (503, b"", UnavailableError),
        (500, b"[1, 2]", UnavailableError),
        (400, b"<html>Bad Request</html>", CccError),
        (404, b"", CccError),
        (400, b'{"Message": "no code here"}', CccError),
        (400, b'{"Code": "", "Message": "empty code"}', CccError),
        (500, b"[" * 100_000, UnavailableError),
    ],
    ids=[
        "html-502",
        "empty-503",
        "json-list-500",
        "html-400",
        "empty-404",
        "no-code",
        "empty-code",
        "nested-too-deep",
    ],
)
def test_bodies_that_are_not_ccc_errors(status, body, error_class):
    error = error_from_response(status, body, {"x-acs-request-id": REQUEST_ID})
    assert type(error) is error_class
    assert error.code == "InvalidResponse"
    assert f"HTTP {status}" in error.message
    assert error.http_status == status
    assert error.request_id == REQUEST_ID


def test_request_id_comes_from_the_header_when_the_body_has_none():
    body = json.dumps({"Code": "ServiceUnavailable", "Message": "down"}).encode()
    error = error_from_response(503, body, {"x-acs-request-id": "FROM-HEADER"})
    assert error.request_id == "FROM-HEADER"


def test_lower_case_error_fields_are_read_too():
    """Some gateways spell the fields in lower camel case; the SDK reads both spellings."""
    body = json.dumps(
        {"code": "Throttling.User", "message": "Slow down.", "requestId": REQUEST_ID}
    ).encode()
    error = error_from_response(400, body)
    assert type(error) is ThrottlingError
    assert (error.code, error.message, error.request_id) == (
        "Throttling.User",
        "Slow down.",
        REQUEST_ID,
    )


@pytest.mark.parametrize(
    ("header", "retry_after"),
    [("1500", 1.5), ("250", 0.25), ("0", None), ("-3", None), ("soon", None), (None, None)],
)
@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (400, "Throttling.User", ThrottlingError),
        (503, "ServiceUnavailable", UnavailableError),
        (503, "Something.New", UnavailableError),
    ],
)
def test_retry_after_is_read_in_milliseconds_on_any_error(
    header, retry_after, status, code, error_class
):
    headers = {} if header is None else {"x-acs-retry-after": header}
    error = error_from_response(status, gateway_body(code), headers)
    assert type(error) is error_class
    assert error.retry_after == retry_after


def test_retry_after_is_read_when_the_body_is_not_a_ccc_error():
    error = error_from_response(503, b"<html>busy</html>", {"x-acs-retry-after": "2000"})
    assert (type(error), error.retry_after) == (UnavailableError, 2.0)


def test_str_and_repr():
    error = error_from_response(404, product_body("NotExists.InstanceId", 404, "No ccc-x."))
    assert str(error) == "NotExists.InstanceId: No ccc-x."
    assert repr(error) == (
        f"NotFoundError(code='NotExists.InstanceId', http_status=404, request_id='{REQUEST_ID}')"
    )


def test_every_error_is_a_ccc_error():
    for error_class in (
        AuthenticationError,
        InvalidParameterError,
        NotFoundError,
        ThrottlingError,
        UnavailableError,
    ):
        assert issubclass(error_class, CccError)


# -- real error shapes, as the emulator answers them ---------------------------------------


def signed_headers(params: dict[str, str], *, action: str, secret: str, key: str) -> dict:
    headers = {
        "host": "ccc.emulator.test",
        "x-acs-action": action,
        "x-acs-version": API_VERSION,
        "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": signing.EMPTY_BODY_SHA256,
    }
    headers["authorization"] = signing.sign(
        method="POST",
        query=signing.canonical_query(params),
        headers=headers,
        access_key_id=key,
        secret=secret,
    )
    return headers


def post_raw(emulator, params: dict[str, str], headers: dict[str, str]) -> CccError:
    """Send a hand-built request to the emulator and type its error answer."""
    with httpx.Client(
        transport=httpx.WSGITransport(app=emulator), base_url="http://ccc.emulator.test"
    ) as http:
        response = http.post(f"/?{signing.canonical_query(params)}", headers=headers)
    assert response.status_code != 200
    return error_from_response(response.status_code, response.content, response.headers)


def test_emulator_incomplete_signature_is_an_authentication_error(emulator):
    headers = signed_headers(
        {}, action="ListInstances", secret=DEMO_ACCESS_KEY_SECRET, key=DEMO_ACCESS_KEY_ID
    )
    del headers["authorization"]
    error = post_raw(emulator, {}, headers)
    assert type(error) is AuthenticationError
    assert error.code == "IncompleteSignature"
    assert error.http_status == 400
    assert error.request_id


def test_emulator_signature_mismatch_is_an_authentication_error(emulator):
    params = {"PageNumber": "1", "PageSize": "10"}
    headers = signed_headers(
        params, action="ListInstances", secret=DEMO_ACCESS_KEY_SECRET, key=DEMO_ACCESS_KEY_ID
    )
    error = post_raw(emulator, {**params, "PageSize": "11"}, headers)
    assert type(error) is AuthenticationError
    assert error.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("name", "value", "code", "message"),
    [
        (
            "PageNumber",
            "0",
            "Parameter.Minimum",
            "The parameter PageNumber must be greater than or equal to 1.",
        ),
        (
            "PageSize",
            "101",
            "Parameter.Maximum",
            "The parameter PageSize must be less than or equal to 100.",
        ),
    ],
)
def test_emulator_and_client_preflight_agree(emulator, name, value, code, message):
    """The client refuses out-of-range paging with the very error the API would answer."""
    params = {"PageNumber": "1", "PageSize": "10", name: value}
    headers = signed_headers(
        params, action="ListInstances", secret=DEMO_ACCESS_KEY_SECRET, key=DEMO_ACCESS_KEY_ID
    )
    answered = post_raw(emulator, params, headers)
    assert type(answered) is InvalidParameterError
    assert (answered.code, answered.message, answered.http_status) == (code, message, 400)

    paging = {"page_number": 1, "page_size": 10, name.replace("Page", "page_").lower(): int(value)}
    with (
        CccClient(
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            transport=httpx.WSGITransport(app=emulator),
        ) as client,
        pytest.raises(InvalidParameterError) as preflight,
    ):
        client.list_instances(**paging)
    assert (preflight.value.code, preflight.value.message) == (code, message)
    assert emulator.request_count == 1  # only the hand-built request reached it
