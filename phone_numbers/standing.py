"""Where a number stands with each skill group: linked, free to join, or kept out and why, in
the sentences a number's page and a group's empty eligible view say.

What keeps a number out of a voice group, as CCC decides: it is linked to the group already, or
it is an agent's personal outbound number (which serves that agent, in no group). What CCC does
not say (a rule of its own, a number it lists as eligible nowhere) a page cannot explain either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ccc import InstancePhoneNumber, SkillGroup


@dataclass(frozen=True)
class GroupChoice:
    """A skill group on a number's page, with why the number cannot join it ("": it can)."""

    skill_group_id: str
    name: str
    why_not: str = ""


def group_choices(
    number: InstancePhoneNumber, voice_groups: Iterable[SkillGroup]
) -> tuple[list[GroupChoice], list[GroupChoice]]:
    """The groups the number is linked to, and the instance's other voice groups, each with
    why the number cannot join it ("" where it can), in CCC's order."""
    linked = [
        GroupChoice(group.skill_group_id, group.display_name or group.name or group.skill_group_id)
        for group in number.skill_groups
    ]
    linked_ids = {group.skill_group_id for group in linked}
    why_not = _("it is an agent's personal outbound number") if number.user_id else ""
    others = [
        GroupChoice(
            group.skill_group_id,
            group.display_name or group.name or group.skill_group_id,
            why_not,
        )
        for group in voice_groups
        if group.skill_group_id not in linked_ids
    ]
    return linked, others


def personal_text(number: InstancePhoneNumber, agent_names: Mapping[str, str]) -> str:
    """Why a personal outbound number joins no skill group, naming its agent."""
    name = agent_names.get(number.user_id)
    agent = f"{name} ({number.user_id})" if name else number.user_id
    return _(
        "This is the personal outbound number of agent %(agent)s: it serves that agent's "
        "outbound calls and cannot be linked to a skill group."
    ) % {"agent": agent}


def why_not_eligible(
    numbers: Iterable[InstancePhoneNumber],
    *,
    instance_id: str,
    skill_group_id: str,
    active: bool | None,
    agent_names: Mapping[str, str],
) -> list[SafeString]:
    """For each of the instance's numbers a search matched where the group's eligible view
    found none, why it is not there, with a link to its page."""
    sentences = []
    for number in numbers:
        link = format_html(
            '<a href="{}">{}</a>',
            reverse("phone_numbers:number_detail", args=[instance_id, number.number]),
            number.number,
        )
        values = {"number": link}
        if any(group.skill_group_id == skill_group_id for group in number.skill_groups):
            text = _("%(number)s is already linked to this skill group.")
        elif number.user_id:
            name = agent_names.get(number.user_id)
            values["agent"] = conditional_escape(
                f"{name} ({number.user_id})" if name else number.user_id
            )
            text = _("%(number)s is an agent's personal outbound number (%(agent)s).")
        elif active is not None and number.active != active:
            text = (
                _("%(number)s is inactive, and the status filter shows active numbers only.")
                if active
                else _("%(number)s is active, and the status filter shows inactive numbers only.")
            )
        else:
            text = _(
                "%(number)s is a number of this instance that CCC does not list as one that "
                "could be linked to this skill group; it does not say why."
            )
        # The sentence is escaped, then given its already escaped values.
        sentences.append(mark_safe(conditional_escape(text) % values))  # noqa: S308
    return sentences
