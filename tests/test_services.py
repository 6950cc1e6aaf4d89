"""Link and unlink through the services, against the embedded emulator: batches, what each
answer of CCC means, the audit rows, and the confirmation's token."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections, transaction
from stamina.instrumentation import get_on_retry_hooks, set_on_retry_hooks

from audit import recording
from audit import selectors as audit_selectors
from audit.models import AuditEvent
from audit.parts import parts_of
from audit.recording import Actor, AlreadySubmitted
from ccc.emulator import Emulator
from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID
from phone_numbers import batches, confirmations, connection, selectors, services
from phone_numbers.models import ActionProgress
from phone_numbers.outcomes import ActionOutcome
from phone_numbers.queries import NumbersQuery

from .emulator_data import listed_numbers

pytestmark = [pytest.mark.django_db, pytest.mark.database]

GROUP = {"instance_id": EXAMPLE_INSTANCE_ID, "skill_group_id": EXAMPLE_SKILL_GROUP_ID}
ACTOR = Actor(username="ana", email="ana@example.com", client_address="198.51.100.7")
ADD = "AddNumbersToSkillGroup"
LIST = "ListPhoneNumbersOfSkillGroup"


def eligible(emulator: Emulator, count: int) -> list[str]:
    return listed_numbers(emulator, **GROUP, linked=False)[:count]


def linked(emulator: Emulator) -> set[str]:
    return set(listed_numbers(emulator, **GROUP))


def writes(emulator: Emulator) -> int:
    return emulator.request_count


def confirm(
    numbers=(), *, action=confirmations.Action.LINK, username="ana", all_matching=False, **view
):
    """The numbers chosen in the group, or with `all_matching` every number of its view (the
    linked ones to unlink, the eligible ones to link) and `view`'s search and status."""
    linked = action == confirmations.Action.UNLINK
    choice = (
        {"matching": NumbersQuery(**GROUP, linked=linked, **view)}
        if all_matching
        else {"numbers_by_group": {GROUP["skill_group_id"]: numbers}}
    )
    return confirmations.confirmation_prepare(
        username=username, action=action, instance_id=GROUP["instance_id"], **choice
    )


def change(confirmation, actor=ACTOR) -> ActionOutcome:
    return services.numbers_change(actor=actor, confirmation=confirmation)


def pair(outcome: ActionOutcome) -> tuple[AuditEvent, AuditEvent]:
    attempt = AuditEvent.objects.get(pk=outcome.attempt.pk)
    return attempt, AuditEvent.objects.get(kind=AuditEvent.Kind.OUTCOME, attempt=attempt)


# -- what is done ------------------------------------------------------------------------------


def test_linking_links_records_and_says_so(app_emulator):
    numbers = eligible(app_emulator, 3)
    outcome = change(confirm(numbers))
    assert linked(app_emulator) >= set(numbers)
    assert outcome.outcome == AuditEvent.Outcome.DONE
    assert outcome.sentences() == ["Linked 3 numbers to Customer service."]
    attempt, recorded = pair(outcome)
    assert (attempt.kind, attempt.username, attempt.email, attempt.client_address) == (
        "attempt",
        "ana",
        "ana@example.com",
        "198.51.100.7",
    )
    assert (attempt.action, attempt.numbers, attempt.skill_group_name) == (
        "link",
        numbers,
        "Customer service",
    )
    assert (recorded.outcome, recorded.numbers, recorded.not_done, recorded.unknown) == (
        "done",
        numbers,
        [],
        [],
    )
    assert len(recorded.request_ids) == 1 and recorded.request_ids[0]
    assert attempt.created_at <= recorded.created_at


def test_unlinking_one_number(app_emulator):
    number = sorted(linked(app_emulator))[0]
    outcome = change(confirm([number], action=confirmations.Action.UNLINK))
    assert number not in linked(app_emulator)
    assert outcome.sentences() == ["Unlinked 1 number from Customer service."]


