"""The one paging model, from the API's pages of 100 to the pager a list page shows.

The API reaches PageNumber 100 of PageSize 100, so the first 10,000 matches are reachable and no
more; every UI page size divides 100, so any UI page lies inside one API page: one call each.
A list read from the database (the audit trail) reaches every row: its result pages say so with
`max_rows=None`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from django.core.paginator import Paginator

from ccc import Page
from ccc.wire import MAX_PAGE_NUMBER, MAX_PAGE_SIZE

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

MAX_REACHABLE_ROWS = MAX_PAGE_NUMBER * MAX_PAGE_SIZE


def last_reachable_page(per_page: int, max_rows: int = MAX_REACHABLE_ROWS) -> int:
    return max_rows // per_page


@dataclass(frozen=True)
class Listed(Generic[T]):
    """An API page and when CCC answered it (a cached page keeps its original time)."""

    page: Page[T]
    fetched_at: datetime


@dataclass(frozen=True)
class ResultPage(Generic[T]):
    """One UI page of rows, what the API says of all the matches, and how fresh that is."""

    items: tuple[T, ...]
    page: int
    per_page: int
    total_count: int
    fetched_at: datetime | None = None
    # How many of the matches can be listed: the API's 10,000, or None (a database list) for all.
    max_rows: int | None = MAX_REACHABLE_ROWS

    @property
    def reachable_count(self) -> int:
        if self.max_rows is None:
            return self.total_count
        return min(self.total_count, self.max_rows)

    @property
    def is_truncated(self) -> bool:
        return self.max_rows is not None and self.total_count > self.max_rows

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.reachable_count / self.per_page))

    @property
    def is_past_the_end(self) -> bool:
        return self.page > self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0

    def page_numbers(self) -> Iterator[int | str]:
        """The page numbers a pager shows: the ends, the current page's neighbours, and
        Django's ellipsis between them."""
        # Django's elision over a stand-in of the right length; nothing is fetched for it.
        paginator = Paginator(range(self.reachable_count), self.per_page)
        return paginator.get_elided_page_range(self.page, on_each_side=2, on_ends=1)


def fetch_result_page(
    list_page: Callable[..., Listed[T]], *, page: int, per_page: int
) -> ResultPage[T]:
    """Fetch the API page of 100 holding UI page `page` and slice it: one call, any per_page.

    `list_page` lists with its filters bound; it is called with `page_number` and `page_size`.
    """
    if MAX_PAGE_SIZE % per_page:
        raise ValueError(f"per_page must divide {MAX_PAGE_SIZE}, not {per_page}")
    page = min(max(page, 1), last_reachable_page(per_page))
    offset = (page - 1) * per_page
    listed = list_page(page_number=offset // MAX_PAGE_SIZE + 1, page_size=MAX_PAGE_SIZE)
    start = offset % MAX_PAGE_SIZE
    return ResultPage(
        items=listed.page.items[start : start + per_page],
        page=page,
        per_page=per_page,
        total_count=listed.page.total_count,
        fetched_at=listed.fetched_at,
    )


class Countable(Protocol[T_co]):
    """What a database list is read through: a queryset, counted once and sliced."""

    def count(self) -> int: ...

    def __getitem__(self, index: slice) -> Iterable[T_co]: ...


def slice_result_page(rows: Countable[T], *, page: int, per_page: int) -> ResultPage[T]:
    """UI page `page` of a database list: one count, then one slice, which a page past the end
    does not send (however large its offset). Every row is reachable: no 10,000 cap."""
    page = max(page, 1)
    total_count = rows.count()
    offset = (page - 1) * per_page
    items = tuple(rows[offset : offset + per_page]) if offset < total_count else ()
    return ResultPage(
        items=items, page=page, per_page=per_page, total_count=total_count, max_rows=None
    )
