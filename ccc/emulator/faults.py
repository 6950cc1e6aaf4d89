"""Fault injection: the one-shot faults and standing rules tests, benchmarks and the
`ccc_emulator` command set on the emulator, and the answers a fault turns a request into."""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from .gateway import ConnectionDropped, Request, Response

# Seconds a rule's `slow` fault waits unless `Faults.slow_delay` is set.
DEFAULT_SLOW_DELAY = 3.0


class FaultKind(StrEnum):
    UNAVAILABLE = "unavailable"  # 503 ServiceUnavailable
    INTERNAL = "internal"  # 500 InternalError
    THROTTLING = "throttling"  # Throttling.User, with x-acs-retry-after when given
    SLOW = "slow"  # answers normally after `delay` seconds
    MALFORMED = "malformed"  # 200 with a body that is not JSON
    RESET = "reset"  # the connection is dropped without an answer
    # 403 Forbidden.RAM: the key's RAM policy lacks the action (a rule at rate 1 for one action)
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Fault:
    """One fault for one request: a one-shot fault queued, or a rule's draw."""

    kind: FaultKind
    action: str | None = None
    delay: float = 0.0
    retry_after_ms: int | None = None
    # After the action is carried out: a write applied whose answer is lost or an error.
    after: bool = False

    def apply(self, request: Request) -> Response | None:
        """The answer this fault gives `request` instead of the action's, or None when the
        action's answer goes out (after a `slow` fault's delay). A `reset` fault raises
        ConnectionDropped."""
        if self.kind is FaultKind.RESET:
            raise ConnectionDropped("The emulator dropped the connection (a reset fault).")
        if self.kind is FaultKind.SLOW:
            time.sleep(self.delay)
            return None
        if self.kind is FaultKind.MALFORMED:
            return Response(
                200,
                b'{"RequestId": "' + request.request_id.encode() + b'", "Data": {',
                request.request_id,
            )
        status, code, message = _ERRORS[self.kind]
        retry_after = (
            ()
            if self.retry_after_ms is None
            else (("x-acs-retry-after", str(self.retry_after_ms)),)
        )
        return Response.gateway_error(request, status, code, message, headers=retry_after)


@dataclass(frozen=True)
class FaultRule:
    """A standing fault: each request for `action` (any action when None) gets it with
    probability `rate`, a fraction in (0, 1]."""

    kind: FaultKind
    rate: float
    action: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FaultKind(self.kind))
        rate = self.rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
            raise ValueError(f"A fault rate is a fraction in (0, 1], not {rate!r}.")


class Faults:
    """Knobs for tests and benchmarks: a constant latency, a queue of one-shot faults and
    standing rules that hit a share of the requests.

    One-shot faults come first. Otherwise a request whose action some rule matches takes one
    draw from a `random.Random` seeded with `seed` (so a seed and the same order of requests
    give the same faults); the matching rules share that draw in the order they were added,
    each taking its rate of [0, 1): `unavailable` 0.1 and `slow` 0.1 fail a tenth of the
    requests and slow down another tenth. Past a total of 1 the later rules get what is left.
    Rules' `slow` faults wait `slow_delay` seconds and their `throttling` faults ask to retry
    after `throttle_retry_after_ms` (no x-acs-retry-after when None).
    """

    def __init__(self, *, seed: int | None = None) -> None:
        self.latency = 0.0
        self.slow_delay = DEFAULT_SLOW_DELAY
        self.throttle_retry_after_ms: int | None = None
        self._pending: deque[Fault] = deque()
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self.reseed(seed)

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        with self._lock:
            return tuple(self._rules)

    def reseed(self, seed: int | None = None) -> None:
        """Restart the rules' random sequence from `seed` (a fresh random one when None)."""
        seed = secrets.randbelow(2**32) if seed is None else seed
        with self._lock:
            self._seed = seed
            self._random = random.Random(seed)  # noqa: S311 - fault injection, not secrets

    def inject(
        self,
        kind: FaultKind | str,
        *,
        times: int = 1,
        action: str | None = None,
        delay: float = 0.0,
        retry_after_ms: int | None = None,
        after: bool = False,
    ) -> None:
        """Queue `times` one-shot faults; `after=True` carries the action out first (a write
        that was applied, then answered with the fault, or not answered at all)."""
        fault = Fault(FaultKind(kind), action, delay, retry_after_ms, after)
        with self._lock:
            self._pending.extend([fault] * times)

    def add_rule(
        self, kind: FaultKind | str, rate: float, *, action: str | None = None
    ) -> FaultRule:
        rule = FaultRule(FaultKind(kind), rate, action)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Back to the start: no latency, no faults, default parameters, the random
        sequence restarted from the same seed."""
        with self._lock:
            self._pending.clear()
            self._rules.clear()
            self._random = random.Random(self._seed)  # noqa: S311 - fault injection
        self.latency = 0.0
        self.slow_delay = DEFAULT_SLOW_DELAY
        self.throttle_retry_after_ms = None

    def take(self, action: str) -> Fault | None:
        with self._lock:
            for fault in self._pending:
                if fault.action in (None, action):
                    self._pending.remove(fault)
                    return fault
            rules = [rule for rule in self._rules if rule.action in (None, action)]
            if not rules:
                return None
            draw = self._random.random()
            for rule in rules:
                if draw < rule.rate:
                    return Fault(rule.kind, action, self.slow_delay, self.throttle_retry_after_ms)
                draw -= rule.rate
        return None

    def describe(self) -> str:
        """The standing knobs in words, for the server's start-up line ("" when none)."""
        parts = [f"latency {self.latency * 1000:g} ms"] if self.latency else []
        rules = self.rules
        if rules:
            described = ", ".join(self._describe(rule) for rule in rules)
            parts.append(f"faults (seed {self.seed}): {described}")
        return "; ".join(parts)

    def _describe(self, rule: FaultRule) -> str:
        kind = str(rule.kind)
        if rule.kind is FaultKind.SLOW:
            kind += f" {self.slow_delay * 1000:g} ms"
        elif rule.kind is FaultKind.THROTTLING and self.throttle_retry_after_ms is not None:
            kind += f" retry after {self.throttle_retry_after_ms} ms"
        return f"{kind} {rule.rate * 100:g}% of {rule.action or 'every action'}"


# The gateway's answer to each fault that is an error: status, Code and Message.
_ERRORS = {
    FaultKind.UNAVAILABLE: (
        503,
        "ServiceUnavailable",
        "The request has failed due to a temporary failure of the server.",
    ),
    FaultKind.INTERNAL: (
        500,
        "InternalError",
        "The request processing has failed due to some unknown error.",
    ),
    FaultKind.THROTTLING: (
        400,
        "Throttling.User",
        "Request was denied due to user flow control.",
    ),
    FaultKind.FORBIDDEN: (
        403,
        "Forbidden.RAM",
        "User not authorized to operate on the specified resource, "
        "or this API doesn't support RAM.",
    ),
}
