"""Expected listings, read straight from an emulator's data rather than through the API."""

from __future__ import annotations

from ccc import MediaType
from ccc.emulator import Emulator


def listed_numbers(
    emulator: Emulator,
    instance_id: str,
    skill_group_id: str,
    *,
    linked: bool = True,
    active: bool | None = None,
) -> list[str]:
    """What the emulator lists for a group, in its order."""
    instance = emulator.instances[instance_id]
    group = instance.skill_groups[skill_group_id]
    return [
        record.number
        for record in instance.numbers.values()
        if (record.number in group.linked) == linked
        and (linked or not record.personal_outbound)
        and active in (None, record.active)
    ]


def instance_numbers(
    emulator: Emulator,
    instance_id: str,
    *,
    search: str = "",
    usage: str = "",
    active: bool | None = None,
) -> list[str]:
    """What the emulator lists of every number of an instance (ListPhoneNumbers), in its order."""
    return [
        record.number
        for record in emulator.instances[instance_id].numbers.values()
        if search in record.number
        and usage in ("", record.usage)
        and active in (None, record.active)
    ]


def group_names_of(emulator: Emulator, instance_id: str, number: str) -> list[str]:
    """The display names of the skill groups a number is linked to, in the instance's order."""
    return [
        group.display_name
        for group in emulator.instances[instance_id].skill_groups.values()
        if number in group.linked
    ]


def voice_group_names(emulator: Emulator, instance_id: str) -> list[str]:
    """The display names of the instance's voice skill groups, in its order."""
    return [
        group.display_name
        for group in emulator.instances[instance_id].skill_groups.values()
        if group.media_type == MediaType.AUDIO
    ]


def personal_numbers(emulator: Emulator, instance_id: str) -> dict[str, str]:
    """Each agent's personal outbound number of the instance, with the agent's user id."""
    return {
        record.number: record.user_id
        for record in emulator.instances[instance_id].numbers.values()
        if record.user_id
    }
