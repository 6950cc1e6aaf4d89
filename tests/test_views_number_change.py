"""Link and unlink through the pages: the selection an editor sees, the confirmation, the
POST, every refusal and fault as the user reads it, and the audit rows each leaves."""

from __future__ import annotations

import logging
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from audit import recording
from audit.models import AuditEvent
from audit.parts import parts_of
from audit.recording import Actor
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    CHAT_SKILL_GROUP_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_SKILL_GROUP_ID,
)
from phone_numbers import confirmations, services
from phone_numbers.models import ActionProgress
from portal.text import moment_text

from .audit_trail import ACCEPT_LANGUAGE, attempt
from .audit_trail import numbers as made_up_numbers
from .emulator_data import listed_numbers
from .pages import Html, template_syntax_in
from .servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.database]

GROUP = {"instance_id": EXAMPLE_INSTANCE_ID, "skill_group_id": EXAMPLE_SKILL_GROUP_ID}
NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
CONFIRM = NUMBERS + "confirm/"
CHANGE = NUMBERS + "change/"
HOTLINE = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{BULK_SKILL_GROUP_ID}/numbers/"
PROXY = "10.0.3.7"
ADD = "AddNumbersToSkillGroup"
HTMX = {"HX-Request": "true"}


def eligible(emulator, count: int) -> list[str]:
    return listed_numbers(emulator, **GROUP, linked=False)[:count]


def linked(emulator) -> set[str]:
    return set(listed_numbers(emulator, **GROUP))


def text_of(response) -> str:
    page = Html(response.content.decode())
    assert template_syntax_in(page.text) == []
    return " ".join(page.text.split())


def token_in(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def confirmed(client: Client, numbers=(), **query) -> str:
    response = client.get(CONFIRM, {"view": "eligible", "number": list(numbers), **query})
    assert response.status_code == 200, text_of(response)
    return token_in(response)


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("id"))


