"""Reads of the audit trail: the page's rows (an action with what came of it, or a refusal),
an export's rows a chunk at a time, and one action with its outcome. Read from the database on
every request, never cached; always within the instances the reader may see
(`visible_instances`, None for all).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from portal.paging import ResultPage, slice_result_page

from .models import AuditEvent
from .parts import parts_of, skill_group_ids_text, texts
from .refusals import refusal_read

# What an attempt without an outcome row is while its write may still be running.
IN_PROGRESS = "in_progress"
# Rows an audit export reads from the database at once.
AUDIT_ROWS_CHUNK = 500


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit page: an action (its attempt and what came of it) or a refusal."""

    created_at: datetime
    username: str
    email: str
    client_address: str
    instance_id: str
    skill_group_id: str
    skill_group_name: str
    action: str  # AuditEvent.Action, or "" (a refusal may name none)
    numbers: tuple[str, ...]  # the numbers asked for
    # AuditEvent.Outcome, or IN_PROGRESS. An attempt without an outcome row is in progress
    # within the write budget and unknown after it (its process stopped before recording it).
    outcome: str
    outcome_recorded: bool
    done: tuple[str, ...] = ()
    not_done: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    request_ids: tuple[str, ...] = ()
    error_code: str = ""  # CCC's, or the client's own (Timeout, …)
    refusal: str = ""  # a refusal's AuditEvent.Refusal
    detail: str = ""
    # The action this one undoes, if it is an undo.
    undoes_action: str = ""
    undoes_created_at: datetime | None = None
    # An action's attempt row, whose page tells the action in full (None for a refusal).
    attempt_id: int | None = None
    # An action of several skill groups: each one's (id, name); else the one above.
    skill_groups: tuple[tuple[str, str], ...] = ()

    @property
    def groups(self) -> tuple[tuple[str, str], ...]:
        """Every skill group the entry names, as (id, name)."""
        if self.skill_groups:
            return self.skill_groups
        return ((self.skill_group_id, self.skill_group_name),) if self.skill_group_id else ()


def audit_event_list(
    *,
    visible_instances: frozenset[str] | None,
    page: int = 1,
    per_page: int = 25,
    refresh: bool = False,
    **filters: Any,
) -> ResultPage[AuditEntry]:
    """The actions and refusals of the trail, newest first, in the instances the user may see
    (`visible_instances`, None for all), whatever the filters (those of `_audit_events`) ask for.

    Every filter is SQL, the outcome one included (an attempt's outcome is a subquery; one
    without is in progress or unknown by its age). Three queries whatever the page size: the
    count, the page with the actions it undoes, and its outcome rows. Dates are days of the
    deployment's time zone, both inclusive. `refresh` is the list query's: the trail is read
    afresh on every request anyway.
    """
    events = _audit_events(visible_instances=visible_instances, **filters)
    listed = slice_result_page(events, page=page, per_page=per_page)
    return dataclasses.replace(listed, items=tuple(map(_audit_entry, listed.items)))


def audit_event_rows(
    *, visible_instances: frozenset[str] | None, limit: int, **filters: Any
) -> tuple[int, Iterator[AuditEntry]]:
    """How many events `filters` (those of `audit_event_list`) match, and the first `limit`
    of them, newest first, read from the database a chunk at a time as they are iterated: an
    export of the whole trail never holds it in memory."""
    events = _audit_events(visible_instances=visible_instances, **filters)
    # Each chunk comes with the actions it undoes (a join) and its outcome rows (one query).
    rows = events[:limit].iterator(chunk_size=AUDIT_ROWS_CHUNK)
    return events.count(), map(_audit_entry, rows)


