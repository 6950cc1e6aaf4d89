"""paging: UI pages cut from the API's pages of 100, and the 10,000 rows the API reaches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccc import PhoneNumber
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    OVERFLOW_SKILL_GROUP_ID,
)
from phone_numbers import connection, selectors
from phone_numbers.queries import NumbersQuery
from portal.paging import (
    Listed,
    ResultPage,
    fetch_result_page,
    last_reachable_page,
    slice_result_page,
)

from .emulator_data import listed_numbers

FETCHED_AT = datetime(2026, 12, 1, 14, 2, 11, tzinfo=UTC)


def fake_numbers(count: int) -> tuple[PhoneNumber, ...]:
    return tuple(
        PhoneNumber(f"0833{i:08d}", "ccc-test", True, "Inbound", "四川", "乐山", "")
        for i in range(count)
    )


# -- ResultPage ------------------------------------------------------------------------------


def test_result_page_indexes_are_one_based_and_inclusive():
    page = ResultPage(items=fake_numbers(25), page=3, per_page=25, total_count=61)

    assert page.start_index == 51
    assert page.end_index == 75
    assert page.num_pages == 3
    assert page.reachable_count == 61
    assert not page.is_truncated


def test_a_short_last_page_ends_at_its_last_row():
    page = ResultPage(items=fake_numbers(11), page=3, per_page=25, total_count=61)

    assert (page.start_index, page.end_index) == (51, 61)


def test_an_empty_page_has_no_indexes_and_one_page():
    page = ResultPage(items=(), page=1, per_page=25, total_count=0)

    assert (page.start_index, page.end_index) == (0, 0)
    assert page.num_pages == 1


def test_a_page_past_the_end_has_no_indexes_but_knows_the_page_count():
    page = ResultPage(items=(), page=7, per_page=25, total_count=1)

    assert (page.start_index, page.end_index) == (0, 0)
    assert page.num_pages == 1


@pytest.mark.parametrize(
    ("total", "per_page", "reachable", "pages", "truncated"),
    [
        (10_000, 10, 10_000, 1000, False),
        (10_001, 10, 10_000, 1000, True),
        (11_318, 25, 10_000, 400, True),
        (10_400, 100, 10_000, 100, True),
        (9_999, 100, 9_999, 100, False),
        (101, 50, 101, 3, False),
    ],
)
def test_result_pages_stop_at_the_10000_the_api_reaches(
    total, per_page, reachable, pages, truncated
):
    page = ResultPage(items=fake_numbers(per_page), page=1, per_page=per_page, total_count=total)

    assert page.reachable_count == reachable
    assert page.num_pages == pages
    assert page.is_truncated is truncated


def test_the_last_reachable_page_holds_the_10000th_row_whatever_the_page_size():
    assert [last_reachable_page(n) for n in (10, 25, 50, 100)] == [1000, 400, 200, 100]


# -- fetch_result_page: one API page of 100, sliced ------------------------------------------


@pytest.mark.parametrize(
    ("page", "per_page", "api_page"),
    [
        (1, 25, 1),
        (4, 25, 1),
        (5, 25, 2),
        (13, 10, 2),
        (3, 50, 2),
        (2, 100, 2),
        (1000, 10, 100),
        (400, 25, 100),
    ],
)
def test_result_page_asks_for_the_api_page_holding_the_rows(app_emulator, page, per_page, api_page):
    asked = []

    def list_page(*, page_number: int, page_size: int) -> Listed[PhoneNumber]:
        asked.append((page_number, page_size))
        api_page = connection.ccc_client().list_phone_numbers_of_skill_group(
            instance_id=BULK_INSTANCE_ID,
            skill_group_id=BULK_SKILL_GROUP_ID,
            is_member=False,
            page_number=page_number,
            page_size=page_size,
        )
        return Listed(api_page, FETCHED_AT)

    result = fetch_result_page(list_page, page=page, per_page=per_page)

    expected = listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)
    offset = (page - 1) * per_page
    assert asked == [(api_page, 100)]
    assert [n.number for n in result.items] == expected[offset : offset + per_page]
    assert result.page == page
    assert result.total_count == len(expected)
    assert result.fetched_at == FETCHED_AT


@pytest.mark.parametrize(("asked", "served"), [(0, 1), (-5, 1), (1001, 1000), (10**9, 1000)])
def test_result_page_clamps_the_page_into_reach(app_emulator, asked, served):
    result = selectors.phone_number_list(
        numbers=NumbersQuery(
            instance_id=BULK_INSTANCE_ID, skill_group_id=OVERFLOW_SKILL_GROUP_ID, linked=True
        ),
        page=asked,
        per_page=10,
    )

    expected = listed_numbers(app_emulator, BULK_INSTANCE_ID, OVERFLOW_SKILL_GROUP_ID, linked=True)
    assert result.page == served
    assert [n.number for n in result.items] == expected[(served - 1) * 10 : served * 10]


@pytest.mark.parametrize("per_page", [30, 101, 7])
def test_result_page_refuses_a_page_size_that_does_not_divide_100(per_page):
    def list_page(**paging: int) -> Listed[PhoneNumber]:
        raise AssertionError("nothing should be fetched")

    with pytest.raises(ValueError, match="per_page must divide 100"):
        fetch_result_page(list_page, page=1, per_page=per_page)


# -- a database list: every row reachable, one count and one slice ---------------------------


@pytest.mark.parametrize(("total", "per_page", "pages"), [(11_318, 25, 453), (10_001, 10, 1001)])
def test_a_database_list_reaches_every_row(total, per_page, pages):
    page = ResultPage(
        items=fake_numbers(per_page), page=1, per_page=per_page, total_count=total, max_rows=None
    )

    assert page.reachable_count == total
    assert page.num_pages == pages
    assert not page.is_truncated


class CountedRows:
    """A queryset stand-in that notes what is asked of it."""

    def __init__(self, count: int) -> None:
        self.rows = list(range(count))
        self.asked: list[object] = []

    def count(self) -> int:
        self.asked.append("count")
        return len(self.rows)

    def __getitem__(self, index: slice) -> list[int]:
        self.asked.append((index.start, index.stop))
        return self.rows[index]


@pytest.mark.parametrize(
    ("page", "per_page", "served", "rows"),
    [
        (1, 25, 1, range(25)),
        (3, 25, 3, range(50, 61)),
        (0, 10, 1, range(10)),
        (-4, 10, 1, range(10)),
    ],
)
def test_a_database_page_is_one_count_and_one_slice(page, per_page, served, rows):
    listed = CountedRows(61)

    result = slice_result_page(listed, page=page, per_page=per_page)

    start = (served - 1) * per_page
    assert listed.asked == ["count", (start, start + per_page)]
    assert result.items == tuple(rows)
    assert (result.page, result.total_count, result.max_rows) == (served, 61, None)


@pytest.mark.parametrize("page", [4, 10**30])
def test_a_database_page_past_the_end_asks_for_no_rows(page):
    listed = CountedRows(61)

    result = slice_result_page(listed, page=page, per_page=25)

    assert listed.asked == ["count"]
    assert result.items == ()
    assert result.page == page
    assert result.is_past_the_end