@pytest.fixture
def header_mode(settings, app_emulator):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = [f"{PROXY}/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_EDITOR_GROUPS = ["cc-admins", "cc-leads"]
    settings.CCCADMIN_INSTANCE_ACCESS = {"cc-admins": ["*"], "cc-support": ["*"], "cc-leads": []}
    return app_emulator


def as_user(groups: str, user: str = "alice", **headers: str) -> dict:
    return {
        "REMOTE_ADDR": PROXY,
        "headers": {
            "X-Forwarded-User": user,
            "X-Forwarded-Email": f"{user}@example.com",
            "X-Forwarded-Groups": groups,
            **headers,
        },
    }


# -- what an editor and a viewer see -----------------------------------------------------------


def test_an_editor_sees_a_checkbox_per_row_named_by_its_number(client: Client, app_emulator):
    response = client.get(NUMBERS, {"view": "eligible"})
    html = response.content.decode()
    numbers = eligible(app_emulator, 25)
    labels = re.findall(
        r'name="number" value="([^"]+)" form="selection" aria-label="([^"]+)"', html
    )
    assert labels == [(number, f"Select {number}") for number in numbers]
    assert 'aria-label="Select all on this page"' in html
    text = text_of(response)
    assert "Link to this skill group" in text
    assert "Select all 401 matching" in text


def test_the_linked_view_offers_unlink(client: Client, app_emulator):
    text = text_of(client.get(NUMBERS))
    assert "Unlink" in text and "Link to this skill group" not in text


def test_past_the_maximum_the_page_says_to_narrow_the_filter(client: Client, app_emulator):
    text = text_of(client.get(HOTLINE, {"view": "eligible"}))
    assert "Select all" not in text
    assert (
        "One action takes at most 1,000 numbers: narrow the filter to act on all that match."
        in (text)
    )


def test_a_viewer_sees_no_selection(client: Client, header_mode):
    response = client.get(NUMBERS, {"view": "eligible"}, **as_user("cc-support"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="number"' not in html and 'id="selection"' not in html
    assert "confirm-dialog" not in html


# -- confirm, then act -------------------------------------------------------------------------


def test_without_javascript_the_confirm_page_then_the_outcome_page(client: Client, app_emulator):
    numbers = eligible(app_emulator, 3)
    response = client.get(CONFIRM, {"view": "eligible", "number": numbers, "page": "1"})
    text = text_of(response)
    assert "Link 3 numbers to Customer service?" in text
    assert all(number in text for number in numbers)
    assert 'href="' + NUMBERS + '?view=eligible"' in response.content.decode()  # Cancel
    posted = client.post(CHANGE, {"token": token_in(response)})
    assert posted.status_code == 303
    (attempt,) = events("attempt")
    assert posted["Location"] == f"/audit/actions/{attempt.pk}/"
    page = client.get(posted["Location"])
    assert "Linked 3 numbers to Customer service." in text_of(page)
    assert linked(app_emulator) >= set(numbers)


def test_with_htmx_the_outcome_lands_in_place_and_refreshes_the_results(
    client: Client, app_emulator
):
    numbers = eligible(app_emulator, 2)
    dialog = client.get(CONFIRM, {"view": "eligible", "number": numbers}, headers=HTMX)
    assert b"<html" not in dialog.content
    assert 'id="confirm-title"' in dialog.content.decode()
    response = client.post(CHANGE, {"token": token_in(dialog)}, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert text_of(response).startswith("Linked 2 numbers to Customer service. Undo")
    assert response["HX-Trigger-After-Settle"] == (
        '{"cccadmin:numbers-changed": {"stillSelected": []}}'
    )
    after = client.get(NUMBERS, {"view": "eligible"}, headers=HTMX)
    assert not set(numbers) & set(
        re.findall(r'value="(\d+)" form="selection"', after.content.decode())
    )


def test_all_matching_is_confirmed_with_its_count_and_listed_again(client: Client, app_emulator):
    matching = [n for n in listed_numbers(app_emulator, **GROUP, linked=False) if "0833" in n]
    response = client.get(CONFIRM, {"view": "eligible", "q": "0833", "all": "1"})
    text = text_of(response)
    assert f"Link {len(matching)} numbers to Customer service?" in text
    assert f"and {len(matching) - 10} more." in text
    client.post(CHANGE, {"token": token_in(response)})
    assert linked(app_emulator) >= set(matching)
    (outcome,) = events("outcome")
    assert sorted(outcome.numbers) == sorted(matching)


def test_undo_runs_the_inverse_through_the_same_confirmation(client: Client, app_emulator):
    numbers = eligible(app_emulator, 2)
    client.post(CHANGE, {"token": confirmed(client, numbers)})
    (attempt,) = events("attempt")
    undo = client.get(CONFIRM, {"undo": attempt.pk})
    text = text_of(undo)
    assert "Unlink 2 numbers from Customer service?" in text
    assert "This undoes an earlier action on these numbers." in text
    client.post(CHANGE, {"token": token_in(undo)})
    assert not linked(app_emulator) & set(numbers)
    assert events("attempt")[1].undoes_id == attempt.pk


def test_an_undone_action_says_by_whom_and_offers_no_second_undo(client: Client, app_emulator):
    numbers = eligible(app_emulator, 3)
    client.post(CHANGE, {"token": confirmed(client, numbers)})
    (link,) = events("attempt")
    client.post(CHANGE, {"token": token_in(client.get(CONFIRM, {"undo": link.pk}))})
    undo = events("attempt")[1]

    page = client.get(f"/audit/actions/{link.pk}/")
    text = text_of(page)
    assert f"Undone by dev@localhost at {moment_text(undo.created_at)}." in text
    assert (f"/audit/actions/{undo.pk}/", "See the undo") in Html(page.content.decode()).links
    assert f'id="undo-{link.pk}"' not in page.content.decode()

    # The undo says it was one, links back, and can itself be undone once.
    page = client.get(f"/audit/actions/{undo.pk}/")
    text = text_of(page)
    assert "Link undone" in text
    assert "Undid the link of 3 numbers to Customer service." in text
    assert "See the action it undid" in text
    assert f'id="undo-{undo.pk}"' in page.content.decode()


def test_a_second_undo_is_refused_even_when_confirmed_before_the_first(
    client: Client, app_emulator
):
    numbers = eligible(app_emulator, 2)
    client.post(CHANGE, {"token": confirmed(client, numbers)})
    (link,) = events("attempt")
    first, second = (token_in(client.get(CONFIRM, {"undo": link.pk})) for _ in range(2))
    client.post(CHANGE, {"token": first})
    client.post(CHANGE, {"token": confirmed(client, numbers)})  # linked again by hand
    calls = app_emulator.request_count

    again = client.post(CHANGE, {"token": second}, headers=HTMX)
    assert again.status_code == 409
    assert "This action was already undone by dev@localhost at " in text_of(again)
    assert app_emulator.request_count == calls
    assert linked(app_emulator) >= set(numbers)  # the second undo unlinked nothing
    (refusal,) = events("refusal")
    assert (refusal.error_code, refusal.detail) == (
        AuditEvent.Refusal.ALREADY_UNDONE,
        str(events("attempt")[1].pk),
    )
    # Asking to undo it again is refused before any confirmation.
    assert client.get(CONFIRM, {"undo": link.pk}).status_code == 409


def test_an_undo_that_changed_nothing_leaves_the_action_undoable(client: Client, app_emulator):
    client.post(CHANGE, {"token": confirmed(client, eligible(app_emulator, 2))})
    (link,) = events("attempt")
    app_emulator.faults.inject("internal", action="RemovePhoneNumbersFromSkillGroup", times=5)
    client.post(CHANGE, {"token": token_in(client.get(CONFIRM, {"undo": link.pk}))})
    assert events("outcome")[1].outcome == AuditEvent.Outcome.FAILED

    assert f'id="undo-{link.pk}"' in client.get(f"/audit/actions/{link.pk}/").content.decode()
    assert client.get(CONFIRM, {"undo": link.pk}).status_code == 200


def test_unlink_and_the_undo_of_a_link_are_danger_styled(client: Client, app_emulator):
    client.post(CHANGE, {"token": confirmed(client, eligible(app_emulator, 1))})
    (link,) = events("attempt")
    undo = client.get(CONFIRM, {"undo": link.pk}).content.decode()
    linked_view = client.get(NUMBERS).content.decode()

    assert re.search(r'class="btn btn-sm btn-danger" id="confirm-action"', undo)
    assert re.search(r'class="btn btn-sm btn-danger" id="act-on-selection"', linked_view)
    assert "btn-danger" not in client.get(NUMBERS, {"view": "eligible"}).content.decode()


def test_a_double_submit_applies_and_records_once(client: Client, app_emulator):
    token = confirmed(client, eligible(app_emulator, 2))
    client.post(CHANGE, {"token": token}, headers=HTMX)
    calls = app_emulator.request_count
    again = client.post(CHANGE, {"token": token}, headers=HTMX)
    assert again.status_code == 409
    assert text_of(again).startswith(
        "This confirmation was submitted before and was carried out once: Linked 2 numbers"
    )
    assert app_emulator.request_count == calls
    assert (len(events("attempt")), len(events("outcome"))) == (1, 1)
    (refusal,) = events("refusal")
    assert refusal.error_code == AuditEvent.Refusal.CONFIRMATION_REUSED
    assert refusal.detail.isdigit()


# -- refusals ----------------------------------------------------------------------------------


def test_a_viewer_cannot_write_and_is_recorded(client: Client, header_mode):
    numbers = eligible(header_mode, 2)
    # A confirmation made while this user was still an editor, say.
    token = confirmations.confirmation_prepare(
        username="victor",
        action=confirmations.Action.LINK,
        instance_id=GROUP["instance_id"],
        numbers_by_group={GROUP["skill_group_id"]: numbers},
    ).token()
    response = client.post(CHANGE, {"token": token}, **as_user("cc-support", "victor"))
    assert response.status_code == 403
    assert "Nothing was changed. Only editors can link or unlink numbers." in text_of(response)
    (refusal,) = events("refusal")
    assert (refusal.username, refusal.email, refusal.outcome, refusal.numbers) == (
        "victor",
        "victor@example.com",
        "refused",
        numbers,
    )
    assert (refusal.error_code, refusal.detail) == (AuditEvent.Refusal.NOT_EDITOR, "")
    assert events("attempt") == []
    assert not linked(header_mode) & set(numbers)


def test_a_viewer_cannot_even_ask_for_a_confirmation(client: Client, header_mode):
    response = client.get(CONFIRM, {"view": "eligible", "all": "1"}, **as_user("cc-support"))
    assert response.status_code == 403


def test_an_editor_outside_the_instance_is_refused_and_recorded(client: Client, header_mode):
    response = client.post(CHANGE, {"token": "x"}, **as_user("cc-leads", "lena"))
    assert response.status_code == 403
    assert "You do not have access to instance “ccc-test”." in text_of(response)
    (refusal,) = events("refusal")
    assert (refusal.username, refusal.instance_id, refusal.skill_group_id) == (
        "lena",
        EXAMPLE_INSTANCE_ID,
        EXAMPLE_SKILL_GROUP_ID,
    )
    assert (refusal.error_code, refusal.detail) == (
        AuditEvent.Refusal.OUTSIDE_SCOPE,
        EXAMPLE_INSTANCE_ID,
    )
    # A page read outside the scope is refused too, but it is no write: not in the trail.
    assert client.get(NUMBERS, **as_user("cc-leads", "lena")).status_code == 403
    assert len(events("refusal")) == 1


def test_the_client_address_is_the_first_one_the_proxies_did_not_add(client: Client, header_mode):
    token = confirmations.confirmation_prepare(
        username="alice",
        action=confirmations.Action.LINK,
        instance_id=GROUP["instance_id"],
        numbers_by_group={GROUP["skill_group_id"]: ["0999000111"]},
    ).token()
    forwarded = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.0.3.7"}
    client.post(CHANGE, {"token": token}, **as_user("cc-admins", **forwarded))
    (attempt,) = events("attempt")
    assert attempt.client_address == "203.0.113.9"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "it is not one this server made"),
        ("forged:token:value", "it is not one this server made"),
    ],
)
def test_a_bad_token_is_refused_and_recorded(client: Client, app_emulator, token, reason):
    response = client.post(CHANGE, {"token": token})
    assert response.status_code == 400
    assert f"This confirmation cannot be used ({reason}). Select the numbers again." in text_of(
        response
    )
    (refusal,) = events("refusal")
    assert (refusal.error_code, refusal.detail) == (AuditEvent.Refusal.CONFIRMATION_FORGED, "")
    assert events("attempt") == []


def test_a_token_for_another_skill_group_is_refused(client: Client, app_emulator):
    token = confirmed(client, eligible(app_emulator, 1))
    response = client.post(
        f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/other@ccc-test/numbers/change/",
        {"token": token},
    )
    assert response.status_code == 400
    assert "it was made for another user or skill group" in text_of(response)


def test_an_expired_confirmation_is_refused(client: Client, settings, app_emulator):
    token = confirmed(client, eligible(app_emulator, 1))
    settings.CCCADMIN_CONFIRMATION_SECONDS = -1
    response = client.post(CHANGE, {"token": token})
    assert response.status_code == 400
    assert "(it has expired)" in text_of(response)


def test_numbers_cannot_be_linked_to_a_chat_group_even_by_a_made_up_link(
    client: Client, app_emulator
):
    chat = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{CHAT_SKILL_GROUP_ID}/numbers/"
    response = client.get(chat + "confirm/", {"view": "eligible", "all": "1"})

    assert response.status_code == 400
    assert "Phone numbers serve voice skill groups; Online chat is a chat group." in text_of(
        response
    )
    assert 'name="token"' not in response.content.decode()


def test_the_write_needs_csrf_and_its_refusal_is_recorded(header_mode):
    client = Client(enforce_csrf_checks=True)
    forwarded = {"X-Forwarded-For": "203.0.113.9, 10.0.3.7"}
    response = client.post(CHANGE, {"token": "x"}, **as_user("cc-admins", **forwarded))
    assert response.status_code == 403
    assert "The form could not be checked." in text_of(response)
    assert events("attempt") == []
    (refusal,) = events("refusal")
    assert (refusal.username, refusal.email, refusal.client_address) == (
        "alice",
        "alice@example.com",
        "203.0.113.9",
    )
    assert (refusal.instance_id, refusal.skill_group_id, refusal.outcome) == (
        EXAMPLE_INSTANCE_ID,
        EXAMPLE_SKILL_GROUP_ID,
        "refused",
    )
    assert (refusal.error_code, refusal.detail) == (AuditEvent.Refusal.CSRF_FAILED, CHANGE)
    trail = text_of(client.get("/audit/", **as_user("cc-support", "bob")))
    assert f"⊘ Refused The form posted to {CHANGE} failed its CSRF check." in trail


def forged_posts(client: Client, count: int, address: str, path: str = CHANGE) -> None:
    for _ in range(count):
        response = client.post(
            path, **as_user("cc-admins", **{"X-Forwarded-For": f"{address}, 10.0.3.7"})
        )
        assert response.status_code == 403


def test_a_flood_of_forged_posts_is_counted_not_recorded_one_by_one(header_mode, monkeypatch):
    """The trail cannot be emptied: an address's CSRF refusals add a row for the first in each
    minute and one at the 10th, 100th, ..., saying how many."""
    client = Client(enforce_csrf_checks=True)
    forged_posts(client, 9, "203.0.113.9")
    forged_posts(client, 1, "198.51.100.4", path="/i18n/setlang/")
    forged_posts(client, 111, "203.0.113.9")
    recorded = [
        (e.client_address, e.error_code, e.detail, e.instance_id) for e in events("refusal")
    ]
    assert recorded == [
        ("203.0.113.9", AuditEvent.Refusal.CSRF_FAILED, CHANGE, EXAMPLE_INSTANCE_ID),
        ("198.51.100.4", AuditEvent.Refusal.CSRF_FAILED, "/i18n/setlang/", ""),
        ("203.0.113.9", AuditEvent.Refusal.CSRF_FAILURES_COUNTED, "10", EXAMPLE_INSTANCE_ID),
        ("203.0.113.9", AuditEvent.Refusal.CSRF_FAILURES_COUNTED, "100", EXAMPLE_INSTANCE_ID),
    ]
    trail = text_of(client.get("/audit/", **as_user("cc-support", "bob")))
    assert (
        "⊘ Refused 100 forms from this address have failed their CSRF check this minute; "
        "the log has each one."
    ) in trail

    # The next minute counts afresh.
    a_minute_on = timezone.now() + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: a_minute_on)
    forged_posts(client, 2, "203.0.113.9")
    assert len(events("refusal")) == 5
    assert events("refusal")[-1].error_code == AuditEvent.Refusal.CSRF_FAILED


