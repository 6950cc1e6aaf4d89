"""The dashboard through Django's test client, against the app's embedded emulator.

Full pages and htmx fragments, every query parameter, the 10,000 cap, the error pages and
fragments for each kind of CCC failure, and how many API calls each response costs.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import stamina
from django.test import Client

from ccc import MediaType
from ccc.emulator import DEMO_ACCESS_KEY_SECRET
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    CHAT_SKILL_GROUP_ID,
    EXAMPLE_CONTACT_FLOW_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
    OVERFLOW_SKILL_GROUP_ID,
    VIDEO_SKILL_GROUP_ID,
)
from phone_numbers import connection, reading

from .emulator_data import listed_numbers
from .pages import Html, template_syntax_in

INSTANCES = "/"
SKILL_GROUPS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/"
NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
HOTLINE = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{BULK_SKILL_GROUP_ID}/numbers/"
OVERFLOW = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{OVERFLOW_SKILL_GROUP_ID}/numbers/"
LIST_NUMBERS = "ListPhoneNumbersOfSkillGroup"
# What the numbers form leaves out of links.
NUMBER_DEFAULTS = {"view": "linked", "q": "", "active": "", "per_page": "25", "page": "1"}
MODES = ["page", "fragment", "restore"]
ATTEMPTS = 3
# A numbers page asks LIST_NUMBERS twice side by side: its listing, and its status counts (a
# fault for every attempt of the listing needs as many again for the counts, or the counts
# could take some of them and leave the listing answered).
LISTING_READS = 2
WRONG_SECRET = "not-the-secret-the-emulator-knows"


# -- helpers -----------------------------------------------------------------------------------


def get(
    client: Client, url: str, *, htmx: bool = False, restore: bool = False
) -> tuple[object, Html]:
    """GET a page (as htmx, or as an htmx history restore) and parse it; its visible text is
    interface, never template syntax that failed to render."""
    headers = {}
    if htmx or restore:
        headers["HX-Request"] = "true"
    if restore:
        headers["HX-History-Restore-Request"] = "true"
    response = client.get(url, headers=headers)
    page = Html(response.content.decode())
    assert template_syntax_in(page.text) == []
    return response, page


def get_mode(client: Client, url: str, mode: str) -> tuple[object, Html]:
    return get(client, url, htmx=mode == "fragment", restore=mode == "restore")


def is_full_page(response) -> bool:
    return b"<html" in response.content


def vary(response) -> list[str]:
    return [value.strip() for value in response.get("Vary", "").split(",")]


def column(page: Html, header: str) -> list[str]:
    """One column's cells, found by its header (editors' tables begin with checkboxes)."""
    index = page.headers.index(header)
    return [row[index] for row in page.rows]


def numbers_in(page: Html) -> list[str]:
    return column(page, "Number")


def generated_urls(response, page: Html, path: str) -> list[str]:
    """Every link the response makes to `path`: hrefs, hx-gets, the share URL, the pushed URL."""
    values = [
        *page.attribute_values("href"),
        *page.attribute_values("hx-get"),
        *page.attribute_values("data-copy-url"),
    ]
    if response.has_header("HX-Push-Url"):
        values.append(response["HX-Push-Url"])
    return [value for value in values if urlsplit(value).path == path]


def assert_error(response, page: Html, status: int, *, htmx: bool) -> None:
    """The error came as the alert fragment (htmx) or a full page, with the right status."""
    assert response.status_code == status
    assert "HX-Request" in vary(response)
    assert page.find("div", role="alert"), "no alert in the error response"
    if htmx:
        assert not is_full_page(response)
        assert not page.find("main")
    else:
        assert is_full_page(response)
        assert {"Go back", "Retry"} & {text for _, text in page.links}


def request_ids_logged(caplog) -> list[str]:
    return [
        match.group(1)
        for record in caplog.records
        if (match := re.search(r"failed: .*request_id=(\S+)", record.getMessage()))
    ]


def listing_request_ids(caplog) -> list[str]:
    """The RequestIds of the failed calls but those of the status counts, which the page goes
    on without (and logs as such)."""
    counts = {
        match.group(1)
        for record in caplog.records
        if (match := re.match(r"status counts .*RequestId ([^)]+)\)", record.getMessage()))
    }
    return [request_id for request_id in request_ids_logged(caplog) if request_id not in counts]


@pytest.fixture
def fast_retries() -> Iterator[None]:
    stamina.set_testing(True, attempts=ATTEMPTS)
    yield
    stamina.set_testing(False)


# -- full page, fragment, history restore ------------------------------------------------------


def test_the_full_page_has_the_header_filters_and_results(client, app_emulator):
    response, page = get(client, NUMBERS)

    assert response.status_code == 200
    assert is_full_page(response)
    assert "<title>Customer service · Numbers · cccadmin</title>" in response.content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode()).group(1)
    assert heading == "Customer service"
    assert f'<code class="small">{EXAMPLE_SKILL_GROUP_ID}</code>' in response.content.decode()
    # The instance by its name, in the heading and the breadcrumbs.
    assert "instance CCC test" in page.text
    assert (SKILL_GROUPS, "CCC test") in page.links
    assert page.find("form", id="filters")
    assert page.find("div", id="results")
    assert len(page.rows) == 25
    assert not response.has_header("HX-Push-Url")


def test_an_htmx_swap_gets_only_the_results_region(client, app_emulator):
    response, page = get(client, NUMBERS, htmx=True)

    assert response.status_code == 200
    assert not is_full_page(response)
    assert b"<h1" not in response.content
    assert not page.find("form", id="filters")
    assert not page.find("div", id="results")  # the region's content, not the region
    assert page.find("table")
    assert (
        numbers_in(page)
        == listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID)[:25]
    )
    assert "Showing 1–25 of 61 numbers" in page.text


def test_a_history_restore_gets_the_full_page(client, app_emulator):
    response, page = get(client, NUMBERS + "?page=2", restore=True)

    assert response.status_code == 200
    assert is_full_page(response)
    assert page.find("form", id="filters")
    assert "Customer service" in page.text
    assert "Showing 26–50 of 61 numbers" in page.text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("url", [NUMBERS, SKILL_GROUPS], ids=["numbers", "skill-groups"])
def test_every_list_response_varies_on_hx_request(client, app_emulator, url, mode):
    response, _ = get_mode(client, url, mode)

    assert response.status_code == 200
    assert "HX-Request" in vary(response)
    assert "HX-History-Restore-Request" in vary(response)


@pytest.mark.parametrize(
    ("query", "pushed"),
    [
        ("?q=0833&active=&per_page=25&view=linked", "?q=0833"),
        ("", ""),
        ("?view=linked&page=1&per_page=25", ""),
        ("?page=2&per_page=10&view=eligible", "?view=eligible&per_page=10&page=2"),
        ("?q=0833-001%20(1)", "?q=08330011"),
        ("?view=junk&active=maybe&page=-5&per_page=7", ""),
        ("?utm_source=mail&q=0833", "?q=0833"),
    ],
)
def test_htmx_swaps_push_the_canonical_url(client, app_emulator, query, pushed):
    response, _ = get(client, NUMBERS + query, htmx=True)

    assert response["HX-Push-Url"] == NUMBERS + pushed


def test_skill_group_swaps_push_the_canonical_url(client, app_emulator):
    response, page = get(client, SKILL_GROUPS + "?q=sales&per_page=25&page=1", htmx=True)

    assert not is_full_page(response)
    assert response["HX-Push-Url"] == SKILL_GROUPS + "?q=sales"
    assert len(page.rows) == 2


def test_htmx_links_keep_a_real_href(client, app_emulator):
    _, page = get(client, NUMBERS + "?page=2", htmx=True)

    links = page.find("a")
    with_htmx = [attrs for attrs in links if "hx-get" in attrs]
    assert len(with_htmx) >= 6  # two views, previous, next, pages
    assert all(attrs["href"] == attrs["hx-get"] for attrs in with_htmx)


# -- view ------------------------------------------------------------------------------------


def test_the_eligible_view_lists_numbers_not_linked(client, app_emulator):
    _, page = get(client, NUMBERS + "?view=eligible", htmx=True)

    eligible = listed_numbers(
        app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False
    )
    assert numbers_in(page) == eligible[:25]
    assert f"of {len(eligible)} numbers" in page.text
    toggles = [attrs for attrs in page.find("a") if "nav-link" in attrs.get("class", "")]
    assert [(attrs["href"], attrs.get("aria-current")) for attrs in toggles] == [
        (NUMBERS, None),
        (NUMBERS + "?view=eligible", "page"),
    ]
    assert "could be linked to this skill group but are not" in page.text


@pytest.mark.parametrize(
    ("skill_group_id", "why"),
    [
        (
            CHAT_SKILL_GROUP_ID,
            "Phone numbers serve voice skill groups; Online chat is a chat group.",
        ),
        (
            VIDEO_SKILL_GROUP_ID,
            "Phone numbers serve voice skill groups; Video support is a video group.",
        ),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_another_medium_s_eligible_view_offers_nothing_and_says_why(
    client, app_emulator, skill_group_id, why, mode
):
    numbers = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{skill_group_id}/numbers/"

    response, page = get_mode(client, numbers + "?view=eligible", mode)

    assert response.status_code == 200
    # Said once, in place of the rows.
    assert page.rows == []
    assert page.text.count(why) == 1
    assert not page.find("form", id="selection")
    assert "Link to this skill group" not in page.text
    # Nor are the numbers it does not offer counted.
    counts = re.search(r'<p id="status-counts"[^>]*>(.*?)</p>', response.content.decode())
    assert counts.group(1) == ""


def test_another_medium_s_linked_view_lists_what_is_linked_to_unlink(client, app_emulator):
    chat = app_emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups[CHAT_SKILL_GROUP_ID]
    chat.linked.update([EXAMPLE_NUMBER, "010012616633"])
    numbers = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{CHAT_SKILL_GROUP_ID}/numbers/"

    _, page = get(client, numbers)

    assert numbers_in(page) == ["010012616633", EXAMPLE_NUMBER]
    assert page.find("form", id="selection")
    assert page.find("button", id="act-on-selection")
    assert "Unlink" in page.text


def test_a_junk_view_shows_the_linked_numbers_and_says_so(client, app_emulator):
    response, page = get(client, NUMBERS + "?view=junk")

    assert response.status_code == 200
    assert "“junk” is not a valid value for “View”; showing the default." in page.text
    assert (
        numbers_in(page)
        == listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID)[:25]
    )


def test_a_notice_escapes_what_it_quotes(client, app_emulator):
    response, page = get(client, NUMBERS + "?view=%3Cscript%3Ealert(1)%3C/script%3E")

    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    assert "“<script>alert(1)</script>” is not a valid value for “View”" in page.text


# -- q -----------------------------------------------------------------------------------------


def test_the_search_is_normalised_and_shown_normalised(client, app_emulator):
    _, page = get(client, NUMBERS + "?q=0833-001%20(1)")

    assert page.find("input", name="q")[0]["value"] == "08330011"
    assert numbers_in(page) == [EXAMPLE_NUMBER]
    assert "Showing 1–1 of 1 number" in page.text


def test_a_long_search_is_cut_with_a_visible_notice(client, app_emulator):
    response, page = get(client, NUMBERS + "?q=" + "0" * 40, htmx=True)

    assert "The search was cut to its first 32 characters." in page.text
    assert response["HX-Push-Url"] == NUMBERS + "?q=" + "0" * 32
    assert "No numbers match." in page.text


def test_the_search_lists_what_the_api_matches(client, app_emulator):
    response, page = get(client, NUMBERS + "?q=0-1&per_page=100", htmx=True)

    expected = connection.ccc_client().list_phone_numbers_of_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        is_member=True,
        search_pattern="01",
        page_size=100,
    )
    assert expected.items
    assert numbers_in(page) == [n.number for n in expected.items]
    assert response["HX-Push-Url"] == NUMBERS + "?q=01&per_page=100"


# -- active ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "active", "word"), [("true", True, "Active"), ("false", False, "Inactive")]
)
def test_the_status_filter_lists_only_that_status(client, app_emulator, value, active, word):
    _, page = get(client, NUMBERS + f"?active={value}&per_page=100", htmx=True)

    expected = listed_numbers(
        app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, active=active
    )
    assert expected
    assert numbers_in(page) == expected
    assert set(column(page, "Status")) == {("✓ " if active else "✕ ") + word}


def test_a_junk_status_means_any_and_says_so(client, app_emulator):
    response, page = get(client, NUMBERS + "?active=maybe&per_page=100", htmx=True)

    assert "“maybe” is not a valid value for “Status”; showing the default." in page.text
    assert len(page.rows) == 61
    assert set(column(page, "Status")) == {"✓ Active", "✕ Inactive"}
    assert response["HX-Push-Url"] == NUMBERS + "?per_page=100"


# -- per_page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "rows"), [("10", 10), ("25", 25), ("50", 50), ("100", 61)])
def test_per_page_sets_the_rows_shown(client, app_emulator, value, rows):
    _, page = get(client, NUMBERS + f"?per_page={value}")

    assert len(page.rows) == rows
    assert page.text.count("is not a valid") == 0
    assert page.find("option", value=value, selected="")


@pytest.mark.parametrize("value", ["junk", "0", "-1", "999"])
def test_a_junk_per_page_shows_25_and_says_so(client, app_emulator, value):
    response, page = get(client, NUMBERS + f"?per_page={value}")

    assert response.status_code == 200
    assert len(page.rows) == 25
    assert f"“{value}” is not a valid value for “Per page”; showing the default." in page.text


# -- page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["junk", "0", "-5"])
def test_a_junk_page_shows_the_first_and_says_so(client, app_emulator, value):
    response, page = get(client, NUMBERS + f"?page={value}", htmx=True)

    assert response.status_code == 200
    assert f"“{value}” is not a valid value for “Page”; showing the default." in page.text
    assert "Showing 1–25 of 61 numbers" in page.text
    assert response["HX-Push-Url"] == NUMBERS


def test_a_huge_page_is_clamped_to_the_last_reachable_page(client, app_emulator):
    response, page = get(client, OVERFLOW + "?page=99999999999999999999", htmx=True)

    linked = listed_numbers(app_emulator, BULK_INSTANCE_ID, OVERFLOW_SKILL_GROUP_ID)
    assert response.status_code == 200
    assert "Only the first 400 pages can be listed; showing page 400." in page.text
    assert numbers_in(page) == linked[9975:10000]
    assert response["HX-Push-Url"] == OVERFLOW + "?page=400"


def test_a_page_past_the_end_shows_an_empty_state_with_a_way_back(client, app_emulator):
    response, page = get(client, NUMBERS + "?q=0833&page=7")

    assert response.status_code == 200
    assert "Page 7 is past the end: there is 1 page." in page.text
    assert page.rows == []
    assert (NUMBERS + "?q=0833", "Go to the last page") in page.links
    assert page.find("a", href=NUMBERS + "?q=0833", **{"hx-get": NUMBERS + "?q=0833"})


def test_a_page_past_the_end_of_several_names_the_last(client, app_emulator):
    _, page = get(client, NUMBERS + "?page=9", htmx=True)

    assert "Page 9 is past the end: there are 3 pages." in page.text
    assert (NUMBERS + "?page=3", "Go to the last page") in page.links


def test_a_page_past_the_end_of_nothing_points_to_the_first(client, app_emulator):
    _, page = get(client, NUMBERS + "?q=99999&page=2", htmx=True)

    assert "Page 2 is past the end: there is 1 page." in page.text
    assert (NUMBERS + "?q=99999", "Go to the last page") in page.links


def test_duplicated_parameters_take_their_last_value(client, app_emulator):
    response, page = get(
        client,
        NUMBERS + "?view=eligible&view=linked&q=1&q=0833&per_page=100&per_page=10",
        htmx=True,
    )

    assert numbers_in(page) == [EXAMPLE_NUMBER]
    assert response["HX-Push-Url"] == NUMBERS + "?q=0833&per_page=10"
    assert "is not a valid" not in page.text


# -- generated links -------------------------------------------------------------------------


def test_generated_links_leave_the_defaults_out(client, app_emulator):
    response, page = get(client, NUMBERS + "?view=linked&q=&active=&per_page=25&page=2", htmx=True)

    urls = generated_urls(response, page, NUMBERS)
    assert len(urls) >= 8
    for url in urls:
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
            assert NUMBER_DEFAULTS.get(name) != value, f"{url} spells out the default {name}"
    assert page.find("a", href=NUMBERS)  # Linked, Previous and page 1
    assert page.find("a", href=NUMBERS + "?view=eligible")
    assert page.find("a", href=NUMBERS + "?page=3", rel="next")
    assert page.find("button", **{"data-copy-url": "http://testserver" + NUMBERS + "?page=2"})


def test_the_toggle_keeps_the_filters_and_resets_the_page(client, app_emulator):
    _, page = get(client, NUMBERS + "?q=0&active=true&per_page=10&page=2", htmx=True)

    toggles = [attrs["href"] for attrs in page.find("a") if "nav-link" in attrs.get("class", "")]
    assert toggles == [
        NUMBERS + "?q=0&active=true&per_page=10",
        NUMBERS + "?view=eligible&q=0&active=true&per_page=10",
    ]


def test_the_share_url_reproduces_the_view(client, app_emulator):
    _, first = get(client, NUMBERS + "?view=eligible&per_page=10&page=3&active=")
    (share,) = first.attribute_values("data-copy-url")
    assert share == "http://testserver" + NUMBERS + "?view=eligible&per_page=10&page=3"

    _, again = get(client, share)

    assert len(numbers_in(first)) == 10
    assert numbers_in(again) == numbers_in(first)
    assert "Showing 21–30 of" in again.text


def test_pager_links_on_the_full_page_are_canonical(client, app_emulator):
    _, page = get(client, HOTLINE + "?view=eligible&per_page=10&page=50&active=")

    pages = [
        (attrs["href"], attrs.get("aria-current"))
        for attrs in page.find("a")
        if "page-link" in attrs.get("class", "")
    ]
    hrefs = [href for href, _ in pages]
    assert hrefs[0] == HOTLINE + "?view=eligible&per_page=10&page=49"  # Previous
    assert hrefs[-1] == HOTLINE + "?view=eligible&per_page=10&page=51"  # Next
    assert HOTLINE + "?view=eligible&per_page=10" in hrefs  # page 1
    assert HOTLINE + "?view=eligible&per_page=10&page=1000" in hrefs
    assert (HOTLINE + "?view=eligible&per_page=10&page=50", "page") in pages
    assert page.text.endswith("Previous 1 … 48 49 50 51 52 … 1000 Next Page (of 1000) Go")


# -- the 10,000 cap ----------------------------------------------------------------------------


@pytest.mark.parametrize(("per_page", "last"), [(10, 1000), (25, 400), (50, 200), (100, 100)])
def test_the_last_reachable_page_shows_rows_up_to_10000(client, app_emulator, per_page, last):
    response, page = get(client, HOTLINE + f"?view=eligible&per_page={per_page}&page={last}")

    eligible = listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)
    assert response.status_code == 200
    assert numbers_in(page) == eligible[10_000 - per_page : 10_000]
    # Of all that match, not of the 10,000 the API reaches (the alert says that).
    assert f"Showing {10_000 - per_page + 1:,}–10,000 of {len(eligible):,} numbers" in page.text
    assert not page.find("a", rel="next")


def test_rows_9991_to_10000_are_what_the_api_holds_there(client, app_emulator):
    _, page = get(client, HOTLINE + "?view=eligible&per_page=10&page=1000", htmx=True)

    api_page = connection.ccc_client().list_phone_numbers_of_skill_group(
        instance_id=BULK_INSTANCE_ID,
        skill_group_id=BULK_SKILL_GROUP_ID,
        is_member=False,
        page_number=100,
        page_size=100,
    )
    assert numbers_in(page) == [n.number for n in api_page.items[90:100]]
    total = api_page.total_count
    assert column(page, "Usage") == [
        {"Inbound": "Inbound only", "Outbound": "Outbound only"}.get(
            n.usage, "Inbound and outbound"
        )
        for n in api_page.items[90:100]
    ]
    assert f"Showing 9,991–10,000 of {total:,} numbers" in page.text


@pytest.mark.parametrize(
    ("url", "linked", "group"),
    [
        (HOTLINE + "?view=eligible", False, BULK_SKILL_GROUP_ID),
        (OVERFLOW, True, OVERFLOW_SKILL_GROUP_ID),
    ],
    ids=["hotline-eligible", "overflow-linked"],
)
def test_more_than_10000_matches_says_how_many_and_asks_to_narrow(
    client, app_emulator, url, linked, group
):
    _, page = get(client, url)

    total = len(listed_numbers(app_emulator, BULK_INSTANCE_ID, group, linked=linked))
    assert total > 10_000
    assert (
        f"Only the first 10,000 of {total:,} matches can be listed. "
        "Narrow the search to reach the rest."
    ) in page.text
    assert f"Showing 1–25 of {total:,} numbers" in page.text
    # One alert: the cap, said once.
    assert len(page.find("div", role="alert")) == 1


def test_10000_or_fewer_matches_need_no_truncation_notice(client, app_emulator):
    _, linked = get(client, HOTLINE)
    _, small = get(client, NUMBERS + "?view=eligible")

    assert "Only the first 10,000" not in linked.text
    assert "Only the first 10,000" not in small.text


def test_a_narrower_search_lifts_the_truncation(client, app_emulator):
    eligible = listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)
    search = eligible[0][:4]

    _, page = get(client, HOTLINE + f"?view=eligible&q={search}", htmx=True)

    expected = connection.ccc_client().list_phone_numbers_of_skill_group(
        instance_id=BULK_INSTANCE_ID,
        skill_group_id=BULK_SKILL_GROUP_ID,
        is_member=False,
        search_pattern=search,
    )
    assert 25 < expected.total_count < 10_000
    assert "Only the first 10,000" not in page.text
    assert f"Showing 1–25 of {expected.total_count:,} numbers" in page.text


def test_a_page_beyond_reach_is_clamped_with_a_notice(client, app_emulator):
    response, page = get(client, HOTLINE + "?view=eligible&per_page=10&page=1001", htmx=True)

    eligible = listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)
    assert "Only the first 1000 pages can be listed; showing page 1000." in page.text
    assert numbers_in(page) == eligible[9990:10000]
    assert response["HX-Push-Url"] == HOTLINE + "?view=eligible&per_page=10&page=1000"


# -- contact flows: names, ids on hover, ids when CCC will not name them ----------------------

EXAMPLE_ONLY = NUMBERS + "?q=" + EXAMPLE_NUMBER


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_contact_flow_column_shows_the_name_with_the_id_on_hover(client, app_emulator, htmx):
    response, page = get(client, EXAMPLE_ONLY, htmx=htmx)

    assert response.status_code == 200
    assert column(page, "Contact flow") == ["售后服务流程"]
    assert page.find("span", title=EXAMPLE_CONTACT_FLOW_ID)


def test_a_contact_flow_ccc_does_not_name_shows_its_id(client, app_emulator):
    del app_emulator.instances[EXAMPLE_INSTANCE_ID].contact_flows[EXAMPLE_CONTACT_FLOW_ID]

    response, page = get(client, EXAMPLE_ONLY)

    assert response.status_code == 200
    assert column(page, "Contact flow") == [EXAMPLE_CONTACT_FLOW_ID]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_ram_policy_without_list_contact_flows_shows_the_ids(client, app_emulator, caplog, htmx):
    app_emulator.faults.add_rule("forbidden", 1, action="ListContactFlows")

    response, page = get(client, NUMBERS, htmx=htmx)
    shown = column(page, "Contact flow")
    again, _ = get(client, NUMBERS + "?page=2", htmx=True)

    assert response.status_code == again.status_code == 200
    assert not page.find("div", role="alert")
    assert len(shown) == 25
    flows = set(app_emulator.instances[EXAMPLE_INSTANCE_ID].contact_flows)
    assert set(shown) - {"—"} <= flows
    assert not page.find("span", title=EXAMPLE_CONTACT_FLOW_ID)
    assert "Forbidden.RAM" not in response.content.decode()
    # The refusal is remembered: the next page does not ask again.
    assert caplog.text.count("ccc ListContactFlows failed: code=Forbidden.RAM") == 1


# -- round trips: one call per API page, the listing cache, invalidation -----------------------


def listing_calls(caplog) -> int:
    return sum(record.getMessage().startswith(f"ccc {LIST_NUMBERS} ") for record in caplog.records)


def test_swaps_inside_one_api_page_cost_no_further_call(client, app_emulator):
    for query, calls in (
        # The listing and its status counts side by side, and the instance's contact-flow
        # names, kept for minutes.
        ("", 3),
        ("?page=2", 0),  # rows 26-50: the same API page of 100
        ("?page=4", 0),
        # The listing, its status counts and the group (whose media decides what is eligible).
        ("?view=eligible&q=0", 3),
        ("?active=false&per_page=100", 1),  # its counts (the active ones) are Any's: cached
        ("", 0),
    ):
        before = app_emulator.request_count
        response, _ = get(client, NUMBERS + query, htmx=True)
        assert response.status_code == 200
        assert app_emulator.request_count - before == calls, query


def test_browsing_one_group_costs_the_round_trip_minimum(client, app_emulator, caplog):
    caplog.set_level(logging.INFO, logger="ccc.client")
    eligible = HOTLINE + "?view=eligible"
    get(client, eligible)
    for page in (2, 3, 4):
        get(client, f"{eligible}&page={page}", htmx=True)
    get(client, eligible, htmx=True)
    get(client, HOTLINE, htmx=True)  # the linked view
    get(client, f"{eligible}&page=2", htmx=True)

    # Two listings (the eligible and the linked view), and beside each its status counts.
    assert listing_calls(caplog) == 2 + 2


def test_a_deep_htmx_swap_still_costs_one_api_call(client, app_emulator):
    get(client, HOTLINE + "?view=eligible&per_page=10&page=1000", htmx=True)

    # One listing call, its status counts (PageSize=1) beside it, the group (its media), and
    # the instance's contact-flow names (asked once in minutes).
    assert app_emulator.request_count == 4


def test_a_full_page_asks_for_the_group_and_its_numbers_at_once(client, app_emulator):
    get(client, NUMBERS)
    # GetSkillGroup + ListPhoneNumbersOfSkillGroup twice (the listing and its status counts)
    # + ListContactFlows (the flows' names) + ListInstances (the instance's name)
    assert app_emulator.request_count == 5

    get(client, NUMBERS + "?page=2")
    assert app_emulator.request_count == 5  # all cached

    get(client, NUMBERS + "?view=eligible", restore=True)
    assert app_emulator.request_count == 7  # the eligible listing and its status counts


def test_refresh_asks_ccc_again_and_is_left_out_of_the_address(client, app_emulator):
    get(client, NUMBERS + "?q=0", htmx=True)
    app_emulator.request_count = 0

    response, page = get(client, NUMBERS + "?q=0&refresh=1", htmx=True)

    # The listing and its status counts, and the flows' names (renamed?)
    assert app_emulator.request_count == 3
    assert response["HX-Push-Url"] == NUMBERS + "?q=0"
    assert "refresh" not in page.find("button", type="button")[0]["data-copy-url"]
    (refresh,) = page.find("a", id="refresh")
    assert refresh["href"] == NUMBERS + "?q=0&refresh=1"


def test_the_results_say_how_fresh_they_are(client, app_emulator):
    _, page = get(client, NUMBERS, htmx=True)

    # In the deployment's time zone (CCCADMIN_TIME_ZONE, Asia/Shanghai by default).
    assert re.search(r"as of \d\d:\d\d:\d\d CST · Refresh", page.text)


def test_a_write_invalidates_the_group_and_its_instance(client, app_emulator):
    get(client, NUMBERS, htmx=True)
    get(client, SKILL_GROUPS, htmx=True)
    app_emulator.request_count = 0

    reading.listings_invalidate(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )
    get(client, NUMBERS, htmx=True)
    get(client, SKILL_GROUPS, htmx=True)

    assert app_emulator.request_count == 3  # the listing, its status counts, the skill groups


def test_invalidating_one_group_keeps_the_others_cached(client, app_emulator):
    other = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/sales@ccc-test/numbers/"
    get(client, NUMBERS, htmx=True)
    get(client, other, htmx=True)
    app_emulator.request_count = 0

    reading.listings_invalidate(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )
    get(client, other, htmx=True)

    assert app_emulator.request_count == 0


def test_the_skill_group_and_instance_pages_cost_one_call(client, app_emulator):
    get(client, SKILL_GROUPS)
    assert app_emulator.request_count == 2  # and the instances' names, cached for a while

    get(client, SKILL_GROUPS + "?q=sales", htmx=True)
    assert app_emulator.request_count == 3

    get(client, SKILL_GROUPS + "?page=1&per_page=10")
    assert app_emulator.request_count == 3  # the listing and the names cached

    get(client, INSTANCES)
    assert app_emulator.request_count == 4


# -- instances and skill groups ----------------------------------------------------------------


def test_the_instance_list_links_every_instance(client, app_emulator):
    response, page = get(client, INSTANCES)

    assert response.status_code == 200
    hrefs = [href for href, _ in page.links if href.startswith("/instances/")]
    assert hrefs == [SKILL_GROUPS, f"/instances/{BULK_INSTANCE_ID}/skill-groups/"]
    texts = dict(page.links)
    assert texts[SKILL_GROUPS].startswith("CCC test ccc-test")
    assert texts[f"/instances/{BULK_INSTANCE_ID}/skill-groups/"].startswith(
        f"CCC nationwide {BULK_INSTANCE_ID}"
    )
    # Each row says where it leads, drawn as a link (not only a hover effect).
    assert all(texts[href].endswith("Skill groups ›") for href in hrefs)
    assert response.content.decode().count('class="fw-semibold link-primary') == 2


def test_a_single_instance_goes_straight_to_its_skill_groups(client, app_emulator):
    del app_emulator.instances[BULK_INSTANCE_ID]

    response = client.get(INSTANCES)

    assert response.status_code == 302
    assert response["Location"] == SKILL_GROUPS


def test_an_account_without_instances_says_so(client, app_emulator):
    app_emulator.instances.clear()

    response, page = get(client, INSTANCES)

    assert response.status_code == 200
    assert "There are no contact center instances you may see." in page.text


def test_the_skill_group_list_shows_the_voice_groups_with_counts(client, app_emulator):
    response, page = get(client, SKILL_GROUPS)

    groups = app_emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups.values()
    assert response.status_code == 200
    assert f"Skill groups of CCC test {EXAMPLE_INSTANCE_ID}" in page.text
    assert page.rows == [
        [
            group.display_name,
            group.skill_group_id,
            "Voice",
            str(len(group.linked)),
            str(group.user_count),
        ]
        for group in groups
        if group.media_type == MediaType.AUDIO
    ]
    assert "Showing 1–5 of 5 skill groups" in page.text


def media_options(response) -> list[tuple[str, str, bool]]:
    """The media filter's options: value, words, whether chosen."""
    select = re.search(r'<select name="media".*?</select>', response.content.decode(), re.S)
    options = re.findall(r'<option value="(\w+)"( selected)?>([^<]*)</option>', select.group())
    return [(value, words, bool(selected)) for value, selected, words in options]


