"""Writes: link numbers to a skill group or unlink them, each recorded in the audit trail.

An action goes in three steps. `confirmation_prepare` works out what a selection means and
seals it in a signed, expiring token bound to the user and the skill group (the confirmation
shows what the token says, nothing the browser could change). `numbers_change` opens the
token, records the attempt (the token's id is unique, so a second submit of the same
confirmation applies nothing), sends the numbers in batches and records the outcome.

What each answer of CCC means for a batch (Add and Remove are all or nothing):

- a success: every number of it is done;
- throttling: nothing was applied; it is sent again after `x-acs-retry-after`, within the
  write budget;
- `Parameter.Maximum`: nothing was applied; it is split in two;
- an error naming a number (not in the instance, a personal outbound number): nothing was
  applied; it is split until the numbers CCC refuses are alone, so the others still go;
- any other error answered by CCC, or a request that never left: not done;
- silence or a failure after sending (a time-out, a reset connection, a 5xx, an unreadable
  answer): **unknown**. It is never sent again blindly: the numbers are listed again to see
  whether they are linked, and what that cannot settle is reported as unknown.
"""

from __future__ import annotations

import contextvars
import logging
import os
import secrets
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ccc import CccError, InvalidParameterError, NotFoundError, ThrottlingError
from ccc.budget import budget
from ccc.budget import deadline as budget_deadline
from portal.auth import client_address
from portal.text import grouped

from . import selectors
from .connection import ccc_client
from .models import AuditEvent

logger = logging.getLogger(__name__)

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome

_CONFIRMATION_SALT = "phone_numbers.services.confirmation"
# Errors that name one number of a batch: the rest of the batch is still worth sending.
_NUMBER_ERRORS = ("NotExists.Number", "Parameter.Invalid")
# Throttling without `x-acs-retry-after`: wait this long, then twice as long, ...
_THROTTLED_WAIT_SECONDS = 1.0
# One pool per process for all actions' batches; each action keeps to its own share.
_in_flight = ThreadPoolExecutor(
    max_workers=max(1, settings.CCC_WRITES_IN_FLIGHT) * 4, thread_name_prefix="ccc-write"
)


class ConfirmationInvalid(Exception):
    """The confirmation cannot be used: tampered with, expired, or for someone else."""


class SelectionTooLarge(Exception):
    def __init__(self, count: int, maximum: int) -> None:
        super().__init__(f"{count} numbers match; one action takes at most {maximum}")
        self.count = count
        self.maximum = maximum


class NothingSelected(Exception):
    """The selection holds no number."""


class AlreadySubmitted(Exception):
    """This confirmation was submitted before: it applied (or is applying) once already."""

    def __init__(self, attempt: AuditEvent) -> None:
        super().__init__(f"confirmation already used by attempt {attempt.pk}")
        self.attempt = attempt


@dataclass(frozen=True)
class Actor:
    """Who acts, as the audit trail records them."""

    username: str
    email: str = ""
    client_address: str = ""


@dataclass(frozen=True)
class Confirmation:
    """What an editor is asked to confirm, and what the token carries.

    `numbers` are the numbers chosen one by one; with `all_matching` they are the first of
    the numbers that matched when the confirmation was shown (`expected_count` of them in
    all), and the numbers are listed again when it is submitted.
    """

    nonce: str
    username: str
    action: Action
    instance_id: str
    skill_group_id: str
    skill_group_name: str
    numbers: tuple[str, ...]
    expected_count: int
    all_matching: bool = False
    search: str = ""
    active: bool | None = None
    undoes: int | None = None

    @property
    def linked_view(self) -> bool:
        """The view the numbers are in before the action: unlinking takes linked ones."""
        return self.action == Action.UNLINK

    def token(self) -> str:
        return signing.dumps(
            {
                "n": self.nonce,
                "u": self.username,
                "a": str(self.action),
                "i": self.instance_id,
                "g": self.skill_group_id,
                "gn": self.skill_group_name,
                "ns": [] if self.all_matching else list(self.numbers),
                "c": self.expected_count,
                "all": self.all_matching,
                "q": self.search,
                "act": self.active,
                "undo": self.undoes,
            },
            salt=_CONFIRMATION_SALT,
            compress=True,
        )

    @classmethod
    def from_token(
        cls, token: str, *, username: str, instance_id: str, skill_group_id: str
    ) -> Confirmation:
        try:
            data = signing.loads(
                token, salt=_CONFIRMATION_SALT, max_age=settings.CCCADMIN_CONFIRMATION_SECONDS
            )
        except signing.SignatureExpired:
            raise ConfirmationInvalid("the confirmation has expired") from None
        except signing.BadSignature:
            raise ConfirmationInvalid("the confirmation is not one this server made") from None
        if (data["u"], data["i"], data["g"]) != (username, instance_id, skill_group_id):
            raise ConfirmationInvalid("the confirmation is for another user or skill group")
        return cls(
            nonce=data["n"],
            username=data["u"],
            action=Action(data["a"]),
            instance_id=data["i"],
            skill_group_id=data["g"],
            skill_group_name=data["gn"],
            numbers=tuple(data["ns"]),
            expected_count=data["c"],
            all_matching=data["all"],
            search=data["q"],
            active=data["act"],
            undoes=data["undo"],
        )


