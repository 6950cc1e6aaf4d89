"""Who is signed in and what they may do, as the SSO proxy's assertion says."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"


@dataclass(frozen=True)
class Identity:
    username: str
    email: str
    groups: frozenset[str]
    role: Role
    # None: every instance; otherwise only these.
    instances: frozenset[str] | None

    @property
    def is_editor(self) -> bool:
        return self.role is Role.EDITOR

    def can_see(self, instance_id: str) -> bool:
        return self.instances is None or instance_id in self.instances
