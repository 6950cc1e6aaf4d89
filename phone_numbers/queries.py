"""Which numbers: one value for a skill group's view (linked to it, or eligible for it), or for
an instance's numbers, with its search and filters, passed whole from the URL to the reads, the
confirmation and the export."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NumbersQuery:
    instance_id: str
    skill_group_id: str
    # Linked to the group, or (False) eligible: the instance's numbers that could be linked.
    linked: bool = True
    # A number pattern, as CCC's SearchPattern takes it ("" for any).
    search: str = ""
    # Active ones, inactive ones (False), or any (None).
    active: bool | None = None

    def replace(self, **changes: Any) -> NumbersQuery:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class InstanceNumbersQuery:
    """Which of an instance's numbers: a number pattern ("" for any), a NumberUsage ("" for
    any), active ones, inactive ones (False) or any (None)."""

    instance_id: str
    search: str = ""
    usage: str = ""
    active: bool | None = None
