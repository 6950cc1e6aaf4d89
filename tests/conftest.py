"""Fixtures for the Django side: the app's embedded emulator, reset around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from phone_numbers import services
from phone_numbers.ccc.emulator import Emulator


@pytest.fixture(autouse=True)
def _clear_django_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def app_emulator() -> Iterator[Emulator]:
    """The emulator the app reaches in-process (no CCC_ENDPOINT), with fresh demo data.

    Faults, latency and request counts start clean; use `request_count` to count API calls.
    """
    services.ccc_client.cache_clear()
    services.embedded_emulator.cache_clear()
    emulator = services.embedded_emulator()
    yield emulator
    services.ccc_client().close()
    services.ccc_client.cache_clear()
    services.embedded_emulator.cache_clear()
