"""The numbers page in a real browser: htmx swaps, the address bar, history, sharing, layout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ccc.emulator import Emulator
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    EXAMPLE_CONTACT_FLOW_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
)

from .helpers import NARROW, FullLoads, announcement, at, measure_overflow, rows, summary

NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
BULK_NUMBERS = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{BULK_SKILL_GROUP_ID}/numbers/"


def open_numbers(page: Page, path: str = NUMBERS) -> FullLoads:
    return FullLoads(page).open(path)


def test_view_toggle_switches_between_linked_and_eligible(page: Page) -> None:
    loads = open_numbers(page)
    linked = page.get_by_role("link", name="Linked", exact=True)
    eligible = page.get_by_role("link", name="Eligible", exact=True)
    expect(linked).to_have_attribute("aria-current", "page")
    expect(eligible).not_to_have_attribute("aria-current", "page")
    expect(summary(page)).to_have_text("Showing 1–25 of 61 numbers")
    linked_rows = rows(page).all_inner_texts()
    assert len(linked_rows) == 25

    eligible.click()
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible"))
    expect(eligible).to_have_attribute("aria-current", "page")
    expect(linked).not_to_have_attribute("aria-current", "page")
    expect(summary(page)).to_have_text("Showing 1–25 of 401 numbers")
    expect(rows(page)).to_have_count(25)
    assert set(rows(page).all_inner_texts()).isdisjoint(linked_rows)

    linked.click()
    expect(page).to_have_url(at(NUMBERS))
    expect(linked).to_have_attribute("aria-current", "page")
    expect(eligible).not_to_have_attribute("aria-current", "page")
    expect(rows(page)).to_have_text(linked_rows)
    loads.assert_none_since_open()


def test_search_filters_while_typing_and_keeps_focus(page: Page) -> None:
    loads = open_numbers(page, f"{NUMBERS}?view=eligible")
    search = page.get_by_role("searchbox", name="Search numbers")
    search.press_sequentially("0833", delay=50)

    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&q=0833"))
    expect(summary(page)).to_have_text("Showing 1–13 of 13 numbers")
    expect(rows(page)).to_have_text([re.compile(r"^\s*0833\d{8}\s")] * 13)
    expect(search).to_be_focused()
    expect(search).to_have_value("0833")
    # The hidden view field travels with the form: the search stayed in the eligible view.
    expect(page.get_by_role("link", name="Eligible", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    loads.assert_none_since_open()


def test_status_filter(page: Page) -> None:
    loads = open_numbers(page)
    status = page.get_by_role("combobox", name="Status")
    expect(status).to_have_value("")

    status.select_option(label="Inactive")
    expect(page).to_have_url(at(f"{NUMBERS}?active=false"))
    expect(summary(page)).to_have_text("Showing 1–7 of 7 numbers")
    expect(rows(page)).to_have_count(7)
    expect(rows(page).filter(has_not_text="Inactive")).to_have_count(0)

    status.select_option(label="Active")
    expect(page).to_have_url(at(f"{NUMBERS}?active=true"))
    expect(summary(page)).to_have_text("Showing 1–25 of 54 numbers")
    expect(rows(page).filter(has_text="Inactive")).to_have_count(0)
    expect(rows(page).filter(has_text="Active")).to_have_count(25)

    status.select_option(label="Any")
    expect(page).to_have_url(at(NUMBERS))
    expect(summary(page)).to_have_text("Showing 1–25 of 61 numbers")
    loads.assert_none_since_open()


def test_pager_moves_with_next_previous_and_page_numbers(page: Page) -> None:
    loads = open_numbers(page)
    first_page = rows(page).all_inner_texts()
    expect(page.get_by_role("link", name="Previous")).to_have_count(0)

    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(at(f"{NUMBERS}?page=2"))
    expect(summary(page)).to_have_text("Showing 26–50 of 61 numbers")
    expect(page.get_by_role("link", name="2", exact=True)).to_have_attribute("aria-current", "page")
    expect(rows(page).first).not_to_have_text(first_page[0])

    page.get_by_role("link", name="3", exact=True).click()
    expect(page).to_have_url(at(f"{NUMBERS}?page=3"))
    expect(summary(page)).to_have_text("Showing 51–61 of 61 numbers")
    expect(rows(page)).to_have_count(11)
    expect(page.get_by_role("link", name="Next")).to_have_count(0)

    page.get_by_role("link", name="1", exact=True).click()
    expect(page).to_have_url(at(NUMBERS))
    expect(rows(page)).to_have_text(first_page)
    loads.assert_none_since_open()


def test_per_page(page: Page) -> None:
    loads = open_numbers(page, f"{NUMBERS}?page=2")
    per_page = page.get_by_role("combobox", name="Per page")
    expect(per_page).to_have_value("25")

    per_page.select_option("10")
    # A new page size starts again at the first page.
    expect(page).to_have_url(at(f"{NUMBERS}?per_page=10"))
    expect(summary(page)).to_have_text("Showing 1–10 of 61 numbers")
    expect(rows(page)).to_have_count(10)
    expect(page.get_by_role("link", name="7", exact=True)).to_be_visible()

    per_page.select_option("100")
    expect(page).to_have_url(at(f"{NUMBERS}?per_page=100"))
    expect(rows(page)).to_have_count(61)
    expect(page.get_by_role("link", name="Next")).to_have_count(0)
    loads.assert_none_since_open()


def test_back_and_forward_restore_each_state(page: Page) -> None:
    loads = open_numbers(page, f"{NUMBERS}?view=eligible")
    search = page.get_by_role("searchbox", name="Search numbers")
    status = page.get_by_role("combobox", name="Status")
    per_page = page.get_by_role("combobox", name="Per page")

    per_page.select_option("10")
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&per_page=10"))
    expect(summary(page)).to_have_text("Showing 1–10 of 401 numbers")
    state_a = rows(page).all_inner_texts()

    search.fill("0833")
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&q=0833&per_page=10"))
    expect(summary(page)).to_have_text("Showing 1–10 of 13 numbers")
    state_b = rows(page).all_inner_texts()

    status.select_option(label="Active")
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&q=0833&active=true&per_page=10"))
    expect(summary(page)).to_have_text("Showing 1–10 of 12 numbers")

    page.go_back()
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&q=0833&per_page=10"))
    expect(status).to_have_value("")
    expect(search).to_have_value("0833")
    expect(per_page).to_have_value("10")
    expect(summary(page)).to_have_text("Showing 1–10 of 13 numbers")
    expect(rows(page)).to_have_text(state_b)

    page.go_back()
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&per_page=10"))
    expect(search).to_have_value("")
    expect(per_page).to_have_value("10")
    expect(summary(page)).to_have_text("Showing 1–10 of 401 numbers")
    expect(rows(page)).to_have_text(state_a)

    page.go_forward()
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&q=0833&per_page=10"))
    expect(search).to_have_value("0833")
    expect(rows(page)).to_have_text(state_b)

    # The restored page is live: its controls still swap the results, in the same view.
    status.select_option(label="Inactive")
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&q=0833&active=false&per_page=10"))
    expect(summary(page)).to_have_text("Showing 1–1 of 1 number")
    loads.assert_none_since_open()


def test_copy_link_reopens_the_same_view(page: Page, context, new_context, live_server) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_numbers(page, f"{NUMBERS}?view=eligible")
    page.get_by_role("combobox", name="Status").select_option(label="Inactive")
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&active=false"))
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&active=false&page=2"))
    expect(summary(page)).to_have_text("Showing 26–50 of 54 numbers")
    shown = rows(page).all_inner_texts()

    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Link copied")).to_have_count(1)
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.url

    elsewhere = new_context().new_page()
    elsewhere.goto(link)
    expect(elsewhere.get_by_role("link", name="Eligible", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(elsewhere.get_by_role("combobox", name="Status")).to_have_value("false")
    expect(elsewhere.get_by_role("link", name="2", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(rows(elsewhere)).to_have_text(shown)


def test_announcer_repeats_the_summary_after_each_swap(page: Page) -> None:
    open_numbers(page)
    expect(summary(page)).to_have_text("Showing 1–25 of 61 numbers")
    # Nothing is announced on arrival: the page itself says it.
    expect(page.get_by_role("status").filter(has_text="Showing")).to_have_count(0)

    page.get_by_role("combobox", name="Status").select_option(label="Inactive")
    expect(announcement(page, "Showing 1–7 of 7 numbers")).to_have_count(1)

    page.get_by_role("searchbox", name="Search numbers").fill("0000000")
    expect(summary(page)).to_have_text("No numbers match.")
    expect(announcement(page, "No numbers match.")).to_have_count(1)


def test_results_are_marked_busy_while_a_swap_waits(page: Page, app_emulator: Emulator) -> None:
    open_numbers(page)
    results = page.get_by_role("region", name="Results")
    expect(results).not_to_have_attribute("aria-busy", "true")

    app_emulator.faults.latency = 1.5
    page.get_by_role("link", name="Eligible", exact=True).click()
    expect(results).to_have_attribute("aria-busy", "true")
    expect(summary(page)).to_have_text("Showing 1–25 of 401 numbers")
    expect(results).not_to_have_attribute("aria-busy", "true")
    # The spinner is decoration: nothing announces "Loading…" while the page is idle.
    expect(page.get_by_role("status").filter(has_text="Loading")).to_have_count(0)


def press_enter_on(page: Page, link, then_summary: str) -> None:
    """Follow `link` from the keyboard and wait for the swap to settle (the announcer speaks
    then): before that, the new links are not htmx's yet and Enter would load a full page."""
    link.focus()
    page.keyboard.press("Enter")
    expect(announcement(page, then_summary)).to_have_count(1)