@pytest.mark.parametrize(
    ("instance_id", "recorded_instance", "recorded_path"),
    [
        ("ccc-\x00", "", "/instances/ccc-%00/skill-groups/g/numbers/change/"),
        ("c" * 129, "", f"/instances/{'c' * 129}/skill-groups/g/numbers/change/"),
        ("ccc-other", "ccc-other", "/instances/ccc-other/skill-groups/g/numbers/change/"),
    ],
    ids=["nul", "too-long", "another-instance"],
)
def test_a_forged_post_is_recorded_whatever_its_path_names(
    header_mode, instance_id, recorded_instance, recorded_path
):
    """The path is the client's: the row keeps what a column can hold, the detail the rest."""
    path = f"/instances/{instance_id}/skill-groups/g/numbers/change/"
    forged_posts(Client(enforce_csrf_checks=True), 1, "203.0.113.9", path=path)
    (refusal,) = events("refusal")
    assert (refusal.instance_id, refusal.skill_group_id, refusal.detail) == (
        recorded_instance,
        "g",
        recorded_path,
    )


def test_while_the_cache_fails_each_forged_post_is_recorded(header_mode, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens
            "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
        }
    }
    forged_posts(Client(enforce_csrf_checks=True), 3, "203.0.113.9")
    assert [event.error_code for event in events("refusal")] == [AuditEvent.Refusal.CSRF_FAILED] * 3


