"""What views call: builds the CCC client from settings and maps UI paging to API paging."""

from __future__ import annotations

import functools
import hashlib
import math
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

import cccadmin

from .ccc import AuthenticationError, CccClient, CccError, Instance, Page, PhoneNumber, SkillGroup
from .ccc.client import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, endpoint_url
from .ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator

T = TypeVar("T")

# The API reaches PageNumber 100 of PageSize 100: the first 10,000 matches and no more.
MAX_REACHABLE_ROWS = MAX_PAGE_NUMBER * MAX_PAGE_SIZE
SKILL_GROUP_CACHE_SECONDS = 60
EMBEDDED_ENDPOINT = "http://ccc-emulator.embedded"

_CREDENTIAL_SETTINGS = (
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "CCC_ACCESS_KEY_ID"),
    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "CCC_ACCESS_KEY_SECRET"),
)
_SECURITY_TOKEN_SETTING = ("ALIBABA_CLOUD_SECURITY_TOKEN", "CCC_SECURITY_TOKEN")


class CccNotConfigured(ImproperlyConfigured):
    """CCC_ENDPOINT is set without the credentials it needs."""


def missing_credential_settings() -> list[str]:
    """The environment variables a configured CCC endpoint still needs."""
    if not settings.CCC_ENDPOINT:
        return []
    return [variable for variable, name in _CREDENTIAL_SETTINGS if not getattr(settings, name)]


def _built_once(builder: Callable[[], T]) -> Callable[[], T]:
    """`functools.cache` for a per-process singleton, built once even when the first requests
    arrive together (each would otherwise build, and leak, its own)."""
    cached = functools.cache(builder)
    lock = threading.Lock()

    @functools.wraps(builder)
    def built() -> T:
        with lock:
            return cached()

    built.cache_clear = cached.cache_clear
    built.cache_info = cached.cache_info
    return built


def unusable_ccc_settings() -> list[str]:
    """What is wrong with the CCC endpoint and credentials that are set, a sentence each."""
    if not settings.CCC_ENDPOINT:
        return []
    problems = []
    endpoint = endpoint_url(settings.CCC_ENDPOINT)
    try:
        url = httpx.URL(endpoint)
    except httpx.InvalidURL:
        url = None
    if (
        url is None
        or url.scheme not in ("http", "https")
        or not url.host
        or not _is_printable_ascii(endpoint)
        or url.raw_path not in (b"", b"/")
        or "?" in endpoint
        or "#" in endpoint
    ):
        problems.append(
            f"CCC_ENDPOINT ({settings.CCC_ENDPOINT!r}) is not a URL or host name such as "
            "https://ccc.cn-shanghai.aliyuncs.com or http://127.0.0.1:8765."
        )
    unusable = [
        variable
        for variable, name in (*_CREDENTIAL_SETTINGS, _SECURITY_TOKEN_SETTING)
        if not _is_printable_ascii(getattr(settings, name))
    ]
    if unusable:
        problems.append(
            f"{' and '.join(unusable)} must be ASCII without spaces, as Alibaba Cloud "
            "credentials are: check for a pasted typographic character or line break."
        )
    return problems


def _is_printable_ascii(value: str) -> bool:
    return value.isascii() and value.isprintable() and " " not in value


@_built_once
def embedded_emulator() -> Emulator:
    """The in-process emulator used when no CCC_ENDPOINT is configured."""
    return Emulator()


@_built_once
def ccc_client() -> CccClient:
    """One client, and so one pooled HTTP connection pool, per process."""
    user_agent = f"cccadmin/{cccadmin.__version__} httpx/{httpx.__version__}"
    if not settings.CCC_ENDPOINT:
        return CccClient(
            endpoint=EMBEDDED_ENDPOINT,
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            timeout=settings.CCC_TIMEOUT,
            transport=httpx.WSGITransport(app=embedded_emulator()),
            user_agent=user_agent,
        )
    problems = unusable_ccc_settings()
    if problems:
        raise CccNotConfigured(" ".join(problems))
    missing = missing_credential_settings()
    if missing:
        raise CccNotConfigured(
            f"CCC_ENDPOINT is set but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not: set it in the environment."
        )
    return CccClient(
        endpoint=settings.CCC_ENDPOINT,
        access_key_id=settings.CCC_ACCESS_KEY_ID,
        access_key_secret=settings.CCC_ACCESS_KEY_SECRET,
        security_token=settings.CCC_SECURITY_TOKEN or None,
        timeout=settings.CCC_TIMEOUT,
        user_agent=user_agent,
    )


