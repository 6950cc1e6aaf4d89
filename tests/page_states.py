"""Every state a page can be in, walked by the template tests and the browser tests.

`tests/test_page_states.py` requests each state with Django's test client (status, no template
syntax in the text); `tests/browser/test_page_states.py` opens each in Chromium (axe-core, no
template syntax on screen, and the README's screenshots). A new feature appends its states to
`STATES`; both walks then cover them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import stamina

from ccc.emulator import Emulator, FaultKind
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    CHAT_SKILL_GROUP_ID,
    EXAMPLE_CONTACT_FLOW_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
)
from ccc.emulator.faults import Fault

from .audit_trail import (
    HISTORY_NUMBER,
    PARTLY_DONE_ACTION_ID,
    RUNNING_ACTION_ID,
    SALES,
    TWO_GROUPS_ACTION_ID,
    demo_trail,
    number_history,
    partly_done_action,
    running_action,
    two_groups_action,
)

INSTANCES = "/"
SKILL_GROUPS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/"
NUMBERS = f"{SKILL_GROUPS}{EXAMPLE_SKILL_GROUP_ID}/numbers/"
CHAT_NUMBERS = f"{SKILL_GROUPS}{CHAT_SKILL_GROUP_ID}/numbers/"
BULK_NUMBERS = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{BULK_SKILL_GROUP_ID}/numbers/"
UNKNOWN_SKILL_GROUP = f"{SKILL_GROUPS}gone@{EXAMPLE_INSTANCE_ID}/numbers/"
UNKNOWN_INSTANCE = "/instances/no-such-instance/skill-groups/"
AUDIT = "/audit/"
INSTANCE_NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/numbers/"
NUMBER = f"{INSTANCE_NUMBERS}{EXAMPLE_NUMBER}/"
# The example agent's personal outbound number (坐席小王, agent@ccc-test).
PERSONAL_NUMBER = f"{INSTANCE_NUMBERS}022002479658/"

LIST_NUMBERS = "ListPhoneNumbersOfSkillGroup"
ATTEMPTS = 3  # what a read is tried, as in production; `retries_without_waiting` skips the waits
# The reads of one action a page makes side by side: a numbers page lists its numbers and counts
# them by status, both with LIST_NUMBERS; the instance's numbers both with ListPhoneNumbers.
READS_OF_ACTION = {LIST_NUMBERS: 2, "ListPhoneNumbers": 2}


@dataclass(frozen=True)
class PageState:
    """One page in one state: where it is, how it is reached, and what it must answer.

    `htmx`: the results swap (`HX-Request: true`) rather than the full page; in the browser the
    swap is made from the full page at `swap_from` (default `path`), so the page is judged as a
    user sees it after the swap. `fault`: a CCC fault the emulator answers with on every attempt
    (in the browser, injected after the full page has loaded; a failing swap needs a
    `swap_from` of another address, or it would be answered from the listing cache the full
    page filled). `shows`: text the state's page
    shows, proving the state is the one named. `screenshot`: `make screenshots` writes
    `docs/<name>.png` of it. `database`: the state reads the database (the walks give it one);
    it is called to make the rows the state shows before the state is opened.
    """

    name: str
    path: str
    htmx: bool = False
    fault: Fault | None = None
    status: int = 200
    shows: str = ""
    swap_from: str | None = None
    screenshot: bool = False
    database: Callable[[], object] | None = None

    def __str__(self) -> str:
        return self.name

    @property
    def opener(self) -> str:
        """The full page an htmx swap is made from."""
        return self.swap_from or self.path


def _page_and_swap(name: str, path: str, **options) -> tuple[PageState, PageState]:
    """A list page's state as a full page and as the htmx swap of its results."""
    screenshot = options.pop("screenshot", False)
    swap_from = options.pop("swap_from", None)
    return (
        PageState(name, path, screenshot=screenshot, **options),
        PageState(f"{name}-swap", path, htmx=True, swap_from=swap_from, **options),
    )


def no_events() -> None:
    """The audit trail as a new deployment has it: empty."""


UNAVAILABLE = Fault(FaultKind.UNAVAILABLE, action=LIST_NUMBERS)
THROTTLED = Fault(FaultKind.THROTTLING, action=LIST_NUMBERS)