def test_an_action_invalidates_the_cached_listings(app_emulator):
    arguments = {"numbers": NumbersQuery(**GROUP, linked=False)}
    before = selectors.phone_number_list(**arguments).total_count
    number = eligible(app_emulator, 1)
    change(confirm(number))
    assert selectors.phone_number_list(**arguments).total_count == before - 1


def test_numbers_go_in_batches_of_the_configured_size(settings, app_emulator):
    settings.CCC_WRITE_BATCH_SIZE = 40
    confirmation = confirm(numbers := eligible(app_emulator, 100))
    before = writes(app_emulator)
    outcome = change(confirmation)
    assert writes(app_emulator) - before == 3  # 40 + 40 + 20
    assert outcome.outcome == "done" and len(pair(outcome)[1].request_ids) == 3
    assert linked(app_emulator) >= set(numbers)


def test_a_batch_over_ccc_maximum_is_split_until_it_fits(settings, app_emulator):
    settings.CCC_WRITE_BATCH_SIZE = 100
    app_emulator.max_numbers_per_write = 30
    numbers = eligible(app_emulator, 100)
    outcome = change(confirm(numbers))
    assert outcome.outcome == "done"
    assert sorted(outcome.done) == sorted(numbers)


def test_a_number_ccc_does_not_know_is_set_apart_and_the_rest_is_linked(app_emulator):
    numbers = eligible(app_emulator, 5)
    unknown_number = "0999000111"
    outcome = change(confirm([*numbers[:2], unknown_number, *numbers[2:]]))
    assert outcome.outcome == "partly_done"
    assert sorted(outcome.done) == sorted(numbers)
    assert outcome.not_done == [unknown_number]
    assert pair(outcome)[1].error_code == "NotExists.Number"
    assert outcome.sentences() == [
        "Linked 5 of 6 numbers to Customer service.",
        "The other 1 was not linked: CCC does not know them in instance ccc-test (RequestId "
        f"{outcome.error_request_id}).",
    ]


def test_a_personal_outbound_number_is_never_linked(app_emulator):
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    personal = next(n.number for n in instance.numbers.values() if n.personal_outbound)
    outcome = change(confirm([personal]))
    assert outcome.outcome == "failed"
    assert personal not in linked(app_emulator)
    assert pair(outcome)[1].error_code == "Parameter.Invalid"
    assert outcome.sentences()[0] == "No number was linked to Customer service."


# -- what each failure means -------------------------------------------------------------------


def test_throttling_is_waited_out_and_the_batch_sent_again(settings, app_emulator):
    settings.CCC_WRITE_BATCH_SIZE = 10
    numbers = eligible(app_emulator, 30)
    app_emulator.faults.inject("throttling", action=ADD, times=2, retry_after_ms=50)
    outcome = change(confirm(numbers))
    assert outcome.outcome == "done"
    assert linked(app_emulator) >= set(numbers)


def test_throttling_without_a_wait_backs_off_with_jittered_stamina_waits(
    settings, app_emulator, monkeypatch
):
    """No `x-acs-retry-after`: stamina's exponential backoff, jittered, the batch sent again."""
    monkeypatch.setattr(batches, "THROTTLED_WAIT_INITIAL", 0.05)
    monkeypatch.setattr(batches, "THROTTLED_WAIT_JITTER", 0.05)
    waits: list[float] = []  # only the writes are throttled here
    previous = get_on_retry_hooks()
    set_on_retry_hooks([*previous, lambda details: waits.append(details.wait_for)])
    settings.CCC_WRITE_BATCH_SIZE = 10
    settings.CCC_WRITES_IN_FLIGHT = 1
    numbers = eligible(app_emulator, 10)
    app_emulator.faults.inject("throttling", action=ADD, times=3)
    try:
        outcome = change(confirm(numbers))
    finally:
        set_on_retry_hooks(previous)

    assert outcome.outcome == "done"
    assert linked(app_emulator) >= set(numbers)
    assert len(waits) == 3
    # 0.05, 0.1, 0.2 doubling, each with up to 0.05 of jitter on top.
    for wait, floor in zip(waits, (0.05, 0.1, 0.2), strict=True):
        assert floor <= wait <= floor + 0.05


