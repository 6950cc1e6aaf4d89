"""The numbers' status counts beside the status filter: how many of the view and search are
active and inactive, what they cost (one cached call beside each listing, side by side), and
that the page goes on without them when CCC cannot count.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

import pytest

from ccc import UnavailableError
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_SKILL_GROUP_ID,
)
from phone_numbers import connection, reading, selectors
from phone_numbers.queries import NumbersQuery
from portal.paging import ResultPage

from .emulator_data import listed_numbers
from .page_states import ATTEMPTS, retries_without_waiting
from .test_views import HOTLINE, NUMBERS, SKILL_GROUPS, get, numbers_in

LIST_NUMBERS = "ListPhoneNumbersOfSkillGroup"
COUNTS = re.compile(r'<p id="status-counts"([^>]*)>(.*?)</p>', re.S)
LATENCY = 0.3  # seconds each CCC call takes in the round-trip tests


def status_counts(response) -> str | None:
    """The counts' text as a screen reader reads it ("" when none are shown), or None when the
    response has no counts element."""
    match = COUNTS.search(response.content.decode())
    if match is None:
        return None
    return " ".join(re.sub(r"<[^>]+>", "", match.group(2)).split())


def expected(
    emulator, instance_id: str, skill_group_id: str, *, linked: bool = True, search: str = ""
) -> tuple[int, int]:
    """(active, inactive) as the emulator's data has them for a view and search."""

    def count(active: bool) -> int:
        numbers = listed_numbers(
            emulator, instance_id, skill_group_id, linked=linked, active=active
        )
        return sum(search in number for number in numbers)

    return count(True), count(False)


@pytest.fixture
def fast_retries() -> Iterator[None]:
    with retries_without_waiting():
        yield


@pytest.fixture
def listings(app_emulator) -> list[dict[str, str]]:
    """The parameters of every ListPhoneNumbersOfSkillGroup call the emulator answers."""
    calls: list[dict[str, str]] = []
    answer = app_emulator.product.handlers[LIST_NUMBERS]

    def recorded(params):
        calls.append(dict(params))
        return answer(params)

    app_emulator.product.handlers[LIST_NUMBERS] = recorded
    return calls


def is_count(call: dict[str, str]) -> bool:
    return call["PageSize"] == "1"


# -- what they say -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "instance_id", "skill_group_id", "view"),
    [
        (NUMBERS, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, {}),
        (
            NUMBERS + "?view=eligible",
            EXAMPLE_INSTANCE_ID,
            EXAMPLE_SKILL_GROUP_ID,
            {"linked": False},
        ),
        (NUMBERS + "?q=13", EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, {"search": "13"}),
        (
            NUMBERS + "?view=eligible&q=0833",
            EXAMPLE_INSTANCE_ID,
            EXAMPLE_SKILL_GROUP_ID,
            {"linked": False, "search": "0833"},
        ),
        (HOTLINE, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, {}),
    ],
    ids=["linked", "eligible", "search", "eligible-search", "hotline"],
)
@pytest.mark.parametrize("status", ["", "true", "false"], ids=["any", "active", "inactive"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "swap"])
def test_the_counts_are_the_view_and_searchs_whatever_the_filter(
    client, app_emulator, url, instance_id, skill_group_id, view, status, htmx
):
    separator = "&" if "?" in url else "?"
    response, _ = get(client, url + (f"{separator}active={status}" if status else ""), htmx=htmx)

    active, inactive = expected(app_emulator, instance_id, skill_group_id, **view)
    assert response.status_code == 200
    assert active and inactive  # the demo data has both in every case here
    assert status_counts(response) == f"Status counts: Active {active:,} · Inactive {inactive:,}"


def test_counts_past_ten_thousand_are_grouped_and_not_capped(client, app_emulator):
    response, page = get(client, HOTLINE + "?view=eligible", htmx=True)

    active, inactive = expected(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)
    assert active + inactive > 10_000
    assert active >= 1_000  # so the count is written with a thousands separator
    assert f"Showing 1–25 of {active + inactive:,} numbers" in page.text
    assert status_counts(response) == f"Status counts: Active {active:,} · Inactive {inactive:,}"


