"""Fixtures for the Django side: the app's embedded emulator, reset around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.utils import translation

from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator
from phone_numbers import connection
from phone_numbers.emulator_server import running_emulator


@pytest.fixture(autouse=True)
def _clear_django_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _language_of_no_request() -> Iterator[None]:
    """A request in Chinese leaves Chinese active in its thread (LocaleMiddleware activates
    it; nothing deactivates it): each test starts in the default language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_process_client() -> Iterator[None]:
    """Each test builds the process's client anew (from its settings) and closes it after."""
    connection.use_client(None)
    yield
    replaced = connection.use_client(None)
    if replaced is not None:
        replaced.close()


@pytest.fixture
def app_emulator() -> Emulator:
    """The emulator the app reaches in-process (no CCC_ENDPOINT), with fresh demo data.

    Faults, latency and request counts start clean; use `request_count` to count API calls.
    """
    emulator = Emulator()
    connection.use_client(connection.build_client(emulator=emulator))
    return emulator


@pytest.fixture
def served_emulator(settings) -> Iterator[Emulator]:
    """The app pointed at an emulator on a real socket (CCC_ENDPOINT).

    Settings changed in the test before its first request reach the client, which is built then.
    """
    with running_emulator() as (url, emulator):
        settings.CCC_ENDPOINT = url
        settings.CCC_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID
        settings.CCC_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET
        yield emulator
