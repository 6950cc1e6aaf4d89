"""Shared fixtures for the CCC client and emulator tests: emulators, clients, transports."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from ccc import CccClient, RetryPolicy
from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator
from phone_numbers.emulator_server import running_emulator

# The endpoint an in-process (WSGITransport) emulator is reached at; any host name does.
EMULATOR_ENDPOINT = "http://ccc.emulator.test"
# Retries without waiting, so retry tests stay fast; the attempt cap is the client's default.
FAST_RETRY = RetryPolicy(attempts=3, total_seconds=5.0, wait_initial=0, wait_max=0, wait_jitter=0)


class RecordingTransport(httpx.BaseTransport):
    """Delegates to another transport and keeps every request and response that went through."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.inner.handle_request(request)
        self.responses.append(response)
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def emulator() -> Emulator:
    """A fresh emulator with the demo dataset and the demo credentials."""
    return Emulator()


@pytest.fixture
def live_emulator() -> Iterator[tuple[str, Emulator]]:
    """An emulator served over a real loopback socket: yields (url, emulator)."""
    with running_emulator(Emulator()) as served:
        yield served


@pytest.fixture
def make_client() -> Iterator[Callable[..., CccClient]]:
    """Build CccClients (closed at teardown); demo credentials and fast retries by default.

    Pass `emulator=` to talk to an in-process emulator through WSGITransport, or `transport=`
    and `endpoint=` for anything else (a MockTransport, a real socket).
    """
    clients: list[CccClient] = []

    def build(*, emulator: Emulator | None = None, **kwargs) -> CccClient:
        if emulator is not None:
            kwargs.setdefault("transport", httpx.WSGITransport(app=emulator))
            kwargs.setdefault("endpoint", EMULATOR_ENDPOINT)
        kwargs.setdefault("access_key_id", DEMO_ACCESS_KEY_ID)
        kwargs.setdefault("access_key_secret", DEMO_ACCESS_KEY_SECRET)
        kwargs.setdefault("retry", FAST_RETRY)
        client = CccClient(**kwargs)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., CccClient], emulator: Emulator) -> CccClient:
    """A client wired to the `emulator` fixture through httpx.WSGITransport."""
    return make_client(emulator=emulator)