@dataclass(frozen=True)
class ResultPage(Generic[T]):
    """One UI page of rows, cut from the one API page of 100 that holds it."""

    items: tuple[T, ...]
    page: int
    per_page: int
    total_count: int

    @property
    def reachable_count(self) -> int:
        return min(self.total_count, MAX_REACHABLE_ROWS)

    @property
    def is_truncated(self) -> bool:
        return self.total_count > MAX_REACHABLE_ROWS

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.reachable_count / self.per_page))

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0


def max_reachable_page(per_page: int) -> int:
    return MAX_REACHABLE_ROWS // per_page


def _result_page(fetch: Callable[[int], Page[T]], *, page: int, per_page: int) -> ResultPage[T]:
    """Fetch the API page of 100 holding UI page `page` and slice it: one call, any per_page."""
    if MAX_PAGE_SIZE % per_page:
        raise ValueError(f"per_page must divide {MAX_PAGE_SIZE}, not {per_page}")
    page = min(max(page, 1), max_reachable_page(per_page))
    offset = (page - 1) * per_page
    api_page = fetch(offset // MAX_PAGE_SIZE + 1)
    start = offset % MAX_PAGE_SIZE
    return ResultPage(
        items=api_page.items[start : start + per_page],
        page=page,
        per_page=per_page,
        total_count=api_page.total_count,
    )


def instance_list() -> list[Instance]:
    """Every instance of the account (accounts have a handful; the API caps at 10,000)."""
    client = ccc_client()
    instances: list[Instance] = []
    for page_number in range(1, MAX_PAGE_NUMBER + 1):
        page = client.list_instances(page_number=page_number, page_size=MAX_PAGE_SIZE)
        instances.extend(page.items)
        if len(instances) >= page.total_count or not page.items:
            return instances
    return instances


def skill_group_list(
    *, instance_id: str, search: str = "", page: int = 1, per_page: int = 25
) -> ResultPage[SkillGroup]:
    return _result_page(
        lambda api_page: ccc_client().list_skill_groups(
            instance_id=instance_id,
            page_number=api_page,
            page_size=MAX_PAGE_SIZE,
            search_pattern=search or None,
        ),
        page=page,
        per_page=per_page,
    )


def skill_group_get(*, instance_id: str, skill_group_id: str) -> SkillGroup:
    """The skill group's header data, cached briefly: it changes rarely and every page shows it."""
    # The ids come from the URL: hashed, any of them makes a key every cache backend accepts.
    ids = hashlib.sha256(f"{instance_id}\0{skill_group_id}".encode()).hexdigest()
    key = f"ccc:skill-group:{ids}"
    group = cache.get(key)
    if group is None:
        group = ccc_client().get_skill_group(instance_id=instance_id, skill_group_id=skill_group_id)
        cache.set(key, group, SKILL_GROUP_CACHE_SECONDS)
    return group


def phone_number_list(
    *,
    instance_id: str,
    skill_group_id: str,
    linked: bool,
    search: str = "",
    active: bool | None = None,
    page: int = 1,
    per_page: int = 25,
) -> ResultPage[PhoneNumber]:
    """The numbers linked to a skill group, or (linked=False) those that could be linked."""
    return _result_page(
        lambda api_page: ccc_client().list_phone_numbers_of_skill_group(
            instance_id=instance_id,
            skill_group_id=skill_group_id,
            is_member=linked,
            page_number=api_page,
            page_size=MAX_PAGE_SIZE,
            search_pattern=search or None,
            active=active,
        ),
        page=page,
        per_page=per_page,
    )


READINESS_CACHE_SECONDS = 5


def ccc_readiness_problem() -> str:
    """ "" when a signed ListInstances succeeds, else a short, non-sensitive reason.

    Cached briefly, so a fleet of probes costs CCC one call per replica every few seconds.
    """
    # Keyed per process: with a shared cache, one replica's success must not hide another's fault.
    key = f"ccc:readiness:{socket.gethostname()}:{os.getpid()}"
    problem = cache.get(key)
    if problem is None:
        try:
            ccc_client().list_instances(page_number=1, page_size=1)
            problem = ""
        except CccNotConfigured:
            problem = "CCC settings are missing or malformed (see manage.py check)"
        except AuthenticationError:
            problem = "CCC refused the credentials"
        except CccError as error:
            problem = f"CCC is unavailable ({type(error).__name__})"
        cache.set(key, problem, READINESS_CACHE_SECONDS)
    return problem
