"""One deadline shared by every CCC call made for one piece of work: a page, a write, an export.

Set with `budget(seconds)`; the client gives each attempt only the time that is left, so a slow
and failing CCC never holds the work past its budget, retries included. The deadline lives in a
context variable: `contextvars.copy_context()` carries it into worker threads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("ccc_budget_deadline", default=None)


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Every CCC call inside the block shares `seconds`, counted from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline() -> float | None:
    """The `time.monotonic()` by which the current work must be done, or None: no budget."""
    return _deadline.get()