def confirmation_prepare(
    *,
    username: str,
    action: Action,
    instance_id: str,
    skill_group_id: str,
    numbers: Sequence[str] = (),
    all_matching: bool = False,
    search: str = "",
    active: bool | None = None,
    undoes: AuditEvent | None = None,
) -> Confirmation:
    """What the editor is about to do, checked against the limits; raises SelectionTooLarge
    or NothingSelected. "All matching" is counted from CCC now (one call, never the cache)."""
    maximum = settings.CCCADMIN_MAX_NUMBERS_PER_ACTION
    group = selectors.skill_group_get(instance_id=instance_id, skill_group_id=skill_group_id)
    if all_matching:
        first, count = selectors.phone_numbers_matching(
            instance_id=instance_id,
            skill_group_id=skill_group_id,
            linked=action == Action.UNLINK,
            search=search,
            active=active,
            limit=min(maximum, 10),
        )
        numbers = first
    else:
        numbers = list(dict.fromkeys(numbers))
        count = len(numbers)
    if count == 0:
        raise NothingSelected
    if count > maximum:
        raise SelectionTooLarge(count, maximum)
    return Confirmation(
        nonce=secrets.token_urlsafe(24),
        username=username,
        action=action,
        instance_id=instance_id,
        skill_group_id=skill_group_id,
        skill_group_name=group.display_name or group.name,
        numbers=tuple(numbers),
        expected_count=count,
        all_matching=all_matching,
        search=search if all_matching else "",
        active=active if all_matching else None,
        undoes=undoes.pk if undoes else None,
    )


