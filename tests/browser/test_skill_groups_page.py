"""From the instances to a skill group's numbers, and the skill groups page's own search."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID

from .helpers import NARROW, FullLoads, announcement, at, measure_overflow, rows, summary

SKILL_GROUPS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/"


def test_instances_lead_to_a_skill_groups_numbers(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile(rf"\b{EXAMPLE_INSTANCE_ID}\b")).click()
    expect(page).to_have_url(at(SKILL_GROUPS))
    expect(page.get_by_role("heading", name="Skill groups of CCC test")).to_be_visible()
    expect(summary(page)).to_have_text("Showing 1–5 of 5 skill groups")
    expect(rows(page).filter(has_text="Customer service")).to_contain_text(
        re.compile(rf"{re.escape(EXAMPLE_SKILL_GROUP_ID)}\s+Voice\s+61\s+42")
    )

    page.get_by_role("link", name="Customer service").click()
    expect(page).to_have_url(at(f"{SKILL_GROUPS}{EXAMPLE_SKILL_GROUP_ID}/numbers/"))
    expect(page.get_by_role("heading", name="Customer service")).to_be_visible()
    expect(summary(page)).to_have_text("Showing 1–25 of 61 numbers")


def test_search_filters_skill_groups_and_back_restores_the_list(page: Page) -> None:
    loads = FullLoads(page).open(SKILL_GROUPS)
    expect(page.get_by_role("combobox", name="Status")).to_have_count(0)
    all_groups = rows(page).all_inner_texts()
    search = page.get_by_role("searchbox", name="Search skill groups")

    search.press_sequentially("sales", delay=50)
    expect(page).to_have_url(at(f"{SKILL_GROUPS}?q=sales"))
    expect(summary(page)).to_have_text("Showing 1–2 of 2 skill groups")
    expect(rows(page)).to_have_text([re.compile(r"^\s*Sales\s"), re.compile(r"^\s*售后服务\s")])
    expect(search).to_be_focused()
    expect(announcement(page, "Showing 1–2 of 2 skill groups")).to_have_count(1)

    search.fill("no such group")
    expect(page).to_have_url(at(f"{SKILL_GROUPS}?q=no+such+group"))
    expect(summary(page)).to_have_text("No skill groups match.")

    page.go_back()
    expect(page).to_have_url(at(f"{SKILL_GROUPS}?q=sales"))
    expect(search).to_have_value("sales")
    expect(rows(page)).to_have_count(2)

    page.go_back()
    expect(page).to_have_url(at(SKILL_GROUPS))
    expect(search).to_have_value("")
    expect(rows(page)).to_have_text(all_groups)
    loads.assert_none_since_open()

    # Links in swapped-in results are real links: this one loads the numbers page.
    search.fill("售后")
    expect(rows(page)).to_have_count(1)
    page.get_by_role("link", name="售后服务").click()
    expect(page).to_have_url(at(f"{SKILL_GROUPS}aftersales@{EXAMPLE_INSTANCE_ID}/numbers/"))
    expect(page.get_by_role("heading", name="售后服务")).to_be_visible()
    expect(summary(page)).to_have_text("Showing 1–25 of 48 numbers")


def test_the_media_filter_swaps_in_another_medium_s_groups_and_back(page: Page) -> None:
    loads = FullLoads(page).open(SKILL_GROUPS)
    media = page.get_by_role("combobox", name="Media")
    expect(media).to_have_value("audio")

    media.select_option(label="Chat")
    expect(page).to_have_url(at(f"{SKILL_GROUPS}?media=chat"))
    expect(summary(page)).to_have_text("Showing 1–1 of 1 skill group")
    expect(rows(page)).to_have_text([re.compile(r"^\s*Online chat\s.*\sChat\s")])

    # The search keeps the medium, and Back brings the voice groups and the filter back.
    page.get_by_role("searchbox", name="Search skill groups").fill("video")
    expect(page).to_have_url(at(f"{SKILL_GROUPS}?q=video&media=chat"))
    expect(summary(page)).to_have_text("No skill groups match.")
    page.go_back()
    # Each Back restores its page from the server: wait for it before the next, whose answer
    # could otherwise arrive first and be overwritten.
    expect(page).to_have_url(at(f"{SKILL_GROUPS}?media=chat"))
    expect(summary(page)).to_have_text("Showing 1–1 of 1 skill group")
    page.go_back()
    expect(page).to_have_url(at(SKILL_GROUPS))
    expect(media).to_have_value("audio")
    expect(summary(page)).to_have_text("Showing 1–5 of 5 skill groups")
    loads.assert_none_since_open()


def test_narrow_screen_fits_the_skill_groups_page(page: Page) -> None:
    page.set_viewport_size(NARROW)
    page.goto(SKILL_GROUPS)
    expect(summary(page)).to_have_text("Showing 1–5 of 5 skill groups")
    overflow = measure_overflow(page)
    assert overflow.page_width <= NARROW["width"] + 1, overflow
    assert overflow.spilling == [], overflow
