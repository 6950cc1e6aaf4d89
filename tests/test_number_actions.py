"""One number linked to several skill groups, or unlinked from them, in one confirmed action:
the number's own writes (AddPhoneNumberToSkillGroups, RemovePhoneNumberFromSkillGroups), what
each answer of CCC means for each group, the audit trail's parts, Undo, and the number's page
and confirm and change addresses."""

from __future__ import annotations

import json
import re
import time

import pytest

from audit.models import AuditEvent
from audit.parts import parts_of
from audit.recording import Actor
from ccc.emulator import Emulator
from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_NUMBER, EXAMPLE_SKILL_GROUP_ID
from phone_numbers import batches, confirmations, services
from phone_numbers.outcomes import ActionOutcome

from .pages import Html

pytestmark = [pytest.mark.django_db, pytest.mark.database]

ACTOR = Actor(username="ana", email="ana@example.com", client_address="198.51.100.7")
SALES, VIP, NIGHT = "sales@ccc-test", "vip@ccc-test", "night-shift@ccc-test"
ADD, REMOVE = "AddPhoneNumberToSkillGroups", "RemovePhoneNumberFromSkillGroups"
NUMBER_PAGE = f"/instances/{EXAMPLE_INSTANCE_ID}/numbers/{EXAMPLE_NUMBER}/"


def groups_of(emulator: Emulator, number: str = EXAMPLE_NUMBER) -> set[str]:
    """The groups whose linked listing holds the number, as the emulator keeps them."""
    instance = emulator.instances[EXAMPLE_INSTANCE_ID]
    return {gid for gid, group in instance.skill_groups.items() if number in group.linked}


def personal_number(emulator: Emulator) -> str:
    instance = emulator.instances[EXAMPLE_INSTANCE_ID]
    return min(n for n, record in instance.numbers.items() if record.personal_outbound)


def confirm(groups, *, action="link", number=EXAMPLE_NUMBER):
    return confirmations.confirmation_prepare(
        username="ana",
        action=confirmations.Action(action),
        instance_id=EXAMPLE_INSTANCE_ID,
        numbers_by_group={group: [number] for group in groups},
    )


def change(confirmation) -> ActionOutcome:
    return services.numbers_change(actor=ACTOR, confirmation=confirmation)


def calls(emulator: Emulator, action: str) -> list[dict]:
    """The parameters of each request of `action`, its SkillGroupIdList read as a list."""
    return [
        {**params, "SkillGroupIdList": json.loads(params.get("SkillGroupIdList", "null"))}
        for name, params in emulator.sent
        if name == action
    ]


@pytest.fixture
def sent(app_emulator, monkeypatch) -> Emulator:
    """The emulator, recording each request's action and parameters in `sent`."""
    app_emulator.sent = []
    run = app_emulator.product.run

    def recorded(action, params):
        app_emulator.sent.append((action, dict(params)))
        return run(action, params)

    monkeypatch.setattr(app_emulator.product, "run", recorded)
    return app_emulator


# -- what is done ------------------------------------------------------------------------------


def test_linking_one_number_to_two_groups_is_one_call_and_one_action_of_two_parts(sent):
    outcome = change(confirm([SALES, VIP]))

    assert outcome.outcome == "done"
    assert groups_of(sent) == {EXAMPLE_SKILL_GROUP_ID, SALES, VIP}
    (call,) = calls(sent, ADD)
    assert call["Number"] == EXAMPLE_NUMBER
    assert call["SkillGroupIdList"] == [SALES, VIP]
    assert outcome.sentences() == ["Linked 1 number to Sales.", "Linked 1 number to VIP hotline."]
    # One RequestId, said once though it answers for both parts.
    assert len(outcome.request_ids) == 1
    attempt = AuditEvent.objects.get(pk=outcome.attempt.pk)
    recorded = AuditEvent.objects.get(kind=AuditEvent.Kind.OUTCOME, attempt=attempt)
    assert [(p.skill_group_id, p.numbers) for p in parts_of(recorded)] == [
        (SALES, (EXAMPLE_NUMBER,)),
        (VIP, (EXAMPLE_NUMBER,)),
    ]
    assert recorded.outcome == "done"