@dataclass
class ActionOutcome:
    """What an action did, number by number, and why the rest was not done."""

    attempt: AuditEvent
    done: list[str] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    # The first error CCC gave for numbers not done (or unknown), with its message.
    error_code: str = ""
    error_message: str = ""
    error_request_id: str = ""
    # "All matching": how many matched when confirmed, and when the action ran.
    expected_count: int | None = None
    matched_count: int | None = None

    @property
    def outcome(self) -> Outcome:
        if self.done and not (self.not_done or self.unknown):
            return Outcome.DONE
        if self.done:
            return Outcome.PARTLY_DONE
        if self.unknown:
            return Outcome.UNKNOWN
        return Outcome.FAILED

    @property
    def total(self) -> int:
        return len(self.done) + len(self.not_done) + len(self.unknown)

    def sentences(self) -> list[str]:
        """What happened, in whole sentences: what was done, what was not and why, what is
        unknown, and a count that changed since the confirmation."""
        group = self.attempt.skill_group_name or self.attempt.skill_group_id
        linking = self.attempt.action == Action.LINK
        done, total = len(self.done), self.total
        values = {"group": group, "done": grouped(done), "total": grouped(total)}
        sentences = []
        if self.matched_count is not None and self.matched_count != self.expected_count:
            sentences.append(
                _(
                    "%(matched)s numbers matched when the action ran, not %(expected)s as "
                    "when it was confirmed."
                )
                % {
                    "matched": grouped(self.matched_count),
                    "expected": grouped(self.expected_count or 0),
                }
            )
        if not total:
            sentences.append(_("No number matched any more, so nothing was changed."))
            return sentences
        if done == total:
            text = (
                ngettext(
                    "Linked %(done)s number to %(group)s.",
                    "Linked %(done)s numbers to %(group)s.",
                    done,
                )
                if linking
                else ngettext(
                    "Unlinked %(done)s number from %(group)s.",
                    "Unlinked %(done)s numbers from %(group)s.",
                    done,
                )
            )
        elif done:
            text = (
                ngettext(
                    "Linked %(done)s of %(total)s number to %(group)s.",
                    "Linked %(done)s of %(total)s numbers to %(group)s.",
                    total,
                )
                if linking
                else ngettext(
                    "Unlinked %(done)s of %(total)s number from %(group)s.",
                    "Unlinked %(done)s of %(total)s numbers from %(group)s.",
                    total,
                )
            )
        else:
            text = (
                _("No number was linked to %(group)s.")
                if linking
                else _("No number was unlinked from %(group)s.")
            )
        sentences.append(text % values)
        reason = {"reason": self.reason()}
        if self.not_done:
            count = len(self.not_done)
            reason["count"] = grouped(count)
            if done:
                text = (
                    ngettext(
                        "The other %(count)s was not linked: %(reason)s.",
                        "The other %(count)s were not linked: %(reason)s.",
                        count,
                    )
                    if linking
                    else ngettext(
                        "The other %(count)s was not unlinked: %(reason)s.",
                        "The other %(count)s were not unlinked: %(reason)s.",
                        count,
                    )
                )
            else:
                text = _("Why: %(reason)s.")
            sentences.append(text % reason)
        if self.unknown:
            count = len(self.unknown)
            sentences.append(
                ngettext(
                    "Whether %(count)s number changed is unknown: %(reason)s, and listing it "
                    "again could not tell. Check the view before trying again.",
                    "Whether %(count)s numbers changed is unknown: %(reason)s, and listing "
                    "them again could not tell. Check the view before trying again.",
                    count,
                )
                % {"count": grouped(count), "reason": self.reason()}
            )
        return sentences

    def reason(self) -> str:
        """Why numbers were not done, from CCC's first error, with its RequestId."""
        code = self.error_code
        if code.startswith("Throttling"):
            why = _("CCC is throttling requests")
        elif code == "WriteBudgetExhausted":
            why = _("the action ran out of time before they could be sent")
        elif code == "NotExists.Number":
            why = _("CCC does not know them in instance %(instance)s") % {
                "instance": self.attempt.instance_id
            }
        elif code in ("NotExists.SkillGroupId", "NotExists.InstanceId"):
            why = _("CCC no longer knows this skill group")
        elif code == "Parameter.Invalid":
            why = _("CCC refused them (“%(message)s”)") % {"message": self.error_message}
        elif code == "Timeout":
            why = _("CCC did not answer in time")
        elif code == "ConnectionError":
            why = _("CCC could not be reached")
        elif code == "InvalidResponse":
            why = _("CCC's answer could not be read")
        elif code in ("ServiceUnavailable", "InternalError") or code.startswith("Service"):
            why = _("CCC answered with a server error")
        else:
            why = _("CCC refused the request (%(code)s)") % {"code": code or "?"}
        if self.error_request_id:
            why = _("%(reason)s (RequestId %(request_id)s)") % {
                "reason": why,
                "request_id": self.error_request_id,
            }
        return why

    def record(self) -> AuditEvent:
        return AuditEvent.objects.create(
            kind=AuditEvent.Kind.OUTCOME,
            attempt=self.attempt,
            username=self.attempt.username,
            email=self.attempt.email,
            client_address=self.attempt.client_address,
            instance_id=self.attempt.instance_id,
            skill_group_id=self.attempt.skill_group_id,
            skill_group_name=self.attempt.skill_group_name,
            action=self.attempt.action,
            numbers=self.done,
            not_done=self.not_done,
            unknown=self.unknown,
            outcome=self.outcome,
            request_ids=self.request_ids,
            error_code=self.error_code,
            detail=self.error_message,
        )

    @classmethod
    def from_events(cls, attempt: AuditEvent, outcome: AuditEvent | None) -> ActionOutcome:
        """An action as the audit trail holds it; with no outcome row, all of it unknown."""
        if outcome is None:
            return cls(attempt=attempt, unknown=list(attempt.numbers))
        return cls(
            attempt=attempt,
            done=list(outcome.numbers),
            not_done=list(outcome.not_done),
            unknown=list(outcome.unknown),
            request_ids=list(outcome.request_ids),
            error_code=outcome.error_code,
            error_message=outcome.detail,
        )


@dataclass(frozen=True)
class _BatchResult:
    numbers: list[str]
    state: str  # "done", "not_done" or "unknown"
    request_id: str = ""
    error: CccError | None = None