def test_throttling_past_the_budget_leaves_the_rest_not_done(settings, app_emulator):
    settings.CCC_WRITE_BATCH_SIZE = 10
    settings.CCC_WRITES_IN_FLIGHT = 1
    confirmation = confirm(numbers := eligible(app_emulator, 30))
    before = writes(app_emulator)
    # The first batch goes through; then CCC throttles and asks for ten minutes.
    app_emulator.faults.inject("slow", action=ADD, delay=0)
    app_emulator.faults.inject("throttling", action=ADD, times=100, retry_after_ms=600_000)
    outcome = change(confirmation)
    assert outcome.outcome == "partly_done"
    assert outcome.done == numbers[:10]
    assert sorted(outcome.not_done) == sorted(numbers[10:])
    assert linked(app_emulator) & set(numbers) == set(numbers[:10])
    # Not retried blindly: each throttled batch was sent once.
    assert writes(app_emulator) - before == 3
    recorded = pair(outcome)[1]
    assert recorded.error_code == "Throttling.User"
    assert outcome.sentences() == [
        "Linked 10 of 30 numbers to Customer service.",
        "The other 20 were not linked: CCC is throttling requests (RequestId "
        f"{outcome.error_request_id}).",
    ]


@pytest.mark.parametrize("kind", ["internal", "reset", "malformed"])
def test_a_write_applied_but_not_answered_is_settled_by_listing_again(app_emulator, kind):
    emulator = app_emulator
    confirmation = confirm(numbers := eligible(emulator, 3))
    emulator.faults.inject(kind, action=ADD, delay=1.0, after=True)
    before = writes(emulator)
    outcome = change(confirmation)
    assert outcome.outcome == "done"
    assert sorted(outcome.done) == sorted(numbers)
    # One write, never sent again, then one listing to see what it did.
    assert writes(emulator) - before == 2


def test_a_write_that_timed_out_after_sending_is_settled_by_listing_again(
    settings, served_emulator
):
    """Over a real socket, where the client's timeout ends the wait for an answer."""
    settings.CCC_TIMEOUT = 0.5
    confirmation = confirm(numbers := eligible(served_emulator, 3))
    served_emulator.faults.inject("slow", action=ADD, delay=1.0, after=True)
    before = writes(served_emulator)
    outcome = change(confirmation)
    assert outcome.outcome == "done"
    assert sorted(outcome.done) == sorted(numbers)
    assert writes(served_emulator) - before == 2
    assert pair(outcome)[1].error_code == "Timeout"


@pytest.mark.parametrize("action", ["link", "unlink"])
def test_a_write_ccc_applies_after_the_client_gave_up_is_unknown_not_not_done(
    settings, served_emulator, action
):
    """The race: CCC applies the batch after the client's time-out and after the listing
    that follows it, so the listing's "unchanged" proves nothing."""
    settings.CCC_TIMEOUT = 0.5
    numbers = eligible(served_emulator, 3)
    if action == "unlink":
        change(confirm(numbers))
    confirmation = confirm(numbers, action=confirmations.Action(action))
    write = ADD if action == "link" else "RemovePhoneNumbersFromSkillGroup"
    served_emulator.faults.inject("slow", action=write, delay=1.5)  # applies at its end

    outcome = change(confirmation)

    assert (outcome.outcome, sorted(outcome.unknown), outcome.not_done) == (
        "unknown",
        sorted(numbers),
        [],
    )
    (said,) = [sentence for sentence in outcome.sentences() if "as of" in sentence]
    verb = "not linked" if action == "link" else "still linked"
    assert said.startswith(f"3 numbers were {verb} as of ")
    assert "but CCC may still" in said
    recorded = pair(outcome)[1]
    assert (recorded.outcome, sorted(recorded.unknown)) == ("unknown", sorted(numbers))
    assert parts_of(recorded)[0].unknown_as_of
    # And CCC did apply it, after the client had given up.
    time.sleep(1.5)
    assert (set(numbers) <= linked(served_emulator)) == (action == "link")


