"""A refusal as the trail reads it: its code (AuditEvent.Refusal) and the one value it names.

Rows made before refusals had codes kept the log's English sentence as their detail; they are
read as codes here (the table is append-only, so old rows are read, not rewritten)."""

from __future__ import annotations

import re

from .models import AuditEvent

Refusal = AuditEvent.Refusal

_RECORDED_IN_ENGLISH = (
    (re.compile(r"not an editor"), Refusal.NOT_EDITOR),
    (re.compile(r"the confirmation has expired"), Refusal.CONFIRMATION_EXPIRED),
    (re.compile(r"the confirmation is not one this server made"), Refusal.CONFIRMATION_FORGED),
    (
        re.compile(r"the confirmation is for another user or skill group"),
        Refusal.CONFIRMATION_FOREIGN,
    ),
    (
        re.compile(r"confirmation submitted again \(attempt (?P<detail>\d+)\)"),
        Refusal.CONFIRMATION_REUSED,
    ),
    (
        re.compile(r"instance (?P<detail>\S+) is outside the user's scope"),
        Refusal.OUTSIDE_SCOPE,
    ),
)


def refusal_read(error_code: str, detail: str) -> tuple[str, str]:
    """A refusal row's (code, detail); a reason recorded before codes is read as its code, one
    this version does not know stays as it was recorded (with no code)."""
    if error_code:
        return error_code, detail
    for pattern, refusal in _RECORDED_IN_ENGLISH:
        if match := pattern.fullmatch(detail):
            return refusal.value, match.groupdict().get("detail", "")
    return "", detail


def refusal_words(code: str, detail: str) -> str:
    """A refusal's reason in the reader's language; a code this version does not know is
    said as recorded."""
    if code in Refusal.values:
        return str(Refusal(code).label) % {"detail": detail}
    return detail or code
