"""CccClient: one typed method per CCC OpenAPI action, every call through `_request()`."""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import stamina

from . import budget, signing, wire
from .errors import (
    CccError,
    ThrottlingError,
    UnavailableError,
    check_text,
)
from .types import ContactFlow, Instance, InstancePhoneNumber, Page, PhoneNumber, SkillGroup, User

T = TypeVar("T")

API_VERSION = "2020-07-01"
DEFAULT_ENDPOINT = "https://ccc.cn-shanghai.aliyuncs.com"

# Every action is a POST, so retries are decided by action, never by method.
READ_ACTIONS = frozenset(
    {
        "ListInstances",
        "ListSkillGroups",
        "GetSkillGroup",
        "ListPhoneNumbersOfSkillGroup",
        "ListContactFlows",
        "ListPhoneNumbers",
        "ListUsers",
        "GetUser",
    }
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff for read actions, capped in attempts and total seconds."""

    attempts: int = 3
    total_seconds: float = 10.0
    wait_initial: float = 0.2
    wait_max: float = 2.0
    wait_jitter: float = 0.2


def endpoint_url(endpoint: str) -> str:
    """Accept a URL or a bare host name, as CCC_ENDPOINT may hold either."""
    scheme, separator, rest = endpoint.strip().partition("://")
    if not separator:
        scheme, rest = "https", endpoint.strip()
    return f"{scheme}://{rest.rstrip('/')}"


class CccClient:
    """A client for one CCC endpoint and credential; build it once and share it per process."""

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        security_token: str | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = "cccadmin",
        max_connections: int = 20,
    ) -> None:
        self._access_key_id = access_key_id
        self._access_key_secret = access_key_secret
        self._security_token = security_token or None
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._endpoint = endpoint_url(endpoint)
        self._host = httpx.URL(self._endpoint).netloc.decode("ascii")
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"user-agent": user_agent, "accept": "application/json"},
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )

    def __repr__(self) -> str:
        return f"CccClient(endpoint={self._host!r}, access_key_id={self._access_key_id!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CccClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- actions -------------------------------------------------------------------------

    def list_instances(self, *, page_number: int = 1, page_size: int = 20) -> Page[Instance]:
        return self._request(
            "ListInstances",
            wire.paging(page_number, page_size),
            wire.data(Page.parser(Instance.from_api)),
        )

    def list_skill_groups(
        self,
        *,
        instance_id: str,
        page_number: int = 1,
        page_size: int = 20,
        search_pattern: str | None = None,
        media_type: str | None = None,
    ) -> Page[SkillGroup]:
        """The instance's skill groups of one medium: `media_type` is sent as given (CCC takes
        a MediaType in any case); left out, CCC lists the AUDIO ones."""
        params = {
            "InstanceId": check_text("InstanceId", instance_id),
            **wire.paging(page_number, page_size),
            **wire.optional(SearchPattern=search_pattern, MediaType=media_type),
        }
        return self._request("ListSkillGroups", params, wire.data(Page.parser(SkillGroup.from_api)))

    def get_skill_group(self, *, instance_id: str, skill_group_id: str) -> SkillGroup:
        return self._request(
            "GetSkillGroup",
            wire.group_params(instance_id, skill_group_id),
            wire.data(SkillGroup.from_api),
        )

    def list_phone_numbers_of_skill_group(
        self,
        *,
        instance_id: str,
        skill_group_id: str,
        is_member: bool,
        page_number: int = 1,
        page_size: int = 20,
        search_pattern: str | None = None,
        active: bool | None = None,
    ) -> Page[PhoneNumber]:
        params = {
            **wire.group_params(instance_id, skill_group_id),
            "IsMember": wire.api_bool(is_member),
            **wire.paging(page_number, page_size),
            **wire.optional(
                SearchPattern=search_pattern,
                Active=None if active is None else wire.api_bool(active),
            ),
        }
        return self._request(
            "ListPhoneNumbersOfSkillGroup", params, wire.data(Page.parser(PhoneNumber.from_api))
        )

    def list_contact_flows(
        self,
        *,
        instance_id: str,
        page_number: int = 1,
        page_size: int = 20,
        search_pattern: str | None = None,
        flow_type: str | None = None,
    ) -> Page[ContactFlow]:
        """The instance's IVR flows; `search_pattern` matches names and descriptions, and
        `flow_type` is a ContactFlowType."""
        params = {
            "InstanceId": check_text("InstanceId", instance_id),
            **wire.paging(page_number, page_size),
            **wire.optional(SearchPattern=search_pattern, Type=flow_type),
        }
        return self._request(
            "ListContactFlows", params, wire.data(Page.parser(ContactFlow.from_api))
        )

    def list_phone_numbers(
        self,
        *,
        instance_id: str,
        page_number: int = 1,
        page_size: int = 20,
        search_pattern: str | None = None,
        usage: str | None = None,
        active: bool | None = None,
    ) -> Page[InstancePhoneNumber]:
        """The instance's numbers, each with the skill groups it is linked to and the agent
        whose personal outbound number it is. `search_pattern` is a fuzzy match: a caller after
        one number keeps the row that is exactly it. `usage` is a NumberUsage."""
        params = {
            "InstanceId": check_text("InstanceId", instance_id),
            **wire.paging(page_number, page_size),
            **wire.optional(
                SearchPattern=search_pattern,
                Usage=usage,
                Active=None if active is None else wire.api_bool(active),
            ),
        }
        return self._request(
            "ListPhoneNumbers", params, wire.data(Page.parser(InstancePhoneNumber.from_api))
        )

    def list_users(
        self,
        *,
        instance_id: str,
        page_number: int = 1,
        page_size: int = 20,
        search_pattern: str | None = None,
        skill_group_id: str | None = None,
    ) -> Page[User]:
        """The instance's agents with their personal outbound numbers and skill levels, or
        one group's; `search_pattern` matches login and display names. CCC cannot list agents
        by id: `get_user` names one."""
        params = {
            "InstanceId": check_text("InstanceId", instance_id),
            **wire.paging(page_number, page_size),
            **wire.optional(SearchPattern=search_pattern, SkillGroupId=skill_group_id),
        }
        return self._request("ListUsers", params, wire.data(Page.parser(User.from_api)))

    def get_user(self, *, instance_id: str, user_id: str) -> User:
        params = {
            "InstanceId": check_text("InstanceId", instance_id),
            "UserId": check_text("UserId", user_id),
        }
        return self._request("GetUser", params, wire.data(User.from_api))

    def add_numbers_to_skill_group(
        self, *, instance_id: str, skill_group_id: str, numbers: Iterable[str]
    ) -> str:
        """Link the numbers (all or none of them); returns CCC's RequestId."""
        return self._request(
            "AddNumbersToSkillGroup",
            wire.numbers_params(instance_id, skill_group_id, numbers),
            wire.request_id,
        )

    def remove_phone_numbers_from_skill_group(
        self, *, instance_id: str, skill_group_id: str, numbers: Iterable[str]
    ) -> str:
        """Unlink the numbers (all or none of them); returns CCC's RequestId."""
        return self._request(
            "RemovePhoneNumbersFromSkillGroup",
            wire.numbers_params(instance_id, skill_group_id, numbers),
            wire.request_id,
        )

    def add_phone_number_to_skill_groups(
        self, *, instance_id: str, number: str, skill_group_ids: Iterable[str]
    ) -> str:
        """Link one number to the skill groups (all or none of them); returns CCC's RequestId.
        A refusal that names one of the groups says which in its `skill_group_id`."""
        return self._skill_groups_write(
            "AddPhoneNumberToSkillGroups", instance_id, number, skill_group_ids
        )

    def remove_phone_number_from_skill_groups(
        self, *, instance_id: str, number: str, skill_group_ids: Iterable[str]
    ) -> str:
        """Unlink one number from skill groups it is linked to (all or none of them); returns
        CCC's RequestId. A refusal that names one of the groups says which in its
        `skill_group_id`."""
        return self._skill_groups_write(
            "RemovePhoneNumberFromSkillGroups", instance_id, number, skill_group_ids
        )

    def _skill_groups_write(
        self, action: str, instance_id: str, number: str, skill_group_ids: Iterable[str]
    ) -> str:
        group_ids = [check_text("SkillGroupIdList", group_id) for group_id in skill_group_ids]
        group_id_list = wire.json_list("SkillGroupIdList", group_ids)
        params = {
            "InstanceId": check_text("InstanceId", instance_id),
            "Number": check_text("Number", number),
            "SkillGroupIdList": group_id_list,
        }
        try:
            return self._request(action, params, wire.request_id)
        except CccError as error:
            error.skill_group_id = wire.skill_group_named(error.message, group_ids)
            raise

    # -- transport -----------------------------------------------------------------------

    def _request(
        self,
        action: str,
        params: Mapping[str, str],
        parse: Callable[[dict[str, Any]], T],
    ) -> T:
        """Send one action (retrying reads) and return its parsed answer; raise a CccError.

        Every attempt ends by the deadline: the retry policy's, or the current budget's when
        that comes first (see `budget`).
        """
        started = time.monotonic()
        deadline = started + self._retry.total_seconds
        if (work_deadline := budget.deadline()) is not None:
            deadline = min(deadline, work_deadline)
        attempts = 0
        try:
            if action in READ_ACTIONS:
                for attempt in stamina.retry_context(
                    on=functools.partial(self._retry_backoff, deadline=deadline),
                    attempts=self._retry.attempts,
                    # stamina reads 0 as "no retries" with a warning; no time left fails at once.
                    timeout=max(deadline - started, 0.001),
                    wait_initial=self._retry.wait_initial,
                    wait_max=self._retry.wait_max,
                    wait_jitter=self._retry.wait_jitter,
                ):
                    with attempt:
                        attempts += 1
                        payload, result = self._send(action, params, parse, deadline)
            else:
                attempts = 1
                payload, result = self._send(action, params, parse, deadline)
        except CccError as error:
            error.attempts = attempts
            error.action = action
            logger.warning(
                "ccc %s failed: code=%s status=%s request_id=%s attempts=%d duration_ms=%.1f",
                action,
                error.code,
                error.http_status,
                error.request_id,
                attempts,
                (time.monotonic() - started) * 1000,
            )
            raise
        logger.info(
            "ccc %s ok: request_id=%s attempts=%d duration_ms=%.1f",
            action,
            payload.get("RequestId"),
            attempts,
            (time.monotonic() - started) * 1000,
        )
        return result

    @staticmethod
    def _retry_backoff(error: Exception, *, deadline: float) -> bool | float:
        """stamina's hook: retry transient failures, waiting as long as the gateway asks if
        that wait still ends before the deadline (stamina checks its timeout only before)."""
        if not isinstance(error, ThrottlingError | UnavailableError):
            return False
        if error.retry_after is None:
            return time.monotonic() < deadline
        return error.retry_after if time.monotonic() + error.retry_after <= deadline else False

    def _send(
        self,
        action: str,
        params: Mapping[str, str],
        parse: Callable[[dict[str, Any]], T],
        deadline: float,
    ) -> tuple[dict[str, Any], T]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _unsent(UnavailableError("Timeout", "No time was left to ask CCC."))
        # Waiting for a pooled connection counts too: no part of an attempt outlasts the deadline.
        timeout = httpx.Timeout(min(self._timeout, left), connect=min(self._timeout, 5.0, left))
        headers = {
            "host": self._host,
            "x-acs-action": action,
            "x-acs-version": API_VERSION,
            "x-acs-date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "x-acs-signature-nonce": uuid.uuid4().hex,
            "x-acs-content-sha256": signing.EMPTY_BODY_SHA256,
        }
        if self._security_token:
            headers["x-acs-security-token"] = self._security_token
            headers["x-acs-accesskey-id"] = self._access_key_id
        # The canonical query is also a valid wire encoding: built once, signed and sent.
        query = signing.canonical_query(params)
        headers["authorization"] = signing.sign(
            method="POST",
            query=query,
            headers=headers,
            access_key_id=self._access_key_id,
            secret=self._access_key_secret,
        )
        try:
            # An absolute URL: httpx would parse a relative one twice to join it to a base.
            response = self._http.post(
                f"{self._endpoint}/?{query}", headers=headers, timeout=timeout
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise _unsent(
                UnavailableError(
                    "ConnectionError", f"CCC could not be reached ({type(error).__name__})."
                )
            ) from None
        except httpx.TimeoutException as error:
            raise UnavailableError(
                "Timeout", f"CCC did not answer in time ({type(error).__name__})."
            ) from None
        except httpx.TransportError as error:
            raise UnavailableError(
                "ConnectionError", f"CCC could not be reached ({type(error).__name__})."
            ) from None
        except httpx.DecodingError:
            raise UnavailableError(
                "InvalidResponse", "CCC answered with a body its Content-Encoding does not fit."
            ) from None
        payload = wire.success_payload(response)
        try:
            return payload, parse(payload)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UnavailableError(
                "InvalidResponse",
                f"CCC answered {action} without the data it documents.",
                http_status=response.status_code,
                request_id=payload.get("RequestId"),
            ) from None


def _unsent(error: CccError) -> CccError:
    error.sent = False
    return error
