"""Writes: link numbers to a skill group or unlink them, each recorded in the audit trail.

An action goes in three steps. `confirmations.confirmation_prepare` works out what a selection
means and seals it in a token; `numbers_change` opens it, records the attempt (the token's id is
unique, so a second submit of the same confirmation applies nothing), sends the numbers in
batches (`batches`) and records the outcome (`outcomes`).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from audit import recording
from audit import selectors as audit_selectors
from audit.models import AuditEvent
from audit.parts import Part
from audit.recording import Actor, AlreadySubmitted
from ccc.budget import budget

from . import batches, reading, selectors
from .confirmations import Confirmation
from .models import ActionProgress
from .outcomes import ActionOutcome, PartOutcome

logger = logging.getLogger(__name__)


def numbers_change(*, actor: Actor, confirmation: Confirmation) -> ActionOutcome:
    """Carry out a confirmed action, part after part, and record it; raises AlreadySubmitted
    for a second submit of the same confirmation (nothing is sent then), a CccError when
    "all matching" cannot be listed again, or TrailUnavailable when the attempt cannot be
    recorded (nothing is sent or recorded then).

    The outcome is logged before it is recorded: when the database fails after CCC changed
    numbers, the log still holds what was done, and the result says it was not recorded."""
    try:
        previous = audit_selectors.attempt_of_token(confirmation.nonce)
    except DatabaseError as error:
        raise TrailUnavailable from error
    if previous is not None:
        raise AlreadySubmitted(previous)
    with budget(settings.CCC_WRITE_BUDGET):
        parts, matched = _parts_of(confirmation)
        try:
            attempt = recording.attempt_record(
                actor=actor,
                token=confirmation.nonce,
                undoes_id=confirmation.undoes,
                instance_id=confirmation.instance_id,
                action=confirmation.action,
                parts=parts,
            )
        except DatabaseError as error:
            raise TrailUnavailable from error
        result = ActionOutcome(
            attempt=attempt,
            parts=[PartOutcome(part.skill_group_id, part.skill_group_name) for part in parts],
            expected_count=confirmation.expected_count if confirmation.matching else None,
            matched_count=matched,
        )
        progress = _progress_start(attempt, sum(len(part.numbers) for part in parts))
        try:
            _send(
                confirmation,
                parts,
                result,
                on_answer=functools.partial(_progress, progress, result),
            )
        finally:
            for outcome in result.parts:
                if outcome.done or outcome.unknown:
                    reading.listings_invalidate(
                        instance_id=confirmation.instance_id,
                        skill_group_id=outcome.skill_group_id,
                    )
    logger.info(
        "numbers %s: user=%r instance=%s groups=%s attempt=%s done=%d not_done=%d unknown=%d "
        "request_ids=%s",
        confirmation.action,
        actor.username,
        confirmation.instance_id,
        ",".join(part.skill_group_id for part in parts),
        attempt.pk,
        len(result.done),
        len(result.not_done),
        len(result.unknown),
        ",".join(result.request_ids),
    )
    try:
        result.record()
    except DatabaseError:
        logger.exception(
            "numbers %s: the outcome of attempt %s could not be recorded",
            confirmation.action,
            attempt.pk,
        )
        result.record_failed = True
    return result


def _send(
    confirmation: Confirmation,
    parts: tuple[Part, ...],
    result: ActionOutcome,
    *,
    on_answer: Callable[[], None],
) -> None:
    """One number in several skill groups goes with the number's own writes (one call for up
    to 20 groups); anything else part after part, its numbers in batches."""
    if confirmation.one_number and len(parts) > 1:
        batches.send_to_groups(
            confirmation.action,
            confirmation.instance_id,
            confirmation.one_number,
            {outcome.skill_group_id: outcome for outcome in result.parts},
            on_answer=on_answer,
        )
        return
    for part, outcome in zip(parts, result.parts, strict=True):
        target = batches.Target(confirmation.action, confirmation.instance_id, part.skill_group_id)
        batches.send(target, list(part.numbers), outcome, on_answer=on_answer)


def _progress_start(attempt: AuditEvent, total: int) -> ActionProgress | None:
    """The action's progress row; None where the database cannot make one (the action goes
    on: its progress is a view of it, not its record)."""
    try:
        return ActionProgress.objects.create(attempt=attempt, total=total)
    except DatabaseError:
        logger.warning("progress of attempt %s not kept", attempt.pk, exc_info=True)
        return None


def _progress(progress: ActionProgress | None, result: ActionOutcome) -> None:
    """What the action's numbers have come to so far, for its page meanwhile."""
    if progress is None:
        return
    try:
        ActionProgress.objects.filter(pk=progress.pk).update(
            done=len(result.done),
            not_done=len(result.not_done),
            unknown=len(result.unknown),
            updated_at=timezone.now(),
        )
    except DatabaseError:
        logger.warning("progress of attempt %s not kept", progress.pk, exc_info=True)


class TrailUnavailable(Exception):
    """The audit trail cannot be written: an action is not sent unrecorded."""


def action_outcome_get(
    *, attempt_id: int, visible_instances: frozenset[str] | None
) -> ActionOutcome | None:
    """An action of the trail with its outcome, or None when it is not one the reader may
    see."""
    found = audit_selectors.action_get(attempt_id=attempt_id, visible_instances=visible_instances)
    return None if found is None else ActionOutcome.from_events(found)


def _parts_of(confirmation: Confirmation) -> tuple[tuple[Part, ...], int | None]:
    """The parts to send, and (for "all matching") how many the view matches now: it is
    listed again, never the cache."""
    if confirmation.matching is None:
        return confirmation.parts, None
    numbers, matched = selectors.phone_numbers_matching(
        numbers=confirmation.matching, limit=settings.CCCADMIN_MAX_NUMBERS_PER_ACTION
    )
    (part,) = confirmation.parts
    return (dataclasses.replace(part, numbers=tuple(numbers)),), matched
