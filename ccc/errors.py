"""Typed CCC errors, decided on the API's `Code` (HTTP statuses vary between products)."""

from __future__ import annotations

import json
from collections.abc import Mapping


class CccError(Exception):
    """An error answered by (or on the way to) the CCC OpenAPI."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        # Seconds the gateway asked callers to wait (`x-acs-retry-after`), on any error.
        self.retry_after = retry_after
        self.attempts = 1  # the client records how many times it sent the request
        # False only when the request certainly never left (no connection, no time left): a
        # write that failed so was not applied. Any answer, or silence after sending, is True.
        self.sent = True
        # The one skill group of a write's SkillGroupIdList that CCC's answer names (the client
        # sets it), so a caller can leave that group out and send the others again.
        self.skill_group_id: str | None = None
        # The action that failed (the client sets it): what a RAM policy must allow.
        self.action = ""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, http_status={self.http_status!r}, "
            f"request_id={self.request_id!r})"
        )


class NotFoundError(CccError):
    """The instance, skill group, number or agent does not exist (`NotExists.*`)."""


class InvalidParameterError(CccError):
    """A parameter is missing or out of range (`Parameter.*`)."""


class AuthenticationError(CccError):
    """The credentials, signature or permissions were refused."""


class ThrottlingError(CccError):
    """Too many requests (`Throttling*`)."""


class UnavailableError(CccError):
    """The service failed or could not be reached: 5xx, timeouts, connection or body errors."""


_AUTHENTICATION_CODES = (
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidAccessKeyId",
    "InvalidSecurityToken",
    "SignatureNonceUsed",
    "InvalidTimeStamp",
    "MissingSecurityToken",
    "Forbidden",
    "NoPermission",
)
_UNAVAILABLE_CODES = ("ServiceUnavailable", "InternalError", "ServiceTimeout", "UnknownError")
_INVALID_PARAMETER_CODES = ("Parameter", "InvalidParameter", "MissingParameter", "InvalidAction")


def _has_prefix(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code == prefix or code.startswith(prefix + ".") for prefix in prefixes)


def error_class_for(code: str, http_status: int | None) -> type[CccError]:
    if _has_prefix(code, _AUTHENTICATION_CODES):
        return AuthenticationError
    if code.startswith("Throttling"):
        return ThrottlingError
    if _has_prefix(code, _UNAVAILABLE_CODES):
        return UnavailableError
    if _has_prefix(code, ("NotExists",)) or code.endswith(".NotExists"):
        return NotFoundError
    if _has_prefix(code, _INVALID_PARAMETER_CODES):
        return InvalidParameterError
    # An unknown code: only now does the status decide.
    if http_status is not None and http_status >= 500:
        return UnavailableError
    return CccError


def _retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`x-acs-retry-after` counts milliseconds, as the official SDK reads it."""
    try:
        milliseconds = int(headers.get("x-acs-retry-after", ""))
    except ValueError:
        return None
    return milliseconds / 1000 if milliseconds > 0 else None


def error_from_response(
    http_status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> CccError:
    """Build the typed error for a response that is not a success, whatever its body."""
    headers = headers or {}
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        payload = None
    if 300 <= http_status < 400:
        # Retrying cannot help: the endpoint is wrong (e.g. http:// where CCC wants https://).
        return CccError(
            "UnexpectedRedirect",
            f"The service redirected the request (HTTP {http_status}); check CCC_ENDPOINT.",
            http_status=http_status,
            request_id=headers.get("x-acs-request-id"),
        )
    retry_after = _retry_after_seconds(headers)
    if not isinstance(payload, dict) or not _field(payload, "Code"):
        error_class = UnavailableError if http_status >= 500 or http_status < 300 else CccError
        return error_class(
            "InvalidResponse",
            f"The service answered HTTP {http_status} with a body that is not a CCC error.",
            http_status=http_status,
            request_id=headers.get("x-acs-request-id"),
            retry_after=retry_after,
        )
    code = str(_field(payload, "Code"))
    return error_class_for(code, http_status)(
        code,
        str(_field(payload, "Message") or ""),
        http_status=http_status,
        request_id=_field(payload, "RequestId") or headers.get("x-acs-request-id"),
        retry_after=retry_after,
    )


def _field(payload: Mapping[str, object], name: str) -> object:
    """Error bodies say `Code` or, from some gateways, `code` (the SDK reads both)."""
    return payload.get(name) or payload.get(name[0].lower() + name[1:])


# The API's own messages, shared by the client's pre-flight checks and the emulator.
_API_MESSAGES = {
    "Parameter.Empty": "The parameter {name} may not be null or empty.",
    "Parameter.Null": "The parameter {name} may not be null.",
    "Parameter.Minimum": "The parameter {name} must be greater than or equal to {minimum}.",
    "Parameter.Maximum": "The parameter {name} must be less than or equal to {maximum}.",
    "Parameter.Invalid": "The parameter {name} is invalid: {reason}",
    "Parameter.Format": "The format of parameter {name} is invalid. {reason}",
    "NotExists.InstanceId": "The specified instance {instance_id} does not exist.",
    "NotExists.SkillGroupId": (
        "The skill group ID {skill_group_id} does not exist in instance {instance_id}."
    ),
    "NotExists.Number": "The number {number} does not exist in instance {instance_id}.",
    "NotExists.UserId": "The user {user_id} does not exist in instance {instance_id}.",
}


def _api_error(code: str, **fields: object) -> CccError:
    """The error CCC answers with `code`: its class, documented status and message."""
    status = 404 if code.startswith("NotExists.") else 400
    return error_class_for(code, status)(
        code, _API_MESSAGES[code].format(**fields), http_status=status
    )


def parameter_empty(name: str) -> InvalidParameterError:
    return _api_error("Parameter.Empty", name=name)


def parameter_null(name: str) -> InvalidParameterError:
    return _api_error("Parameter.Null", name=name)


def parameter_minimum(name: str, minimum: int) -> InvalidParameterError:
    return _api_error("Parameter.Minimum", name=name, minimum=minimum)


def parameter_maximum(name: str, maximum: int) -> InvalidParameterError:
    return _api_error("Parameter.Maximum", name=name, maximum=maximum)


def parameter_invalid(name: str, reason: str) -> InvalidParameterError:
    return _api_error("Parameter.Invalid", name=name, reason=reason)


def parameter_format(name: str, reason: str) -> InvalidParameterError:
    return _api_error("Parameter.Format", name=name, reason=reason)


def instance_not_found(instance_id: str) -> NotFoundError:
    return _api_error("NotExists.InstanceId", instance_id=instance_id)


def skill_group_not_found(skill_group_id: str, instance_id: str) -> NotFoundError:
    return _api_error(
        "NotExists.SkillGroupId", skill_group_id=skill_group_id, instance_id=instance_id
    )


def number_not_found(number: str, instance_id: str) -> NotFoundError:
    return _api_error("NotExists.Number", number=number, instance_id=instance_id)


def user_not_found(user_id: str, instance_id: str) -> NotFoundError:
    return _api_error("NotExists.UserId", user_id=user_id, instance_id=instance_id)


def check_text(name: str, value: str | None) -> str:
    if value is None or not str(value).strip():
        raise parameter_empty(name)
    return str(value)


def check_range(name: str, value: int | None, minimum: int, maximum: int) -> int:
    if value is None:
        raise parameter_null(name)
    if value < minimum:
        raise parameter_minimum(name, minimum)
    if value > maximum:
        raise parameter_maximum(name, maximum)
    return value
