"""ACS3-HMAC-SHA256: pinned vectors, and agreement with the official SDK's own signer."""

from __future__ import annotations

import hashlib
import hmac
import string

import pytest
from alibabacloud_tea_openapi.utils import Utils as SdkUtils
from darabonba.request import DaraRequest
from hypothesis import given
from hypothesis import strategies as st

from ccc import signing

ACCESS_KEY_ID = "LTAI5tFixedVectorKeyId"
ACCESS_KEY_SECRET = "fixed-vector-secret-0123456789"

# Every character the encoding rules single out, plus a non-ASCII city name.
SEARCH_PATTERN = "0833 1+2*3~4/5乐山"
PARAMS = {
    "InstanceId": "ccc-test",
    "SkillGroupId": "skillgroup@ccc-test",
    "IsMember": "true",
    "PageNumber": "1",
    "PageSize": "10",
    "SearchPattern": SEARCH_PATTERN,
}
HEADERS = {
    "host": "ccc.cn-shanghai.aliyuncs.com",
    "x-acs-action": "ListPhoneNumbersOfSkillGroup",
    "x-acs-version": "2020-07-01",
    "x-acs-date": "2024-03-15T08:30:00Z",
    "x-acs-signature-nonce": "3b6f1c0e9a2d4e7f8a1b2c3d4e5f6a7b",
    "x-acs-content-sha256": signing.EMPTY_BODY_SHA256,
}
EXPECTED_CANONICAL_QUERY = (
    "InstanceId=ccc-test&IsMember=true&PageNumber=1&PageSize=10"
    "&SearchPattern=0833%201%2B2%2A3~4%2F5%E4%B9%90%E5%B1%B1"
    "&SkillGroupId=skillgroup%40ccc-test"
)
EXPECTED_SIGNED_HEADERS = (
    "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
)
EXPECTED_SIGNATURE = "61eb9cc43d80c20b53affeb910e80e5545f0487d0bfa9873afce5251d2fe26ce"


def sdk_authorization(
    params: dict[str, str], headers: dict[str, str], access_key_id: str, secret: str
) -> str:
    """The Authorization value the official SDK computes for the same request."""
    request = DaraRequest()
    request.pathname = "/"
    request.method = "POST"
    request.query = dict(params)
    request.headers = dict(headers)
    return SdkUtils.get_authorization(
        request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], access_key_id, secret
    )


def our_authorization(
    params: dict[str, str], headers: dict[str, str], access_key_id: str, secret: str
) -> str:
    return signing.sign(
        method="POST",
        query=signing.canonical_query(params),
        headers=headers,
        access_key_id=access_key_id,
        secret=secret,
    )


# -- fixed vectors ------------------------------------------------------------------------


def test_empty_body_hash_is_sha256_of_nothing():
    assert signing.EMPTY_BODY_SHA256 == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (" ", "%20"),
        ("+", "%2B"),
        ("*", "%2A"),
        ("~", "~"),
        ("/", "%2F"),
        ("@", "%40"),
        ("=", "%3D"),
        ("&", "%26"),
        ("%", "%25"),
        ("乐山", "%E4%B9%90%E5%B1%B1"),
        ("AZaz09-_.", "AZaz09-_."),
    ],
)
def test_percent_encode(raw, encoded):
    assert signing.percent_encode(raw) == encoded


def test_canonical_query_sorts_and_encodes():
    assert signing.canonical_query(PARAMS) == EXPECTED_CANONICAL_QUERY


def test_canonical_query_of_no_parameters_is_empty():
    assert signing.canonical_query({}) == ""


def test_headers_to_sign_keeps_host_acs_and_content_type_only():
    names = ["Host", "X-Acs-Date", "x-acs-action", "Content-Type", "Accept", "User-Agent"]
    assert signing.headers_to_sign(names) == ["content-type", "host", "x-acs-action", "x-acs-date"]


