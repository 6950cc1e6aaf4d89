"""ACS3-HMAC-SHA256, the request signature of Alibaba Cloud's OpenAPI gateway.

The client signs with `sign()`; the emulator verifies by recomputing `signature()` from what
arrived. One implementation, so the two sides cannot drift apart.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the SDK does it: only unreserved characters stay literal."""
    return quote(value, safe="~", encoding="utf-8")


def canonical_query(params: Mapping[str, str]) -> str:
    """Sorted `name=value` pairs; also a valid wire encoding of the query string."""
    return "&".join(
        f"{percent_encode(name)}={percent_encode(value)}" for name, value in sorted(params.items())
    )


def headers_to_sign(header_names: Sequence[str]) -> list[str]:
    """The headers the gateway expects signed: host, every x-acs-* header and content-type."""
    lowered = {name.lower() for name in header_names}
    return sorted(
        name for name in lowered if name in ("host", "content-type") or name.startswith("x-acs-")
    )


def signature(
    *,
    secret: str,
    method: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload_sha256: str,
) -> str:
    """Hex HMAC-SHA256 of the string to sign; `query` is the `canonical_query()` of the
    parameters and `headers` is keyed by lower-case name."""
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed_headers)
    canonical_request = "\n".join(
        (
            method.upper(),
            "/",
            query,
            canonical_headers,
            ";".join(signed_headers),
            payload_sha256,
        )
    )
    string_to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Authorization:
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str = field(repr=False)  # a repr may reach a log or an error page

    def header_value(self) -> str:
        return (
            f"{ALGORITHM} Credential={self.access_key_id},"
            f"SignedHeaders={';'.join(self.signed_headers)},Signature={self.signature}"
        )

    @classmethod
    def parse(cls, value: str) -> Authorization:
        """Read an Authorization header; ValueError says what is wrong with it."""
        algorithm, _, fields = value.strip().partition(" ")
        if algorithm != ALGORITHM:
            raise ValueError(f"the signature algorithm must be {ALGORITHM}")
        parts = dict(part.strip().partition("=")[::2] for part in fields.split(","))
        missing = [
            name for name in ("Credential", "SignedHeaders", "Signature") if not parts.get(name)
        ]
        if missing:
            raise ValueError(f"the Authorization header lacks {', '.join(missing)}")
        return cls(
            access_key_id=parts["Credential"],
            signed_headers=tuple(parts["SignedHeaders"].split(";")),
            signature=parts["Signature"],
        )


def sign(
    *,
    method: str,
    query: str,
    headers: Mapping[str, str],
    access_key_id: str,
    secret: str,
) -> str:
    """The Authorization header value for a request whose x-acs-* headers are all set."""
    lowered = {name.lower(): value for name, value in headers.items()}
    signed_headers = headers_to_sign(list(lowered))
    return Authorization(
        access_key_id=access_key_id,
        signed_headers=tuple(signed_headers),
        signature=signature(
            secret=secret,
            method=method,
            query=query,
            headers=lowered,
            signed_headers=signed_headers,
            payload_sha256=lowered["x-acs-content-sha256"],
        ),
    ).header_value()