def test_unlinking_one_number_from_two_groups(sent):
    change(confirm([SALES, VIP]))

    outcome = change(confirm([SALES, EXAMPLE_SKILL_GROUP_ID], action="unlink"))

    assert outcome.outcome == "done"
    assert groups_of(sent) == {VIP}
    assert len(calls(sent, REMOVE)) == 1


def test_a_list_longer_than_a_call_takes_goes_in_slices(sent, monkeypatch):
    monkeypatch.setattr(batches, "MAX_SKILL_GROUPS_PER_WRITE", 2)

    outcome = change(confirm([SALES, VIP, NIGHT]))

    assert outcome.outcome == "done"
    assert [c["SkillGroupIdList"] for c in calls(sent, ADD)] == [[SALES, VIP], [NIGHT]]


def test_a_list_over_ccc_maximum_is_split_until_it_fits(sent):
    sent.product.max_skill_groups_per_write = 1

    outcome = change(confirm([SALES, VIP, NIGHT]))

    assert outcome.outcome == "done"
    assert groups_of(sent) >= {SALES, VIP, NIGHT}
    # Refused whole (nothing applied), then halves, then the half that was still too long.
    assert len(calls(sent, ADD)) == 5


def test_a_group_ccc_refuses_is_left_out_and_the_others_still_go(sent):
    confirmation = confirm([SALES, VIP])
    # The group is removed after the confirmation was made.
    del sent.instances[EXAMPLE_INSTANCE_ID].skill_groups[SALES]

    outcome = change(confirmation)

    assert outcome.outcome == "partly_done"
    assert groups_of(sent) == {EXAMPLE_SKILL_GROUP_ID, VIP}
    sales, vip = outcome.parts
    assert (sales.done, sales.not_done, sales.error_code) == (
        [],
        [EXAMPLE_NUMBER],
        "NotExists.SkillGroupId",
    )
    assert (vip.done, vip.error_code) == ([EXAMPLE_NUMBER], "")
    assert outcome.sentences()[0] == "No number was linked to Sales."
    assert "CCC no longer knows this skill group" in outcome.sentences()[1]
    assert len(calls(sent, ADD)) == 2


def test_unlinking_from_a_group_the_number_already_left_counts_as_done(sent):
    """CCC refuses a RemovePhoneNumberFromSkillGroups naming a group the number is not in
    (the emulator's reading of the API): the number is out of it, as asked."""
    change(confirm([SALES]))
    confirmation = confirm([SALES, VIP], action="unlink")  # VIP: never linked

    outcome = change(confirmation)

    assert outcome.outcome == "done"
    assert groups_of(sent) == {EXAMPLE_SKILL_GROUP_ID}
    assert len(calls(sent, REMOVE)) == 2  # refused naming VIP, then Sales alone


def test_a_personal_outbound_number_is_linked_to_none(sent):
    number = personal_number(sent)

    outcome = change(confirm([SALES, VIP], number=number))

    assert outcome.outcome == "failed"
    assert groups_of(sent, number) == set()
    assert all(part.error_code == "Parameter.Invalid" for part in outcome.parts)
    assert "personal outbound number" in " ".join(outcome.sentences())


def test_throttling_is_waited_out_and_the_call_sent_again(sent):
    confirmation = confirm([SALES, VIP])
    sent.faults.inject("throttling", action=ADD, times=2, retry_after_ms=50)
    before = sent.request_count

    outcome = change(confirmation)

    assert outcome.outcome == "done"
    assert sent.request_count - before == 3  # throttled twice (refused whole), then applied


