"""Serve the CCC emulator over a real socket, for the official SDK, benchmarks and tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from .ccc.emulator import Emulator


class NoDelayRequestHandler(WSGIRequestHandler):
    """Django's handler speaks HTTP/1.1 keep-alive but writes headers and body separately;
    without TCP_NODELAY, Nagle's algorithm and delayed ACKs stall every response ~40 ms."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class QuietRequestHandler(NoDelayRequestHandler):
    """Does not log every request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_emulator_server(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True
) -> ThreadedWSGIServer:
    handler = QuietRequestHandler if quiet else NoDelayRequestHandler
    server = ThreadedWSGIServer((host, port), handler, allow_reuse_address=True)
    server.set_app(emulator)
    return server


@contextmanager
def running_emulator(emulator: Emulator | None = None) -> Iterator[tuple[str, Emulator]]:
    """An emulator on a free loopback port for the block's duration; yields (url, emulator)."""
    emulator = emulator or Emulator()
    server = make_emulator_server(emulator)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", emulator
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