def test_the_write_is_a_post(client: Client, app_emulator):
    assert client.get(CHANGE).status_code == 405


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"view": "eligible"}, "Select at least one number first."),
        (
            {"view": "eligible", "q": "000000000000", "all": "1"},
            "Select at least one number first.",
        ),
        ({"view": "eligible", "number": ["0833 001"]}, "“0833 001” is not a phone number."),
        ({"view": "eligible", "number": ["<script>"]}, "“<script>” is not a phone number."),
    ],
)
def test_an_empty_or_malformed_selection_gets_a_clear_400(
    client: Client, app_emulator, query, message
):
    response = client.get(CONFIRM, query)
    assert response.status_code == 400
    assert f"Nothing was changed. {message}" in text_of(response)


def test_too_many_matching_gets_a_clear_400(client: Client, app_emulator):
    response = client.get(HOTLINE + "confirm/", {"view": "eligible", "all": "1"})
    assert response.status_code == 400
    assert re.search(
        r"[\d,]+ numbers match, and one action takes at most 1,000\. Narrow the filter",
        text_of(response),
    )


def test_numbers_ccc_does_not_know_are_reported_not_linked(client: Client, app_emulator):
    response = client.post(CHANGE, {"token": confirmed(client, ["0999000111"])}, headers=HTMX)
    text = text_of(response)
    assert text.startswith(
        "No number was linked to Customer service. Why: CCC does not know them in instance "
        "ccc-test (RequestId "
    )
    assert "They are still selected." in text
    (outcome,) = events("outcome")
    assert (outcome.outcome, outcome.error_code, outcome.not_done) == (
        "failed",
        "NotExists.Number",
        ["0999000111"],
    )


