"""The reading machinery: reads side by side, in the request's budget and language."""

from __future__ import annotations

import threading

import pytest
from django.utils import translation

from ccc import NotFoundError
from ccc.budget import budget, deadline
from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID
from phone_numbers import reading, selectors
from phone_numbers.queries import NumbersQuery

# -- side by side ------------------------------------------------------------------------------


def test_side_by_side_reads_run_at_once():
    all_in_flight = threading.Barrier(3, timeout=5)

    def read() -> str:
        all_in_flight.wait()  # one after another, the first would wait here forever
        return threading.current_thread().name

    done = reading.side_by_side(first=read, second=read, third=read)

    assert list(done) == ["first", "second", "third"]
    # The first in this thread, no hand-over to wait for; the others each in one of the pool's.
    assert done["first"] == threading.current_thread().name
    assert len({done["first"], done["second"], done["third"]}) == 3


def test_side_by_side_reads_carry_the_budget_and_the_language():
    def seen() -> tuple[float | None, str]:
        return deadline(), translation.get_language()

    with budget(5), translation.override("zh-hans"):
        expected = (deadline(), "zh-hans")
        done = reading.side_by_side(one=seen, two=seen)

    assert done == {"one": expected, "two": expected}


def test_side_by_side_raises_the_failure_of_a_read(app_emulator):
    with pytest.raises(NotFoundError):
        reading.side_by_side(
            group=lambda: selectors.skill_group_get(
                instance_id=EXAMPLE_INSTANCE_ID, skill_group_id="gone@ccc-test"
            ),
            numbers=lambda: selectors.phone_number_list(
                numbers=NumbersQuery(
                    instance_id=EXAMPLE_INSTANCE_ID,
                    skill_group_id=EXAMPLE_SKILL_GROUP_ID,
                    linked=True,
                )
            ),
        )


def _gone() -> None:
    raise NotFoundError("NotExists.SkillGroupId", "gone")


def test_side_by_side_waits_for_every_read_before_raising():
    """No read outlives the page that asked for it (and its calls are all made by then)."""
    finished = threading.Event()

    def slower() -> None:
        finished.wait(0.2)  # nothing sets it: this only takes longer than `fails`
        finished.set()

    with pytest.raises(NotFoundError):
        reading.side_by_side(first=_gone, second=slower)

    assert finished.is_set()


def test_side_by_side_raises_a_later_read_failure_after_the_first_succeeded():
    with pytest.raises(NotFoundError):
        reading.side_by_side(first=lambda: "listed", second=_gone)