STATES: tuple[PageState, ...] = (
    # Instances: no results region, so no swap.
    PageState("instances", INSTANCES, shows="Contact center instances"),
    PageState(
        "instances-throttled",
        INSTANCES,
        fault=Fault(FaultKind.THROTTLING, action="ListInstances"),
        status=503,
        shows="The contact center is busy",
    ),
    # Skill groups.
    *_page_and_swap(
        "skill-groups", SKILL_GROUPS, shows="Showing 1–5 of 5 skill groups", screenshot=True
    ),
    *_page_and_swap("skill-groups-search", f"{SKILL_GROUPS}?q=sales", shows="of 2 skill groups"),
    *_page_and_swap(
        "skill-groups-chat",
        f"{SKILL_GROUPS}?media=chat",
        shows="Online chat",
        swap_from=SKILL_GROUPS,
    ),
    *_page_and_swap(
        "skill-groups-search-empty", f"{SKILL_GROUPS}?q=no+such+group", shows="No skill groups"
    ),
    *_page_and_swap(
        "skill-groups-unavailable",
        SKILL_GROUPS,
        fault=Fault(FaultKind.INTERNAL, action="ListSkillGroups"),
        status=502,
        shows="The contact center service is unavailable.",
        swap_from=f"{SKILL_GROUPS}?q=sales",
    ),
    *_page_and_swap(
        "instance-unknown",
        UNKNOWN_INSTANCE,
        status=404,
        shows="Instance “no-such-instance” was not found.",
        swap_from=SKILL_GROUPS,
    ),
    # Numbers: each view, search, filter, paging and notice.
    *_page_and_swap("numbers", NUMBERS, shows="Showing 1–25 of 61 numbers"),
    *_page_and_swap("numbers-eligible", f"{NUMBERS}?view=eligible", shows="of 401 numbers"),
    *_page_and_swap("numbers-search", f"{NUMBERS}?view=eligible&q=0833", shows="of 13 numbers"),
    *_page_and_swap("numbers-search-empty", f"{NUMBERS}?q=99999999", shows="No numbers match."),
    *_page_and_swap("numbers-inactive", f"{NUMBERS}?active=false", shows="of 7 numbers"),
    # The status counts beside the filter (outside the results a swap's `shows` looks in): of
    # the view and search whatever the filter, here with the active ones filtered.
    PageState("numbers-status-counts", f"{NUMBERS}?active=true", shows="Active 54 · Inactive 7"),
    *_page_and_swap(
        "numbers-bulk-eligible",
        f"{BULK_NUMBERS}?view=eligible",
        shows="11,318",  # past the 10,000 the API can list
        screenshot=True,
    ),
    # A chat group: phone numbers serve voice groups, so its eligible view offers none.
    *_page_and_swap(
        "numbers-chat-eligible",
        f"{CHAT_NUMBERS}?view=eligible",
        shows="Online chat is a chat group.",
        swap_from=CHAT_NUMBERS,
    ),
    *_page_and_swap("numbers-past-the-end", f"{NUMBERS}?page=99", shows="Page 99 is past the end"),
    *_page_and_swap(
        "numbers-junk-per-page",
        f"{NUMBERS}?per_page=junk",
        shows="“junk” is not a valid value for “Per page”",
    ),
    # A RAM policy without ListContactFlows: the flows' ids stand in for their names. A full
    # page only: a swap would show the names its full page cached before the refusal.
    PageState(
        "numbers-contact-flows-refused",
        f"{NUMBERS}?q=0833",
        fault=Fault(FaultKind.FORBIDDEN, action="ListContactFlows"),
        shows=EXAMPLE_CONTACT_FLOW_ID,
    ),
    # Numbers: CCC failing, and a skill group that does not exist.
    *_page_and_swap(
        "numbers-unavailable",
        NUMBERS,
        fault=UNAVAILABLE,
        status=502,
        shows=f"It was tried {ATTEMPTS} times.",
        swap_from=f"{NUMBERS}?view=eligible",
    ),
    *_page_and_swap(
        "numbers-throttled",
        NUMBERS,
        fault=THROTTLED,
        status=503,
        shows="The contact center is busy (requests are being throttled).",
        swap_from=f"{NUMBERS}?view=eligible",
    ),
    *_page_and_swap(
        "skill-group-unknown",
        UNKNOWN_SKILL_GROUP,
        status=404,
        shows="Skill group “gone@ccc-test” was not found in instance “ccc-test”.",
        swap_from=NUMBERS,
    ),
    # An editor's confirmation without JavaScript, its refusals, and an action's outcome.
    PageState(
        "confirm-link",
        f"{NUMBERS}confirm/?view=eligible&number=010012616633&number=010056126113",
        shows="Link 2 numbers to Customer service?",
        screenshot=True,
    ),
    PageState(
        "confirm-too-many",
        f"{BULK_NUMBERS}confirm/?view=eligible&all=1",
        status=400,
        shows="and one action takes at most 1,000. Narrow the filter",
    ),
    PageState(
        "confirm-nothing-selected",
        f"{NUMBERS}confirm/?view=eligible",
        status=400,
        shows="Select at least one number first.",
    ),
    PageState(
        "action-partly-done",
        f"/audit/actions/{PARTLY_DONE_ACTION_ID}/",
        database=partly_done_action,
        shows="Linked 2 of 3 numbers to Customer service. The other 1 was not linked: CCC is "
        "throttling requests.",
    ),
    PageState(
        "action-running",
        f"/audit/actions/{RUNNING_ACTION_ID}/",
        database=running_action,
        shows="155 of 400 numbers answered so far: 150 done, 5 not done, 0 unknown.",
    ),
    PageState(
        "action-two-groups",
        f"/audit/actions/{TWO_GROUPS_ACTION_ID}/",
        database=two_groups_action,
        shows="Linked 3 numbers to Customer service. Linked 1 of 2 numbers to Sales.",
    ),
    # Every number of an instance, and one number's page.
    *_page_and_swap(
        "instance-numbers", INSTANCE_NUMBERS, shows="Showing 1–25 of 480 numbers", screenshot=True
    ),
    *_page_and_swap("instance-numbers-search", f"{INSTANCE_NUMBERS}?q=0833", shows="of 17 numbers"),
    # A RAM policy without ListPhoneNumbers: this page needs it, and says which permission.
    *_page_and_swap(
        "instance-numbers-refused",
        INSTANCE_NUMBERS,
        fault=Fault(FaultKind.FORBIDDEN, action="ListPhoneNumbers"),
        status=403,
        shows="Its RAM policy needs the permission ccc:ListPhoneNumbers for this page",
        swap_from=f"{INSTANCE_NUMBERS}?q=0833",
    ),
    PageState("number", NUMBER, shows="Could join 4 skill groups", screenshot=True),
    PageState(
        "number-personal",
        PERSONAL_NUMBER,
        shows="This is the personal outbound number of agent 坐席小王 (agent@ccc-test)",
    ),
    PageState(
        "number-unknown",
        f"{INSTANCE_NUMBERS}099999999999/",
        status=404,
        shows="Number “099999999999” is not a number of instance “CCC test”.",
    ),
    # A search of a group's eligible view that found none says why each match is not there.
    *_page_and_swap(
        "numbers-eligible-why-not",
        f"{NUMBERS}?view=eligible&q={EXAMPLE_NUMBER}",
        shows=f"{EXAMPLE_NUMBER} is already linked to this skill group.",
    ),
    PageState(
        "confirm-number-groups",
        f"{NUMBER}confirm/?action=link&group=sales@ccc-test&group=vip@ccc-test",
        shows=f"Link {EXAMPLE_NUMBER} to 2 skill groups: Sales, VIP hotline?",
    ),
    # The audit trail: from the database, not CCC.
    *_page_and_swap("audit-empty", AUDIT, database=no_events, shows="No audit events match."),
    *_page_and_swap(
        "audit", AUDIT, database=demo_trail, shows="Showing 1–7 of 7 events", screenshot=True
    ),
    *_page_and_swap(
        "audit-filtered",
        f"{AUDIT}?instance={EXAMPLE_INSTANCE_ID}&outcome=unknown",
        database=demo_trail,
        shows="The server stopped during this action",
        swap_from=AUDIT,
    ),
    *_page_and_swap(
        "audit-two-groups",
        f"{AUDIT}?skill_group={SALES[0]}",
        database=two_groups_action,
        shows="Showing 1–1 of 1 event",
    ),
    *_page_and_swap(
        "audit-junk-date",
        f"{AUDIT}?date_from=2026-13-01",
        database=demo_trail,
        shows="“2026-13-01” is not a valid value for “From”",
    ),
    # A number's History: its three events, not the unlink of two numbers that hold it.
    *_page_and_swap(
        "audit-number",
        f"{AUDIT}?number={HISTORY_NUMBER}",
        database=number_history,
        shows="Showing 1–3 of 3 events",
        swap_from=AUDIT,
    ),
)

assert len({state.name for state in STATES}) == len(STATES), "page state names must be unique"


def inject(emulator: Emulator, fault: Fault | None) -> None:
    """Make the emulator answer the fault's action with it on every attempt of every read of
    it one page makes (so none of them can take another's faults and leave that one answered)."""
    if fault is not None:
        emulator.faults.inject(
            fault.kind,
            times=ATTEMPTS * READS_OF_ACTION.get(fault.action or "", 1),
            action=fault.action,
            delay=fault.delay,
            retry_after_ms=fault.retry_after_ms,
        )


@contextlib.contextmanager
def retries_without_waiting() -> Iterator[None]:
    """Reads are tried `ATTEMPTS` times, as in production, without the backoff's waits."""
    stamina.set_testing(True, attempts=ATTEMPTS)
    try:
        yield
    finally:
        stamina.set_testing(False)
