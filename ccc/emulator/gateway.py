"""The CCC OpenAPI gateway's side of a request: reading it off WSGI, the checks it passes
before any action runs (ACS3 signature, clock skew, nonce, security token) and the answers'
envelopes, gateway errors and product answers alike."""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from collections import deque
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson

from .. import signing
from ..client import API_VERSION
from ..errors import CccError

# Published demo credentials: they open the emulator and nothing else.
DEMO_ACCESS_KEY_ID = "LTAI5tCccAdminDemoKey"
DEMO_ACCESS_KEY_SECRET = "cccadmin-emulator-demo-secret"  # noqa: S105 - emulator only
MAX_CLOCK_SKEW_SECONDS = 15 * 60
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
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ConnectionDropped(httpx.RemoteProtocolError, ConnectionResetError):
    """A `reset` fault: the emulator drops the connection without answering.

    Raised out of the WSGI app, it reaches the client as a lost connection both ways the
    emulator is served: httpx.WSGITransport (in-process) hands the app's exceptions to the
    client, which sees this httpx transport error; wsgiref's handler in Django's server takes
    a ConnectionResetError for a client gone away and writes nothing, and `Emulator.__call__`
    has the server's request handler close the connection (`close_connection_after`), so the
    client reads end-of-file (httpx.RemoteProtocolError, "Server disconnected without sending
    a response").
    """


class GatewayError(Exception):
    """A request the gateway refuses before any action runs."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self, request: Request) -> Response:
        return Response.gateway_error(
            request,
            self.status,
            self.code,
            self.message,
            recommend=f"https://api.aliyun.com/troubleshoot?q={self.code}&product=CCC",
        )


@dataclass(frozen=True)
class Request:
    """What the gateway reads of a WSGI request, with the request id its answer carries."""

    request_id: str
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @classmethod
    def read(cls, environ: Mapping[str, Any]) -> Request:
        length = environ.get("CONTENT_LENGTH") or "0"
        return cls(
            request_id=str(uuid.uuid4()).upper(),
            method=environ.get("REQUEST_METHOD", "GET"),
            path=environ.get("PATH_INFO", "/"),
            params=dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
            headers=_headers(environ),
            body=(
                environ["wsgi.input"].read(int(length))
                if length.isdigit() and length != "0"
                else b""
            ),
        )


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

    @classmethod
    def gateway_error(
        cls,
        request: Request,
        status: int,
        code: str,
        message: str,
        *,
        recommend: str = "",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        """An error of the gateway itself (refused request, fault), in its envelope."""
        return cls.json(
            status,
            {
                "RequestId": request.request_id,
                "HostId": request.headers.get("host", ""),
                "Code": code,
                "Message": message,
                "Recommend": recommend,
            },
            request.request_id,
            headers,
        )

    @classmethod
    def product_error(cls, request: Request, error: CccError) -> Response:
        """An action's refusal, in the product's envelope."""
        status = error.http_status or 400
        return cls.json(
            status,
            {
                "RequestId": request.request_id,
                "Code": error.code,
                "HttpStatusCode": status,
                "Message": error.message,
            },
            request.request_id,
        )

    @classmethod
    def success(cls, request: Request, data: Any) -> Response:
        """An action's answer; an action that answers nothing (None) has no Data."""
        payload = {
            "RequestId": request.request_id,
            "Code": "OK",
            "HttpStatusCode": 200,
            "Message": "",
        }
        if data is not None:
            payload["Data"] = data
        return cls.json(200, payload, request.request_id)

    def send(self, start_response: Callable) -> list[bytes]:
        """Start the WSGI response and return its body."""
        start_response(
            f"{self.status} {_REASONS.get(self.status, 'Error')}",
            [
                ("Content-Type", "application/json;charset=utf-8"),
                ("Content-Length", str(len(self.body))),
                ("x-acs-request-id", self.request_id),
                *self.headers,
            ],
        )
        return [self.body]


class Gateway:
    """The gateway's checks, in its order: the path, the ACS3 signature, the clock skew, the
    security token, the nonce, then the action and the version. Thread-safe."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None,
        security_tokens: Mapping[str, str] | None,
        clock: Callable[[], float],
    ) -> None:
        self.credentials = dict(credentials or {DEMO_ACCESS_KEY_ID: DEMO_ACCESS_KEY_SECRET})
        # An access key listed here is an STS key: its requests must carry this token.
        self.security_tokens = dict(security_tokens or {})
        self._clock = clock
        self._lock = threading.Lock()
        # Nonces seen, and the same in the order they came, to forget them from the oldest.
        self._nonces: set[str] = set()
        self._nonce_times: deque[tuple[float, str]] = deque()

    def admit(self, request: Request, actions: Container[str]) -> str:
        """The action `request` asks for, one of `actions`, once the request passes every
        check; GatewayError for the first check it fails."""
        if request.path != "/":
            # RPC-style APIs live at the root; anything else is no API at all.
            raise GatewayError(404, "InvalidAction.NotFound", "The specified path is not found.")
        headers, body = request.headers, request.body
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
            method=request.method,
            query=signing.canonical_query(request.params),
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
        if action not in actions:
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


def close_connection_after(start_response: Callable) -> None:
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
