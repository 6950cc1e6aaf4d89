"""A phone (390 px): the results start on the first screen, a wide table scrolls sideways with
its first column kept and a sign that more lies to the right, and no word of the header or of
a button breaks onto a line of its own, in either language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ccc.emulator.dataset import BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID

from ..audit_trail import four_actions
from .helpers import PHONE, rows, summary

HOTLINE = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{BULK_SKILL_GROUP_ID}/numbers/"


@pytest.fixture
def phone(new_context) -> Page:
    return new_context(viewport=PHONE).new_page()


@pytest.fixture
def chinese_phone(new_context) -> Page:
    return new_context(viewport=PHONE, locale="zh-CN").new_page()


def top_of(page: Page, selector: str) -> float:
    return page.locator(selector).first.evaluate("(element) => element.getBoundingClientRect().top")


def test_the_filters_fold_so_the_results_start_on_the_first_screen(phone: Page) -> None:
    phone.goto(HOTLINE + "?view=eligible&q=0")
    expect(summary(phone)).to_be_visible()
    # A <summary>: Chromium gives it no role Playwright can name, so it is found by its text.
    folded = phone.get_by_text(re.compile(r"^Filters"))
    search = phone.get_by_role("searchbox", name="Search numbers")
    expect(search).to_be_hidden()
    # The first rows are on the first screen, under the controls.
    assert top_of(phone, "#results table tbody tr") < PHONE["height"] * 0.6
    # The folded form says how many filters are on, and opens with one tap.
    expect(folded).to_have_text("Filters 1")
    folded.click()
    expect(search).to_be_visible()
    expect(search).to_have_value("0")


def test_the_filters_stay_open_on_a_desktop(page: Page) -> None:
    page.goto(HOTLINE)
    expect(page.get_by_role("searchbox", name="Search numbers")).to_be_visible()
    expect(page.locator("#filters-panel > summary")).to_be_hidden()


def test_a_wide_table_scrolls_keeping_its_first_column(phone: Page) -> None:
    phone.goto(HOTLINE)
    container = phone.locator(".table-responsive")
    expect(rows(phone).first).to_be_visible()
    expect(container).to_have_attribute("data-more-right", "")
    first_cell = rows(phone).first.get_by_role("cell").nth(0)
    left_before = first_cell.evaluate("(cell) => cell.getBoundingClientRect().left")

    container.evaluate("(box) => { box.scrollLeft = 200; box.dispatchEvent(new Event('scroll')); }")
    assert first_cell.evaluate("(cell) => cell.getBoundingClientRect().left") == left_before
    container.evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")
    expect(container).not_to_have_attribute("data-more-right", "")


def test_the_audit_table_scrolls_keeping_the_time(phone: Page) -> None:
    four_actions()
    phone.goto("/audit/")
    container = phone.locator(".table-responsive")
    expect(container).to_have_attribute("data-more-right", "")
    time_cell = rows(phone).first.get_by_role("cell").nth(0)
    left_before = time_cell.evaluate("(cell) => cell.getBoundingClientRect().left")
    container.evaluate("(box) => { box.scrollLeft = 300; }")
    assert time_cell.evaluate("(cell) => cell.getBoundingClientRect().left") == left_before


def top_of_locator(locator) -> float:
    return locator.evaluate("(element) => element.getBoundingClientRect().top")


def single_line(page: Page, selector: str) -> list[str]:
    """The elements of `selector` whose text takes more than one line."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
          .filter((element) => element.offsetParent !== null)
          .filter((element) => {
            const style = getComputedStyle(element);
            const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
            const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
            return element.getBoundingClientRect().height - padding > line * 1.5;
          })
          .map((element) => element.textContent.trim())""",
        selector,
    )


def test_no_header_word_or_button_breaks_in_chinese(chinese_phone: Page) -> None:
    chinese_phone.goto(HOTLINE + "?view=eligible")
    expect(chinese_phone.locator("html")).to_have_attribute("lang", "zh-hans")
    chinese_phone.locator("#filters-panel > summary").click()
    assert single_line(chinese_phone, "header a, header button, .btn") == []
    # The header is one line: the language switch beside the product's name.
    brand = chinese_phone.get_by_role("link", name="cccadmin")
    switch = chinese_phone.get_by_role("button", name="English")
    assert abs(top_of_locator(brand) - top_of_locator(switch)) < 8
