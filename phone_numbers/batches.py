"""Sending an action's numbers to CCC in batches, a few in flight at once.

What each answer of CCC means for a batch (Add and Remove are all or nothing):

- a success: every number of it is done;
- throttling: nothing was applied; it is sent again after `x-acs-retry-after` (or a jittered
  backoff, by stamina), within the write budget;
- `Parameter.Maximum`: nothing was applied; it is split in two;
- an error naming a number (not in the instance, a personal outbound number): nothing was
  applied; it is split until the numbers CCC refuses are alone, so the others still go;
- any other error answered by CCC, or a request that never left: not done;
- silence or a failure after sending (a time-out, a reset connection, a 5xx, an unreadable
  answer): **unknown**. It is never sent again blindly: the numbers are listed again to see
  whether they are linked, and what that cannot settle is reported as unknown. A listing proves
  that a change happened; that one did not only where CCC answered (a 5xx, an unreadable
  answer). A batch CCC never answered (a time-out, a dropped connection) may still be applied
  after the listing, so what the listing finds unchanged stays unknown, "as of" its time.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import stamina
from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent
from ccc import CccError, InvalidParameterError, NotFoundError, ThrottlingError
from ccc.budget import deadline as budget_deadline

from . import number_selectors, selectors
from .connection import ccc_client
from .outcomes import PartOutcome
from .queries import NumbersQuery

logger = logging.getLogger(__name__)

Action = AuditEvent.Action

# Errors that name one number of a batch: the rest of the batch is still worth sending.
_NUMBER_ERRORS = ("NotExists.Number", "Parameter.Invalid")
# Throttling without `x-acs-retry-after`: stamina's jittered backoff, from this wait up to the
# longest one.
THROTTLED_WAIT_INITIAL = 1.0
THROTTLED_WAIT_MAX = 8.0
THROTTLED_WAIT_JITTER = 1.0
# One pool per process for all actions' batches; each action keeps to its own share.
_in_flight = ThreadPoolExecutor(
    max_workers=max(1, settings.CCC_WRITES_IN_FLIGHT) * 4, thread_name_prefix="ccc-write"
)


@dataclass(frozen=True)
class Target:
    """Where an action's part goes: what it does, in which instance and skill group."""

    action: Action
    instance_id: str
    skill_group_id: str


@dataclass(frozen=True)
class _BatchResult:
    numbers: list[str]
    state: str  # "done", "not_done" or "unknown"
    request_id: str = ""
    error: CccError | None = None


def _nothing() -> None:
    pass


def send(
    target: Target,
    numbers: list[str],
    result: PartOutcome,
    *,
    on_answer: Callable[[], None] = _nothing,
) -> None:
    """One part's numbers in batches, a few in flight at once, then the unknown ones settled;
    `on_answer` is called as each batch's answer is tallied (the action's progress)."""
    size = max(1, settings.CCC_WRITE_BATCH_SIZE)
    batches = deque(numbers[start : start + size] for start in range(0, len(numbers), size))
    unanswered: set[str] = set()
    for batch_results in _each_in_flight(target, batches):
        for batch in batch_results:
            _tally(result, batch)
            on_answer()
            if batch.state == "unknown" and batch.error and batch.error.http_status is None:
                unanswered.update(batch.numbers)
    if result.unknown:
        _settle(target, result, unanswered)


def _each_in_flight(target: Target, batches: deque[list[str]]) -> Iterator[list[_BatchResult]]:
    in_flight = max(1, settings.CCC_WRITES_IN_FLIGHT)
    running = deque()
    while batches or running:
        while batches and len(running) < in_flight:
            running.append(
                _in_flight.submit(
                    contextvars.copy_context().run, _send_batch, target, batches.popleft()
                )
            )
        yield running.popleft().result()


