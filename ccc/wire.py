"""CCC's wire format as the client speaks it: parameters built and checked as the API takes
them, and answers read (a success's payload, or the typed error its Code decides)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
import orjson

from .errors import UnavailableError, check_range, check_text, error_from_response

T = TypeVar("T")

MAX_PAGE_SIZE = 100
MAX_PAGE_NUMBER = 100


def data(parse: Callable[[Any], T]) -> Callable[[dict[str, Any]], T]:
    """Reads answer with their `Data`."""
    return lambda payload: parse(payload.get("Data"))


def request_id(payload: dict[str, Any]) -> str:
    """Writes answer with nothing but the RequestId that proves CCC took them."""
    return str(payload.get("RequestId") or "")


def api_bool(value: bool) -> str:
    return "true" if value else "false"


def success_payload(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise error_from_response(response.status_code, response.content, response.headers)
    try:
        # orjson: decoding a 100-row page is a fifth of the client's own time with json.
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        raise UnavailableError(
            "InvalidResponse",
            "CCC answered with a body that is not JSON.",
            http_status=response.status_code,
            request_id=response.headers.get("x-acs-request-id"),
        )
    if payload.get("Code", "OK") != "OK":
        try:
            status = int(payload.get("HttpStatusCode") or response.status_code)
        except (TypeError, ValueError):  # a garbled status must not hide the error itself
            status = response.status_code
        raise error_from_response(status, response.content, response.headers)
    return payload


def paging(page_number: int, page_size: int) -> dict[str, str]:
    return {
        "PageNumber": str(check_range("PageNumber", page_number, 1, MAX_PAGE_NUMBER)),
        "PageSize": str(check_range("PageSize", page_size, 1, MAX_PAGE_SIZE)),
    }


def group_params(instance_id: str, skill_group_id: str) -> dict[str, str]:
    return {
        "InstanceId": check_text("InstanceId", instance_id),
        "SkillGroupId": check_text("SkillGroupId", skill_group_id),
    }


def numbers_params(instance_id: str, skill_group_id: str, numbers: Iterable[str]) -> dict[str, str]:
    number_list = json_list("NumberList", [check_text("NumberList", n) for n in numbers])
    return {**group_params(instance_id, skill_group_id), "NumberList": number_list}


def json_list(name: str, values: list[str]) -> str:
    """A list parameter as CCC takes it, a JSON array in a string; never an empty one."""
    if not values:
        check_text(name, "")
    return json.dumps(values, separators=(",", ":"))


def skill_group_named(message: str, skill_group_ids: list[str]) -> str | None:
    """The one group of `skill_group_ids` an error's message names, if exactly one: CCC's
    answers carry no field for it, and its messages name the group they refuse ("The skill
    group ID %s does not exist in instance %s.")."""
    words = {word.strip(".,;:!?'\"()[]") for word in message.split()}
    named = words.intersection(skill_group_ids)
    return named.pop() if len(named) == 1 else None


def optional(**params: str | None) -> dict[str, str]:
    """Unset parameters are left out, as the SDK does (empty means unset too)."""
    return {name: value for name, value in params.items() if value not in (None, "")}
