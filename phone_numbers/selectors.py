"""The reads views call: keyword-only, `<entity>_<action>`, returning domain types.

Listings are cached per API page of 100, keyed by every parameter and by a version per skill
group (its numbers) and per instance (its skill groups and their counts), so UI pages inside one
API page and repeats cost no call, and a write's `listings_invalidate` reaches every replica
sharing the cache on its next request. `refresh=True` asks CCC again whatever is cached.
The audit trail is read from the database on every request, never cached.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone, translation

from ccc import CccError, Instance, MediaType, Page, PhoneNumber, SkillGroup
from ccc.wire import MAX_PAGE_NUMBER, MAX_PAGE_SIZE
from portal.paging import Listed, ResultPage, fetch_result_page

from . import shared_cache
from .connection import ccc_client
from .queries import NumbersQuery

T = TypeVar("T")

SKILL_GROUP_CACHE_SECONDS = 60
# Flows and instances are renamed rarely, and a name is only a label for the id beside it.
NAMES_CACHE_SECONDS = 300
# After CCC refused or failed to list them: the ids are shown, and it is asked again after this.
NAMES_RETRY_SECONDS = 60

logger = logging.getLogger(__name__)
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
        _cached_listing(
            functools.partial(
                ccc_client().list_skill_groups,
                instance_id=instance_id,
                search_pattern=search or None,
                media_type=media_type,
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


def contact_flow_names(*, instance_id: str, refresh: bool = False) -> dict[str, str]:
    """The name of each of the instance's IVR flows by its id (every flow the API can list),
    cached for a few minutes; never an error (`_names`)."""

    def read() -> dict[str, str]:
        client, names = ccc_client(), {}
        for page_number in range(1, MAX_PAGE_NUMBER + 1):
            page = client.list_contact_flows(
                instance_id=instance_id, page_number=page_number, page_size=MAX_PAGE_SIZE
            )
            names.update((flow.contact_flow_id, flow.name) for flow in page.items if flow.name)
            if page_number * MAX_PAGE_SIZE >= page.total_count or not page.items:
                break
        return names

    return _names(f"contact flow names of instance {instance_id}", read, refresh=refresh)


def instance_names(*, refresh: bool = False) -> dict[str, str]:
    """Each instance's name by its id, for headings and breadcrumbs; never an error
    (`_names`)."""
    return _names(
        "instance names",
        lambda: {
            instance.instance_id: instance.name for instance in instance_list() if instance.name
        },
        refresh=refresh,
    )


def _names(what: str, read: Callable[[], dict[str, str]], *, refresh: bool) -> dict[str, str]:
    """Names by id that pages show beside ids, cached for a few minutes.

    When CCC refuses (a RAM policy without the action) or fails, the page shows the ids. That
    is logged and remembered for a shorter while, so a refused permission does not cost a call
    on every page.
    """
    key = shared_cache.key(what, settings.CCC_ENDPOINT, settings.CCC_ACCESS_KEY_ID)
    names = None if refresh else shared_cache.get(key)
    if names is not None:
        return names
    try:
        names = read()
    except CccError as error:
        logger.warning("%s unavailable (%s); showing their ids", what, error.code)
        shared_cache.put(key, {}, NAMES_RETRY_SECONDS)
        return {}
    shared_cache.put(key, names, NAMES_CACHE_SECONDS)
    return names


def phone_number_list(
    *,
    numbers: NumbersQuery,
    page: int = 1,
    per_page: int = 25,
    refresh: bool = False,
) -> ResultPage[PhoneNumber]:
    """The numbers linked to a skill group, or (not `linked`) those that could be linked."""
    return fetch_result_page(
        _cached_listing(
            _numbers_of_view(numbers),
            version=_group_version(numbers),
            refresh=refresh,
        ),
        page=page,
        per_page=per_page,
    )


@dataclass(frozen=True)
class StatusCounts:
    """How many numbers of one view and search are active and how many inactive."""

    active: int
    inactive: int


@dataclass(frozen=True)
class StatusCount:
    """The one count a listing's status counts need besides the listing's own total.

    `listed` is the status the listing is filtered by (None: any); `count` is how many numbers
    of its view and search are active, or, beside a listing of the active ones, inactive.
    """

    listed: bool | None
    count: int

    def beside(self, listing: ResultPage[PhoneNumber]) -> StatusCounts:
        """The counts, with the total of the listing this count was asked beside."""
        total = listing.total_count
        if self.listed is True:
            return StatusCounts(active=total, inactive=self.count)
        if self.listed is False:
            return StatusCounts(active=self.count, inactive=total)
        # Two answers, perhaps cached a few seconds apart: never less than none inactive.
        return StatusCounts(active=self.count, inactive=max(total - self.count, 0))


def phone_number_status_count(
    *, numbers: NumbersQuery, refresh: bool = False
) -> StatusCount | None:
    """What the listing of a view and search filtered by `active` needs to say how many of
    them are active and inactive: one call of PageSize=1, asked side by side with the listing.

    The listing's own total is one of the numbers (all of them, the active or the inactive
    ones), so one count completes it: the active ones beside a listing of any status or of the
    inactive ones (both ask the same call, so switching between them costs no count), the
    inactive ones beside a listing of the active ones. Counting the total instead would cost
    the same call and a subtraction. Cached like the listing (same cache, same group version),
    so a write's `listings_invalidate` and Refresh reach the counts too.

    Never an error: when CCC fails to count, that is logged and the page shows the listing
    without counts (None).
    """
    counted = numbers.active is not True  # the active ones, unless the listing has them
    try:
        listed = _cached_listing(
            _numbers_of_view(numbers.replace(active=counted)),
            version=_group_version(numbers),
            refresh=refresh,
        )(page_number=1, page_size=1)
    except CccError as error:
        logger.warning(
            "status counts of skill group %s unavailable (%s, RequestId %s); showing none",
            numbers.skill_group_id,
            error.code,
            error.request_id,
        )
        return None
    return StatusCount(listed=numbers.active, count=listed.page.total_count)


def listings_invalidate(*, instance_id: str, skill_group_id: str) -> None:
    """After a write to a group: its listings, and its instance's skill-group list (whose
    number counts change), are asked of CCC again, by every replica sharing the cache."""
    shared_cache.bump(_group_version_key(instance_id, skill_group_id))
    shared_cache.bump(_instance_version_key(instance_id))


def side_by_side(**reads: Callable[[], Any]) -> dict[str, Any]:
    """Run the reads one page needs at once, so it waits for one round trip, not several.

    The first read runs in this thread while the others run in the pool: handing it over too
    would only add a thread switch. Each of the others runs in a copy of this context, so the
    request's budget goes along, and in the request's language (Django keeps that per thread,
    which a context copy does not carry). Every read is waited for, even after one failed (the
    request's budget bounds them all), so none outlives its response; then the first failure
    is raised, as it would have been one after another.
    """
    (first_name, first_read), *others = reads.items()
    language = translation.get_language()
    futures = {
        name: _side_by_side.submit(contextvars.copy_context().run, _in_language, language, read)
        for name, read in others
    }
    try:
        first = first_read()
    finally:
        wait(futures.values())
    return {first_name: first, **{name: future.result() for name, future in futures.items()}}


def in_order(reads: Iterable[Callable[[], T]], *, in_flight: int) -> Iterator[T]:
    """The results of `reads`, in their order, with up to `in_flight` of them running side by
    side: a long listing is handed on as it arrives, never waited for or held whole.

    The reads carry the context and language of this call, not of whoever iterates later (a
    streamed response's body runs after its view and the request's budget are done). A failure
    is raised in its turn; reads still queued are cancelled and those running waited for, as
    when the iteration is closed early.
    """
    context = contextvars.copy_context()
    language = translation.get_language()
    queued = iter(reads)

    def start(read: Callable[[], T]) -> Future[T]:
        # A copy each: one context cannot be entered by two threads at once.
        return _side_by_side.submit(context.copy().run, _in_language, language, read)

    def results() -> Iterator[T]:
        running = deque(map(start, itertools.islice(queued, in_flight)))
        try:
            while running:
                result = running.popleft().result()
                running.extend(map(start, itertools.islice(queued, 1)))
                yield result
        finally:
            for future in running:
                future.cancel()
            wait(running)

    return results()


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

    def fetched(page_number: int, page_size: int) -> Listed[T]:
        return Listed(list_page(page_number=page_number, page_size=page_size), timezone.now())

    def listed(*, page_number: int, page_size: int) -> Listed[T]:
        seconds = settings.CCC_LISTING_CACHE_SECONDS
        if seconds <= 0:
            # No listing cache at all: nothing kept, nor read (what an earlier setting left).
            return fetched(page_number, page_size)
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
        if cached is None:
            cached = fetched(page_number, page_size)
            shared_cache.put(key, cached, seconds)
        return cached

    return listed


def _group_version_key(instance_id: str, skill_group_id: str) -> str:
    return shared_cache.key("version", "skill-group", instance_id, skill_group_id)


def _instance_version_key(instance_id: str) -> str:
    return shared_cache.key("version", "instance", instance_id)


def _group_version(numbers: NumbersQuery) -> object:
    return shared_cache.get(_group_version_key(numbers.instance_id, numbers.skill_group_id))


def _instance_version(instance_id: str) -> object:
    return shared_cache.get(_instance_version_key(instance_id))


def phone_numbers_matching(*, numbers: NumbersQuery, limit: int) -> tuple[list[str], int]:
    """The numbers a view matches right now, asked of CCC (never the cache): at most `limit`
    of them, and how many match in all. The first page says how many; the rest are fetched
    side by side."""
    list_page = _numbers_of_view(numbers, page_size=MAX_PAGE_SIZE)
    first = list_page(page_number=1)
    wanted = min(first.total_count, limit, MAX_PAGE_NUMBER * MAX_PAGE_SIZE)
    pages = [first.items]
    more = range(2, -(-wanted // MAX_PAGE_SIZE) + 1)
    if more:
        rest = side_by_side(**{str(n): functools.partial(list_page, page_number=n) for n in more})
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
