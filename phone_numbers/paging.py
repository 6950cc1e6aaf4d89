"""The one paging model, from the API's pages of 100 to the pager a list page shows.

The API reaches PageNumber 100 of PageSize 100, so the first 10,000 matches are reachable and no
more; every UI page size divides 100, so any UI page lies inside one API page: one call each.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.core.paginator import Paginator

from .ccc import Page
from .ccc.client import MAX_PAGE_NUMBER, MAX_PAGE_SIZE

T = TypeVar("T")

MAX_REACHABLE_ROWS = MAX_PAGE_NUMBER * MAX_PAGE_SIZE


def last_reachable_page(per_page: int) -> int:
    return MAX_REACHABLE_ROWS // per_page


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