def test_undo_of_an_action_elsewhere_is_not_found(client: Client, app_emulator):
    assert client.get(CONFIRM, {"undo": 999}).status_code == 404


# -- faults ------------------------------------------------------------------------------------


def test_throttling_mid_way_says_what_was_not_linked(client: Client, settings, app_emulator):
    settings.CCC_WRITE_BATCH_SIZE = 2
    settings.CCC_WRITES_IN_FLIGHT = 1
    numbers = eligible(app_emulator, 6)
    token = confirmed(client, numbers)
    app_emulator.faults.inject("slow", action=ADD, delay=0)
    app_emulator.faults.inject("throttling", action=ADD, times=10, retry_after_ms=600_000)
    response = client.post(CHANGE, {"token": token}, headers=HTMX)
    (outcome,) = events("outcome")
    assert text_of(response).startswith(
        "Linked 2 of 6 numbers to Customer service. The other 4 were not linked: CCC is "
        f"throttling requests (RequestId {outcome.request_ids[1]}). They are still selected."
    )
    assert (outcome.outcome, outcome.error_code) == ("partly_done", "Throttling.User")
    assert sorted(outcome.not_done) == sorted(numbers[2:])
    still = response["HX-Trigger-After-Settle"]
    assert all(number in still for number in numbers[2:])


def test_a_time_out_after_sending_is_settled_and_said(client: Client, settings, served_emulator):
    settings.CCC_TIMEOUT = 0.5
    numbers = eligible(served_emulator, 2)
    token = confirmed(client, numbers)
    served_emulator.faults.inject("slow", action=ADD, delay=1.0, after=True)
    response = client.post(CHANGE, {"token": token}, headers=HTMX)
    assert text_of(response).startswith("Linked 2 numbers to Customer service.")
    (outcome,) = events("outcome")
    assert (outcome.outcome, outcome.error_code) == ("done", "Timeout")