def _send_batch(target: Target, batch: list[str]) -> list[_BatchResult]:
    """One batch until CCC settles it: resent only when its answer proves nothing was
    applied (throttling, a batch too large), split where CCC refuses one number of it."""
    client = ccc_client()
    write = (
        client.add_numbers_to_skill_group
        if target.action == Action.LINK
        else client.remove_phone_numbers_from_skill_group
    )
    results: list[_BatchResult] = []
    pending = deque([batch])
    while pending:
        part = pending.popleft()
        if _time_left() < settings.CCC_TIMEOUT:
            # Not started: a call cut short by the budget would leave its outcome unknown.
            results.append(_BatchResult(part, "not_done", error=_out_of_time()))
            continue
        try:
            request_id = _until_answered(
                functools.partial(
                    write,
                    instance_id=target.instance_id,
                    skill_group_id=target.skill_group_id,
                    numbers=part,
                )
            )
        except ThrottlingError as error:
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
            results.append(_BatchResult(part, _state_of(error), error=error))
        else:
            results.append(_BatchResult(part, "done", request_id=request_id))
    return results


def _until_answered(write: Callable[[], str]) -> str:
    """A write sent again while CCC throttles it (nothing applied) and the budget allows;
    its RequestId, or its error."""
    for attempt in stamina.retry_context(
        on=_throttled_wait,
        attempts=None,  # as many as the write budget holds: `_throttled_wait` decides
        timeout=None,
        wait_initial=THROTTLED_WAIT_INITIAL,
        wait_max=THROTTLED_WAIT_MAX,
        wait_jitter=THROTTLED_WAIT_JITTER,
    ):
        with attempt:
            return write()


def _state_of(error: CccError) -> str:
    """Answered by CCC (its 4xx), or never sent: not applied. Otherwise unknown."""
    if error.code == "InvalidResponse":
        return "unknown"
    answered = error.http_status is not None and error.http_status < 500
    return "not_done" if answered or not error.sent else "unknown"


def _throttled_wait(error: Exception) -> bool | float:
    """stamina's hook: a throttled batch (nothing applied) is sent again after the wait CCC
    asks for, or stamina's own backoff, while that wait still leaves a whole call's time in the
    write budget; anything else is the caller's to judge."""
    if not isinstance(error, ThrottlingError):
        return False
    longest = error.retry_after or THROTTLED_WAIT_MAX + THROTTLED_WAIT_JITTER
    if _time_left() - longest < settings.CCC_TIMEOUT:
        return False
    return error.retry_after or True


def _names_a_number(error: CccError) -> bool:
    return error.code in _NUMBER_ERRORS


def _tally(result: PartOutcome, batch: _BatchResult) -> None:
    getattr(result, batch.state).extend(batch.numbers)
    request_id = batch.request_id or (batch.error.request_id if batch.error else "")
    if request_id:
        result.request_ids.append(request_id)
    if batch.error is not None and not result.error_code:
        result.error_code = batch.error.code
        result.error_message = batch.error.message
        result.error_request_id = batch.error.request_id or ""


def _settle(target: Target, result: PartOutcome, unanswered: set[str]) -> None:
    """List the unknown numbers again: linked ones are done (for Link) or not (for Unlink).
    Listed by their longest common prefix, so the listing stays short; what the listing
    cannot reach (or a listing that fails) stays unknown, and so does what it finds unchanged
    of the `unanswered` batches: CCC may apply those after the listing."""
    unknown = result.unknown
    prefix = os.path.commonprefix(unknown)  # noqa: RUF071 - digits, character by character
    listed_at = timezone.now()
    try:
        linked, total = selectors.phone_numbers_matching(
            numbers=NumbersQuery(target.instance_id, target.skill_group_id, search=prefix),
            limit=settings.CCCADMIN_MAX_NUMBERS_PER_ACTION * 10,
        )
    except CccError as error:
        logger.warning("unknown outcome not settled: %r", error)
        return
    if total > len(linked):
        return  # the listing did not reach every linked number: absence proves nothing
    linked_now = set(linked)
    applied = [n for n in unknown if (n in linked_now) == (target.action == Action.LINK)]
    unchanged = [n for n in unknown if n not in applied]
    result.done.extend(applied)
    result.not_done.extend(n for n in unchanged if n not in unanswered)
    result.unknown = [n for n in unchanged if n in unanswered]
    if result.unknown:
        result.unknown_as_of = listed_at.isoformat(timespec="seconds")


def _time_left() -> float:
    deadline = budget_deadline()
    return float("inf") if deadline is None else deadline - time.monotonic()


def _out_of_time() -> CccError:
    return CccError("WriteBudgetExhausted", "The action ran out of time before these were sent.")


