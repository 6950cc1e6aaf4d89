"""The reads views call: keyword-only, `<entity>_<action>`, returning domain types.

Listings are cached per API page of 100, keyed by every parameter and by a version per skill
group (its numbers) and per instance (its skill groups and their counts), so UI pages inside one
API page and repeats cost no call, and a write's `listings_invalidate` reaches every replica
sharing the cache on its next request. `refresh=True` asks CCC again whatever is cached.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone, translation

from . import shared_cache
from .ccc import Instance, Page, PhoneNumber, SkillGroup
from .ccc.client import MAX_PAGE_NUMBER, MAX_PAGE_SIZE
from .connection import ccc_client
from .paging import Listed, ResultPage, fetch_result_page

T = TypeVar("T")

SKILL_GROUP_CACHE_SECONDS = 60
# One worker per connection to CCC: the pool is sized for every server thread's reads at once.
_side_by_side = ThreadPoolExecutor(
    max_workers=settings.CCC_MAX_CONNECTIONS, thread_name_prefix="ccc-read"
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
    *, instance_id: str, search: str = "", page: int = 1, per_page: int = 25, refresh: bool = False
) -> ResultPage[SkillGroup]:
    return fetch_result_page(
        _cached_listing(
            functools.partial(
                ccc_client().list_skill_groups,
                instance_id=instance_id,
                search_pattern=search or None,
            ),
            version=_instance_version(instance_id),
            refresh=refresh,
        ),
        page=page,
        per_page=per_page,
    )


def skill_group_get(*, instance_id: str, skill_group_id: str, refresh: bool = False) -> SkillGroup:
    """The skill group's header data, cached briefly: it changes rarely and every page shows it."""
    key = shared_cache.key("skill-group", instance_id, skill_group_id)
    group = None if refresh else shared_cache.get(key)
    if group is None:
        group = ccc_client().get_skill_group(instance_id=instance_id, skill_group_id=skill_group_id)
        shared_cache.put(key, group, SKILL_GROUP_CACHE_SECONDS)
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
    refresh: bool = False,
) -> ResultPage[PhoneNumber]:
    """The numbers linked to a skill group, or (linked=False) those that could be linked."""
    return fetch_result_page(
        _cached_listing(
            functools.partial(
                ccc_client().list_phone_numbers_of_skill_group,
                instance_id=instance_id,
                skill_group_id=skill_group_id,
                is_member=linked,
                search_pattern=search or None,
                active=active,
            ),
            version=_group_version(instance_id, skill_group_id),
            refresh=refresh,
        ),
        page=page,
        per_page=per_page,
    )


def listings_invalidate(*, instance_id: str, skill_group_id: str) -> None:
    """After a write to a group: its listings, and its instance's skill-group list (whose
    number counts change), are asked of CCC again, by every replica sharing the cache."""
    shared_cache.bump(_group_version_key(instance_id, skill_group_id))
    shared_cache.bump(_instance_version_key(instance_id))


def side_by_side(**reads: Callable[[], Any]) -> dict[str, Any]:
    """Run the reads one page needs at once, so it waits for one round trip, not several.

    Each read runs in a copy of this context, so the request's budget goes along, and in the
    request's language (Django keeps that per thread, which a context copy does not carry).
    The first failure is raised, as it would have been one after another.
    """
    if len(reads) == 1:  # nothing to overlap: no thread to hand over to
        return {name: read() for name, read in reads.items()}
    language = translation.get_language()
    futures = {
        name: _side_by_side.submit(contextvars.copy_context().run, _in_language, language, read)
        for name, read in reads.items()
    }
    return {name: future.result() for name, future in futures.items()}


def _in_language(language: str | None, read: Callable[[], T]) -> T:
    with translation.override(language):
        return read()


def _cached_listing(
    list_page: functools.partial[Page[T]], *, version: object, refresh: bool
) -> Callable[..., Listed[T]]:
    """`list_page` through the cache, keyed by the account, every bound parameter, the version
    of what it lists and the page asked for."""
    action = list_page.func.__name__
    bound = sorted(list_page.keywords.items())

    def listed(*, page_number: int, page_size: int) -> Listed[T]:
        key = shared_cache.key(
            "listing",
            settings.CCC_ENDPOINT,
            settings.CCC_ACCESS_KEY_ID,
            action,
            bound,
            version,
            page_number,
            page_size,
        )
        cached = None if refresh else shared_cache.get(key)
        if cached is not None:
            return cached
        fresh = Listed(list_page(page_number=page_number, page_size=page_size), timezone.now())
        if settings.CCC_LISTING_CACHE_SECONDS > 0:  # 0: no listing cache at all
            shared_cache.put(key, fresh, settings.CCC_LISTING_CACHE_SECONDS)
        return fresh

    return listed


def _group_version_key(instance_id: str, skill_group_id: str) -> str:
    return shared_cache.key("version", "skill-group", instance_id, skill_group_id)


def _instance_version_key(instance_id: str) -> str:
    return shared_cache.key("version", "instance", instance_id)


def _group_version(instance_id: str, skill_group_id: str) -> object:
    return shared_cache.get(_group_version_key(instance_id, skill_group_id))


def _instance_version(instance_id: str) -> object:
    return shared_cache.get(_instance_version_key(instance_id))