def test_throttling_past_the_budget_leaves_every_group_not_done(sent):
    confirmation = confirm([SALES, VIP])
    sent.faults.inject("throttling", action=ADD, times=10, retry_after_ms=600_000)
    before = sent.request_count

    outcome = change(confirmation)

    assert outcome.outcome == "failed"
    assert groups_of(sent) == {EXAMPLE_SKILL_GROUP_ID}
    assert sent.request_count - before == 1  # the wait asked for is past the budget
    assert outcome.sentences() == [
        "No number was linked to Sales.",
        f"Why: CCC is throttling requests (RequestId {outcome.parts[0].error_request_id}).",
        "No number was linked to VIP hotline.",
        f"Why: CCC is throttling requests (RequestId {outcome.parts[1].error_request_id}).",
    ]


@pytest.mark.parametrize("kind", ["internal", "reset", "malformed"])
def test_a_call_applied_but_not_answered_is_settled_by_listing_the_number(sent, kind):
    sent.faults.inject(kind, action=ADD, after=True)

    outcome = change(confirm([SALES, VIP]))

    assert outcome.outcome == "done"
    assert len(calls(sent, ADD)) == 1  # never sent again blindly
    assert [c["SearchPattern"] for c in calls(sent, "ListPhoneNumbers")][-1] == EXAMPLE_NUMBER


def test_a_call_failed_with_a_5xx_and_not_applied_is_settled_as_not_done(sent):
    sent.faults.inject("internal", action=ADD)

    outcome = change(confirm([SALES, VIP]))

    assert outcome.outcome == "failed"
    assert [part.not_done for part in outcome.parts] == [[EXAMPLE_NUMBER]] * 2


@pytest.mark.parametrize("action", ["link", "unlink"])
def test_a_call_ccc_applies_after_the_client_gave_up_is_unknown(settings, served_emulator, action):
    settings.CCC_TIMEOUT = 0.5
    if action == "unlink":
        change(confirm([SALES, VIP]))
    served_emulator.faults.inject("slow", action=ADD if action == "link" else REMOVE, delay=1.5)

    outcome = change(confirm([SALES, VIP], action=action))

    assert outcome.outcome == "unknown"
    assert all(part.unknown == [EXAMPLE_NUMBER] for part in outcome.parts)
    assert all(part.unknown_as_of for part in outcome.parts)
    assert "but CCC may still" in " ".join(outcome.sentences())
    time.sleep(1.5)
    assert ({SALES, VIP} <= groups_of(served_emulator)) == (action == "link")


