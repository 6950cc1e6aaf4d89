"""An action's parts: each skill group it changes and its numbers there, as the trail records
them, and the read rule for rows made before actions had parts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from .models import AuditEvent


@dataclass(frozen=True)
class Part:
    """One skill group of an action: the numbers asked for there (an attempt's), or what came
    of them (an outcome's: `numbers` done, the rest not done or unknown, and why)."""

    skill_group_id: str
    skill_group_name: str
    numbers: tuple[str, ...]
    not_done: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    request_ids: tuple[str, ...] = ()
    error_code: str = ""
    detail: str = ""
    # When the unknown numbers were last listed unchanged (ISO 8601): CCC never answered for
    # them and may have applied them since.
    unknown_as_of: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Part:
        """A part from its JSON (`as_json`); names it does not have are left out."""
        return cls(
            **{
                field.name: texts(data.get(field.name))
                if field.name in _NUMBER_LISTS
                else str(data.get(field.name) or "")
                for field in fields(cls)
            }
        )


_NUMBER_LISTS = frozenset({"numbers", "not_done", "unknown", "request_ids"})


def texts(values: object) -> tuple[str, ...]:
    """A JSON list of a row as text values (a row may hold none)."""
    return tuple(str(value) for value in values) if isinstance(values, list | tuple) else ()


def parts_of(event: AuditEvent) -> tuple[Part, ...]:
    """An attempt's or outcome's parts. A row made before actions had parts is one part: its
    own skill group and numbers (the table is append-only, so old rows are read, not rewritten).
    """
    if event.parts:
        return tuple(map(Part.from_json, event.parts))
    # A row's own columns have a part's names (all but what parts kept since).
    return (Part.from_json({field.name: getattr(event, field.name, "") for field in fields(Part)}),)


def skill_group_ids_text(skill_group_ids: Sequence[str]) -> str:
    """The parts' skill groups as the row keeps them for a group's History: "|id|id|", so one
    text match finds a group among them on any database (SQLite has no JSON containment).
    Their names are kept the same way, for the filter by name."""
    return "|" + "|".join(skill_group_ids) + "|" if skill_group_ids else ""