def test_a_write_failed_with_a_5xx_and_not_applied_is_settled_as_not_done(app_emulator):
    numbers = eligible(app_emulator, 3)
    app_emulator.faults.inject("internal", action=ADD)
    outcome = change(confirm(numbers))
    assert outcome.outcome == "failed"
    assert sorted(outcome.not_done) == sorted(numbers)
    assert pair(outcome)[1].error_code == "InternalError"


def test_an_outcome_listing_cannot_settle_stays_unknown(app_emulator):
    emulator = app_emulator
    numbers = eligible(emulator, 3)
    emulator.faults.inject("internal", action=ADD, after=True)
    emulator.faults.inject("unavailable", action=LIST, times=10)
    outcome = change(confirm(numbers))
    assert outcome.outcome == "unknown"
    assert sorted(outcome.unknown) == sorted(numbers)
    recorded = pair(outcome)[1]
    assert (recorded.outcome, sorted(recorded.unknown)) == ("unknown", sorted(numbers))
    assert outcome.sentences()[1].startswith("Whether 3 numbers changed is unknown:")


def test_no_batch_starts_without_a_full_timeout_left(settings, app_emulator):
    settings.CCC_TIMEOUT = 5.0
    settings.CCC_WRITE_BUDGET = 1.0
    confirmation = confirm(eligible(app_emulator, 3))
    before = writes(app_emulator)
    outcome = change(confirmation)
    assert writes(app_emulator) - before == 0
    assert outcome.outcome == "failed" and pair(outcome)[1].error_code == "WriteBudgetExhausted"
    assert "ran out of time" in outcome.sentences()[1]


# -- "all matching" ----------------------------------------------------------------------------


def test_all_matching_is_listed_again_when_the_action_runs(settings, app_emulator):
    settings.CCC_WRITE_BATCH_SIZE = 100
    confirmation = confirm(all_matching=True, search="0833")
    matching = [n for n in listed_numbers(app_emulator, **GROUP, linked=False) if "0833" in n]
    assert confirmation.expected_count == len(matching)
    # Someone links one of them in the CCC console meanwhile.
    connection.ccc_client().add_numbers_to_skill_group(**GROUP, numbers=[matching[0]])
    outcome = change(confirmation)
    assert sorted(outcome.done) == sorted(matching[1:])
    assert outcome.sentences()[0] == (
        f"{len(matching) - 1} numbers matched when the action ran, not {len(matching)} as when "
        "it was confirmed."
    )


def test_all_matching_past_the_maximum_is_refused(settings, app_emulator):
    settings.CCCADMIN_MAX_NUMBERS_PER_ACTION = 100
    with pytest.raises(confirmations.SelectionTooLarge) as raised:
        confirm(all_matching=True)
    assert (raised.value.count, raised.value.maximum) == (401, 100)


def test_an_empty_selection_is_refused(app_emulator):
    with pytest.raises(confirmations.NothingSelected):
        confirm([])
    with pytest.raises(confirmations.NothingSelected):
        confirm(all_matching=True, search="000000000000")


# -- the confirmation --------------------------------------------------------------------------


def test_a_confirmation_applies_once(app_emulator):
    confirmation = confirm(eligible(app_emulator, 2))
    change(confirmation)
    before = writes(app_emulator)
    with pytest.raises(AlreadySubmitted):
        change(confirmation)
    assert writes(app_emulator) == before
    assert AuditEvent.objects.filter(kind="attempt").count() == 1
    assert AuditEvent.objects.filter(kind="outcome").count() == 1