def test_keyboard_paging_keeps_focus_on_the_pager(page: Page) -> None:
    loads = open_numbers(page)
    next_link = page.get_by_role("link", name="Next")
    press_enter_on(page, next_link, "Showing 26–50 of 61 numbers")
    expect(next_link).to_be_focused()

    page.keyboard.press("Enter")
    expect(announcement(page, "Showing 51–61 of 61 numbers")).to_have_count(1)
    # No Next link on the last page: focus goes to the summary of the new page.
    expect(summary(page)).to_be_focused()

    first = page.get_by_role("link", name="1", exact=True)
    press_enter_on(page, first, "Showing 1–25 of 61 numbers")
    expect(first).to_be_focused()
    loads.assert_none_since_open()


def test_keyboard_view_switch_keeps_focus_on_the_toggle(page: Page) -> None:
    open_numbers(page)
    eligible = page.get_by_role("link", name="Eligible", exact=True)
    press_enter_on(page, eligible, "Showing 1–25 of 401 numbers")
    expect(eligible).to_be_focused()


def test_a_link_followed_during_a_search_brings_the_form_in_line(
    page: Page, app_emulator: Emulator
) -> None:
    """The newest request wins, and the search box never claims a search the results lack."""
    open_numbers(page)
    app_emulator.faults.latency = 0.7
    search = page.get_by_role("searchbox", name="Search numbers")
    search.fill("0833")
    page.wait_for_timeout(400)  # the search is sent and waiting for its answer
    page.get_by_role("link", name="Next").click()

    expect(page).to_have_url(at(f"{NUMBERS}?page=2"))
    expect(summary(page)).to_have_text("Showing 26–50 of 61 numbers")
    expect(search).to_have_value("")
    page.wait_for_timeout(1000)  # the aborted search's answer, had it come, would be in by now
    expect(summary(page)).to_have_text("Showing 26–50 of 61 numbers")