def _audit_events(
    *,
    visible_instances: frozenset[str] | None,
    instance_id: str = "",
    skill_group: str = "",
    number: str = "",
    user: str = "",
    action: str = "",
    outcome: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The trail's actions and refusals the filters match, newest first, each with what it
    undoes and its outcome rows."""
    now = timezone.now()
    events = _audit_rows(now)
    if visible_instances is not None:
        events = events.filter(instance_id__in=visible_instances)
    if instance_id:
        events = events.filter(instance_id=instance_id)
    if skill_group:
        # By id, one of an action's parts or the one group of a row made before parts; by
        # name, any part's name containing it (in any case).
        events = events.filter(
            Q(skill_group_id=skill_group)
            | Q(skill_group_ids__contains=skill_group_ids_text([skill_group]))
            | Q(skill_group_name__icontains=skill_group)
            | Q(skill_group_names__icontains=skill_group)
        )
    if number:
        # The list's JSON text, each number within its quotes: the whole number matches, never
        # a part of a longer one. A text match, as SQLite has no JSON containment (`contains`).
        events = events.filter(numbers__icontains=f'"{number}"')
    if user:
        events = events.filter(Q(username__icontains=user) | Q(email__icontains=user))
    if action:
        events = events.filter(action=action)
    if outcome:
        events = events.filter(state=outcome)
    zone = timezone.get_default_timezone()
    if date_from:
        events = events.filter(created_at__gte=datetime.combine(date_from, time.min, zone))
    if date_to:
        day_after = date_to + timedelta(days=1)
        events = events.filter(created_at__lt=datetime.combine(day_after, time.min, zone))
    events = events.select_related("undoes").prefetch_related(
        Prefetch(
            "outcomes",
            queryset=AuditEvent.objects.filter(kind=AuditEvent.Kind.OUTCOME).order_by(
                "created_at", "id"
            ),
            to_attr="outcome_rows",
        )
    )
    return events.order_by("-created_at", "-id")


def audit_instance_list(*, visible_instances: frozenset[str] | None) -> list[str]:
    """The instances the trail holds actions or refusals of, of those the user may see."""
    events = AuditEvent.objects.exclude(kind=AuditEvent.Kind.OUTCOME)
    if visible_instances is not None:
        events = events.filter(instance_id__in=visible_instances)
    return list(events.order_by("instance_id").values_list("instance_id", flat=True).distinct())


def _audit_rows(now: datetime) -> QuerySet[AuditEvent]:
    """Attempts and refusals, each with `state`: what the page says of its outcome."""
    outcomes = AuditEvent.objects.filter(
        kind=AuditEvent.Kind.OUTCOME, attempt=OuterRef("pk")
    ).order_by("created_at", "id")
    running_since = _running_since(now)
    return AuditEvent.objects.filter(
        kind__in=(AuditEvent.Kind.ATTEMPT, AuditEvent.Kind.REFUSAL)
    ).annotate(
        recorded_outcome=Subquery(outcomes.values("outcome")[:1]),
        state=Case(
            When(kind=AuditEvent.Kind.REFUSAL, then=Value(AuditEvent.Outcome.REFUSED.value)),
            When(recorded_outcome__isnull=False, then=F("recorded_outcome")),
            When(created_at__gt=running_since, then=Value(IN_PROGRESS)),
            default=Value(AuditEvent.Outcome.UNKNOWN.value),
            output_field=CharField(),
        ),
    )


def _audit_entry(event: AuditEvent) -> AuditEntry:
    outcome = event.outcome_rows[0] if event.outcome_rows else None
    # A refusal is its own outcome; an attempt's outcome row says what was done.
    said = outcome or (event if event.kind == AuditEvent.Kind.REFUSAL else None)
    undoes = event.undoes
    error_code = (said.error_code if said else "") or event.error_code
    detail = (said.detail if said else "") or event.detail
    refusal = ""
    if event.kind == AuditEvent.Kind.REFUSAL:
        (refusal, detail), error_code = refusal_read(error_code, detail), ""
    return AuditEntry(
        created_at=event.created_at,
        username=event.username,
        email=event.email,
        client_address=event.client_address,
        instance_id=event.instance_id,
        skill_group_id=event.skill_group_id,
        skill_group_name=event.skill_group_name,
        action=event.action,
        numbers=texts(event.numbers),
        outcome=event.state,
        outcome_recorded=said is not None,
        done=texts(outcome.numbers) if outcome else (),
        not_done=texts(said.not_done) if said else (),
        unknown=texts(said.unknown) if said else (),
        request_ids=texts(said.request_ids) if said else texts(event.request_ids),
        error_code=error_code,
        refusal=refusal,
        detail=detail,
        undoes_action=undoes.action if undoes else "",
        undoes_created_at=undoes.created_at if undoes else None,
        attempt_id=event.pk if event.kind == AuditEvent.Kind.ATTEMPT else None,
        skill_groups=tuple((part.skill_group_id, part.skill_group_name) for part in parts_of(event))
        if len(event.parts) > 1
        else (),
    )


class ActionRows(NamedTuple):
    """An action as the trail holds it: its attempt (with the action it undoes, if any), its
    outcome (None while there is none) and the undo that undid it (None while none did)."""

    attempt: AuditEvent
    outcome: AuditEvent | None
    undone_by: AuditEvent | None


def action_get(*, attempt_id: int, visible_instances: frozenset[str] | None) -> ActionRows | None:
    """An action's rows, or None when it is not an action the reader may see."""
    attempts = AuditEvent.objects.filter(kind=AuditEvent.Kind.ATTEMPT, pk=attempt_id)
    if visible_instances is not None:
        attempts = attempts.filter(instance_id__in=visible_instances)
    attempt = attempts.select_related("undoes").first()
    if attempt is None:
        return None
    return ActionRows(
        attempt, attempt.outcomes.first(), AuditEvent.objects.undos_of(attempt.pk).first()
    )


def attempt_of_token(token: str) -> AuditEvent | None:
    """The attempt a confirmation's one-time id was used by, if it was."""
    return AuditEvent.objects.filter(token=token).first()


def in_progress(attempt: AuditEvent) -> bool:
    """Whether an attempt without an outcome row may still be running."""
    return attempt.created_at > _running_since(timezone.now())


def _running_since(now: datetime) -> datetime:
    """Attempts made since then may still be running: everything an action sends ends within
    its write budget, and its outcome row follows at once (one timeout of margin)."""
    return now - timedelta(seconds=settings.CCC_WRITE_BUDGET + settings.CCC_TIMEOUT)