def numbers_change(*, actor: Actor, confirmation: Confirmation) -> ActionOutcome:
    """Carry out a confirmed action and record it; raises AlreadySubmitted for a second
    submit of the same confirmation (nothing is sent then), or a CccError when "all matching"
    cannot be listed again (nothing is sent or recorded then)."""
    previous = AuditEvent.objects.filter(token=confirmation.nonce).first()
    if previous is not None:
        raise AlreadySubmitted(previous)
    with budget(settings.CCC_WRITE_BUDGET):
        numbers, matched = _numbers_of(confirmation)
        attempt = _record_attempt(actor, confirmation, numbers)
        result = ActionOutcome(
            attempt=attempt,
            expected_count=confirmation.expected_count if confirmation.all_matching else None,
            matched_count=matched,
        )
        if numbers:
            try:
                _send(confirmation, numbers, result)
            finally:
                if result.done or result.unknown:
                    selectors.listings_invalidate(
                        instance_id=confirmation.instance_id,
                        skill_group_id=confirmation.skill_group_id,
                    )
    result.record()
    logger.info(
        "numbers %s: user=%r instance=%s group=%s attempt=%s done=%d not_done=%d unknown=%d",
        confirmation.action,
        actor.username,
        confirmation.instance_id,
        confirmation.skill_group_id,
        attempt.pk,
        len(result.done),
        len(result.not_done),
        len(result.unknown),
    )
    return result


def refusal_record(
    *,
    actor: Actor,
    instance_id: str,
    skill_group_id: str = "",
    action: str = "",
    numbers: Sequence[str] = (),
    reason: str,
) -> AuditEvent:
    """A write refused before it could start: who tried, where, and why."""
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.REFUSAL,
        username=actor.username,
        email=actor.email,
        client_address=actor.client_address,
        instance_id=instance_id,
        skill_group_id=skill_group_id,
        action=action if action in Action.values else "",
        numbers=list(numbers)[: settings.CCCADMIN_MAX_NUMBERS_PER_ACTION],
        outcome=Outcome.REFUSED,
        detail=reason,
    )


def refused_write_record(sender: object, *, request: HttpRequest, reason: str, **_: object) -> None:
    """Record a write refused before its view ran (the scoping middleware refuses a skill
    group outside the user's instances): a receiver of `portal.auth.access_denied`."""
    identity = getattr(request, "identity", None)
    match = request.resolver_match
    if (
        identity is None
        or request.method != "POST"
        or match is None
        or not getattr(match.func, "audited_write", False)
    ):
        return
    refusal_record(
        actor=Actor(identity.username, identity.email, client_address(request)),
        instance_id=match.kwargs.get("instance_id", ""),
        skill_group_id=match.kwargs.get("skill_group_id", ""),
        reason=reason,
    )


def action_outcome_get(
    *, attempt_id: int, visible_instances: frozenset[str] | None
) -> ActionOutcome | None:
    """An action of the trail with its outcome, or None when it is not one the reader may
    see."""
    attempts = AuditEvent.objects.filter(kind=AuditEvent.Kind.ATTEMPT, pk=attempt_id)
    if visible_instances is not None:
        attempts = attempts.filter(instance_id__in=visible_instances)
    attempt = attempts.first()
    if attempt is None:
        return None
    return ActionOutcome.from_events(attempt, attempt.outcomes.first())


def _numbers_of(confirmation: Confirmation) -> tuple[list[str], int | None]:
    if not confirmation.all_matching:
        return list(confirmation.numbers), None
    numbers, matched = selectors.phone_numbers_matching(
        instance_id=confirmation.instance_id,
        skill_group_id=confirmation.skill_group_id,
        linked=confirmation.linked_view,
        search=confirmation.search,
        active=confirmation.active,
        limit=settings.CCCADMIN_MAX_NUMBERS_PER_ACTION,
    )
    return numbers, matched


def _record_attempt(actor: Actor, confirmation: Confirmation, numbers: list[str]) -> AuditEvent:
    try:
        with transaction.atomic():
            return AuditEvent.objects.create(
                kind=AuditEvent.Kind.ATTEMPT,
                token=confirmation.nonce,
                undoes_id=confirmation.undoes,
                username=actor.username,
                email=actor.email,
                client_address=actor.client_address,
                instance_id=confirmation.instance_id,
                skill_group_id=confirmation.skill_group_id,
                skill_group_name=confirmation.skill_group_name,
                action=confirmation.action,
                numbers=numbers,
            )
    except IntegrityError:
        # Another submit of this confirmation got its attempt in first.
        raise AlreadySubmitted(AuditEvent.objects.get(token=confirmation.nonce)) from None


def _send(confirmation: Confirmation, numbers: list[str], result: ActionOutcome) -> None:
    """The numbers in batches, a few in flight at once, then the unknown ones settled."""
    size = max(1, settings.CCC_WRITE_BATCH_SIZE)
    batches = deque(numbers[start : start + size] for start in range(0, len(numbers), size))
    for batch_results in _each_in_flight(confirmation, batches):
        for batch in batch_results:
            _tally(result, batch)
    if result.unknown:
        _settle(confirmation, result)