def test_the_skill_group_list_offers_the_media_as_a_labelled_filter(client, app_emulator):
    response, page = get(client, SKILL_GROUPS)

    (select,) = page.find("select", name="media")
    label = rf'<label for="{select["id"]}"[^>]*>Media</label>'
    assert re.search(label, response.content.decode())
    assert media_options(response) == [
        ("audio", "Voice", True),
        ("chat", "Chat", False),
        ("video", "Video", False),
    ]


@pytest.mark.parametrize(
    ("media", "row"),
    [
        ("chat", ["Online chat", CHAT_SKILL_GROUP_ID, "Chat", "0", "14"]),
        ("video", ["Video support", VIDEO_SKILL_GROUP_ID, "Video", "0", "4"]),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_the_media_filter_lists_that_medium_s_groups(client, app_emulator, media, row, mode):
    response, page = get_mode(client, SKILL_GROUPS + f"?media={media}", mode)

    assert response.status_code == 200
    assert page.rows == [row]
    assert "Showing 1–1 of 1 skill group" in page.text
    if mode == "fragment":
        assert response["HX-Push-Url"] == SKILL_GROUPS + f"?media={media}"
    else:
        assert [value for value, _, chosen in media_options(response) if chosen] == [media]


@pytest.mark.parametrize(
    ("query", "pushed"),
    [("?media=audio&q=sales", "?q=sales"), ("?q=sales&media=&page=1", "?q=sales")],
)
def test_voice_the_default_medium_is_left_out_of_the_address(client, app_emulator, query, pushed):
    response, page = get(client, SKILL_GROUPS + query, htmx=True)

    assert response["HX-Push-Url"] == SKILL_GROUPS + pushed
    assert len(page.rows) == 2


def test_the_chosen_medium_survives_paging(client, app_emulator):
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    for n in range(12):
        instance.add_group(f"chat-{n:02d}@ccc-test", f"Chat {n:02d}", 3, MediaType.CHAT)

    response, page = get(client, SKILL_GROUPS + "?media=chat&per_page=10&page=2", htmx=True)

    assert response["HX-Push-Url"] == SKILL_GROUPS + "?media=chat&per_page=10&page=2"
    assert "Showing 11–13 of 13 skill groups" in page.text
    assert {row[2] for row in page.rows} == {"Chat"}
    assert (SKILL_GROUPS + "?media=chat&per_page=10", "1") in page.links


@pytest.mark.parametrize("value", ["VOICE", "ONLINE", "all"])
def test_a_junk_medium_lists_the_voice_groups_and_says_so(client, app_emulator, value):
    response, page = get(client, SKILL_GROUPS + f"?media={value}")

    assert response.status_code == 200
    assert f"“{value}” is not a valid value for “Media”; showing the default." in page.text
    assert "Showing 1–5 of 5 skill groups" in page.text
    assert {row[2] for row in page.rows} == {"Voice"}


def test_the_skill_group_search_finds_names_and_display_names(client, app_emulator):
    _, page = get(client, SKILL_GROUPS + "?q=sales")

    assert page.rows == [
        ["Sales", "sales@ccc-test", "Voice", "35", "18"],
        ["售后服务", "aftersales@ccc-test", "Voice", "48", "25"],
    ]
    assert (f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/sales@ccc-test/numbers/", "Sales") in (
        page.links
    )
    assert page.find("input", name="q")[0]["value"] == "sales"
    assert page.headers == ["Skill group", "ID", "Media", "Numbers", "Agents"]


def test_a_skill_group_link_opens_its_numbers(client, app_emulator):
    _, groups = get(client, SKILL_GROUPS + "?q=vip")
    (href,) = [href for href, text in groups.links if text == "VIP hotline"]

    response, page = get(client, href)

    assert response.status_code == 200
    assert "VIP hotline" in page.text
    assert "Showing 1–12 of 12 numbers" in page.text


def test_a_skill_group_search_without_match_says_so(client, app_emulator):
    response, page = get(client, SKILL_GROUPS + "?q=nothing-like-this", htmx=True)

    assert response.status_code == 200
    assert "No skill groups match." in page.text


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_unknown_instance_is_404_naming_it(client, app_emulator, htmx):
    response, page = get(client, "/instances/no-such-instance/skill-groups/", htmx=htmx)

    assert_error(response, page, 404, htmx=htmx)
    assert "Instance “no-such-instance” was not found." in page.text
    assert "Check the link, or go back and pick it from the list." in page.text
    if not htmx:
        assert ("/", "Go back") in page.links


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_unknown_instance_on_the_numbers_page_is_404(client, app_emulator, htmx):
    response, page = get(client, "/instances/gone/skill-groups/x@gone/numbers/", htmx=htmx)

    assert_error(response, page, 404, htmx=htmx)
    assert "Instance “gone” was not found." in page.text
    if not htmx:
        assert ("/", "Go back") in page.links


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_unknown_skill_group_is_404_naming_it(client, app_emulator, htmx):
    url = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/gone@ccc-test/numbers/"

    response, page = get(client, url, htmx=htmx)

    assert_error(response, page, 404, htmx=htmx)
    assert "Skill group “gone@ccc-test” was not found in instance “ccc-test”." in page.text
    if not htmx:
        assert (SKILL_GROUPS, "Go back") in page.links


def test_a_not_found_error_carries_the_request_id(client, app_emulator, caplog):
    caplog.set_level(logging.WARNING, logger="ccc.client")

    _, page = get(client, "/instances/no-such-instance/skill-groups/")

    (request_id,) = request_ids_logged(caplog)
    assert f"RequestId {request_id}" in page.text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_throttling_is_503_saying_it_retried(client, app_emulator, fast_retries, caplog, htmx):
    caplog.set_level(logging.WARNING, logger="ccc.client")
    app_emulator.faults.inject(
        "throttling", times=LISTING_READS * ATTEMPTS + 2, action=LIST_NUMBERS
    )

    response, page = get(client, NUMBERS, htmx=htmx)

    assert_error(response, page, 503, htmx=htmx)
    assert "The contact center is busy (requests are being throttled)." in page.text
    assert f"It was tried {ATTEMPTS} times. Wait a few seconds and try again." in page.text
    (request_id,) = listing_request_ids(caplog)
    assert f"RequestId {request_id}" in page.text
    assert response["Retry-After"] == "5"
    # The listing's and its status counts' attempts, ListContactFlows (and GetSkillGroup for a
    # full page).
    # The page also asks for the group and the instances' names; a swap for neither.
    assert app_emulator.request_count == LISTING_READS * ATTEMPTS + (1 if htmx else 3)


def test_throttling_that_passes_within_the_retries_is_not_an_error(
    client, app_emulator, fast_retries
):
    app_emulator.faults.inject("throttling", times=ATTEMPTS - 1, action=LIST_NUMBERS)

    response, page = get(client, NUMBERS, htmx=True)

    assert response.status_code == 200
    assert len(page.rows) == 25
    # The listing and its status counts share the throttled answers, then each is answered
    # (ATTEMPTS + 1 calls in all), and ListContactFlows once.
    assert app_emulator.request_count == ATTEMPTS + 1 + 1


@pytest.mark.parametrize("fault", ["internal", "unavailable", "malformed"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_failing_service_is_502(client, app_emulator, fast_retries, caplog, fault, htmx):
    caplog.set_level(logging.WARNING, logger="ccc.client")
    app_emulator.faults.inject(fault, times=LISTING_READS * ATTEMPTS, action=LIST_NUMBERS)

    response, page = get(client, NUMBERS, htmx=htmx)

    assert_error(response, page, 502, htmx=htmx)
    assert "The contact center service is unavailable." in page.text
    assert f"It was tried {ATTEMPTS} times." in page.text
    assert "Try again in a moment; if it persists, tell your admin." in page.text
    (request_id,) = listing_request_ids(caplog)
    assert f"RequestId {request_id}" in page.text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_failure_of_the_skill_group_page_is_shown_there(client, app_emulator, fast_retries, htmx):
    app_emulator.faults.inject("internal", times=ATTEMPTS, action="ListSkillGroups")

    response, page = get(client, SKILL_GROUPS + "?q=sales", htmx=htmx)

    assert_error(response, page, 502, htmx=htmx)
    assert "The contact center service is unavailable." in page.text
    # Retry asks for this same page again: in place (htmx) or as the page.
    assert (SKILL_GROUPS + "?q=sales", "Retry") in page.links
    if not htmx:
        assert (INSTANCES, "Go back") in page.links
        # The page keeps its place: the breadcrumbs lead up from it.
        assert (INSTANCES, "Instances") in page.links


def test_a_failure_of_the_instance_list_is_a_full_error_page(client, app_emulator, fast_retries):
    app_emulator.faults.inject("throttling", times=ATTEMPTS, action="ListInstances")

    response, page = get(client, INSTANCES)

    assert_error(response, page, 503, htmx=False)
    assert ("/", "Retry") in page.links


def test_a_history_restore_gets_the_full_error_page(client, app_emulator, fast_retries):
    app_emulator.faults.inject("internal", times=LISTING_READS * ATTEMPTS, action=LIST_NUMBERS)

    response, page = get(client, NUMBERS, restore=True)

    assert_error(response, page, 502, htmx=False)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_timeout_is_504(client, settings, served_emulator, fast_retries, htmx):
    settings.CCC_TIMEOUT = 0.2  # read when the client is built, at the first request
    served_emulator.faults.inject(
        "slow", delay=1.0, times=LISTING_READS * ATTEMPTS, action=LIST_NUMBERS
    )

    response, page = get(client, NUMBERS, htmx=htmx)

    assert_error(response, page, 504, htmx=htmx)
    assert "The contact center did not answer in time." in page.text
    assert f"It was tried {ATTEMPTS} times." in page.text


def test_the_socket_emulator_serves_the_page_when_it_is_fast(client, served_emulator):
    response, page = get(client, NUMBERS + "?q=0833")

    assert response.status_code == 200
    assert numbers_in(page) == [EXAMPLE_NUMBER]
    # The group, its numbers and their status counts, the flows' names.
    assert served_emulator.request_count == 5


@pytest.mark.parametrize(
    ("setting", "value"),
    [("CCC_ACCESS_KEY_SECRET", WRONG_SECRET), ("CCC_ACCESS_KEY_ID", "LTAI5tNoSuchKey")],
    ids=["wrong-secret", "unknown-key"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_refused_credentials_are_502_without_details(
    client, settings, served_emulator, setting, value, htmx
):
    setattr(settings, setting, value)

    response, page = get(client, NUMBERS, htmx=htmx)

    assert_error(response, page, 502, htmx=htmx)
    assert "This server's CCC credentials need attention." in page.text
    assert "check the AccessKey configuration" in page.text
    for detail in ("SignatureDoesNotMatch", "InvalidAccessKeyId", "Signature", WRONG_SECRET):
        assert detail not in response.content.decode()
    assert DEMO_ACCESS_KEY_SECRET not in response.content.decode()
    # Refused credentials are not retried: one call per read (a full page asks for the group,
    # its numbers, their status counts and the flows' names at once; a swap for the last three).
    assert served_emulator.request_count == (3 if htmx else 5)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_endpoint_without_access_key_id_is_503_naming_the_variable(
    client, app_emulator, settings, htmx
):
    connection.use_client(None)
    settings.CCC_ENDPOINT = "http://127.0.0.1:9"
    settings.CCC_ACCESS_KEY_ID = ""
    settings.CCC_ACCESS_KEY_SECRET = WRONG_SECRET

    response, page = get(client, NUMBERS, htmx=htmx)

    assert_error(response, page, 503, htmx=htmx)
    assert "The contact center connection is not configured." in page.text
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in page.text
    assert WRONG_SECRET not in response.content.decode()
    assert app_emulator.request_count == 0


def test_an_unconfigured_instance_list_is_503(client, app_emulator, settings):
    connection.use_client(None)
    settings.CCC_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
    settings.CCC_ACCESS_KEY_ID = ""
    settings.CCC_ACCESS_KEY_SECRET = ""

    response, page = get(client, INSTANCES)

    assert_error(response, page, 503, htmx=False)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in page.text
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in page.text


def test_a_blank_instance_id_is_rejected_before_asking_ccc(client, app_emulator):
    response, page = get(client, "/instances/%20/skill-groups/")

    assert_error(response, page, 400, htmx=False)
    assert "The parameter InstanceId may not be null or empty." in page.text
    # Its skill groups are not asked for; the instances' names, beside them, are.
    assert app_emulator.request_count == 1


def test_only_get_and_head_are_allowed(client, app_emulator):
    assert client.post(NUMBERS).status_code == 405
    assert app_emulator.request_count == 0


@pytest.mark.parametrize("url", [INSTANCES, SKILL_GROUPS, NUMBERS])
def test_head_answers_like_get_without_a_body(client, app_emulator, url):
    """Uptime monitors and link checkers ask with HEAD."""
    response = client.head(url)
    assert response.status_code == client.get(url).status_code
    assert response.content == b""


def test_throttling_passes_on_the_gateway_retry_after(client, app_emulator, fast_retries):
    # Waits the gateway asks for beyond the retry budget are not retried: the user is told.
    app_emulator.faults.inject(
        "throttling", times=ATTEMPTS, action=LIST_NUMBERS, retry_after_ms=60_000
    )

    response, _ = get(client, NUMBERS, htmx=True)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_an_error_swap_keeps_the_address_and_the_view(client, app_emulator, fast_retries):
    app_emulator.faults.inject("unavailable", times=LISTING_READS * ATTEMPTS, action=LIST_NUMBERS)

    response, _page = get(client, NUMBERS + "?view=eligible&q=0833", htmx=True)

    assert response.status_code == 502
    assert response["HX-Push-Url"] == "false"
    # Only the alert is swapped in: the view toggle, outside the results, stays as it was.
    assert 'id="view-toggle"' not in response.content.decode()


def test_a_results_swap_updates_the_view_toggle_out_of_band(client, app_emulator):
    _response, page = get(client, NUMBERS + "?view=eligible", htmx=True)

    toggle = page.find("nav", id="view-toggle")
    assert toggle and toggle[0]["hx-swap-oob"] == "true"
    assert page.find("input", name="view", value="eligible", form="filters")
    full, full_page = get(client, NUMBERS + "?view=eligible")
    assert "hx-swap-oob" not in full.content.decode()
    assert full_page.find("input", name="view", value="eligible", form="filters")


@pytest.mark.parametrize(
    ("endpoint", "key_id", "named"),
    [
        (
            "https://ccc.example.com:port",
            "LTAI5tKey",
            "CCC_ENDPOINT ('https://ccc.example.com:port') is not a URL",
        ),
        (
            "http://127.0.0.1:9",
            "LTAI5t“pasted”",
            "ALIBABA_CLOUD_ACCESS_KEY_ID must be ASCII without spaces",
        ),
    ],
    ids=["endpoint", "key-id"],
)
def test_a_malformed_setting_is_named_on_the_page(client, settings, endpoint, key_id, named):
    settings.CCC_ENDPOINT = endpoint
    settings.CCC_ACCESS_KEY_ID = key_id
    settings.CCC_ACCESS_KEY_SECRET = "secret"
    connection.use_client(None)
    response, page = get(client, INSTANCES)

    assert response.status_code == 503
    assert named in page.text
    assert "secret" not in page.text.replace("Alibaba Cloud credentials", "")


# -- one budget per request --------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_slow_ccc_never_holds_a_page_past_its_budget(client, settings, served_emulator, htmx):
    settings.CCC_REQUEST_BUDGET = 0.5
    served_emulator.faults.latency = 2.0

    started = time.monotonic()
    response, page = get(client, NUMBERS, htmx=htmx)
    waited = time.monotonic() - started

    assert_error(response, page, 504, htmx=htmx)
    assert "The contact center did not answer in time." in page.text
    assert waited < 1.5  # the 2 s answers were not waited for


def test_a_slow_and_failing_ccc_is_retried_only_within_the_budget(
    client, settings, served_emulator
):
    settings.CCC_REQUEST_BUDGET = 0.8
    served_emulator.faults.latency = 0.3
    served_emulator.faults.inject("unavailable", times=20)

    started = time.monotonic()
    response, _ = get(client, NUMBERS, htmx=True)
    waited = time.monotonic() - started

    assert response.status_code in (502, 504)
    assert waited < 1.8


def test_a_listing_cache_of_zero_seconds_is_no_cache(client, settings, app_emulator):
    settings.CCC_LISTING_CACHE_SECONDS = 0

    get(client, NUMBERS, htmx=True)
    get(client, NUMBERS + "?page=2", htmx=True)

    # Each swap lists and counts again; the flows' names have a cache of their own, asked once.
    assert app_emulator.request_count == 2 * 2 + 1


def test_a_listing_cache_of_zero_seconds_reuses_nothing_cached_before(
    client, settings, app_emulator
):
    get(client, NUMBERS, htmx=True)
    settings.CCC_LISTING_CACHE_SECONDS = 0
    asked = app_emulator.request_count

    get(client, NUMBERS, htmx=True)

    # The listing and its count, asked again though still cached from the first swap.
    assert app_emulator.request_count == asked + 2


# -- empty states and the page's one alert -----------------------------------------------------

EMPTY_GROUP = "new-team@ccc-test"
EMPTY = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EMPTY_GROUP}/numbers/"


@pytest.fixture
def empty_group(app_emulator):
    app_emulator.product.instances[EXAMPLE_INSTANCE_ID].add_group(EMPTY_GROUP, "New team", 0)


def test_a_group_with_no_number_says_so_once_and_leads_to_the_eligible_view(
    client, app_emulator, empty_group
):
    _, page = get(client, EMPTY)

    assert page.text.count("No number is linked to this skill group yet.") == 1
    assert "No numbers match." not in page.text
    assert (EMPTY + "?view=eligible", "Show the numbers that could be linked") in page.links
    assert page.rows == []
    # Nothing to export, select or page through.
    assert "Export CSV" not in page.text
    assert not page.find("form", id="selection")
    assert not page.find("form", id="page-jump")


def test_a_search_with_no_match_offers_to_clear_the_filters(client, app_emulator):
    _, page = get(client, NUMBERS + "?view=eligible&q=99999999&active=true", htmx=True)

    # The eligible view's search says what the instance holds, once, and keeps the way out.
    assert page.text.count("No number of this instance matches “99999999”.") == 1
    assert (NUMBERS + "?view=eligible", "Clear the filters") in page.links
    assert "Export CSV" not in page.text


def test_a_link_with_several_bad_values_gets_one_alert_saying_each(client, app_emulator):
    _, page = get(client, NUMBERS + "?q=abc&active=maybe&per_page=junk")

    (alert,) = page.find("div", role="alert")
    assert alert["id"] == "page-alert"
    for said in (
        "The number search takes digits only (spaces, dashes and brackets are ignored), not "
        "“abc”; showing every number.",
        "“maybe” is not a valid value for “Status”; showing the default.",
        "“junk” is not a valid value for “Per page”; showing the default.",
    ):
        assert said in page.text


def test_the_page_box_jumps_to_any_page_keeping_the_view(client, app_emulator):
    response, _ = get(client, HOTLINE + "?view=eligible&q=0&per_page=10&page=3")

    content = response.content.decode()
    start = content.index('id="page-jump"')
    page = Html(content[start : content.index("</form>", start)])
    (box,) = page.find("input", name="page", type="number")
    assert (box["min"], box["max"], box["value"]) == ("1", "1000", "3")
    kept = {attrs["name"]: attrs["value"] for attrs in page.find("input", type="hidden")}
    assert {"view": "eligible", "q": "0", "per_page": "10"}.items() <= kept.items()
    assert "page" not in kept
    # What the box submits is the view's own link with that page.
    _, jumped = get(client, HOTLINE + "?view=eligible&q=0&per_page=10&page=777")
    assert "Showing 7,761–7,770 of" in jumped.text


def test_without_the_instances_names_the_pages_show_their_ids(client, app_emulator):
    """A RAM policy without ListInstances: the skill groups and numbers still show."""
    app_emulator.faults.add_rule("forbidden", 1.0, action="ListInstances")

    response, page = get(client, SKILL_GROUPS)
    assert response.status_code == 200
    assert f"Skill groups of {EXAMPLE_INSTANCE_ID}" in page.text
    response, page = get(client, NUMBERS)
    assert response.status_code == 200
    assert f"instance {EXAMPLE_INSTANCE_ID}" in page.text


def test_a_swap_updates_the_folded_filters_count_out_of_band(client, app_emulator):
    """The count on the phone's folded "Filters" stays true after a search or a filter."""
    swap, _ = get(client, NUMBERS + "?q=0833&active=true", htmx=True)
    cleared, _ = get(client, NUMBERS, htmx=True)

    assert re.search(r'id="filter-count"[^>]*hx-swap-oob="true">2</span>', swap.content.decode())
    assert re.search(r'id="filter-count"[^>]*hx-swap-oob="true"></span>', cleared.content.decode())
