"""The pages of the features that the trail links to: the dashboard's first page, an action's
own page (the outcome in full, Undo) and a skill group's page. Each feature registers its pages
when Django starts (`AppConfig.ready`), so the trail links to them without importing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TrailLinks:
    home: Callable[[], str]
    action: Callable[[int], str]
    skill_group: Callable[[str, str], str]


def _nowhere(*_: object) -> str:
    return ""


_registered = TrailLinks(home=_nowhere, action=_nowhere, skill_group=_nowhere)


def register(links: TrailLinks) -> None:
    global _registered
    _registered = links


def home_url() -> str:
    """The dashboard's first page, where the trail's breadcrumbs start."""
    return _registered.home()


def action_url(attempt_id: int) -> str:
    """The page of an action (its attempt row's id), or "" where no feature has one."""
    return _registered.action(attempt_id)


def skill_group_url(instance_id: str, skill_group_id: str) -> str:
    """The page of a skill group, or "" where no feature has one."""
    return _registered.skill_group(instance_id, skill_group_id)