def test_the_counts_come_last_in_the_filter_with_a_label(client):
    """After every control, so a count that changes its width moves none of them."""
    response, _ = get(client, NUMBERS)

    content = response.content.decode()
    start = content.index('<form id="filters"')
    form = content[start : content.index("</form>", start)]
    assert form.index('name="active"') < form.index('name="per_page"')
    assert form.index('name="per_page"') < form.index('id="status-counts"')
    assert form.index('type="submit"') < form.index('id="status-counts"')
    assert '<span class="visually-hidden">Status counts: </span>' in form
    assert "hx-swap-oob" not in form  # a full page draws them in place


def test_a_swap_updates_the_counts_out_of_band(client, app_emulator):
    full, _ = get(client, NUMBERS)
    swap, page = get(client, NUMBERS + "?view=eligible&q=0833", htmx=True)

    active, inactive = expected(
        app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False, search="0833"
    )
    assert status_counts(full) != status_counts(swap)
    assert status_counts(swap) == f"Status counts: Active {active} · Inactive {inactive}"
    (attributes,) = COUNTS.findall(swap.content.decode())
    assert 'hx-swap-oob="true"' in attributes[0]
    assert not page.find("form", id="filters")  # the form itself is never swapped


@pytest.mark.parametrize("url", [SKILL_GROUPS, "/audit/"], ids=["skill-groups", "audit"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "swap"])
@pytest.mark.django_db
def test_other_lists_have_no_counts(client, url, htmx):
    response, _ = get(client, url, htmx=htmx)

    assert response.status_code == 200
    assert status_counts(response) is None


# -- what they cost ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counted"),
    [("", "true"), ("false", "true"), ("true", "false")],
    ids=["any", "inactive", "active"],
)
def test_one_count_of_pagesize_1_beside_each_listing(client, listings, status, counted):
    get(client, NUMBERS + "?q=0" + (f"&active={status}" if status else ""), htmx=True)

    (listing,) = [call for call in listings if not is_count(call)]
    (count,) = [call for call in listings if is_count(call)]
    assert listing["PageSize"] == "100"
    assert listing.get("Active", "") == status
    # The same view and search, of the other status (the listing's total completes it).
    assert (count["PageNumber"], count["Active"]) == ("1", counted)
    assert {k: v for k, v in count.items() if k not in ("PageSize", "Active")} == {
        k: v for k, v in listing.items() if k not in ("PageSize", "Active")
    }


def test_any_and_inactive_share_their_count(client, listings):
    get(client, NUMBERS, htmx=True)
    get(client, NUMBERS + "?active=false", htmx=True)
    get(client, NUMBERS, htmx=True)

    assert sum(map(is_count, listings)) == 1
    assert len(listings) == 2 + 1  # two listings (any, inactive), one count


def test_a_cached_repeat_costs_nothing(client, app_emulator):
    first, _ = get(client, NUMBERS + "?view=eligible&q=0")
    before = app_emulator.request_count

    again, _ = get(client, NUMBERS + "?view=eligible&q=0&page=2", htmx=True)
    full, _ = get(client, NUMBERS + "?view=eligible&q=0&per_page=50")

    assert app_emulator.request_count == before
    assert status_counts(first) == status_counts(again) == status_counts(full)
    assert status_counts(first).startswith("Status counts: Active")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "swap"])
def test_the_counts_cost_no_second_round_trip(client, app_emulator, listings, htmx):
    app_emulator.faults.latency = LATENCY

    started = time.monotonic()
    response, _ = get(client, NUMBERS, htmx=htmx)
    waited = time.monotonic() - started

    assert response.status_code == 200
    assert status_counts(response).startswith("Status counts: Active")
    assert sorted(call["PageSize"] for call in listings) == ["1", "100"]  # listing and count
    # Every call of the page side by side (a full page's skill group too): one round trip,
    # where one after another they would take two or more.
    assert app_emulator.request_count >= (2 if htmx else 3)
    assert LATENCY <= waited < 1.6 * LATENCY


def test_a_write_refreshes_the_counts(client, app_emulator):
    eligible = listed_numbers(
        app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False, active=True
    )
    before, _ = get(client, NUMBERS, htmx=True)
    connection.ccc_client().add_numbers_to_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, numbers=eligible[:2]
    )
    cached, _ = get(client, NUMBERS, htmx=True)

    reading.listings_invalidate(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )
    after, page = get(client, NUMBERS, htmx=True)

    active, inactive = expected(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID)
    assert status_counts(cached) == status_counts(before)  # the cache, until the write says
    assert status_counts(before) == f"Status counts: Active {active - 2} · Inactive {inactive}"
    assert status_counts(after) == f"Status counts: Active {active} · Inactive {inactive}"
    assert f"of {active + inactive} numbers" in page.text


