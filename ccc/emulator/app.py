"""A WSGI app that answers like the CCC OpenAPI gateway, signature checks included."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson

from .. import signing
from ..client import API_VERSION, MAX_PAGE_NUMBER, MAX_PAGE_SIZE
from ..errors import (
    CccError,
    check_range,
    check_text,
    instance_not_found,
    number_not_found,
    parameter_empty,
    parameter_format,
    parameter_invalid,
    parameter_maximum,
    parameter_null,
    skill_group_not_found,
)
from ..types import ContactFlowType
from .dataset import InstanceRecord, SkillGroupRecord, build_demo_instances

# Published demo credentials: they open the emulator and nothing else.
DEMO_ACCESS_KEY_ID = "LTAI5tCccAdminDemoKey"
DEMO_ACCESS_KEY_SECRET = "cccadmin-emulator-demo-secret"  # noqa: S105 - emulator only
MAX_CLOCK_SKEW_SECONDS = 15 * 60
# Entries of NumberList one Add or Remove takes. Alibaba documents no maximum (other CCC
# actions cap their JSON arrays at 20); the emulator enforces one so batching is exercised.
DEFAULT_MAX_NUMBERS_PER_WRITE = 100
REQUIRED_SIGNED_HEADERS = frozenset(
    {
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    }
)


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
    kind: FaultKind
    action: str | None = None
    delay: float = 0.0
    retry_after_ms: int | None = None
    # After the action is carried out: a write applied whose answer is lost or an error.
    after: bool = False


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


DEFAULT_SLOW_DELAY = 3.0


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


class ConnectionDropped(httpx.RemoteProtocolError, ConnectionResetError):
    """A `reset` fault: the emulator drops the connection without answering.

    Raised out of the WSGI app, it reaches the client as a lost connection both ways the
    emulator is served: httpx.WSGITransport (in-process) hands the app's exceptions to the
    client, which sees this httpx transport error; wsgiref's handler in Django's server takes
    a ConnectionResetError for a client gone away and writes nothing, and `Emulator.__call__`
    has the server's request handler close the connection, so the client reads end-of-file
    (httpx.RemoteProtocolError, "Server disconnected without sending a response").
    """


class GatewayError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Response:
    status: int
    body: bytes
    request_id: str
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(
        cls,
        status: int,
        payload: Mapping[str, Any],
        request_id: str,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        return cls(status, orjson.dumps(payload), request_id, headers)


class Emulator:
    """The CCC gateway for the actions cccadmin uses, over a thread-safe in-memory dataset."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None = None,
        security_tokens: Mapping[str, str] | None = None,
        instances: dict[str, InstanceRecord] | None = None,
        clock: Callable[[], float] = time.time,
        max_numbers_per_write: int = DEFAULT_MAX_NUMBERS_PER_WRITE,
    ) -> None:
        if (
            isinstance(max_numbers_per_write, bool)
            or not isinstance(max_numbers_per_write, int)
            or max_numbers_per_write < 1
        ):
            raise ValueError(
                f"max_numbers_per_write is a positive integer, not {max_numbers_per_write!r}."
            )
        # Over this many NumberList entries, Add and Remove answer Parameter.Maximum.
        self.max_numbers_per_write = max_numbers_per_write
        self.credentials = dict(credentials or {DEMO_ACCESS_KEY_ID: DEMO_ACCESS_KEY_SECRET})
        # An access key listed here is an STS key: its requests must carry this token.
        self.security_tokens = dict(security_tokens or {})
        self.faults = Faults()
        self.request_count = 0
        self._clock = clock
        self._lock = threading.RLock()
        # Nonces seen, and the same in the order they came, to forget them from the oldest.
        self._nonces: set[str] = set()
        self._nonce_times: deque[tuple[float, str]] = deque()
        # Filtered listings, reused until the next write, so paging a big group stays cheap.
        self._listings: dict[tuple, tuple[int, list]] = {}
        self._writes = 0
        self.instances = instances if instances is not None else build_demo_instances()
        self._actions: dict[str, Callable[[Mapping[str, str]], Any]] = {
            "ListInstances": self._list_instances,
            "ListSkillGroups": self._list_skill_groups,
            "GetSkillGroup": self._get_skill_group,
            "ListPhoneNumbersOfSkillGroup": self._list_phone_numbers_of_skill_group,
            "ListContactFlows": self._list_contact_flows,
            "AddNumbersToSkillGroup": self._add_numbers_to_skill_group,
            "RemovePhoneNumbersFromSkillGroup": self._remove_phone_numbers_from_skill_group,
        }

    @property
    def instances(self) -> dict[str, InstanceRecord]:
        return self._instances

    @property
    def actions(self) -> frozenset[str]:
        """The API actions this emulator answers."""
        return frozenset(self._actions)

    @instances.setter
    def instances(self, instances: dict[str, InstanceRecord]) -> None:
        """New data (tests reset it this way) also drops the listings built from the old."""
        with self._lock:
            self._instances = instances
            self._writes += 1

    # -- WSGI ----------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            response = self.handle(environ)
        except ConnectionDropped:
            _close_connection_after(start_response)
            raise
        start_response(
            f"{response.status} {_REASONS.get(response.status, 'Error')}",
            [
                ("Content-Type", "application/json;charset=utf-8"),
                ("Content-Length", str(len(response.body))),
                ("x-acs-request-id", response.request_id),
                *response.headers,
            ],
        )
        return [response.body]

    def handle(self, environ: Mapping[str, Any]) -> Response:
        request_id = str(uuid.uuid4()).upper()
        with self._lock:
            self.request_count += 1
        if self.faults.latency:
            time.sleep(self.faults.latency)
        headers = _headers(environ)
        length = environ.get("CONTENT_LENGTH") or "0"
        body = (
            environ["wsgi.input"].read(int(length)) if length.isdigit() and length != "0" else b""
        )
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        try:
            if environ.get("PATH_INFO", "/") != "/":
                # RPC-style APIs live at the root; anything else is no API at all.
                raise GatewayError(
                    404, "InvalidAction.NotFound", "The specified path is not found."
                )
            action = self._authenticate(environ.get("REQUEST_METHOD", "GET"), params, headers, body)
        except GatewayError as error:
            return Response.json(
                error.status,
                {
                    "RequestId": request_id,
                    "HostId": headers.get("host", ""),
                    "Code": error.code,
                    "Message": error.message,
                    "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product=CCC",
                },
                request_id,
            )
        fault = self.faults.take(action)
        if fault is not None and not fault.after:
            injected = self._apply_fault(fault, request_id, headers)
            if injected is not None:
                return injected
        try:
            data = self._actions[action](params)
            if fault is not None and fault.after:
                injected = self._apply_fault(fault, request_id, headers)
                if injected is not None:
                    return injected
        except CccError as error:
            return Response.json(
                error.http_status or 400,
                {
                    "RequestId": request_id,
                    "Code": error.code,
                    "HttpStatusCode": error.http_status or 400,
                    "Message": error.message,
                },
                request_id,
            )
        payload = {"RequestId": request_id, "Code": "OK", "HttpStatusCode": 200, "Message": ""}
        if data is not None:
            payload["Data"] = data
        return Response.json(200, payload, request_id)

    def _apply_fault(
        self, fault: Fault, request_id: str, headers: Mapping[str, str]
    ) -> Response | None:
        if fault.kind is FaultKind.RESET:
            raise ConnectionDropped("The emulator dropped the connection (a reset fault).")
        if fault.kind is FaultKind.SLOW:
            time.sleep(fault.delay)
            return None
        if fault.kind is FaultKind.MALFORMED:
            return Response(
                200, b'{"RequestId": "' + request_id.encode() + b'", "Data": {', request_id
            )
        status, code, message = {
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
        }[fault.kind]
        retry_after = (
            ()
            if fault.retry_after_ms is None
            else (("x-acs-retry-after", str(fault.retry_after_ms)),)
        )
        return Response.json(
            status,
            {
                "RequestId": request_id,
                "HostId": headers.get("host", ""),
                "Code": code,
                "Message": message,
                "Recommend": "",
            },
            request_id,
            retry_after,
        )

    # -- the gateway's checks ------------------------------------------------------------

    def _authenticate(
        self, method: str, params: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> str:
        """Verify the ACS3 signature like the gateway does; return the action to run."""
        if "authorization" not in headers:
            raise GatewayError(
                400, "IncompleteSignature", "The request has no Authorization header."
            )
        try:
            authorization = signing.Authorization.parse(headers["authorization"])
        except ValueError as error:
            raise GatewayError(
                400, "IncompleteSignature", f"The request signature is incomplete: {error}."
            ) from None
        signed = set(authorization.signed_headers)
        must_sign = set(REQUIRED_SIGNED_HEADERS) | {h for h in headers if h.startswith("x-acs-")}
        if body:
            must_sign.add("content-type")
        unsigned = must_sign - signed
        if unsigned:
            raise GatewayError(
                400,
                "IncompleteSignature",
                f"These headers must be present and signed: {', '.join(sorted(unsigned))}.",
            )
        missing = [name for name in authorization.signed_headers if name not in headers]
        if missing:
            raise GatewayError(
                400,
                "IncompleteSignature",
                f"Signed headers are missing from the request: {', '.join(missing)}.",
            )
        self._check_date(headers["x-acs-date"])
        secret = self.credentials.get(authorization.access_key_id)
        if secret is None:
            raise GatewayError(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        expected = signing.signature(
            secret=secret,
            method=method,
            query=signing.canonical_query(params),
            headers=headers,
            signed_headers=authorization.signed_headers,
            payload_sha256=headers["x-acs-content-sha256"],
        )
        # Bytes: compare_digest refuses str with non-ASCII, which a client may send.
        if not hmac.compare_digest(expected.encode(), authorization.signature.encode()):
            raise GatewayError(
                400,
                "SignatureDoesNotMatch",
                "The request signature does not conform to Aliyun standards.",
            )
        if headers["x-acs-content-sha256"] != hashlib.sha256(body).hexdigest():
            raise GatewayError(
                400,
                "SignatureDoesNotMatch",
                "The x-acs-content-sha256 header does not match the request body.",
            )
        self._check_security_token(authorization.access_key_id, headers.get("x-acs-security-token"))
        self._use_nonce(headers["x-acs-signature-nonce"])
        action = headers["x-acs-action"]
        if action not in self._actions:
            raise GatewayError(
                404, "InvalidAction.NotFound", f"Specified api {action} is not found."
            )
        if headers["x-acs-version"] != API_VERSION:
            raise GatewayError(
                400, "InvalidVersion", f"Specified version {headers['x-acs-version']} is not found."
            )
        return action

    def _check_date(self, value: str) -> None:
        try:
            sent = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise GatewayError(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            ) from None
        if abs(self._clock() - sent) > MAX_CLOCK_SKEW_SECONDS:
            raise GatewayError(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )

    def _check_security_token(self, access_key_id: str, token: str | None) -> None:
        expected = self.security_tokens.get(access_key_id)
        if expected is None and token:
            raise GatewayError(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                "The security token does not belong to this access key.",
            )
        if expected is not None and not hmac.compare_digest(
            expected.encode(), (token or "").encode()
        ):
            raise GatewayError(
                400, "InvalidSecurityToken.Malformed", "The security token is missing or malformed."
            )

    def _use_nonce(self, nonce: str) -> None:
        now = self._clock()
        with self._lock:
            # A request older than twice the allowed skew fails the date check anyway, so its
            # nonce can be forgotten.
            while self._nonce_times and now - self._nonce_times[0][0] > MAX_CLOCK_SKEW_SECONDS * 2:
                self._nonces.discard(self._nonce_times.popleft()[1])
            if nonce in self._nonces:
                raise GatewayError(
                    400, "SignatureNonceUsed", "Specified signature nonce was used already."
                )
            self._nonces.add(nonce)
            self._nonce_times.append((now, nonce))

    # -- the actions ---------------------------------------------------------------------

    def _list_instances(self, params: Mapping[str, str]) -> dict:
        page_number, page_size = _paging(params)
        with self._lock:
            return _page(list(self.instances.values()), page_number, page_size)

    def _list_skill_groups(self, params: Mapping[str, str]) -> dict:
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        page_number, page_size = _paging(params)
        pattern = params.get("SearchPattern", "").lower()
        media_type = params.get("MediaType", "")
        with self._lock:
            instance = self._instance(instance_id)
            rows = [
                group
                for group in instance.skill_groups.values()
                if (pattern in group.name.lower() or pattern in group.display_name.lower())
                and media_type in ("", group.media_type)
            ]
            return _page(rows, page_number, page_size)

    def _get_skill_group(self, params: Mapping[str, str]) -> dict:
        with self._lock:
            _, group = self._group(params)
            data = group.to_api()
        return {
            key: data[key]
            for key in (
                "SkillGroupId",
                "Name",
                "DisplayName",
                "Description",
                "MediaType",
                "InstanceId",
            )
        }

    def _list_phone_numbers_of_skill_group(self, params: Mapping[str, str]) -> dict:
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        skill_group_id = check_text("SkillGroupId", params.get("SkillGroupId"))
        page_number, page_size = _paging(params)
        is_member = _boolean(params, "IsMember", required=True)
        active = _boolean(params, "Active", required=False)
        pattern = params.get("SearchPattern", "")
        with self._lock:
            instance = self._instance(instance_id)
            group = self._skill_group(instance, skill_group_id)
            key = (instance_id, skill_group_id, is_member, pattern, active)
            written, rows = self._listings.get(key, (-1, []))
            if written != self._writes:
                rows = [
                    record
                    for record in instance.numbers.values()
                    if (record.number in group.linked) == is_member
                    and (is_member or not record.personal_outbound)
                    and pattern in record.number
                    and active in (None, record.active)
                ]
                if len(self._listings) > 1000:
                    self._listings.clear()
                self._listings[key] = (self._writes, rows)
            return _page(rows, page_number, page_size)

    def _list_contact_flows(self, params: Mapping[str, str]) -> dict:
        """The instance's flows, the most recently changed first (the API's default order;
        OrderByField and SortOrder are not emulated), each with the numbers bound to it.
        SearchPattern matches names and descriptions, whatever their case; Type is one of
        ContactFlowType (`Parameter.Invalid` otherwise)."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        page_number, page_size = _paging(params)
        pattern = params.get("SearchPattern", "").lower()
        flow_type = params.get("Type", "")
        if flow_type and flow_type not in {kind.value for kind in ContactFlowType}:
            raise parameter_invalid(
                "Type", f"{flow_type!r} is not one of {', '.join(ContactFlowType)}."
            )
        with self._lock:
            instance = self._instance(instance_id)
            flows = sorted(
                (
                    flow
                    for flow in instance.contact_flows.values()
                    if (pattern in flow.name.lower() or pattern in flow.description.lower())
                    and flow_type in ("", flow.flow_type)
                ),
                key=lambda flow: flow.updated_time,
                reverse=True,
            )
            bound: dict[str, list[str]] = {}
            for record in instance.numbers.values():
                bound.setdefault(record.contact_flow_id, []).append(record.number)
            return _page(
                flows,
                page_number,
                page_size,
                lambda flow: flow.to_api(bound.get(flow.contact_flow_id, [])),
            )

    def _add_numbers_to_skill_group(self, params: Mapping[str, str]) -> None:
        """Link NumberList's numbers to the skill group, all of them or none.

        Add and Remove check, in this order, and change nothing unless every check passes:

        1. InstanceId, SkillGroupId and NumberList are given and not blank
           (`Parameter.Empty`), as every action checks its parameters before any lookup.
        2. NumberList is a JSON array of non-blank strings (`Parameter.Format`), not empty
           (`Parameter.Empty`) and of at most `max_numbers_per_write` entries, counted as
           sent, duplicates included (`Parameter.Maximum`).
        3. The instance and the skill group exist (404 `NotExists.InstanceId`,
           `NotExists.SkillGroupId`), then every number belongs to the instance (404
           `NotExists.Number`, naming the first unknown one in list order).
        4. Add only: no number is an agent's personal outbound number (`Parameter.Invalid`,
           naming the first one in list order).

        Assumed where the API's documentation is silent: a number listed twice counts once;
        linking a number that is already linked (and, for Remove, unlinking one that is not
        linked) is a success that changes nothing, so a retried or overlapping batch does
        not fail; the success body says nothing per number.
        """
        with self._lock:
            instance, group, numbers = self._write_request(params)
            for number in numbers:
                if instance.numbers[number].personal_outbound:
                    raise parameter_invalid(
                        "NumberList",
                        f"{number} is an agent's personal outbound number; "
                        "it cannot be linked to a skill group.",
                    )
            added = [number for number in numbers if number not in group.linked]
            if added:
                group.linked.update(added)
                self._writes += 1

    def _remove_phone_numbers_from_skill_group(self, params: Mapping[str, str]) -> None:
        """Unlink NumberList's numbers, all of them or none: the checks of
        `_add_numbers_to_skill_group` but the personal outbound one; a number of the
        instance that is not linked is a success that changes nothing."""
        with self._lock:
            _, group, numbers = self._write_request(params)
            removed = [number for number in numbers if number in group.linked]
            if removed:
                group.linked.difference_update(removed)
                self._writes += 1

    def _write_request(
        self, params: Mapping[str, str]
    ) -> tuple[InstanceRecord, SkillGroupRecord, list[str]]:
        """The checks Add and Remove share (see `_add_numbers_to_skill_group`), parameters
        before lookups: the instance, the skill group and NumberList without duplicates."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        skill_group_id = check_text("SkillGroupId", params.get("SkillGroupId"))
        numbers = self._number_list(params)
        instance = self._instance(instance_id)
        group = self._skill_group(instance, skill_group_id)
        for number in numbers:
            if number not in instance.numbers:
                raise number_not_found(number, instance.instance_id)
        return instance, group, numbers

    # -- lookups and parameter parsing ---------------------------------------------------

    def _instance(self, instance_id: str) -> InstanceRecord:
        try:
            return self.instances[instance_id]
        except KeyError:
            raise instance_not_found(instance_id) from None

    def _skill_group(self, instance: InstanceRecord, skill_group_id: str) -> SkillGroupRecord:
        try:
            return instance.skill_groups[skill_group_id]
        except KeyError:
            raise skill_group_not_found(skill_group_id, instance.instance_id) from None

    def _group(self, params: Mapping[str, str]) -> tuple[InstanceRecord, SkillGroupRecord]:
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        skill_group_id = check_text("SkillGroupId", params.get("SkillGroupId"))
        instance = self._instance(instance_id)
        return instance, self._skill_group(instance, skill_group_id)

    def _number_list(self, params: Mapping[str, str]) -> list[str]:
        """NumberList's numbers in the order given, each once; see `_add_numbers_to_skill_group`
        for the rules."""
        raw = check_text("NumberList", params.get("NumberList"))
        try:
            numbers = orjson.loads(raw)
        except orjson.JSONDecodeError:  # a ValueError; also for nesting deeper than 1024
            numbers = None
        if not isinstance(numbers, list):
            raise parameter_format(
                "NumberList", 'It must be a JSON array of numbers, e.g. ["0833001","0833002"].'
            )
        for position, entry in enumerate(numbers, 1):
            if not isinstance(entry, str) or not entry.strip():
                # Named by position: the entry itself may be anything, of any size.
                raise parameter_format(
                    "NumberList",
                    f"Every entry must be a number in a non-blank string; entry {position} is not.",
                )
        if not numbers:
            raise parameter_empty("NumberList")
        if len(numbers) > self.max_numbers_per_write:
            raise parameter_maximum("NumberList", self.max_numbers_per_write)
        return list(dict.fromkeys(numbers))


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _close_connection_after(start_response: Callable) -> None:
    """Have a wsgiref-based server (Django's) close the connection after this request rather
    than wait on it for the next one: its `start_response` is a method of the ServerHandler,
    whose `request_handler` ends its keep-alive loop on `close_connection`. In-process
    (WSGITransport) there is no connection and no such handler."""
    handler = getattr(getattr(start_response, "__self__", None), "request_handler", None)
    if handler is not None:
        handler.close_connection = True


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


_INTEGER = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 18


def _integer(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name, "")
    if value == "":
        return None
    # Plain ASCII digits only: int() would also take "1_0", " 5" and full-width digits.
    if not _INTEGER.fullmatch(value):
        raise parameter_invalid(name, f"{value!r} is not an integer.")
    digits = value.lstrip("+-").lstrip("0") or "0"
    # Over 18 digits is out of every range here, and int() refuses strings over 4,300 digits.
    number = 10**_MAX_DIGITS if len(digits) > _MAX_DIGITS else int(digits)
    return -number if value.startswith("-") else number


def _boolean(params: Mapping[str, str], name: str, *, required: bool) -> bool | None:
    value = params.get(name, "")
    if value == "":
        if required:
            raise parameter_null(name)
        return None
    if value.lower() not in ("true", "false"):
        raise parameter_invalid(name, f"{value!r} is not a boolean (true or false).")
    return value.lower() == "true"


def _paging(params: Mapping[str, str]) -> tuple[int, int]:
    return (
        check_range("PageNumber", _integer(params, "PageNumber"), 1, MAX_PAGE_NUMBER),
        check_range("PageSize", _integer(params, "PageSize"), 1, MAX_PAGE_SIZE),
    )


def _page(
    records: list,
    page_number: int,
    page_size: int,
    row: Callable[[Any], dict] = lambda record: record.to_api(),
) -> dict:
    """One page of records; past the end the list is empty and TotalCount stays true."""
    start = (page_number - 1) * page_size
    return {
        "PageNumber": page_number,
        "PageSize": page_size,
        "TotalCount": len(records),
        "List": [row(record) for record in records[start : start + page_size]],
    }