def test_a_5xx_that_listing_cannot_settle_is_unknown(client: Client, app_emulator):
    numbers = eligible(app_emulator, 2)
    token = confirmed(client, numbers)
    app_emulator.faults.inject("internal", action=ADD, after=True)
    app_emulator.faults.inject("unavailable", action="ListPhoneNumbersOfSkillGroup", times=10)
    response = client.post(CHANGE, {"token": token}, headers=HTMX)
    text = text_of(response)
    assert text.startswith(
        "No number was linked to Customer service. Whether 2 numbers changed is unknown: CCC "
        "answered with a server error (RequestId "
    )
    assert "Check the view before trying again." in text
    (outcome,) = events("outcome")
    assert (outcome.outcome, sorted(outcome.unknown)) == ("unknown", sorted(numbers))


# What an action's page says when its process stopped before recording the outcome (a worker
# killed mid-action), and what it must not say then: nothing was refused or listed again.
STOPPED = {
    "en": "The server stopped during this action; the outcome of 2 numbers is unknown.",
    "zh-hans": "服务器在执行此操作期间停止运行，2 个号码的结果未知。",
}
NOT_SAID_WHEN_STOPPED = {
    "en": ("CCC refused the request", "could not tell"),
    "zh-hans": ("云联络中心拒绝了请求", "重新查询也未能确认"),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_action_whose_server_stopped_says_so_in_words(client: Client, language):
    stopped = attempt(timezone.now() - timedelta(hours=1), asked=made_up_numbers(2))

    page = text_of(
        client.get(
            f"/audit/actions/{stopped.pk}/", headers={"Accept-Language": ACCEPT_LANGUAGE[language]}
        )
    )

    assert STOPPED[language] in page
    assert not [words for words in NOT_SAID_WHEN_STOPPED[language] if words in page]


def test_an_action_still_within_its_write_budget_is_running(client: Client):
    running = attempt(timezone.now() - timedelta(seconds=10), asked=made_up_numbers(2))

    page = text_of(client.get(f"/audit/actions/{running.pk}/"))

    assert "This action is still running; its outcome appears here when it ends." in page
    assert STOPPED["en"] not in page


def test_a_running_action_s_page_shows_its_progress_and_polls_until_the_outcome(
    client: Client,
):
    running = attempt(timezone.now() - timedelta(seconds=10), asked=made_up_numbers(400))
    ActionProgress.objects.create(attempt=running, total=400, done=90, not_done=8, unknown=2)
    url = f"/audit/actions/{running.pk}/"

    page = Html(client.get(url).content.decode())

    (bar,) = page.find("progress")
    assert (bar["max"], bar["value"]) == ("400", "100")
    assert (
        "100 of 400 numbers answered so far: 90 done, 8 not done, 2 unknown. 10 s so far; "
        "about 30 s left."
    ) in page.text
    # Lists of its numbers wait for the outcome: none of them is "unknown" yet.
    assert "Unknown" not in page.text
    assert "Linking numbers" in page.text
    (outcome,) = [attrs for tag, attrs in page.elements if attrs.get("id") == "outcome"]
    assert (outcome["hx-get"], outcome["hx-select"], outcome["hx-target"]) == (
        url,
        "#action",
        "#action",
    )
    assert outcome["hx-trigger"] == "every 1s"
    # Once the outcome is in, the page (what the poll reads) stops asking.
    recording.outcome_record(attempt=running, outcome="done", parts=parts_of(running))
    ended = Html(client.get(url, headers=HTMX).content.decode())
    assert not [attrs for tag, attrs in ended.elements if "hx-trigger" in attrs]
    assert ended.find("progress") == []
    assert "Numbers linked" in ended.text


def test_a_ccc_error_listing_all_matching_changes_nothing(client: Client, app_emulator):
    token = token_in(client.get(CONFIRM, {"view": "eligible", "q": "0833", "all": "1"}))
    app_emulator.faults.inject("unavailable", action="ListPhoneNumbersOfSkillGroup", times=10)
    response = client.post(CHANGE, {"token": token}, headers=HTMX)
    assert response.status_code == 502
    assert "The contact center service is unavailable." in text_of(response)
    assert events("attempt") == []


def test_the_audit_trail_links_each_action_to_its_page(client: Client, app_emulator):
    client.post(CHANGE, {"token": confirmed(client, eligible(app_emulator, 1))})
    (attempt,) = events("attempt")
    assert f'href="/audit/actions/{attempt.pk}/"' in client.get("/audit/").content.decode()
    page = text_of(client.get(f"/audit/actions/{attempt.pk}/"))
    assert "Numbers linked" in page and "Linked 1 number to Customer service." in page


def test_an_action_outside_the_readers_instances_is_not_found(client: Client, header_mode):
    token = confirmations.confirmation_prepare(
        username="alice",
        action=confirmations.Action.LINK,
        instance_id=GROUP["instance_id"],
        numbers_by_group={GROUP["skill_group_id"]: eligible(header_mode, 1)},
    ).token()
    client.post(CHANGE, {"token": token}, **as_user("cc-admins"))
    (attempt,) = events("attempt")
    detail = f"/audit/actions/{attempt.pk}/"
    assert client.get(detail, **as_user("cc-admins")).status_code == 200
    assert client.get(detail, **as_user("cc-leads", "lena")).status_code == 404


def test_a_selection_too_long_for_an_address_is_confirmed_by_post(client: Client, app_emulator):
    """Up to a thousand numbers picked across pages: the script posts them (no state changes)."""
    many = [f"0833{i:07d}" for i in range(1000)]
    response = client.post(CONFIRM + "?view=eligible", {"number": many}, headers=HTMX)
    assert response.status_code == 200
    assert "Link 1,000 numbers to Customer service?" in text_of(response)
    too_many = client.post(CONFIRM + "?view=eligible", {"number": [*many, "08339999999"]})
    assert too_many.status_code == 400
    assert "1,001 numbers match, and one action takes at most 1,000." in text_of(too_many)
    assert events("attempt") == [] and events("refusal") == []


def test_an_action_of_two_groups_is_shown_and_undone_from_either(client: Client, app_emulator):
    sales = "sales@ccc-test"
    for_sales = set(listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, sales, linked=False))
    first, second, third = [n for n in eligible(app_emulator, 200) if n in for_sales][:3]
    services.numbers_change(
        actor=Actor("ana"),
        confirmation=confirmations.confirmation_prepare(
            username="ana",
            action=confirmations.Action.LINK,
            instance_id=EXAMPLE_INSTANCE_ID,
            numbers_by_group={EXAMPLE_SKILL_GROUP_ID: [first, second], sales: [third]},
        ),
    )
    (linked_both,) = events("attempt")
    sales_numbers = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{sales}/numbers/"

    action_page = text_of(client.get(f"/audit/actions/{linked_both.pk}/"))
    assert "Linked 2 numbers to Customer service. Linked 1 number to Sales." in action_page
    audit_page = Html(client.get(f"/audit/?skill_group={sales}").content.decode())
    assert [text for href, text in audit_page.links if "/skill-groups/" in href] == [
        "Customer service",
        "Sales",
    ]

    undo = client.get(sales_numbers + "confirm/", {"undo": linked_both.pk})
    assert "Unlink 3 numbers from Customer service, Sales?" in text_of(undo)
    client.post(sales_numbers + "change/", {"token": token_in(undo)})

    assert linked(app_emulator).isdisjoint({first, second})
    assert third not in listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, sales)
    undone = events("attempt")[1]
    assert undone.undoes_id == linked_both.pk
    assert (
        "Undid the link of 2 numbers to Customer service. Undid the link of 1 number to Sales."
        in text_of(client.get(f"/audit/actions/{undone.pk}/"))
    )


