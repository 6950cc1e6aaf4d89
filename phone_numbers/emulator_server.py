"""Serve the CCC emulator over a real socket, for the official SDK, benchmarks and tests."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from ccc.emulator import Emulator


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


class EmulatorServer(ThreadedWSGIServer):
    """Closing the server also closes its kept-alive connections: otherwise their handler
    threads would go on answering clients after the emulator was "stopped"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: socket.socket, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self._connections_lock:
            for connection in self._connections:
                # The handler thread reads end-of-file, finishes and closes the socket.
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


def make_emulator_server(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True
) -> EmulatorServer:
    handler = QuietRequestHandler if quiet else NoDelayRequestHandler
    server = EmulatorServer((host, port), handler, allow_reuse_address=True)
    server.set_app(emulator)
    return server


@contextlib.contextmanager
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