def test_the_token_carries_the_confirmation_sealed(app_emulator):
    confirmation = confirm(eligible(app_emulator, 2))
    opened = confirmations.Confirmation.from_token(confirmation.token(), username="ana", **GROUP)
    assert opened == confirmation
    token = confirmation.token()
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", "junk:junk"):
        with pytest.raises(confirmations.ConfirmationInvalid, match="ConfirmationForged"):
            confirmations.Confirmation.from_token(bad, username="ana", **GROUP)
    with pytest.raises(confirmations.ConfirmationInvalid, match="ConfirmationForeign"):
        confirmations.Confirmation.from_token(token, username="bob", **GROUP)
    with pytest.raises(confirmations.ConfirmationInvalid, match="ConfirmationForeign"):
        confirmations.Confirmation.from_token(
            token, username="ana", instance_id=EXAMPLE_INSTANCE_ID, skill_group_id="other"
        )


def test_a_confirmation_expires(settings, app_emulator):
    token = confirm(eligible(app_emulator, 1)).token()
    settings.CCCADMIN_CONFIRMATION_SECONDS = 0
    time.sleep(1.1)
    with pytest.raises(confirmations.ConfirmationInvalid, match="ConfirmationExpired"):
        confirmations.Confirmation.from_token(token, username="ana", **GROUP)


# -- at the same time --------------------------------------------------------------------------