# -- one number, several skill groups ----------------------------------------------------------

# The most skill groups CCC takes in one SkillGroupIdList; a longer list is sent in slices.
MAX_SKILL_GROUPS_PER_WRITE = 20


def send_to_groups(
    action: Action,
    instance_id: str,
    number: str,
    results: Mapping[str, PartOutcome],
    *,
    on_answer: Callable[[], None] = _nothing,
) -> None:
    """One number linked to (or unlinked from) each skill group of `results` (by id) with the
    number's own writes, up to MAX_SKILL_GROUPS_PER_WRITE groups a call; what stays unknown
    is settled by listing the number again.

    What each answer means, as for a batch of numbers: a success, every group of the call is
    done; throttling, sent again while the budget allows; `Parameter.Maximum`, split in two; a
    refusal naming one group, that group is not done (or, unlinking, done: the number is not
    in it) and the others are sent again without it; a refusal of the number itself, none is
    done; silence or a failure after sending, unknown.
    """
    client = ccc_client()
    write = (
        client.add_phone_number_to_skill_groups
        if action == Action.LINK
        else client.remove_phone_number_from_skill_groups
    )
    group_ids = list(results)
    pending = deque(
        group_ids[start : start + MAX_SKILL_GROUPS_PER_WRITE]
        for start in range(0, len(group_ids), MAX_SKILL_GROUPS_PER_WRITE)
    )
    unanswered: set[str] = set()
    while pending:
        on_answer()
        groups = pending.popleft()
        if _time_left() < settings.CCC_TIMEOUT:
            _tally_groups(results, groups, _BatchResult([number], "not_done", error=_out_of_time()))
            continue
        try:
            request_id = _until_answered(
                functools.partial(
                    write, instance_id=instance_id, number=number, skill_group_ids=groups
                )
            )
        except CccError as error:
            if error.code == "Parameter.Maximum" and len(groups) > 1:
                middle = len(groups) // 2
                pending.extendleft([groups[middle:], groups[:middle]])
                continue
            # The client names a group only among those this call sent.
            named = error.skill_group_id
            if named is not None and not isinstance(error, ThrottlingError):
                if action == Action.UNLINK and error.code == "Parameter.Invalid":
                    # Unlinking, CCC refuses a group the number is not in: it is out of it.
                    results[named].done.append(number)
                else:
                    _tally(results[named], _BatchResult([number], "not_done", error=error))
                rest = [group for group in groups if group != named]
                if rest:
                    pending.appendleft(rest)
                continue
            batch = _BatchResult([number], _state_of(error), error=error)
            _tally_groups(results, groups, batch)
            if batch.state == "unknown" and error.http_status is None:
                unanswered.update(groups)
        else:
            _tally_groups(results, groups, _BatchResult([number], "done", request_id=request_id))
    on_answer()
    unknown = {group for group, result in results.items() if result.unknown}
    if unknown:
        _settle_groups(action, instance_id, number, {g: results[g] for g in unknown}, unanswered)


def _tally_groups(
    results: Mapping[str, PartOutcome], groups: list[str], batch: _BatchResult
) -> None:
    for group in groups:
        _tally(results[group], batch)


def _settle_groups(
    action: Action,
    instance_id: str,
    number: str,
    results: Mapping[str, PartOutcome],
    unanswered: set[str],
) -> None:
    """List the number again (never the cache): a group it is now in is done for Link (out
    of, for Unlink). A group it is unchanged in is not done, or, where CCC never answered,
    still unknown as of the listing: CCC may apply it after."""
    listed_at = timezone.now()
    try:
        found = number_selectors.instance_number_get(
            instance_id=instance_id, number=number, cached=False
        )
    except (CccError, number_selectors.NumberNotFound) as error:
        logger.warning("unknown outcome not settled: %r", error)
        return
    linked_now = {group.skill_group_id for group in found.skill_groups}
    for group, result in results.items():
        if (group in linked_now) == (action == Action.LINK):
            result.done.extend(result.unknown)
        elif group in unanswered:
            result.unknown_as_of = listed_at.isoformat(timespec="seconds")
            continue
        else:
            result.not_done.extend(result.unknown)
        result.unknown = []
