"""The audit trail's write API: the only way its rows are made.

An action records an **attempt** before anything is sent (its confirmation's one-time id is
unique, so a second submit cannot record a second attempt) and an **outcome** after. A write
refused before it could start is one **refusal**, and so is a form the CSRF check refused, unless
it is only counted (`csrf_refusal_record`). Rows are never changed: each call appends one.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import escape_uri_path

from portal.auth import client_address

from .models import AuditEvent
from .parts import Part, skill_group_ids_text

View = TypeVar("View", bound=Callable[..., Any])

logger = logging.getLogger(__name__)

# A flood of forged posts must not fill a table nobody may delete from, and a row is never
# changed, so none can keep a running count. The cache counts an address's CSRF refusals in each
# clock minute (one count for every worker where CACHE_URL names a shared cache); the trail
# records the first (who, the address, the path) and the 10th, 100th, ... (how many so far): a
# handful of rows per address and minute, the last saying how many there were at least.
CSRF_REFUSALS_RECORDED = frozenset(10**power for power in range(19))


@dataclass(frozen=True)
class Actor:
    """Who acts, as the audit trail records them."""

    username: str
    email: str = ""
    client_address: str = ""

    @classmethod
    def of(cls, request: HttpRequest) -> Actor:
        identity = request.identity
        return cls(identity.username, identity.email, client_address(request))

    def columns(self) -> dict[str, str]:
        """The actor as the trail's columns hold it."""
        return {
            "username": self.username,
            "email": self.email,
            "client_address": self.client_address,
        }


class AlreadyUndone(Exception):
    """The action to undo was undone already (or its undo is under way): an action is undone
    once."""

    def __init__(self, undo: AuditEvent) -> None:
        super().__init__(f"already undone by attempt {undo.pk}")
        self.undo = undo


class AlreadySubmitted(Exception):
    """This confirmation was submitted before: it applied (or is applying) once already."""

    def __init__(self, attempt: AuditEvent) -> None:
        super().__init__(f"confirmation already used by attempt {attempt.pk}")
        self.attempt = attempt


def attempt_record(
    *,
    actor: Actor,
    token: str,
    instance_id: str,
    action: str,
    parts: Sequence[Part],
    undoes_id: int | None = None,
) -> AuditEvent:
    """An action about to be sent, each part with the numbers asked for there; raises
    AlreadySubmitted when `token` has an attempt, AlreadyUndone when the action it undoes was
    undone already."""
    try:
        with transaction.atomic():
            if undoes_id is not None:
                _undo_claim(undoes_id)
            return _row_create(
                kind=AuditEvent.Kind.ATTEMPT,
                token=token,
                undoes_id=undoes_id,
                **actor.columns(),
                instance_id=instance_id,
                action=action,
                numbers=[number for part in parts for number in part.numbers],
                **parts_columns(parts),
            )
    except IntegrityError:
        # Another submit of this confirmation got its attempt in first.
        raise AlreadySubmitted(AuditEvent.objects.get(token=token)) from None


def _undo_claim(undoes_id: int) -> None:
    """Hold the action to undo until this transaction ends (PostgreSQL: FOR UPDATE; SQLite
    writes one at a time anyway), so two undos of it wait for each other and the second finds
    the first's attempt."""
    list(AuditEvent.objects.select_for_update().filter(pk=undoes_id).values_list("pk"))
    if undo := AuditEvent.objects.undos_of(undoes_id).first():
        raise AlreadyUndone(undo)


def outcome_record(*, attempt: AuditEvent, outcome: str, parts: Sequence[Part]) -> AuditEvent:
    """What came of an attempt, number by number in each part; the row's own error is the
    first part's that has one."""
    failed = next((part for part in parts if part.error_code), None)
    return _row_create(
        kind=AuditEvent.Kind.OUTCOME,
        attempt=attempt,
        username=attempt.username,
        email=attempt.email,
        client_address=attempt.client_address,
        instance_id=attempt.instance_id,
        action=attempt.action,
        numbers=[number for part in parts for number in part.numbers],
        not_done=[number for part in parts for number in part.not_done],
        unknown=[number for part in parts for number in part.unknown],
        outcome=outcome,
        request_ids=[request_id for part in parts for request_id in part.request_ids],
        error_code=failed.error_code if failed else "",
        detail=failed.detail if failed else "",
        **parts_columns(parts),
    )


def parts_columns(parts: Sequence[Part]) -> dict[str, Any]:
    """The columns a row keeps of its parts: all of them, and the one skill group where there
    is one (as rows made before parts say it)."""
    only = parts[0] if len(parts) == 1 else None
    return {
        "parts": [part.as_json() for part in parts],
        "skill_group_ids": skill_group_ids_text([part.skill_group_id for part in parts]),
        "skill_group_names": skill_group_ids_text([part.skill_group_name for part in parts]),
        "skill_group_id": only.skill_group_id if only else "",
        "skill_group_name": only.skill_group_name if only else "",
    }


