"""Linking and unlinking in a real browser: the selection across swaps, the confirmation
dialog (focus, Escape, keyboard only), the outcome in place, Undo, a fault mid-way through
"all matching", what a viewer sees, and axe-core on each of these states."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from audit.models import AuditEvent
from ccc.emulator import Emulator
from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID

from ..emulator_data import listed_numbers
from .conftest import viewer_page
from .helpers import axe_findings, rows, settle_animations, summary

pytestmark = pytest.mark.django_db(transaction=True)

GROUP = {"instance_id": EXAMPLE_INSTANCE_ID, "skill_group_id": EXAMPLE_SKILL_GROUP_ID}
NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
ADD = "AddNumbersToSkillGroup"


def linked(emulator: Emulator) -> set[str]:
    return set(listed_numbers(emulator, **GROUP))


def number_box(page: Page, number: str):
    return page.get_by_role("checkbox", name=f"Select {number}", exact=True)


def selection_count(page: Page):
    return page.locator("#selection-count")


def dialog(page: Page):
    return page.get_by_role("dialog")


def outcome(page: Page):
    return page.locator("#action-outcome")


def assert_accessible(page: Page) -> None:
    """axe-core on the page once no swap is in flight and the results have stopped fading."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    settle_animations(page)
    findings = axe_findings(page)
    assert not findings, "\n".join(map(str, findings))


def test_an_editor_links_three_numbers_unlinks_one_and_undoes_it(
    axe_page: Page, app_emulator: Emulator
) -> None:
    page = axe_page
    page.goto(f"{NUMBERS}?view=eligible")
    chosen = listed_numbers(app_emulator, **GROUP, linked=False)[:3]
    for number in chosen:
        number_box(page, number).check()
    expect(selection_count(page)).to_have_text("3 numbers selected.")
    page.get_by_role("button", name="Link to this skill group").click()

    expect(dialog(page)).to_be_visible()
    expect(dialog(page).get_by_role("heading")).to_have_text("Link 3 numbers to Customer service?")
    for number in chosen:
        expect(dialog(page)).to_contain_text(number)
    expect(dialog(page).get_by_role("button", name="Link", exact=True)).to_be_focused()
    assert_accessible(page)

    dialog(page).get_by_role("button", name="Link", exact=True).click()
    expect(dialog(page)).to_be_hidden()
    expect(outcome(page)).to_contain_text("Linked 3 numbers to Customer service.")
    expect(page.get_by_role("status").filter(has_text="Linked 3 numbers")).to_be_visible()
    for number in chosen:
        expect(number_box(page, number)).to_have_count(0)  # gone from the eligible view
    expect(selection_count(page)).to_have_text("No number selected.")
    assert linked(app_emulator) >= set(chosen)
    assert_accessible(page)

    page.get_by_role("link", name="Linked", exact=True).click()
    expect(number_box(page, chosen[0])).to_be_visible()
    # The filter changed: the view's selection is its own, and none was made.
    number_box(page, chosen[0]).check()
    page.get_by_role("button", name="Unlink", exact=True).click()
    expect(dialog(page).get_by_role("heading")).to_have_text(
        "Unlink 1 number from Customer service?"
    )
    dialog(page).get_by_role("button", name="Unlink", exact=True).click()
    expect(outcome(page)).to_contain_text("Unlinked 1 number from Customer service.")
    expect(number_box(page, chosen[0])).to_have_count(0)
    assert chosen[0] not in linked(app_emulator)

    outcome(page).get_by_role("link", name="Undo").click()
    expect(dialog(page).get_by_role("heading")).to_have_text("Link 1 number to Customer service?")
    expect(dialog(page)).to_contain_text("This undoes an earlier action on these numbers.")
    dialog(page).get_by_role("button", name="Link", exact=True).click()
    expect(outcome(page)).to_contain_text("Undid the unlink of 1 number from Customer service.")
    expect(number_box(page, chosen[0])).to_be_visible()
    assert chosen[0] in linked(app_emulator)
    attempts = AuditEvent.objects.filter(kind="attempt").order_by("id")
    assert [a.action for a in attempts] == ["link", "unlink", "link"]
    assert attempts[2].undoes_id == attempts[1].pk