@pytest.mark.parametrize("status", ["", "true"], ids=["any", "active"])
def test_refresh_asks_for_the_counts_again(client, app_emulator, status):
    url = NUMBERS + (f"?active={status}" if status else "")
    get(client, url, htmx=True)
    # A change made elsewhere (the CCC console): one more of the status the count counts.
    eligible = listed_numbers(
        app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False, active=not status
    )
    connection.ccc_client().add_numbers_to_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, numbers=eligible[:1]
    )

    response, _ = get(client, url + ("&" if status else "?") + "refresh=1", htmx=True)

    active, inactive = expected(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID)
    assert status_counts(response) == f"Status counts: Active {active} · Inactive {inactive}"


# -- when CCC cannot count ---------------------------------------------------------------------


@pytest.fixture
def counting_fails(app_emulator) -> None:
    """CCC fails every count (PageSize=1), and answers the listings."""
    answer = app_emulator.product.handlers[LIST_NUMBERS]

    def failing_counts(params):
        if params["PageSize"] == "1":
            raise UnavailableError("ServiceUnavailable", "No counts today.", http_status=503)
        return answer(params)

    app_emulator.product.handlers[LIST_NUMBERS] = failing_counts


@pytest.mark.usefixtures("counting_fails", "fast_retries")
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "swap"])
def test_the_page_goes_on_without_counts_ccc_cannot_make(client, app_emulator, caplog, htmx):
    response, page = get(client, NUMBERS, htmx=htmx)

    assert response.status_code == 200
    assert "Showing 1–25 of 61 numbers" in page.text
    assert (
        numbers_in(page)
        == listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID)[:25]
    )
    # The element is there and empty: a swap clears the counts of the view before.
    assert status_counts(response) == ""
    (logged,) = [r for r in caplog.records if r.getMessage().startswith("status counts")]
    assert logged.levelno == logging.WARNING
    assert "unavailable (ServiceUnavailable, RequestId " in logged.getMessage()


@pytest.mark.usefixtures("fast_retries")
def test_a_fault_on_every_count_attempt_leaves_the_cached_listing_shown(client, app_emulator):
    get(client, NUMBERS + "?view=eligible", htmx=True)  # what else a swap asks for is cached
    selectors.phone_number_list(
        numbers=NumbersQuery(
            instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, linked=True
        )
    )  # the listing is cached, its counts are not
    app_emulator.faults.inject("unavailable", times=ATTEMPTS, action=LIST_NUMBERS)
    before = app_emulator.request_count

    response, page = get(client, NUMBERS, htmx=True)

    assert response.status_code == 200
    assert "Showing 1–25 of 61 numbers" in page.text
    assert status_counts(response) == ""
    assert app_emulator.request_count - before == ATTEMPTS  # the count, tried and failing


@pytest.mark.usefixtures("counting_fails", "fast_retries")
def test_a_listing_that_fails_still_fails_the_page(client, app_emulator):
    app_emulator.faults.inject("internal", times=2 * ATTEMPTS, action=LIST_NUMBERS)

    response, page = get(client, NUMBERS, htmx=True)

    assert response.status_code == 502
    assert "The contact center service is unavailable." in page.text
    assert status_counts(response) is None


# -- the selector ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "count", "total", "counts"),
    [
        (None, 54, 61, reading.StatusCounts(active=54, inactive=7)),
        (True, 7, 54, reading.StatusCounts(active=54, inactive=7)),
        (False, 54, 7, reading.StatusCounts(active=54, inactive=7)),
        (None, 62, 61, reading.StatusCounts(active=62, inactive=0)),  # answers apart in time
    ],
)
def test_a_count_beside_its_listing_makes_the_counts(listed, count, total, counts):
    listing = ResultPage(items=(), page=1, per_page=25, total_count=total)

    assert reading.StatusCount(listed=listed, count=count).beside(listing) == counts


def test_the_selector_counts_through_the_listing_cache(app_emulator):
    arguments = {
        "numbers": NumbersQuery(EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=True),
    }
    first = selectors.phone_number_status_count(**arguments)
    again = selectors.phone_number_status_count(**arguments)
    fresh = selectors.phone_number_status_count(**arguments, refresh=True)

    active, _ = expected(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID)
    assert first == again == fresh == reading.StatusCount(listed=None, count=active)
    assert app_emulator.request_count == 2  # the first and the refreshed
