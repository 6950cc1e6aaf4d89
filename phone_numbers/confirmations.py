"""What an editor is asked to confirm: a selection worked out, checked against the limits and
sealed in a signed, expiring token bound to the user, the instance and its skill groups. The
confirmation shows what the token says, nothing the browser could change."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.parts import Part
from ccc import SkillGroup
from portal.text import listed

from . import reading, selectors
from .queries import NumbersQuery

Action = AuditEvent.Action
Refusal = AuditEvent.Refusal

_CONFIRMATION_SALT = "phone_numbers.services.confirmation"


class ConfirmationInvalid(Exception):
    """The confirmation cannot be used: tampered with, expired, or for someone else. `refusal`
    is what the trail records; `problem`, what the page tells the user."""

    # Lazy: made at import, said in the language of each request.
    _PROBLEMS = {
        Refusal.CONFIRMATION_EXPIRED: _("it has expired"),
        Refusal.CONFIRMATION_FORGED: _("it is not one this server made"),
        Refusal.CONFIRMATION_FOREIGN: _("it was made for another user or skill group"),
    }

    def __init__(self, refusal: AuditEvent.Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.problem = self._PROBLEMS[refusal]


class SelectionTooLarge(Exception):
    def __init__(self, count: int, maximum: int) -> None:
        super().__init__(f"{count} numbers match; one action takes at most {maximum}")
        self.count = count
        self.maximum = maximum


class NothingSelected(Exception):
    """The selection holds no number."""


class GroupNotServed(Exception):
    """Numbers cannot be linked to a skill group of another medium than voice."""

    def __init__(self, group: SkillGroup) -> None:
        super().__init__(group.skill_group_id)
        self.group = group


@dataclass(frozen=True)
class Confirmation:
    """What an editor is asked to confirm, and what the token carries.

    An action is a set of parts, each a skill group and the numbers chosen there. With
    `matching` (every number a view matches: one part), the part's numbers are the first of
    those that matched when the confirmation was shown (`expected_count` of them in all), and
    the view is listed again when it is submitted.
    """

    nonce: str
    username: str
    action: Action
    instance_id: str
    parts: tuple[Part, ...]
    expected_count: int
    matching: NumbersQuery | None = None
    undoes: int | None = None

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(number for part in self.parts for number in part.numbers)

    @property
    def groups_label(self) -> str:
        """The skill groups it changes, as a sentence names them."""
        return listed(part.skill_group_name or part.skill_group_id for part in self.parts)

    def token(self) -> str:
        return signing.dumps(
            {
                "n": self.nonce,
                "u": self.username,
                "a": str(self.action),
                "i": self.instance_id,
                # "All matching" is listed again when submitted: its numbers stay out.
                "p": [
                    [
                        part.skill_group_id,
                        part.skill_group_name,
                        [] if self.matching else part.numbers,
                    ]
                    for part in self.parts
                ],
                "c": self.expected_count,
                "m": [self.matching.search, self.matching.active] if self.matching else None,
                "undo": self.undoes,
            },
            salt=_CONFIRMATION_SALT,
            compress=True,
        )

    @property
    def one_number(self) -> str:
        """The number, when the action is one number's in each of its skill groups."""
        numbers = set(self.numbers)
        return numbers.pop() if len(numbers) == 1 and len(self.numbers) == len(self.parts) else ""

    @classmethod
    def from_token(
        cls,
        token: str,
        *,
        username: str,
        instance_id: str,
        skill_group_id: str = "",
        number: str = "",
    ) -> Confirmation:
        """The confirmation a token carries, for this user, instance and the address it is
        submitted to: one of its skill groups, or the one number it changes."""
        try:
            data = signing.loads(
                token, salt=_CONFIRMATION_SALT, max_age=settings.CCCADMIN_CONFIRMATION_SECONDS
            )
        except signing.SignatureExpired:
            raise ConfirmationInvalid(Refusal.CONFIRMATION_EXPIRED) from None
        except signing.BadSignature:
            raise ConfirmationInvalid(Refusal.CONFIRMATION_FORGED) from None
        parts = tuple(Part(group, name, tuple(numbers)) for group, name, numbers in data["p"])
        if number:
            addressed = all(part.numbers == (number,) for part in parts)
        else:
            addressed = skill_group_id in {part.skill_group_id for part in parts}
        if (data["u"], data["i"]) != (username, instance_id) or not addressed:
            raise ConfirmationInvalid(Refusal.CONFIRMATION_FOREIGN)
        action = Action(data["a"])
        matching = None
        if data["m"] is not None:
            search, active = data["m"]
            # The view the numbers are in before the action: unlinking takes linked ones.
            matching = NumbersQuery(
                instance_id=instance_id,
                skill_group_id=parts[0].skill_group_id,
                linked=action == Action.UNLINK,
                search=search,
                active=active,
            )
        return cls(
            nonce=data["n"],
            username=data["u"],
            action=action,
            instance_id=instance_id,
            parts=parts,
            expected_count=data["c"],
            matching=matching,
            undoes=data["undo"],
        )


def confirmation_prepare(
    *,
    username: str,
    action: Action,
    instance_id: str,
    numbers_by_group: Mapping[str, Sequence[str]] | None = None,
    matching: NumbersQuery | None = None,
    undoes: AuditEvent | None = None,
) -> Confirmation:
    """What the editor is about to do: the numbers chosen in each skill group, or every number
    `matching` a view (counted from CCC now: one call, never the cache), checked against the
    limits; raises SelectionTooLarge or NothingSelected, or GroupNotServed for a link to a
    group of another medium than voice."""
    maximum = settings.CCCADMIN_MAX_NUMBERS_PER_ACTION
    if matching is not None:
        first, count = selectors.phone_numbers_matching(numbers=matching, limit=min(maximum, 10))
        chosen = {matching.skill_group_id: first}
    else:
        chosen = {
            group: list(dict.fromkeys(numbers))
            for group, numbers in (numbers_by_group or {}).items()
            if numbers
        }
        count = sum(map(len, chosen.values()))
    if count == 0:
        raise NothingSelected
    if count > maximum:
        raise SelectionTooLarge(count, maximum)
    # Each group's name for the sentences, side by side: a number's action has several.
    groups = reading.side_by_side(
        **{
            f"group {index}": functools.partial(
                selectors.skill_group_get, instance_id=instance_id, skill_group_id=skill_group_id
            )
            for index, skill_group_id in enumerate(chosen)
        }
    )
    parts = []
    for group, (skill_group_id, numbers) in zip(groups.values(), chosen.items(), strict=True):
        if action == Action.LINK and not group.is_voice:
            raise GroupNotServed(group)
        parts.append(Part(skill_group_id, group.display_name or group.name, tuple(numbers)))
    return Confirmation(
        nonce=secrets.token_urlsafe(24),
        username=username,
        action=action,
        instance_id=instance_id,
        parts=tuple(parts),
        expected_count=count,
        matching=matching,
        undoes=undoes.pk if undoes else None,
    )