def test_an_action_invalidates_the_number_s_and_each_group_s_listings(client, sent):
    client.get(NUMBER_PAGE)  # fills the cache

    change(confirm([SALES, VIP]))
    page = Html(client.get(NUMBER_PAGE).content.decode())

    assert "Linked to 3 skill groups" in page.text
    sales = client.get(f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{SALES}/numbers/?q=")
    assert EXAMPLE_NUMBER in sales.content.decode()


# -- through the number's page -----------------------------------------------------------------


def _confirm_page(client, query: str):
    response = client.get(f"{NUMBER_PAGE}confirm/?{query}")
    return response, Html(response.content.decode())


def _token(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_the_page_links_and_the_action_s_page_offers_undo_of_both_groups(client, sent):
    response, page = _confirm_page(client, f"action=link&group={SALES}&group={VIP}")
    assert response.status_code == 200
    assert "Link 083300110001 to 2 skill groups: Sales, VIP hotline?" in page.text

    done = client.post(f"{NUMBER_PAGE}change/", {"token": _token(response)})

    assert done.status_code == 303
    action = client.get(done.headers["Location"])
    action_page = Html(action.content.decode())
    assert "Linked 1 number to Sales. Linked 1 number to VIP hotline." in action_page.text
    assert (NUMBER_PAGE, f"Back to number {EXAMPLE_NUMBER}") in action_page.links
    (undo_url,) = [href for href, text in action_page.links if text == "Undo"]

    undo = client.get(undo_url)
    assert (
        "Unlink 083300110001 from 2 skill groups: Sales, VIP hotline?"
        in Html(undo.content.decode()).text
    )
    form_action = re.search(r'<form method="post" action="([^"]+)"', undo.content.decode())
    undone = client.post(form_action.group(1), {"token": _token(undo)})

    assert undone.status_code == 303
    assert groups_of(sent) == {EXAMPLE_SKILL_GROUP_ID}
    assert len(calls(sent, REMOVE)) == 1
    undo_row = AuditEvent.objects.filter(kind=AuditEvent.Kind.ATTEMPT).latest("id")
    assert [p.skill_group_id for p in parts_of(undo_row)] == [SALES, VIP]
    assert undo_row.undoes_id is not None


def test_a_token_for_a_group_s_address_is_refused_at_the_number_s(client, app_emulator):
    confirmation = confirmations.confirmation_prepare(
        username="dev@localhost",
        action=confirmations.Action.LINK,
        instance_id=EXAMPLE_INSTANCE_ID,
        numbers_by_group={SALES: [EXAMPLE_NUMBER, "083300110002"]},
    )

    response = client.post(f"{NUMBER_PAGE}change/", {"token": confirmation.token()})

    assert response.status_code == 400
    refusal = AuditEvent.objects.get(kind=AuditEvent.Kind.REFUSAL)
    assert refusal.error_code == AuditEvent.Refusal.CONFIRMATION_FOREIGN
    assert refusal.numbers == [EXAMPLE_NUMBER]
    assert groups_of(app_emulator) == {EXAMPLE_SKILL_GROUP_ID}


@pytest.mark.parametrize(
    ("query", "status", "said"),
    [
        ("action=link", 400, "Tick at least one skill group first."),
        (f"action=move&group={SALES}", 400, "This link does not say what to change."),
        ("action=link&group=chat@ccc-test", 400, "Phone numbers serve voice skill groups"),
        ("action=link&group=gone@ccc-test", 404, "was not found"),
    ],
)
def test_the_confirmation_refuses_what_it_cannot_do(client, app_emulator, query, status, said):
    response, page = _confirm_page(client, query)

    assert response.status_code == status
    assert said in page.text
    assert (NUMBER_PAGE, "Go back") in page.links or status == 404


def test_a_viewer_can_neither_confirm_nor_change(client, app_emulator, settings):
    proxy = "203.0.113.10"
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = [f"{proxy}/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_INSTANCE_ACCESS = {"cc-support": ["*"]}
    viewer = {
        "REMOTE_ADDR": proxy,
        "headers": {"X-Forwarded-User": "victor", "X-Forwarded-Groups": "cc-support"},
    }
    response = client.get(f"{NUMBER_PAGE}confirm/?action=link&group={SALES}", **viewer)
    assert response.status_code == 403
    token = confirmations.confirmation_prepare(
        username="victor",
        action=confirmations.Action.LINK,
        instance_id=EXAMPLE_INSTANCE_ID,
        numbers_by_group={SALES: [EXAMPLE_NUMBER]},
    ).token()

    refused = client.post(f"{NUMBER_PAGE}change/", {"token": token}, **viewer)

    assert refused.status_code == 403
    row = AuditEvent.objects.get(kind=AuditEvent.Kind.REFUSAL)
    assert (row.error_code, row.numbers) == (AuditEvent.Refusal.NOT_EDITOR, [EXAMPLE_NUMBER])
    assert groups_of(app_emulator) == {EXAMPLE_SKILL_GROUP_ID}


def test_the_number_s_history_lists_its_action_once_and_each_group_s_lists_it(client, sent):
    other = sorted(set(sent.instances[EXAMPLE_INSTANCE_ID].numbers) - {EXAMPLE_NUMBER})[0]
    change(confirm([SALES, VIP]))
    change(confirm([SALES], number=other))
    history_url = next(
        href
        for href, text in Html(client.get(NUMBER_PAGE).content.decode()).links
        if text == "History"
    )

    history = Html(client.get(history_url).content.decode())

    assert "Showing 1–1 of 1 event" in history.text
    (row,) = history.rows
    assert "Sales" in " ".join(row) and "VIP hotline" in " ".join(row)
    for group, events in ((SALES, 2), (VIP, 1)):
        page = Html(client.get(f"/audit/?skill_group={group}").content.decode())
        assert len(page.rows) == events
