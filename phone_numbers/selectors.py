"""The reads views call: keyword-only, `<entity>_<action>`, returning domain types.

Listings go through the cache (`reading`), so UI pages inside one API page and repeats cost no
call, and a write's `reading.listings_invalidate` reaches every replica sharing the cache on its
next request. `refresh=True` asks CCC again whatever is cached. The reads of numbers across an
instance (every number of it, one number) are `number_selectors`.
The audit trail is read from the database on every request, never cached.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from ccc import Instance, MediaType, Page, PhoneNumber, SkillGroup
from ccc.wire import MAX_PAGE_SIZE
from portal.paging import MAX_REACHABLE_ROWS, Listed, ResultPage, fetch_result_page

from . import reading, shared_cache
from .connection import ccc_client
from .queries import NumbersQuery

SKILL_GROUP_CACHE_SECONDS = 60

logger = logging.getLogger(__name__)


def instance_list() -> list[Instance]:
    """Every instance of the account (accounts have a handful; the API caps at 10,000)."""
    client = ccc_client()
    return [
        instance
        for page in reading.every_page(
            lambda n: client.list_instances(page_number=n, page_size=MAX_PAGE_SIZE)
        )
        for instance in page.items
    ]


def skill_group_list(
    *,
    instance_id: str,
    search: str = "",
    media_type: MediaType = MediaType.AUDIO,
    page: int = 1,
    per_page: int = 25,
    refresh: bool = False,
) -> ResultPage[SkillGroup]:
    """The instance's skill groups of one medium (AUDIO too is asked for by name, not left to
    CCC's default)."""
    return fetch_result_page(
        _skill_groups_of(instance_id, search, media_type, refresh),
        page=page,
        per_page=per_page,
    )


def voice_skill_group_list_all(*, instance_id: str, refresh: bool = False) -> list[SkillGroup]:
    """Every voice skill group of the instance (the groups a number can join; CCC lists up
    to 10,000, an instance has tens), from the same cached pages as the skill groups page."""
    list_page = _skill_groups_of(instance_id, "", MediaType.AUDIO, refresh)
    return [
        group
        for page in reading.every_page(
            lambda n: list_page(page_number=n, page_size=MAX_PAGE_SIZE).page
        )
        for group in page.items
    ]


def _skill_groups_of(
    instance_id: str, search: str, media_type: MediaType, refresh: bool
) -> Callable[..., Listed[SkillGroup]]:
    return reading.cached_listing(
        functools.partial(
            ccc_client().list_skill_groups,
            instance_id=instance_id,
            search_pattern=search or None,
            media_type=media_type,
        ),
        version=reading.instance_version(instance_id),
        refresh=refresh,
    )


def skill_group_get(*, instance_id: str, skill_group_id: str, refresh: bool = False) -> SkillGroup:
    """The skill group's header data, cached briefly: it changes rarely and every page shows it."""
    key = shared_cache.key("skill-group", instance_id, skill_group_id)
    group = None if refresh else shared_cache.get(key)
    if group is None:
        group = ccc_client().get_skill_group(instance_id=instance_id, skill_group_id=skill_group_id)
        shared_cache.put(key, group, SKILL_GROUP_CACHE_SECONDS)
    return group


def contact_flow_names(*, instance_id: str, refresh: bool = False) -> dict[str, str]:
    """The name of each of the instance's IVR flows by its id (every flow the API can list),
    cached for a few minutes; never an error (`reading.names`)."""

    def read() -> dict[str, str]:
        client = ccc_client()
        pages = reading.every_page(
            lambda n: client.list_contact_flows(
                instance_id=instance_id, page_number=n, page_size=MAX_PAGE_SIZE
            )
        )
        return {
            flow.contact_flow_id: flow.name for page in pages for flow in page.items if flow.name
        }

    return reading.names(f"contact flow names of instance {instance_id}", read, refresh=refresh)


def instance_names(*, refresh: bool = False) -> dict[str, str]:
    """Each instance's name by its id, for headings and breadcrumbs; never an error
    (`reading.names`)."""
    return reading.names(
        "instance names",
        lambda: {
            instance.instance_id: instance.name for instance in instance_list() if instance.name
        },
        refresh=refresh,
    )


def phone_number_list(
    *,
    numbers: NumbersQuery,
    page: int = 1,
    per_page: int = 25,
    refresh: bool = False,
) -> ResultPage[PhoneNumber]:
    """The numbers linked to a skill group, or (not `linked`) those that could be linked."""
    return fetch_result_page(
        reading.cached_listing(
            _numbers_of_view(numbers),
            version=reading.group_version(numbers.instance_id, numbers.skill_group_id),
            refresh=refresh,
        ),
        page=page,
        per_page=per_page,
    )


def phone_number_status_count(
    *, numbers: NumbersQuery, refresh: bool = False
) -> reading.StatusCount | None:
    """How many numbers of the view and search are active, or inactive beside a listing of
    the active ones (`reading.status_count`)."""
    return reading.status_count(
        lambda counted: _numbers_of_view(numbers.replace(active=counted)),
        listed=numbers.active,
        version=reading.group_version(numbers.instance_id, numbers.skill_group_id),
        refresh=refresh,
        what=f"skill group {numbers.skill_group_id}",
    )


def phone_numbers_matching(*, numbers: NumbersQuery, limit: int) -> tuple[list[str], int]:
    """The numbers a view matches right now, asked of CCC (never the cache): at most `limit`
    of them, and how many match in all. The first page says how many; the rest are fetched
    side by side."""
    list_page = _numbers_of_view(numbers, page_size=MAX_PAGE_SIZE)
    first = list_page(page_number=1)
    wanted = min(first.total_count, limit, MAX_REACHABLE_ROWS)
    pages = [first.items]
    more = range(2, -(-wanted // MAX_PAGE_SIZE) + 1)
    if more:
        rest = reading.side_by_side(
            **{str(n): functools.partial(list_page, page_number=n) for n in more}
        )
        pages.extend(rest[str(n)].items for n in more)
    matching = [number.number for items in pages for number in items]
    return matching[:limit], first.total_count


def phone_number_api_page(*, numbers: NumbersQuery, page_number: int) -> Page[PhoneNumber]:
    """One API page of 100 of a view, asked of CCC (never the cache): an export is what CCC
    holds when it is made, and its hundred pages would crowd the cache out."""
    return _numbers_of_view(numbers)(page_number=page_number, page_size=MAX_PAGE_SIZE)


def _numbers_of_view(numbers: NumbersQuery, **paging: int) -> functools.partial[Page[PhoneNumber]]:
    """The client's listing of one view (linked or eligible), search and status, with the
    paging left to the caller."""
    return functools.partial(
        ccc_client().list_phone_numbers_of_skill_group,
        instance_id=numbers.instance_id,
        skill_group_id=numbers.skill_group_id,
        is_member=numbers.linked,
        search_pattern=numbers.search or None,
        active=numbers.active,
        **paging,
    )