def test_fixed_vector_signature():
    value = our_authorization(PARAMS, HEADERS, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    assert value == (
        f"ACS3-HMAC-SHA256 Credential={ACCESS_KEY_ID},"
        f"SignedHeaders={EXPECTED_SIGNED_HEADERS},Signature={EXPECTED_SIGNATURE}"
    )


def test_fixed_vector_follows_the_documented_steps():
    """Recompute the pinned signature step by step, as DESIGN.md describes the algorithm."""
    canonical_headers = "".join(f"{name}:{HEADERS[name]}\n" for name in sorted(HEADERS))
    canonical_request = (
        f"POST\n/\n{EXPECTED_CANONICAL_QUERY}\n{canonical_headers}\n"
        f"{EXPECTED_SIGNED_HEADERS}\n{signing.EMPTY_BODY_SHA256}"
    )
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    expected = hmac.new(
        ACCESS_KEY_SECRET.encode(), string_to_sign.encode(), hashlib.sha256
    ).hexdigest()
    assert expected == EXPECTED_SIGNATURE


def test_fixed_vector_matches_the_official_sdk():
    ours = our_authorization(PARAMS, HEADERS, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    assert ours == sdk_authorization(PARAMS, HEADERS, ACCESS_KEY_ID, ACCESS_KEY_SECRET)


def test_header_names_are_case_insensitive_and_others_are_not_signed():
    headers = {name.title(): value for name, value in HEADERS.items()}
    headers["Accept"] = "application/json"
    headers["User-Agent"] = "cccadmin"
    value = our_authorization(PARAMS, headers, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    assert value.endswith(f"SignedHeaders={EXPECTED_SIGNED_HEADERS},Signature={EXPECTED_SIGNATURE}")


@pytest.mark.parametrize(
    "change",
    [
        {"params": {**PARAMS, "SearchPattern": "0833 1+2*3~4/5乐"}},
        {"params": {**PARAMS, "PageNumber": "2"}},
        {"headers": {**HEADERS, "x-acs-signature-nonce": "another-nonce"}},
        {"headers": {**HEADERS, "x-acs-date": "2024-03-15T08:30:01Z"}},
        {"secret": ACCESS_KEY_SECRET + "x"},
    ],
    ids=["param-value", "page", "nonce", "date", "secret"],
)
def test_every_input_changes_the_signature(change):
    value = signing.sign(
        method="POST",
        query=signing.canonical_query(change.get("params", PARAMS)),
        headers=change.get("headers", HEADERS),
        access_key_id=ACCESS_KEY_ID,
        secret=change.get("secret", ACCESS_KEY_SECRET),
    )
    assert signing.Authorization.parse(value).signature != EXPECTED_SIGNATURE


def test_header_values_are_trimmed():
    padded = {
        **HEADERS,
        "x-acs-date": f"  {HEADERS['x-acs-date']} ",
        "host": f"{HEADERS['host']}\t",
    }
    value = our_authorization(PARAMS, padded, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    assert signing.Authorization.parse(value).signature == EXPECTED_SIGNATURE


def test_security_token_headers_are_signed_like_the_sdk_signs_them():
    headers = {
        **HEADERS,
        "x-acs-security-token": "CAIS+sts/token==",
        "x-acs-accesskey-id": ACCESS_KEY_ID,
    }
    ours = our_authorization(PARAMS, headers, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    assert signing.Authorization.parse(ours).signed_headers == (
        "host",
        "x-acs-accesskey-id",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-security-token",
        "x-acs-signature-nonce",
        "x-acs-version",
    )
    assert ours == sdk_authorization(PARAMS, headers, ACCESS_KEY_ID, ACCESS_KEY_SECRET)


# -- random cross-checks against the SDK ---------------------------------------------------

PARAMETER_NAMES = st.sampled_from(
    [
        "InstanceId",
        "SkillGroupId",
        "PageNumber",
        "PageSize",
        "IsMember",
        "SearchPattern",
        "Active",
        "NumberList",
        "MediaType",
    ]
)
HEADER_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.:+/=", min_size=1, max_size=40
)
PADDING = st.sampled_from(["", " ", "  ", "\t"])
# Both signers trim header values, so surrounding whitespace must not matter.
HEADER_VALUE = st.builds(
    lambda before, value, after: before + value + after, PADDING, HEADER_TEXT, PADDING
)


@given(
    params=st.dictionaries(PARAMETER_NAMES, st.text(max_size=30), max_size=9),
    nonce=HEADER_VALUE,
    date=HEADER_VALUE,
    action=st.sampled_from(["ListPhoneNumbersOfSkillGroup", "AddNumbersToSkillGroup"]),
    access_key_id=HEADER_TEXT,
    secret=st.text(min_size=1, max_size=40),
)
def test_random_requests_sign_like_the_sdk(params, nonce, date, action, access_key_id, secret):
    headers = {
        **HEADERS,
        "x-acs-action": action,
        "x-acs-date": date,
        "x-acs-signature-nonce": nonce,
    }
    assert our_authorization(params, headers, access_key_id, secret) == sdk_authorization(
        params, headers, access_key_id, secret
    )


@given(value=st.text(max_size=50))
def test_random_values_encode_like_the_sdk(value):
    assert signing.percent_encode(value) == SdkUtils.get_encode_param(value)


# -- Authorization.parse -------------------------------------------------------------------


def test_parse_reads_a_good_header():
    value = our_authorization(PARAMS, HEADERS, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    parsed = signing.Authorization.parse(value)
    assert parsed == signing.Authorization(
        access_key_id=ACCESS_KEY_ID,
        signed_headers=tuple(EXPECTED_SIGNED_HEADERS.split(";")),
        signature=EXPECTED_SIGNATURE,
    )
    assert parsed.header_value() == value


def test_parse_tolerates_spaces_around_fields():
    parsed = signing.Authorization.parse(
        "  ACS3-HMAC-SHA256 Credential=AK, SignedHeaders=host;x-acs-date , Signature=abc  "
    )
    assert parsed.access_key_id == "AK"
    assert parsed.signed_headers == ("host", "x-acs-date")
    assert parsed.signature == "abc"


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("", "algorithm must be ACS3-HMAC-SHA256"),
        ("Bearer abc", "algorithm must be ACS3-HMAC-SHA256"),
        (
            "ACS3-HMAC-SM3 Credential=AK,SignedHeaders=host,Signature=abc",
            "algorithm must be ACS3-HMAC-SHA256",
        ),
        ("ACS3-HMAC-SHA256", "lacks Credential, SignedHeaders, Signature"),
        ("ACS3-HMAC-SHA256 garbage", "lacks Credential, SignedHeaders, Signature"),
        ("ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host", "lacks Signature"),
        ("ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=abc", "lacks Credential"),
        ("ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=,Signature=", "SignedHeaders, Signature"),
    ],
)
def test_parse_rejects_malformed_headers(value, complaint):
    with pytest.raises(ValueError, match=complaint):
        signing.Authorization.parse(value)


def test_an_authorization_repr_leaves_the_signature_out():
    authorization = signing.Authorization.parse(
        our_authorization(PARAMS, HEADERS, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    )
    assert authorization.signature == EXPECTED_SIGNATURE
    assert EXPECTED_SIGNATURE not in repr(authorization)
