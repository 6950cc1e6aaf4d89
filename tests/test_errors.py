"""Error pages Django would draw in its own English are ours: in the page's look and the
reader's language, as a full page or in the region an htmx request was updating."""

from __future__ import annotations

import pytest
from django.test import Client

from .pages import Html, template_syntax_in

NUMBERS = "/instances/ccc-test/skill-groups/skillgroup@ccc-test/numbers/"


def text_of(response) -> str:
    page = Html(response.content.decode())
    assert template_syntax_in(page.text) == []
    return page.text


def test_an_unknown_address_is_our_404(client: Client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "This page does not exist." in text_of(response)
    assert "cccadmin" in text_of(response)


def test_a_method_a_view_does_not_take_is_our_405(client: Client, app_emulator):
    response = client.post("/audit/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "This address does not take that kind of request." in text_of(response)


@pytest.mark.django_db  # the refusal is recorded in the audit trail
def test_a_failed_csrf_check_is_our_403(app_emulator):
    client = Client(enforce_csrf_checks=True)
    response = client.post(NUMBERS + "change/", {"token": "x"})
    assert response.status_code == 403
    assert "The form could not be checked." in text_of(response)
    assert "Forbidden" not in text_of(response)


@pytest.mark.django_db  # the refusal is recorded in the audit trail
def test_a_failed_csrf_check_in_a_swap_is_an_alert(app_emulator):
    client = Client(enforce_csrf_checks=True)
    response = client.post(NUMBERS + "change/", {"token": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert b"<html" not in response.content
    assert "The form could not be checked." in text_of(response)


@pytest.mark.parametrize(
    ("handler", "status", "title"),
    [
        ("bad_request", 400, "The request is not valid."),
        ("permission_denied", 403, "Access denied"),
        ("server_error", 500, "Something went wrong on our side."),
    ],
)
def test_the_other_handlers(rf, handler, status, title):
    from portal import errors

    request = rf.get("/")
    view = getattr(errors, handler)
    response = view(request) if handler == "server_error" else view(request, Exception())
    assert response.status_code == status
    assert title in text_of(response)