# -- values longer than the trail's columns (PostgreSQL refuses them; SQLite would keep them) --

LONG_ID = "x" * 200


@pytest.mark.parametrize(
    ("instance_id", "skill_group_id", "too_long"),
    [
        (LONG_ID, EXAMPLE_SKILL_GROUP_ID, "instance_id"),
        (EXAMPLE_INSTANCE_ID, LONG_ID, "skill_group_id"),
    ],
    ids=["instance", "skill-group"],
)
def test_an_id_too_long_to_record_is_refused_and_the_refusal_recorded_cut(
    client: Client, app_emulator, instance_id, skill_group_id, too_long
):
    token = confirmed(client, eligible(app_emulator, 1))
    calls = app_emulator.request_count
    response = client.post(
        f"/instances/{instance_id}/skill-groups/{skill_group_id}/numbers/change/",
        {"token": token},
    )

    assert response.status_code == 400
    assert "longer than the audit trail can record" in text_of(response)
    assert app_emulator.request_count == calls  # nothing sent
    (refusal,) = events("refusal")
    assert (refusal.error_code, refusal.detail) == (AuditEvent.Refusal.TOO_LONG, too_long)
    kept = getattr(refusal, too_long)
    assert (len(kept), kept[-1]) == (128, "…")  # cut to its column, and marked so


@pytest.mark.parametrize(
    ("header", "column"),
    [("X-Forwarded-User", "username"), ("X-Forwarded-Email", "email")],
)
def test_a_user_name_or_email_too_long_to_record_is_refused(
    client: Client, header_mode, header, column
):
    ana = as_user("cc-admins", "ana")
    numbers = eligible(header_mode, 1)
    token = token_in(client.get(CONFIRM, {"view": "eligible", "number": numbers}, **ana))
    ana["headers"][header] = "u" * 300 + "@example.com"
    response = client.post(CHANGE, {"token": token}, **ana)

    assert response.status_code == 400
    (refusal,) = events("refusal")
    assert refusal.detail == column
    assert (len(getattr(refusal, column)), getattr(refusal, column)[-1]) == (254, "…")
    assert events("attempt") == []


