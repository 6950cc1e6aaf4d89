"""A running action's page in a real browser: its progress bar, then its outcome in place
when the action ends, without a reload; axe-core on both states."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from audit import recording
from audit.models import AuditEvent
from audit.parts import parts_of

from ..audit_trail import RUNNING_ACTION_ID, running_action
from .helpers import FullLoads
from .test_number_change import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_running_action_shows_progress_then_its_outcome_in_place(axe_page: Page):
    running_action()
    page = axe_page
    loads = FullLoads(page).open(f"/audit/actions/{RUNNING_ACTION_ID}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Linking numbers")
    expect(page.get_by_role("progressbar", name="Numbers answered")).to_have_attribute(
        "value", "155"
    )
    assert_accessible(page)

    attempt = AuditEvent.objects.get(pk=RUNNING_ACTION_ID)
    recording.outcome_record(attempt=attempt, outcome="done", parts=parts_of(attempt))

    expect(page.get_by_role("heading", level=1)).to_have_text("Numbers linked", timeout=5000)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    expect(page.locator("#outcome")).to_contain_text("Linked 400 numbers to Customer service.")
    loads.assert_none_since_open()
    assert_accessible(page)
