"""A WSGI app that answers like the CCC OpenAPI gateway: each request passes the gateway's
checks, then meets any injected fault, then runs its product action."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import CccError
from .actions import DEFAULT_MAX_NUMBERS_PER_WRITE, DEFAULT_MAX_SKILL_GROUPS_PER_WRITE, Actions
from .faults import Faults
from .gateway import (
    ConnectionDropped,
    Gateway,
    GatewayError,
    Request,
    Response,
    close_connection_after,
)
from .records import InstanceRecord


class Emulator:
    """The CCC gateway for the actions cccadmin uses, over a thread-safe in-memory dataset.

    Its parts are public for tests and benchmarks: `gateway` (credentials, nonces), `faults`
    (latency and injected faults) and `product` (the actions and their dataset)."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None = None,
        security_tokens: Mapping[str, str] | None = None,
        instances: dict[str, InstanceRecord] | None = None,
        clock: Callable[[], float] = time.time,
        max_numbers_per_write: int = DEFAULT_MAX_NUMBERS_PER_WRITE,
        max_skill_groups_per_write: int = DEFAULT_MAX_SKILL_GROUPS_PER_WRITE,
    ) -> None:
        self.product = Actions(
            instances,
            max_numbers_per_write=max_numbers_per_write,
            max_skill_groups_per_write=max_skill_groups_per_write,
        )
        self.gateway = Gateway(
            credentials=credentials, security_tokens=security_tokens, clock=clock
        )
        self.faults = Faults()
        self.request_count = 0
        self._lock = threading.Lock()

    @property
    def actions(self) -> frozenset[str]:
        """The API actions this emulator answers."""
        return frozenset(self.product.handlers)

    @property
    def credentials(self) -> dict[str, str]:
        """The access key secrets by access key id."""
        return self.gateway.credentials

    @property
    def instances(self) -> dict[str, InstanceRecord]:
        return self.product.instances

    @instances.setter
    def instances(self, instances: dict[str, InstanceRecord]) -> None:
        self.product.instances = instances

    @property
    def max_numbers_per_write(self) -> int:
        return self.product.max_numbers_per_write

    @max_numbers_per_write.setter
    def max_numbers_per_write(self, maximum: int) -> None:
        self.product.max_numbers_per_write = maximum

    @property
    def max_skill_groups_per_write(self) -> int:
        return self.product.max_skill_groups_per_write

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            response = self.handle(environ)
        except ConnectionDropped:
            close_connection_after(start_response)
            raise
        return response.send(start_response)

    def handle(self, environ: Mapping[str, Any]) -> Response:
        with self._lock:
            self.request_count += 1
        if self.faults.latency:
            time.sleep(self.faults.latency)
        request = Request.read(environ)
        try:
            action = self.gateway.admit(request, self.product.handlers)
        except GatewayError as error:
            return error.response(request)
        fault = self.faults.take(action)
        if fault is not None and not fault.after:
            injected = fault.apply(request)
            if injected is not None:
                return injected
        try:
            data = self.product.run(action, request.params)
        except CccError as error:
            return Response.product_error(request, error)
        if fault is not None and fault.after:
            injected = fault.apply(request)
            if injected is not None:
                return injected
        return Response.success(request, data)