def test_a_scoped_editor_of_a_long_instance_id_is_refused_and_recorded(
    client: Client, header_mode, settings
):
    settings.CCCADMIN_INSTANCE_ACCESS = {"cc-leads": [LONG_ID]}
    response = client.post(
        f"/instances/{LONG_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/change/",
        {"token": "x"},
        **as_user("cc-leads", "lena"),
    )
    assert response.status_code == 400
    (refusal,) = events("refusal")
    assert refusal.error_code == AuditEvent.Refusal.TOO_LONG


def test_an_instance_id_with_a_nul_outside_the_scope_is_refused_and_recorded(
    client: Client, header_mode
):
    response = client.post(
        f"/instances/ccc%00test/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/change/",
        {"token": "x"},
        **as_user("cc-leads", "lena"),
    )
    assert response.status_code == 403
    (refusal,) = events("refusal")
    assert (refusal.error_code, refusal.instance_id) == (
        AuditEvent.Refusal.OUTSIDE_SCOPE,
        "ccc\ufffdtest",
    )


def test_a_long_instance_id_outside_the_scope_is_refused_and_recorded_cut(
    client: Client, header_mode
):
    response = client.post(
        f"/instances/{LONG_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/change/",
        {"token": "x"},
        **as_user("cc-leads", "lena"),
    )
    assert response.status_code == 403
    (refusal,) = events("refusal")
    assert (refusal.error_code, refusal.instance_id[-1], len(refusal.instance_id)) == (
        AuditEvent.Refusal.OUTSIDE_SCOPE,
        "…",
        128,
    )


# -- the database stops mid-write ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_database_failing_mid_write_still_shows_and_logs_the_outcome(
    client: Client, app_emulator, caplog
):
    """PostgreSQL drops the connection while CCC is linking: the user sees what CCC did, with
    a 503 saying it is not in the trail, the log holds the outcome, and the trail the attempt
    alone (an unknown action), never a silent 500."""
    if connection.vendor != "postgresql":
        pytest.skip("runs on the PostgreSQL pass of make test (python -m tests.with_postgres)")
    numbers = eligible(app_emulator, 3)
    token = confirmed(client, numbers)
    app_emulator.faults.inject("slow", action=ADD, delay=1.0)

    stopper = threading.Timer(0.3, terminate_other_backends)
    stopper.start()
    caplog.set_level(logging.INFO, logger="phone_numbers.services")
    response = client.post(CHANGE, {"token": token}, headers=HTMX)
    stopper.join()
    connections.close_all()

    assert response.status_code == 503
    text = text_of(response)
    assert text.startswith("Linked 3 numbers to Customer service.")
    assert "This outcome could not be recorded in the audit trail" in text
    assert set(numbers) <= linked(app_emulator)
    logged = [r.getMessage() for r in caplog.records if r.name == "phone_numbers.services"]
    said = [
        next(i for i, message in enumerate(logged) if words in message)
        for words in ("done=3 not_done=0 unknown=0", "could not be recorded")
    ]
    assert said == sorted(said)  # the outcome logged first, then that it is not recorded
    # Its progress could not be kept either, and the action went on.
    assert [message for message in logged if message.startswith("progress of attempt")]
    assert (len(events("attempt")), len(events("outcome"))) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_a_trail_that_cannot_be_written_sends_nothing(client: Client, app_emulator):
    """The database drops the connection while "all matching" is listed again, before the
    attempt is recorded: nothing is sent unrecorded."""
    if connection.vendor != "postgresql":
        pytest.skip("runs on the PostgreSQL pass of make test (python -m tests.with_postgres)")
    token = confirmed(client, q="0833", all="1")
    app_emulator.faults.inject("slow", action="ListPhoneNumbersOfSkillGroup", delay=1.0)
    before = linked(app_emulator)
    stopper = threading.Timer(0.3, terminate_other_backends)
    stopper.start()

    response = client.post(CHANGE, {"token": token}, headers=HTMX)
    stopper.join()
    connections.close_all()

    assert response.status_code == 503
    assert "The audit trail cannot be written right now" in text_of(response)
    assert linked(app_emulator) == before
    assert events("attempt") == []


def terminate_other_backends() -> None:
    """From a thread of its own (its own connection): every other connection to the test
    database is dropped, as when PostgreSQL restarts."""

    def terminate() -> None:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database()"
            )
        connections.close_all()

    thread = threading.Thread(target=terminate)
    thread.start()
    thread.join()