def _each_in_flight(
    confirmation: Confirmation, batches: deque[list[str]]
) -> Iterator[list[_BatchResult]]:
    in_flight = max(1, settings.CCC_WRITES_IN_FLIGHT)
    running = deque()
    while batches or running:
        while batches and len(running) < in_flight:
            running.append(
                _in_flight.submit(
                    contextvars.copy_context().run, _send_batch, confirmation, batches.popleft()
                )
            )
        yield running.popleft().result()


def _send_batch(confirmation: Confirmation, batch: list[str]) -> list[_BatchResult]:
    """One batch until CCC settles it: resent only when its answer proves nothing was
    applied (throttling, a batch too large), split where CCC refuses one number of it."""
    client = ccc_client()
    write = (
        client.add_numbers_to_skill_group
        if confirmation.action == Action.LINK
        else client.remove_phone_numbers_from_skill_group
    )
    results: list[_BatchResult] = []
    pending = deque([batch])
    throttled_wait = _THROTTLED_WAIT_SECONDS
    while pending:
        part = pending.popleft()
        if _time_left() < settings.CCC_TIMEOUT:
            # Not started: a call cut short by the budget would leave its outcome unknown.
            results.append(_BatchResult(part, "not_done", error=_out_of_time()))
            continue
        try:
            request_id = write(
                instance_id=confirmation.instance_id,
                skill_group_id=confirmation.skill_group_id,
                numbers=part,
            )
        except ThrottlingError as error:
            wait = error.retry_after or throttled_wait
            throttled_wait *= 2
            if _time_left() - wait >= settings.CCC_TIMEOUT:
                time.sleep(wait)
                pending.appendleft(part)
            else:
                results.append(_BatchResult(part, "not_done", error=error))
        except InvalidParameterError as error:
            if len(part) > 1 and (error.code == "Parameter.Maximum" or _names_a_number(error)):
                middle = len(part) // 2
                pending.extendleft([part[middle:], part[:middle]])
            else:
                results.append(_BatchResult(part, "not_done", error=error))
        except NotFoundError as error:
            if len(part) > 1 and _names_a_number(error):
                middle = len(part) // 2
                pending.extendleft([part[middle:], part[:middle]])
            else:
                results.append(_BatchResult(part, "not_done", error=error))
        except CccError as error:
            # Answered by CCC (its 4xx), or never sent: not applied. Otherwise unknown.
            answered = error.http_status is not None and error.http_status < 500
            state = "not_done" if answered or not error.sent else "unknown"
            if error.code == "InvalidResponse":
                state = "unknown"
            results.append(_BatchResult(part, state, error=error))
        else:
            results.append(_BatchResult(part, "done", request_id=request_id))
    return results


def _names_a_number(error: CccError) -> bool:
    return error.code in _NUMBER_ERRORS


def _tally(result: ActionOutcome, batch: _BatchResult) -> None:
    getattr(result, batch.state).extend(batch.numbers)
    request_id = batch.request_id or (batch.error.request_id if batch.error else "")
    if request_id:
        result.request_ids.append(request_id)
    if batch.error is not None and not result.error_code:
        result.error_code = batch.error.code
        result.error_message = batch.error.message
        result.error_request_id = batch.error.request_id or ""


def _settle(confirmation: Confirmation, result: ActionOutcome) -> None:
    """List the unknown numbers again: linked ones are done (for Link) or not (for Unlink).
    Listed by their longest common prefix, so the listing stays short; what the listing
    cannot reach (or a listing that fails) stays unknown."""
    unknown = result.unknown
    prefix = os.path.commonprefix(unknown)  # noqa: RUF071 - digits, character by character
    try:
        linked, total = selectors.phone_numbers_matching(
            instance_id=confirmation.instance_id,
            skill_group_id=confirmation.skill_group_id,
            linked=True,
            search=prefix,
            limit=settings.CCCADMIN_MAX_NUMBERS_PER_ACTION * 10,
        )
    except CccError as error:
        logger.warning("unknown outcome not settled: %r", error)
        return
    if total > len(linked):
        return  # the listing did not reach every linked number: absence proves nothing
    linked_now = set(linked)
    applied = [n for n in unknown if (n in linked_now) == (confirmation.action == Action.LINK)]
    not_applied = [n for n in unknown if n not in applied]
    result.done.extend(applied)
    result.not_done.extend(not_applied)
    result.unknown = []


def _time_left() -> float:
    deadline = budget_deadline()
    return float("inf") if deadline is None else deadline - time.monotonic()


def _out_of_time() -> CccError:
    return CccError("WriteBudgetExhausted", "The action ran out of time before these were sent.")
