"""Error reports (the DEBUG page, mailed reports) never show credentials, signatures or tokens."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import pytest
from django.test import Client, RequestFactory
from django.views.debug import get_default_exception_reporter_filter

from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID
from portal.error_reports import SecretHidingExceptionReporterFilter

NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
SECRET = "s3cret-of-the-ccc-account"
TOKEN = "sts-token-of-the-ccc-account"
ASSERTION = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
# A real request signature: 64 hex digits, as the client sends them.
SIGNATURE = re.compile(r"Signature=[0-9a-f]{64}")


def failing_page(app_emulator, settings) -> str:
    """The DEBUG error page of a numbers page whose CCC call fails with an unexpected error."""

    def bug(params):
        raise RuntimeError("a bug in the emulator")

    app_emulator.product.handlers["ListPhoneNumbersOfSkillGroup"] = bug
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get(NUMBERS, headers={"Accept": "text/html"})
    assert response.status_code == 500
    return response.content.decode()


def test_the_debug_page_hides_the_signed_request(app_emulator, settings):
    page = failing_page(app_emulator, settings)

    assert "a bug in the emulator" in page
    assert "_send" in page  # the client's frames are listed, with their variables hidden
    assert not SIGNATURE.search(page)


@pytest.fixture
def djangos_own_filter(settings) -> Iterator[None]:
    # Django caches the filter it builds from the setting, and no signal resets that cache.
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "django.views.debug.SafeExceptionReporterFilter"
    get_default_exception_reporter_filter.cache_clear()
    yield
    get_default_exception_reporter_filter.cache_clear()


@pytest.mark.usefixtures("djangos_own_filter")
def test_without_the_filter_the_debug_page_would_show_the_signature(app_emulator, settings):
    """The check above can fail: Django's own filter shows frame variables with DEBUG on."""
    assert SIGNATURE.search(failing_page(app_emulator, settings))


@pytest.fixture
def report_filter(settings) -> SecretHidingExceptionReporterFilter:
    settings.CCC_ACCESS_KEY_SECRET = SECRET
    settings.CCC_SECURITY_TOKEN = TOKEN
    settings.CCCADMIN_JWT_HEADER = "X-Pomerium-Jwt-Assertion"
    return SecretHidingExceptionReporterFilter()


@pytest.mark.parametrize(
    "value",
    [
        SECRET,
        {"x-acs-security-token": TOKEN},
        ["Bearer", ASSERTION],
        {"authorization": "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,Signature=0a1b"},
    ],
    ids=["secret", "security-token", "assertion", "authorization"],
)
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_frame_variables_holding_a_secret_are_hidden(report_filter, settings, value, debug):
    settings.DEBUG = debug
    request = RequestFactory().get("/", headers={"X-Pomerium-Jwt-Assertion": ASSERTION})
    frame = sys._getframe()
    variables = dict(report_filter.get_traceback_frame_variables(request, frame))
    # The frame itself holds `value`, and also `request`, whose repr is only its path.
    assert variables["value"] == report_filter.cleansed_substitute
    assert variables["debug"] is debug


class HalfBuilt:
    """Like an object whose constructor failed: comparing or printing it raises."""

    def __eq__(self, other):
        raise AttributeError("half built")

    __hash__ = object.__hash__

    def __repr__(self):
        raise AttributeError("half built")


def test_a_variable_that_cannot_be_compared_or_printed_is_hidden(report_filter):
    request = RequestFactory().get("/")
    broken = HalfBuilt()  # noqa: F841 - read through the frame
    variables = dict(report_filter.get_traceback_frame_variables(request, sys._getframe()))

    assert variables["broken"] == report_filter.cleansed_substitute


def test_other_frame_variables_are_kept(report_filter):
    request = RequestFactory().get("/")
    innocent = {"InstanceId": EXAMPLE_INSTANCE_ID, "PageSize": "100"}
    variables = dict(report_filter.get_traceback_frame_variables(request, sys._getframe()))

    assert variables["innocent"] == innocent


def test_the_assertion_header_is_hidden_from_the_request_meta(report_filter, settings):
    settings.CCCADMIN_JWT_HEADER = "X-Portal-Identity"  # a name Django would not find secret
    request = RequestFactory().get("/", headers={"X-Portal-Identity": ASSERTION})

    meta = report_filter.get_safe_request_meta(request)

    assert meta["HTTP_X_PORTAL_IDENTITY"] == report_filter.cleansed_substitute
    assert meta["PATH_INFO"] == "/"
