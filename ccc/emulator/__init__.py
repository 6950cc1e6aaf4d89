"""An emulator of the CCC OpenAPI gateway, for the embedded default, tests and benchmarks."""

from .app import (
    DEFAULT_MAX_NUMBERS_PER_WRITE,
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    Emulator,
    FaultKind,
    Faults,
)
from .dataset import build_demo_instances

__all__ = [
    "DEFAULT_MAX_NUMBERS_PER_WRITE",
    "DEMO_ACCESS_KEY_ID",
    "DEMO_ACCESS_KEY_SECRET",
    "Emulator",
    "FaultKind",
    "Faults",
    "build_demo_instances",
]
