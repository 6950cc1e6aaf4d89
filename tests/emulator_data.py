"""Expected listings, read straight from an emulator's data rather than through the API."""

from __future__ import annotations

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