def simultaneously(calls: list) -> list:
    """Each call in a thread of its own, all released at once: what each returned or raised."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = calls[index]()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def skip_on_sqlite() -> None:
    if connections["default"].vendor == "sqlite":
        # The SQLite test database lives in memory, where writers collide instead of
        # waiting; tests/test_models.py has concurrent writers on a SQLite file.
        pytest.skip("runs on the PostgreSQL pass of make test (python -m tests.with_postgres)")


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_actions_on_one_group(app_emulator):
    skip_on_sqlite()
    numbers = eligible(app_emulator, 24)
    confirmed = [confirm(numbers[i * 3 : i * 3 + 3]) for i in range(8)]
    results = simultaneously([lambda c=c: change(c) for c in confirmed])
    assert [type(result) for result in results] == [ActionOutcome] * 8
    assert linked(app_emulator) >= set(numbers)
    attempts = AuditEvent.objects.filter(kind="attempt")
    assert attempts.count() == 8
    for attempt in attempts:
        (outcome,) = attempt.outcomes.all()
        assert (outcome.outcome, sorted(outcome.numbers)) == ("done", sorted(attempt.numbers))


@pytest.mark.django_db(transaction=True)
def test_an_undo_waits_for_one_under_way_and_then_is_refused(app_emulator):
    """Two undos of one action: the second waits for the first's transaction, then finds its
    attempt (without the row lock both would be recorded, and both sent)."""
    skip_on_sqlite()
    link = change(confirm(eligible(app_emulator, 2))).attempt
    undo = {
        "actor": ACTOR,
        "instance_id": EXAMPLE_INSTANCE_ID,
        "action": AuditEvent.Action.UNLINK,
        "parts": parts_of(link),
        "undoes_id": link.pk,
    }
    claimed, release = threading.Event(), threading.Event()

    def first() -> AuditEvent:
        with transaction.atomic():
            attempt = recording.attempt_record(token="first", **undo)
            claimed.set()
            release.wait(timeout=10)
        return attempt

    def second() -> AuditEvent:
        claimed.wait(timeout=10)
        return recording.attempt_record(token="second", **undo)

    threading.Timer(1.0, release.set).start()
    first_result, second_result = simultaneously([first, second])
    assert isinstance(first_result, AuditEvent)
    assert isinstance(second_result, recording.AlreadyUndone)
    assert second_result.undo.pk == first_result.pk
    assert AuditEvent.objects.filter(kind="attempt", undoes=link).count() == 1


# -- actions of several skill groups -----------------------------------------------------------

SALES = "sales@ccc-test"


def eligible_in_both(emulator: Emulator, count: int) -> list[str]:
    """Numbers that could be linked to the example group and to Sales alike."""
    for_sales = set(listed_numbers(emulator, EXAMPLE_INSTANCE_ID, SALES, linked=False))
    return [number for number in eligible(emulator, 200) if number in for_sales][:count]


def test_an_action_of_several_groups_is_one_confirmation_token_and_record(app_emulator):
    first, second, third = eligible_in_both(app_emulator, 3)
    confirmation = confirmations.confirmation_prepare(
        username="ana",
        action=confirmations.Action.LINK,
        instance_id=EXAMPLE_INSTANCE_ID,
        numbers_by_group={EXAMPLE_SKILL_GROUP_ID: [first, second], SALES: [third]},
    )
    # The token is submitted to either group's address, and to no other.
    opened = confirmations.Confirmation.from_token(
        confirmation.token(), username="ana", instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=SALES
    )
    assert opened.parts == confirmation.parts
    with pytest.raises(confirmations.ConfirmationInvalid, match="ConfirmationForeign"):
        confirmations.Confirmation.from_token(
            confirmation.token(),
            username="ana",
            instance_id=EXAMPLE_INSTANCE_ID,
            skill_group_id="vip@ccc-test",
        )

    outcome = change(opened)

    assert outcome.outcome == "done"
    assert outcome.sentences() == [
        "Linked 2 numbers to Customer service.",
        "Linked 1 number to Sales.",
    ]
    assert {first, second} <= linked(app_emulator)
    assert third in listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, SALES)
    assert third not in linked(app_emulator)
    attempt, recorded = pair(outcome)
    assert AuditEvent.objects.count() == 2
    assert [part.skill_group_id for part in parts_of(attempt)] == [EXAMPLE_SKILL_GROUP_ID, SALES]
    assert [part.numbers for part in parts_of(recorded)] == [(first, second), (third,)]
    assert (attempt.skill_group_id, attempt.numbers) == ("", [first, second, third])
    # Read back from the trail, as the action's page does.
    again = services.action_outcome_get(attempt_id=attempt.pk, visible_instances=None)
    assert again.sentences() == outcome.sentences()


def test_each_group_s_history_shows_the_action_that_changed_it(app_emulator):
    first, second = eligible_in_both(app_emulator, 2)
    change(
        confirmations.confirmation_prepare(
            username="ana",
            action=confirmations.Action.LINK,
            instance_id=EXAMPLE_INSTANCE_ID,
            numbers_by_group={EXAMPLE_SKILL_GROUP_ID: [first], SALES: [second]},
        )
    )

    def history(skill_group_id: str) -> list[tuple[tuple[str, str], ...]]:
        listed = audit_selectors.audit_event_list(
            visible_instances=None, skill_group=skill_group_id
        )
        return [entry.groups for entry in listed.items]

    both = ((EXAMPLE_SKILL_GROUP_ID, "Customer service"), (SALES, "Sales"))
    assert history(EXAMPLE_SKILL_GROUP_ID) == history(SALES) == [both]
    assert history("vip@ccc-test") == []


# -- progress ----------------------------------------------------------------------------------


def test_an_action_keeps_its_progress_as_each_batch_is_answered(
    settings, app_emulator, monkeypatch
):
    settings.CCC_WRITE_BATCH_SIZE = 10
    settings.CCC_WRITES_IN_FLIGHT = 1
    confirmation = confirm(eligible(app_emulator, 30))
    app_emulator.faults.inject("slow", action=ADD, delay=0)  # the first batch goes through
    app_emulator.faults.inject("throttling", action=ADD, times=100, retry_after_ms=600_000)
    seen: list[tuple[int, int, int]] = []
    kept = services._progress

    def watched(progress, result):
        kept(progress, result)
        row = ActionProgress.objects.get(pk=progress.pk)
        seen.append((row.total, row.done, row.not_done))

    monkeypatch.setattr(services, "_progress", watched)

    outcome = change(confirmation)

    assert seen == [(30, 10, 0), (30, 10, 10), (30, 10, 20)]
    assert outcome.outcome == "partly_done"
