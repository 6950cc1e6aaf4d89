"""The audit trail's write API: the only way its rows are made.

An action records an **attempt** before anything is sent (its confirmation's one-time id is
unique, so a second submit cannot record a second attempt) and an **outcome** after. A write
refused before it could start is one **refusal**. Rows are never changed: each call appends one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from portal.auth import client_address

from .models import AuditEvent

View = TypeVar("View", bound=Callable[..., Any])


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
    skill_group_id: str,
    skill_group_name: str,
    action: str,
    numbers: Sequence[str],
    undoes_id: int | None = None,
) -> AuditEvent:
    """An action about to be sent; raises AlreadySubmitted when `token` has an attempt."""
    try:
        with transaction.atomic():
            return AuditEvent.objects.create(
                kind=AuditEvent.Kind.ATTEMPT,
                token=token,
                undoes_id=undoes_id,
                username=actor.username,
                email=actor.email,
                client_address=actor.client_address,
                instance_id=instance_id,
                skill_group_id=skill_group_id,
                skill_group_name=skill_group_name,
                action=action,
                numbers=list(numbers),
            )
    except IntegrityError:
        # Another submit of this confirmation got its attempt in first.
        raise AlreadySubmitted(AuditEvent.objects.get(token=token)) from None


def outcome_record(
    *,
    attempt: AuditEvent,
    outcome: str,
    done: Sequence[str],
    not_done: Sequence[str],
    unknown: Sequence[str],
    request_ids: Sequence[str],
    error_code: str = "",
    detail: str = "",
) -> AuditEvent:
    """What came of an attempt, number by number."""
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.OUTCOME,
        attempt=attempt,
        username=attempt.username,
        email=attempt.email,
        client_address=attempt.client_address,
        instance_id=attempt.instance_id,
        skill_group_id=attempt.skill_group_id,
        skill_group_name=attempt.skill_group_name,
        action=attempt.action,
        numbers=list(done),
        not_done=list(not_done),
        unknown=list(unknown),
        outcome=outcome,
        request_ids=list(request_ids),
        error_code=error_code,
        detail=detail,
    )


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
        action=action if action in AuditEvent.Action.values else "",
        numbers=list(numbers)[: settings.CCCADMIN_MAX_NUMBERS_PER_ACTION],
        outcome=AuditEvent.Outcome.REFUSED,
        detail=reason,
    )


def audited_write(view: View) -> View:
    """Marks a view (outermost decorator) whose POST is a write: refused before it runs
    (outside the user's instances), the refusal is recorded by `refused_write_record`."""
    view.audited_write = True  # type: ignore[attr-defined]
    return view


def refused_write_record(sender: object, *, request: HttpRequest, reason: str, **_: object) -> None:
    """Record a write refused before its view ran (the scoping middleware refuses a skill
    group outside the user's instances): a receiver of `portal.auth.access_denied`."""
    match = request.resolver_match
    if (
        getattr(request, "identity", None) is None
        or request.method != "POST"
        or match is None
        or not getattr(match.func, "audited_write", False)
    ):
        return
    refusal_record(
        actor=Actor.of(request),
        instance_id=match.kwargs.get("instance_id", ""),
        skill_group_id=match.kwargs.get("skill_group_id", ""),
        reason=reason,
    )