def test_the_selection_survives_paging_and_is_cleared_visibly_by_a_filter(
    page: Page, app_emulator: Emulator
) -> None:
    page.goto(f"{NUMBERS}?view=eligible")
    eligible = listed_numbers(app_emulator, **GROUP, linked=False)
    number_box(page, eligible[0]).check()
    page.get_by_role("link", name="Next").click()
    expect(summary(page)).to_have_text("Showing 26–50 of 401 numbers")
    number_box(page, eligible[25]).check()
    expect(selection_count(page)).to_have_text("2 numbers selected.")
    expect(page.locator("#announcer")).to_have_text("2 numbers selected.")  # heard, too
    page.get_by_role("link", name="Previous").click()
    expect(number_box(page, eligible[0])).to_be_checked()
    expect(selection_count(page)).to_have_text("2 numbers selected.")

    page.get_by_role("checkbox", name="Select all on this page").check()
    expect(selection_count(page)).to_have_text("26 numbers selected.")

    page.get_by_role("searchbox", name="Search numbers").fill("0833")
    expect(
        page.get_by_text("The selection was cleared because the view or filter changed.")
    ).to_be_visible()
    expect(selection_count(page)).to_have_text("No number selected.")
    expect(page.get_by_role("button", name="Link to this skill group")).to_be_disabled()


def test_keyboard_only(page: Page, app_emulator: Emulator) -> None:
    page.goto(f"{NUMBERS}?view=eligible")
    first = listed_numbers(app_emulator, **GROUP, linked=False)[0]
    number_box(page, first).focus()
    page.keyboard.press("Space")
    expect(selection_count(page)).to_have_text("1 number selected.")
    act = page.get_by_role("button", name="Link to this skill group")
    act.focus()
    page.keyboard.press("Enter")
    expect(dialog(page)).to_be_visible()
    confirm = dialog(page).get_by_role("button", name="Link", exact=True)
    expect(confirm).to_be_focused()
    # Focus stays in the dialog while it is open.
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.getElementById('confirm-dialog').contains(document.activeElement)"
        ) or (page.evaluate("document.activeElement === document.body"))
    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()
    expect(act).to_be_focused()
    assert first not in linked(app_emulator)

    page.keyboard.press("Enter")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(outcome(page)).to_contain_text("Linked 1 number to Customer service.")
    expect(page.locator("#outcome")).to_be_focused()
    assert first in linked(app_emulator)


def test_all_matching_in_batches_with_throttling_mid_way(
    axe_page: Page, settings, app_emulator: Emulator
) -> None:
    settings.CCC_WRITE_BATCH_SIZE = 100
    settings.CCC_WRITES_IN_FLIGHT = 1
    page = axe_page
    page.goto(f"{NUMBERS}?view=eligible")
    page.get_by_role("button", name="Select all 401 matching").click()
    expect(selection_count(page)).to_have_text("All 401 matching numbers are selected.")
    expect(number_box(page, listed_numbers(app_emulator, **GROUP, linked=False)[0])).to_be_checked()
    page.get_by_role("button", name="Link to this skill group").click()
    expect(dialog(page).get_by_role("heading")).to_have_text(
        "Link 401 numbers to Customer service?"
    )
    expect(dialog(page)).to_contain_text("and 391 more.")
    # Two batches go through, the third is throttled for longer than the write budget.
    app_emulator.faults.inject("slow", action=ADD, delay=0, times=2)
    app_emulator.faults.inject("throttling", action=ADD, retry_after_ms=600_000)
    dialog(page).get_by_role("button", name="Link", exact=True).click()
    expect(outcome(page)).to_contain_text(
        re.compile(
            r"Linked 301 of 401 numbers to Customer service\. The other 100 were not linked: "
            r"CCC is throttling requests \(RequestId [0-9A-F-]+\)\. They are still selected\."
        )
    )
    expect(selection_count(page)).to_have_text("100 numbers selected.")
    expect(summary(page)).to_have_text("Showing 1–25 of 100 numbers")
    assert len(linked(app_emulator)) == 61 + 301
    assert_accessible(page)


def test_a_viewer_sees_no_selection_controls(browser, tmp_path) -> None:
    with viewer_page(browser, tmp_path) as page:
        page.goto(f"{NUMBERS}?view=eligible")
        expect(rows(page)).to_have_count(25)
        expect(page.get_by_text("victor · viewer")).to_be_visible()
        expect(page.get_by_role("checkbox")).to_have_count(0)
        expect(page.get_by_role("button", name="Link to this skill group")).to_have_count(0)
        expect(page.get_by_role("button", name=re.compile("^Select all"))).to_have_count(0)