@pytest.mark.parametrize(
    "path",
    [NUMBERS, f"{BULK_NUMBERS}?view=eligible&page=200"],
    ids=["linked", "eligible-bulk"],
)
def test_narrow_screen_scrolls_only_the_table(page: Page, path: str) -> None:
    page.set_viewport_size(NARROW)
    page.goto(path)
    expect(summary(page)).to_have_text(re.compile(r"^Showing "))
    overflow = measure_overflow(page)
    assert overflow.page_width <= NARROW["width"] + 1, overflow
    assert overflow.spilling == [], overflow
    # The table is wider than a phone: it scrolls inside its own container instead.
    assert overflow.table_scrolls, overflow


def test_example_number_is_listed_with_its_city(page: Page) -> None:
    open_numbers(page, f"{NUMBERS}?q={EXAMPLE_NUMBER}")
    expect(rows(page)).to_have_count(1)
    expect(rows(page)).to_contain_text(
        [
            re.compile(
                rf"^\s*{EXAMPLE_NUMBER}\s+✓ Active\s+Inbound and outbound\s+四川\s+乐山\s+"
                r"售后服务流程\s*$"
            )
        ]
    )
    # The contact flow by its name, its id on hover.
    flow = rows(page).get_by_text("售后服务流程")
    expect(flow).to_have_attribute("title", EXAMPLE_CONTACT_FLOW_ID)


def test_an_error_in_the_results_keeps_the_view_for_the_next_search(
    page: Page, app_emulator: Emulator
) -> None:
    loads = open_numbers(page, f"{NUMBERS}?view=eligible")
    # Every attempt (3) of the listing and of its status counts beside it.
    app_emulator.faults.inject("unavailable", times=2 * 3, action="ListPhoneNumbersOfSkillGroup")
    search = page.get_by_role("searchbox", name="Search numbers")

    search.fill("0833")
    expect(page.get_by_role("alert")).to_contain_text("The contact center service is unavailable.")
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible"))  # the failed view is not pushed
    expect(page.get_by_role("link", name="Eligible", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    search.fill("083")
    expect(page).to_have_url(at(f"{NUMBERS}?view=eligible&q=083"))
    expect(summary(page)).to_have_text(re.compile(r"^Showing 1–\d+ of \d+ numbers?$"))
    loads.assert_none_since_open()


def test_an_unreachable_server_is_said_in_the_results(page: Page) -> None:
    open_numbers(page)
    page.route(re.compile(r".*[?&]q=0833.*"), lambda route: route.abort())

    page.get_by_role("searchbox", name="Search numbers").fill("0833")

    expect(page.get_by_role("alert")).to_have_text(
        "cccadmin could not be reached. Check your connection, or reload the page to sign in again."
    )
