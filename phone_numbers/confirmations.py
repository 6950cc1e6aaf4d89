"""What an editor is asked to confirm: a selection worked out, checked against the limits and
sealed in a signed, expiring token bound to the user and the skill group. The confirmation shows
what the token says, nothing the browser could change."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from audit.models import AuditEvent

from . import selectors

Action = AuditEvent.Action

_CONFIRMATION_SALT = "phone_numbers.services.confirmation"


class ConfirmationInvalid(Exception):
    """The confirmation cannot be used: tampered with, expired, or for someone else."""


class SelectionTooLarge(Exception):
    def __init__(self, count: int, maximum: int) -> None:
        super().__init__(f"{count} numbers match; one action takes at most {maximum}")
        self.count = count
        self.maximum = maximum


class NothingSelected(Exception):
    """The selection holds no number."""


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
