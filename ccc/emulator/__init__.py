"""An emulator of the CCC OpenAPI gateway, for the embedded default, tests and benchmarks."""

from .actions import DEFAULT_MAX_NUMBERS_PER_WRITE, DEFAULT_MAX_SKILL_GROUPS_PER_WRITE
from .app import Emulator
from .dataset import build_demo_instances
from .faults import FaultKind, Faults
from .gateway import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

__all__ = [
    "DEFAULT_MAX_NUMBERS_PER_WRITE",
    "DEFAULT_MAX_SKILL_GROUPS_PER_WRITE",
    "DEMO_ACCESS_KEY_ID",
    "DEMO_ACCESS_KEY_SECRET",
    "Emulator",
    "FaultKind",
    "Faults",
    "build_demo_instances",
]
