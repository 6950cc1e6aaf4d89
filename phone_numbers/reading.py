"""How the reads are made: side by side, in order, and through the shared cache.

Listings are cached per API page of 100, keyed by every parameter and by a version: per skill
group (its numbers) and per instance (its skill groups and their counts, and its numbers with
the groups each serves). A write's `listings_invalidate` bumps both, so every replica sharing the
cache asks CCC again on its next request, whichever page shows the change. Names shown beside
ids (flows, instances, agents) are cached for a few minutes, and their failure is never an error.
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

from ccc import CccError, Page
from ccc.wire import MAX_PAGE_NUMBER, MAX_PAGE_SIZE
from portal.paging import Listed, ResultPage

from . import shared_cache

T = TypeVar("T")

# Flows, instances and agents are renamed rarely, and a name is only a label for the id beside
# it.
NAMES_CACHE_SECONDS = 300
# After CCC refused or failed to list them: the ids are shown, and it is asked again after this.
NAMES_RETRY_SECONDS = 60

logger = logging.getLogger(__name__)
# One worker per connection to CCC: the pool is sized for every server thread's reads at once.
_side_by_side = ThreadPoolExecutor(
    max_workers=settings.CCC_MAX_CONNECTIONS, thread_name_prefix="ccc-read"
)


def listings_invalidate(*, instance_id: str, skill_group_id: str) -> None:
    """After a write to a group: its listings, and its instance's listings (its skill groups,
    whose number counts change, and its numbers, with the groups each serves), are asked of
    CCC again, by every replica sharing the cache."""
    shared_cache.bump(_group_version_key(instance_id, skill_group_id))
    shared_cache.bump(_instance_version_key(instance_id))


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

    def beside(self, listing: ResultPage[Any]) -> StatusCounts:
        """The counts, with the total of the listing this count was asked beside."""
        total = listing.total_count
        if self.listed is True:
            return StatusCounts(active=total, inactive=self.count)
        if self.listed is False:
            return StatusCounts(active=self.count, inactive=total)
        # Two answers, perhaps cached a few seconds apart: never less than none inactive.
        return StatusCounts(active=self.count, inactive=max(total - self.count, 0))


def status_count(
    list_numbers: Callable[[bool], functools.partial[Page[Any]]],
    *,
    listed: bool | None,
    version: object,
    refresh: bool,
    what: str,
) -> StatusCount | None:
    """What a listing of numbers filtered by `listed` (active, inactive, any) needs to say how
    many of them are active and inactive: one call of PageSize=1 of `list_numbers(active)`,
    asked side by side with the listing.

    The listing's own total is one of the numbers (all of them, the active or the inactive
    ones), so one count completes it: the active ones beside a listing of any status or of the
    inactive ones (both ask the same call, so switching between them costs no count), the
    inactive ones beside a listing of the active ones. Counting the total instead would cost
    the same call and a subtraction. Cached like the listing (same cache, same version), so a
    write's `listings_invalidate` and Refresh reach the counts too.

    Never an error: when CCC fails to count, that is logged and the page shows the listing
    without counts (None).
    """
    counted = listed is not True  # the active ones, unless the listing has them
    try:
        answer = cached_listing(list_numbers(counted), version=version, refresh=refresh)(
            page_number=1, page_size=1
        )
    except CccError as error:
        logger.warning(
            "status counts of %s unavailable (%s, RequestId %s); showing none",
            what,
            error.code,
            error.request_id,
        )
        return None
    return StatusCount(listed=listed, count=answer.page.total_count)


def every_page(page_of: Callable[[int], Page[T]]) -> Iterator[Page[T]]:
    """The API pages of 100 of a listing, from the first, until they hold every match (at
    most the API's 10,000) or one comes back empty; `page_of(n)` asks for page n."""
    for page_number in range(1, MAX_PAGE_NUMBER + 1):
        page = page_of(page_number)
        yield page
        if page_number * MAX_PAGE_SIZE >= page.total_count or not page.items:
            return


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


def cached_listing(
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


def group_version(instance_id: str, skill_group_id: str) -> object:
    return shared_cache.get(_group_version_key(instance_id, skill_group_id))


def instance_version(instance_id: str) -> object:
    return shared_cache.get(_instance_version_key(instance_id))


def names(what: str, read: Callable[[], dict[str, str]], *, refresh: bool) -> dict[str, str]:
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