def refusal_record(
    *,
    actor: Actor,
    instance_id: str,
    skill_group_id: str = "",
    action: str = "",
    numbers: Sequence[str] = (),
    refusal: AuditEvent.Refusal,
    detail: str = "",
) -> AuditEvent:
    """A write refused before it could start: who tried, where, and why (`refusal`, with the
    one value its words name in `detail`)."""
    return _row_create(
        kind=AuditEvent.Kind.REFUSAL,
        **actor.columns(),
        instance_id=instance_id,
        skill_group_id=skill_group_id,
        action=action if action in AuditEvent.Action.values else "",
        numbers=list(numbers)[: settings.CCCADMIN_MAX_NUMBERS_PER_ACTION],
        outcome=AuditEvent.Outcome.REFUSED,
        error_code=refusal,
        detail=detail,
    )


# A value cut to fit its column ends with this, so the trail shows it was cut.
CUT_MARK = "…"


def too_long(**values: str) -> list[str]:
    """The names of the values (AuditEvent's column names) longer than their column holds:
    a write with any is refused before anything is sent, since its rows could not say it."""
    limits = _column_limits()
    return [name for name, value in values.items() if len(value) > limits[name]]


def _row_create(**values: Any) -> AuditEvent:
    """A row, every text cut to its column and without NUL (PostgreSQL refuses both, which
    SQLite would keep), cuts marked: a refusal of a hostile value is still recorded."""
    limits = _column_limits()
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        value = value.replace("\x00", "\ufffd")
        limit = limits.get(name)
        if limit is not None and len(value) > limit:
            value = value[: limit - len(CUT_MARK)] + CUT_MARK
        values[name] = value
    return AuditEvent.objects.create(**values)


@functools.cache
def _column_limits() -> dict[str, int]:
    return {
        field.name: field.max_length
        for field in AuditEvent._meta.get_fields()
        if getattr(field, "max_length", None)
    }


def audited_write(view: View) -> View:
    """Marks a view (outermost decorator) whose POST is a write: refused before it runs
    (outside the user's instances), the refusal is recorded by `refused_write_record`."""
    view.audited_write = True  # type: ignore[attr-defined]
    return view


def refused_write_record(
    sender: object, *, request: HttpRequest, outside_instance: str = "", **_: object
) -> None:
    """Record a write refused before its view ran because its instance is outside the user's
    scope: a receiver of `portal.auth.access_denied`."""
    match = request.resolver_match
    if (
        not outside_instance
        or getattr(request, "identity", None) is None
        or request.method != "POST"
        or match is None
        or not getattr(match.func, "audited_write", False)
    ):
        return
    refusal_record(
        actor=Actor.of(request),
        instance_id=outside_instance,
        skill_group_id=match.kwargs.get("skill_group_id", ""),
        refusal=AuditEvent.Refusal.OUTSIDE_SCOPE,
        detail=outside_instance,
    )


def csrf_refusal_record(sender: object, *, request: HttpRequest, **_: object) -> None:
    """Record a request the CSRF check refused, or only count it (`CSRF_REFUSALS_RECORDED`):
    a receiver of `portal.errors.csrf_refused`. The log has every one."""
    address = client_address(request)
    count = _csrf_refusals_counted(address)
    if count not in CSRF_REFUSALS_RECORDED:
        return
    identity = getattr(request, "identity", None)
    refusal_record(
        actor=Actor.of(request) if identity else Actor("", client_address=address),
        instance_id=_named_in_url(request, "instance_id"),
        skill_group_id=_named_in_url(request, "skill_group_id"),
        refusal=(
            AuditEvent.Refusal.CSRF_FAILED
            if count == 1
            else AuditEvent.Refusal.CSRF_FAILURES_COUNTED
        ),
        # Escaped as in a URL: a path is whatever the client sent, NUL included.
        detail=escape_uri_path(request.path) if count == 1 else str(count),
    )


def _csrf_refusals_counted(address: str) -> int:
    """This refusal's place among the address's this minute; 1 where the cache fails, so that
    each is recorded while it cannot count."""
    digest = hashlib.sha256(address.encode()).hexdigest()
    key = f"audit:csrf-refusals:{timezone.now():%Y%m%d%H%M}:{digest}"
    try:
        # Kept past its minute: a replica whose clock is a little behind still counts into it.
        cache.add(key, 0, timeout=120)
        return cache.incr(key)
    except Exception as error:  # any backend's failure: record, never fail the refusal
        logger.warning("cache failed (%s): CSRF refusal recorded uncounted", type(error).__name__)
        return 1


def _named_in_url(request: HttpRequest, name: str) -> str:
    """The instance or skill group id the URL names, where a row can hold it as it is: a
    forged post's URL may name anything (the path, in the first row, keeps it)."""
    match = request.resolver_match
    value = str(match.kwargs.get(name, "")) if match else ""
    fits = len(value) <= AuditEvent._meta.get_field(name).max_length and value.isprintable()
    return value if fits else ""
