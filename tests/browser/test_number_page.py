"""A number's page in a real browser: from a skill group's list to the number, linked to two
more groups in one action, seen in both groups, one action of two parts in the audit trail,
undone; the skill-group filter of a long list; what a viewer sees; axe-core on each state."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from audit.models import AuditEvent
from audit.parts import parts_of
from ccc import MediaType
from ccc.emulator import Emulator
from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_NUMBER, EXAMPLE_SKILL_GROUP_ID
from ccc.emulator.records import SkillGroupRecord

from .conftest import viewer_page
from .helpers import rows
from .test_number_change import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

SKILL_GROUPS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/"
NUMBERS = f"{SKILL_GROUPS}{EXAMPLE_SKILL_GROUP_ID}/numbers/"
NUMBER_PAGE = f"/instances/{EXAMPLE_INSTANCE_ID}/numbers/{EXAMPLE_NUMBER}/"
SALES, VIP = "sales@ccc-test", "vip@ccc-test"


def groups_of(emulator: Emulator) -> set[str]:
    instance = emulator.instances[EXAMPLE_INSTANCE_ID]
    return {gid for gid, group in instance.skill_groups.items() if EXAMPLE_NUMBER in group.linked}


def test_an_editor_links_a_number_to_two_groups_sees_it_everywhere_and_undoes_it(
    axe_page: Page, app_emulator: Emulator
) -> None:
    page = axe_page
    page.goto(f"{NUMBERS}?q={EXAMPLE_NUMBER}")
    page.get_by_role("link", name=EXAMPLE_NUMBER, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(EXAMPLE_NUMBER)
    expect(page.get_by_role("heading", name="Linked to 1 skill group")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("checkbox", name="Link to Sales").check()
    page.get_by_role("checkbox", name="Link to VIP hotline").check()
    page.get_by_role("button", name="Link to the ticked groups…").click()

    expect(page.get_by_role("heading", level=2)).to_have_text(
        f"Link {EXAMPLE_NUMBER} to 2 skill groups: Sales, VIP hotline?"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Link", exact=True).click()

    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("Linked 1 number to Sales. Linked 1 number to VIP hotline.")
    assert groups_of(app_emulator) == {EXAMPLE_SKILL_GROUP_ID, SALES, VIP}
    assert_accessible(page)

    # Both groups' linked views show it, on the next request.
    for group in (SALES, VIP):
        page.goto(f"{SKILL_GROUPS}{group}/numbers/?q={EXAMPLE_NUMBER}")
        expect(rows(page)).to_have_count(1)
        expect(rows(page).first).to_contain_text(EXAMPLE_NUMBER)

    # One action, two parts, in the audit trail.
    page.goto("/audit/")
    (attempt,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.ATTEMPT)
    assert [part.skill_group_id for part in parts_of(attempt)] == [SALES, VIP]
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Sales")
    expect(rows(page).first).to_contain_text("VIP hotline")

    page.goto(f"/audit/actions/{attempt.pk}/")
    page.get_by_role("link", name="Undo").click()
    expect(page.get_by_role("heading", level=2)).to_have_text(
        f"Unlink {EXAMPLE_NUMBER} from 2 skill groups: Sales, VIP hotline?"
    )
    page.get_by_role("button", name="Unlink", exact=True).click()
    expect(page.locator("#outcome")).to_contain_text("Undid the link of 1 number to Sales.")
    assert groups_of(app_emulator) == {EXAMPLE_SKILL_GROUP_ID}

    page.get_by_role("link", name=f"Back to number {EXAMPLE_NUMBER}").click()
    expect(page.get_by_role("heading", name="Linked to 1 skill group")).to_be_visible()


def test_a_long_list_of_groups_is_narrowed_by_name(axe_page: Page, app_emulator: Emulator):
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    for index in range(12):
        group_id = f"region-{index}@ccc-test"
        instance.skill_groups[group_id] = SkillGroupRecord(
            skill_group_id=group_id,
            instance_id=EXAMPLE_INSTANCE_ID,
            name=f"Region {index}",
            display_name="",
            description="",
            media_type=MediaType.AUDIO,
            user_count=0,
        )
    page = axe_page
    page.goto(NUMBER_PAGE)
    choices = page.locator("#could-join-list > li")
    expect(choices).to_have_count(16)

    page.get_by_role("searchbox", name="Find a skill group by name").fill("region 1")

    expect(choices.filter(visible=True)).to_have_count(3)  # Region 1, 10, 11
    assert_accessible(page)


def test_a_viewer_sees_the_number_without_controls(browser, tmp_path) -> None:
    with viewer_page(browser, tmp_path) as page:
        page.goto(NUMBER_PAGE)
        expect(page.get_by_role("heading", name="Could join 4 skill groups")).to_be_visible()
        expect(page.get_by_role("link", name="Sales")).to_be_visible()
        expect(page.get_by_role("checkbox")).to_have_count(0)
        expect(page.get_by_role("main").get_by_role("button")).to_have_count(0)
