"""The cache as the reads use it: shared by replicas when CACHE_URL names one, never in the way.

A cache that fails (Redis refused, or accepting and never answering within its socket timeout)
must not fail a page: every use goes through here, where an error counts as a miss, is logged,
and makes this process leave the cache alone for a few seconds, so a page pays a dead cache's
timeout once at most, not on every lookup; meanwhile reads ask CCC.

A version bump (a write's invalidation of the listings) that cannot be written is not lost:
this process writes it again as soon as the cache answers, so every replica sees the change
then, not when the listings expire.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")

logger = logging.getLogger(__name__)

# How long a failed cache is left alone before it is tried again.
RETRY_SECONDS = 5.0

_state_lock = threading.Lock()
# When each configured cache (by its location) may be tried again.
_down_until: dict[str, float] = {}
# Version keys whose bump could not be written yet, and whether a retry is on its way.
_unwritten_bumps: set[str] = set()
_retry: threading.Timer | None = None


def key(*parts: object) -> str:
    """A key every backend accepts, whatever the parts hold (ids come from URLs)."""
    digest = hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()
    return f"ccc:{digest}"


def get(name: str) -> Any:
    return _guarded("get", lambda: cache.get(name), None)


def put(name: str, value: Any, seconds: float | None) -> bool:
    """Whether the value was written."""

    def write() -> bool:
        cache.set(name, value, seconds)
        return True

    return _guarded("set", write, False)


def bump(name: str) -> None:
    """A new value for a version key: every key built with the old one is left behind. One
    that cannot be written now is written again until it is."""
    if not put(name, time.time_ns(), None):
        with _state_lock:
            _unwritten_bumps.add(name)
        _retry_soon()


def _retry_soon() -> None:
    global _retry
    with _state_lock:
        if _retry is not None:
            return
        _retry = threading.Timer(RETRY_SECONDS, _write_unwritten_bumps)
        _retry.daemon = True
        _retry.start()


def _write_unwritten_bumps() -> None:
    global _retry
    with _state_lock:
        names, _retry = set(_unwritten_bumps), None
    written = {name for name in names if put(name, time.time_ns(), None)}
    with _state_lock:
        _unwritten_bumps.difference_update(written)
        left = bool(_unwritten_bumps)
    if written:
        logger.info("cache answers again: %d version bump(s) written", len(written))
    if left:
        _retry_soon()


def problem() -> str:
    """ "" when the cache answers a round trip, else a short reason (for /readyz)."""
    probe = key("probe", time.time_ns())
    try:
        cache.set(probe, 1, 5)
        cache.delete(probe)
    except Exception as error:  # any backend's failure, reported, never raised
        return f"cache unavailable ({type(error).__name__})"
    return ""


def _guarded(operation: str, call: Callable[[], T], fallback: T) -> T:
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    if time.monotonic() < _down_until.get(location, 0.0):
        return fallback
    try:
        return call()
    except Exception as error:  # any backend's failure is a miss, never a failed page
        with _state_lock:
            _down_until[location] = time.monotonic() + RETRY_SECONDS
        logger.warning(
            "cache %s failed (%s); asking CCC instead for %.0f s",
            operation,
            type(error).__name__,
            RETRY_SECONDS,
        )
        return fallback
