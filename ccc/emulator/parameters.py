"""The actions' query parameters read as the API reads them, each refused with its code and
message: integers, booleans, enumerations, paging and JSON lists."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from ..errors import (
    check_range,
    check_text,
    parameter_empty,
    parameter_format,
    parameter_invalid,
    parameter_maximum,
    parameter_null,
)
from ..types import MediaType, NumberUsage
from ..wire import MAX_PAGE_NUMBER, MAX_PAGE_SIZE

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


def boolean(params: Mapping[str, str], name: str, *, required: bool) -> bool | None:
    value = params.get(name, "")
    if value == "":
        if required:
            raise parameter_null(name)
        return None
    if value.lower() not in ("true", "false"):
        raise parameter_invalid(name, f"{value!r} is not a boolean (true or false).")
    return value.lower() == "true"


def usage(params: Mapping[str, str]) -> str:
    value = params.get("Usage", "")
    if value and value not in {member.value for member in NumberUsage}:
        raise parameter_invalid("Usage", f"{value!r} is not one of {', '.join(NumberUsage)}.")
    return value


def media_type(params: Mapping[str, str]) -> MediaType:
    value = params.get("MediaType", "")
    if value == "":
        return MediaType.AUDIO
    try:
        return MediaType(value.upper())
    except ValueError:
        raise parameter_invalid(
            "MediaType", f"{value!r} is not one of {', '.join(MediaType)}."
        ) from None


def paging(params: Mapping[str, str]) -> tuple[int, int]:
    return (
        check_range("PageNumber", _integer(params, "PageNumber"), 1, MAX_PAGE_NUMBER),
        check_range("PageSize", _integer(params, "PageSize"), 1, MAX_PAGE_SIZE),
    )


def json_list(
    params: Mapping[str, str], name: str, *, noun: str, example: str, maximum: int
) -> list[str]:
    """A list parameter's entries in the order given, each once: a JSON array of `noun`s in
    non-blank strings such as `example` (`Parameter.Format`), not empty (`Parameter.Empty`),
    of at most `maximum` entries counted as sent, duplicates included (`Parameter.Maximum`)."""
    raw = check_text(name, params.get(name))
    try:
        values = orjson.loads(raw)
    except orjson.JSONDecodeError:  # a ValueError; also for nesting deeper than 1024
        values = None
    if not isinstance(values, list):
        raise parameter_format(name, f"It must be a JSON array of {noun}s, e.g. {example}.")
    for position, entry in enumerate(values, 1):
        if not isinstance(entry, str) or not entry.strip():
            # Named by position: the entry itself may be anything, of any size.
            raise parameter_format(
                name,
                f"Every entry must be a {noun} in a non-blank string; entry {position} is not.",
            )
    if not values:
        raise parameter_empty(name)
    if len(values) > maximum:
        raise parameter_maximum(name, maximum)
    return list(dict.fromkeys(values))


def page(
    records: list,
    page_number: int,
    page_size: int,
    row: Callable[[Any], dict] = lambda record: record.to_api(),
) -> dict:
    """One page of records as the List actions answer it; past the end the list is empty and
    TotalCount stays true."""
    start = (page_number - 1) * page_size
    return {
        "PageNumber": page_number,
        "PageSize": page_size,
        "TotalCount": len(records),
        "List": [row(record) for record in records[start : start + page_size]],
    }


def positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} is a positive integer, not {value!r}.")
    return value
