"""The audit page through Django's test client: one row per action or refusal, every filter in
SQL, days of the deployment's time zone, instance scoping, paging and the htmx fragment.

Rows are written straight into the database, as phone_numbers/services.py records them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from audit.models import AuditEvent
from audit.tables import AUDIT_OUTCOMES
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_SKILL_GROUP_ID,
)
from portal.text import moment_text

from .audit_trail import (
    ACCEPT_LANGUAGE,
    BOB,
    BULK_GROUP,
    CCC_SAYS,
    EVERY_KIND_SAID,
    HISTORY_NUMBER,
    PLUS_NUMBER,
    CccWords,
    attempt,
    every_kind_trail,
    four_actions,
    newest_first,
    number_history,
    numbers,
    outcome,
    refusal,
    two_groups_action,
)
from .pages import Html, template_syntax_in

pytestmark = [pytest.mark.django_db, pytest.mark.database]

AUDIT = "/audit/"
NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PROXY = "10.0.3.7"
# What the page says of an attempt whose process stopped before it recorded the outcome.
NO_OUTCOME = "The server stopped during this action; the outcome of 1 number is unknown."


def cst(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 12) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=SHANGHAI)


# The fixed rows, by the time the page shows them at. In UTC, 07:30 on the 1st is still the
# 30th, and midnight on the 2nd is still the 1st: days must be Shanghai's, not UTC's.
A = "2025-12-01 07:30:00 CST"  # link, done
B = "2025-12-01 10:00:00 CST"  # unlink undoing A, done
C = "2025-12-01 23:30:00 CST"  # unlink, partly done
D = "2025-12-02 00:00:00 CST"  # link in the bulk instance, failed
E = "2025-12-02 08:00:00 CST"  # refusal in the bulk instance, no skill group
F = "2025-11-30 23:59:59 CST"  # link, unknown (CCC did not answer in time)
STALE = "stale"  # an attempt an hour old without outcome: its process stopped
FRESH = "fresh"  # an attempt seconds old without outcome: in progress
EVERY_ROW = [FRESH, STALE, E, D, C, B, A, F]


@pytest.fixture
def trail() -> dict[str, AuditEvent]:
    now = timezone.now()
    linked, undo, partly, failed = four_actions()
    refused = refusal(
        cst(2, 8),
        error_code=AuditEvent.Refusal.OUTSIDE_SCOPE,
        detail=BULK_INSTANCE_ID,
        instance_id=BULK_INSTANCE_ID,
        skill_group_id="",
        skill_group_name="",
        numbers=[],
        **BOB,
    )
    unclear = attempt(cst(30, 23, 59, 59, month=11), asked=numbers(5, first=50))
    outcome(
        unclear,
        AuditEvent.Outcome.UNKNOWN,
        done=numbers(3, first=50),
        unknown=numbers(2, first=53),
        request_ids=["REQ-F"],
        detail="The contact center did not answer in time.",
    )
    stale = attempt(now - timedelta(hours=1), asked=numbers(1, first=60))
    fresh = attempt(
        now - timedelta(seconds=10),
        action=AuditEvent.Action.UNLINK,
        asked=numbers(4, first=70),
        **{**BULK_GROUP, **BOB},
    )
    return {
        A: linked,
        B: undo,
        C: partly,
        D: failed,
        E: refused,
        F: unclear,
        STALE: stale,
        FRESH: fresh,
    }


# -- helpers -----------------------------------------------------------------------------------


def get(client, url: str, *, htmx: bool = False, **extra) -> tuple[object, Html]:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(url, headers={**headers, **extra.pop("headers", {})}, **extra)
    page = Html(response.content.decode())
    assert template_syntax_in(page.text) == []
    return response, page


def time_of(event: AuditEvent) -> str:
    """The event's time as the page shows it."""
    return timezone.localtime(event.created_at, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S %Z")


def shown(page: Html, trail: dict[str, AuditEvent]) -> list[str]:
    """The rows shown, named as in `trail` (the fixed ones by their time, the others by name)."""
    names = {time_of(event): name for name, event in trail.items()}
    return [names[row[0]] for row in page.rows if len(row) > 1]


def row(page: Html, time: str) -> dict[str, str]:
    """One row's cells, by column header."""
    found = [cells for cells in page.rows if cells[0] == time]
    assert len(found) == 1, (time, page.rows)
    return dict(zip(page.headers, found[0], strict=True))


def vary(response) -> list[str]:
    return [value.strip() for value in response.get("Vary", "").split(",")]


def has_notice(page: Html) -> bool:
    return "is not a valid value" in page.text


@pytest.fixture
def header_mode(settings):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = [f"{PROXY}/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_EDITOR_GROUPS = ["cc-admins"]
    settings.CCCADMIN_INSTANCE_ACCESS = {
        "support": [EXAMPLE_INSTANCE_ID],
        "everything": ["*"],
    }
    return settings


def as_user(client, url: str, groups: str, *, htmx: bool = False) -> tuple[object, Html]:
    return get(
        client,
        url,
        htmx=htmx,
        REMOTE_ADDR=PROXY,
        headers={"X-Forwarded-User": "carol", "X-Forwarded-Groups": groups},
    )


# -- what the page lists -----------------------------------------------------------------------


def test_one_row_per_action_or_refusal_newest_first(client, trail):
    response, page = get(client, AUDIT)

    assert response.status_code == 200
    assert shown(page, trail) == EVERY_ROW
    assert "Showing 1–8 of 8 events" in page.text
    assert page.headers == [
        "Time",
        "User",
        "Client address",
        "Skill group",
        "Instance",
        "Action",
        "Numbers",
        "Outcome",
        "CCC RequestIds",
    ]


def test_an_action_of_several_groups_is_found_by_any_group_s_name(client):
    two_groups_action()

    _, page = get(client, f"{AUDIT}?skill_group=sales")
    assert len(page.rows) == 1
    _, page = get(client, f"{AUDIT}?skill_group=nobody")
    assert page.rows == []


def test_an_empty_trail_says_so(client):
    response, page = get(client, AUDIT)

    assert response.status_code == 200
    # Once, with no empty table and nothing to export.
    assert page.text.count("No audit events match.") == 1
    assert page.rows == []
    assert "Export CSV" not in page.text


def test_times_are_shanghais_with_the_zone(client, trail):
    _, page = get(client, AUDIT)

    assert row(page, C)["Time"] == "2025-12-01 23:30:00 CST"
    assert page.find("time", datetime="2025-12-01T23:30:00+08:00")
    assert "Times are in Asia/Shanghai." in page.text


def test_times_follow_the_time_zone_setting(client, trail, settings):
    settings.TIME_ZONE = "UTC"

    _, page = get(client, f"{AUDIT}?date_to=2025-12-01")

    times = [cells[0] for cells in page.rows]
    # Midnight on the 2nd in Shanghai is the 1st in UTC, and so on the 1st.
    assert times == [
        "2025-12-01 16:00:00 UTC",
        "2025-12-01 15:30:00 UTC",
        "2025-12-01 02:00:00 UTC",
        "2025-11-30 23:30:00 UTC",
        "2025-11-30 15:59:59 UTC",
    ]
    assert page.find("time", datetime="2025-12-01T15:30:00+00:00")


def test_the_columns_say_who_did_what_to_which_numbers(client, trail):
    _, page = get(client, AUDIT)

    linked = row(page, A)
    assert linked["User"] == "alice alice@example.com"
    assert linked["Client address"] == "10.1.2.3"
    assert linked["Skill group"] == f"Customer service {EXAMPLE_SKILL_GROUP_ID}"
    assert linked["Instance"] == EXAMPLE_INSTANCE_ID
    assert linked["Action"] == "Link"
    assert linked["Numbers"] == "12 numbers: 08330000001, 08330000002, 08330000003, …"
    assert linked["Outcome"] == "✓ Done"
    assert linked["CCC RequestIds"] == "REQ-A"
    # The email is left out where it is the username.
    assert row(page, B)["User"] == "bob@example.com"
    assert row(page, B)["Action"] == f"Undo of the link of {A}"
    assert row(page, B)["Numbers"] == "3 numbers: 08330000001, 08330000002, 08330000003"
    assert row(page, time_of(trail[STALE]))["Numbers"] == "1 number: 08330000060"


def test_the_skill_group_links_to_its_numbers_by_its_recorded_name(client, trail):
    _, page = get(client, AUDIT)

    assert ("/instances/ccc-bulk/skill-groups/hotline@ccc-bulk/numbers/", "Nationwide hotline") in (
        page.links
    )
    assert (NUMBERS, "Customer service") in page.links
    # A refusal outside any skill group names none.
    assert row(page, E)["Skill group"] == "—"
    assert row(page, E)["Numbers"] == "—"


def test_outcomes_are_words_with_their_counts_and_detail(client, trail):
    _, page = get(client, AUDIT)

    # CCC's Message as its words (quoted by <q lang="en">); a refusal's reason in words, its
    # code never as a CCC error.
    assert row(page, C)["Outcome"] == (
        "◐ Partly done 2 done, 1 not done, 0 unknown CCC says: 1 number was no longer linked."
    )
    assert row(page, C)["CCC RequestIds"] == "REQ-C1 REQ-C2"
    assert row(page, D)["Outcome"] == (
        "✕ Failed CCC says: The access key may not change skill groups."
    )
    assert row(page, D)["CCC RequestIds"] == "Error: Forbidden.NoPermission REQ-D"
    assert row(page, E)["Outcome"] == (
        f"⊘ Refused Instance {BULK_INSTANCE_ID} is not one the user may see."
    )
    assert row(page, E)["CCC RequestIds"] == "—"
    assert row(page, F)["Outcome"] == (
        "? Unknown 3 done, 0 not done, 2 unknown "
        "CCC says: The contact center did not answer in time."
    )
    assert row(page, time_of(trail[STALE]))["Outcome"] == f"? Unknown {NO_OUTCOME}"
    assert row(page, time_of(trail[FRESH]))["Outcome"] == "… In progress"


def test_an_attempt_is_in_progress_for_the_write_budget_then_unknown(client, settings):
    settings.CCC_WRITE_BUDGET = 60
    now = timezone.now()
    attempt(now - timedelta(seconds=50))
    attempt(now - timedelta(seconds=70))

    _, page = get(client, AUDIT)

    assert [cells[7] for cells in page.rows] == ["… In progress", f"? Unknown {NO_OUTCOME}"]
    _, in_progress = get(client, f"{AUDIT}?outcome=in_progress")
    assert len(in_progress.rows) == 1
    _, unknown = get(client, f"{AUDIT}?outcome=unknown")
    assert [cells[7] for cells in unknown.rows] == [f"? Unknown {NO_OUTCOME}"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_outcome_and_error_is_said_in_either_language(client, language):
    events = every_kind_trail()
    said = EVERY_KIND_SAID[language]
    with translation.override(language):
        times = [moment_text(events[name].created_at) for name in newest_first(events)]
        # The badge's symbol, by its words.
        symbols = {str(label): symbol for symbol, label, _ in AUDIT_OUTCOMES.values()}
    expected = [
        [
            time,
            " ".join(
                [
                    symbols[said[name][0]],
                    said[name][0],
                    *(
                        f"{CCC_SAYS[language]} {line}" if isinstance(line, CccWords) else line
                        for line in said[name][1:]
                    ),
                ]
            ),
        ]
        for time, name in zip(times, newest_first(events), strict=True)
    ]

    response, page = get(client, AUDIT, headers={"Accept-Language": ACCEPT_LANGUAGE[language]})

    assert response.status_code == 200
    assert [[cells[0], cells[7]] for cells in page.rows] == expected


# -- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"instance={EXAMPLE_INSTANCE_ID}", [STALE, C, B, A, F]),
        (f"instance={BULK_INSTANCE_ID}", [FRESH, E, D]),
        (f"skill_group={EXAMPLE_SKILL_GROUP_ID}", [STALE, C, B, A, F]),
        (f"skill_group={BULK_SKILL_GROUP_ID}", [FRESH, D]),
        ("skill_group=skillgroup", []),  # an id, matched exactly
        ("skill_group=customer SERVICE", [STALE, C, B, A, F]),  # a name, in any case
        ("skill_group=hotline", [FRESH, D]),  # a part of a name
        ("user=bob", [FRESH, E, C, B]),
        ("user=ALICE", [STALE, D, A, F]),  # either case
        ("user=alice@example.com", [STALE, D, A, F]),  # the email too
        ("user=example.com", EVERY_ROW),
        ("action=link", [STALE, E, D, A, F]),
        ("action=unlink", [FRESH, C, B]),
        ("outcome=done", [B, A]),
        ("outcome=partly_done", [C]),
        ("outcome=failed", [D]),
        ("outcome=refused", [E]),
        ("outcome=unknown", [STALE, F]),  # recorded as unknown, or never recorded
        ("outcome=in_progress", [FRESH]),
        ("date_from=2025-12-02", [FRESH, STALE, E, D]),
        ("date_to=2025-12-01", [C, B, A, F]),
        ("date_from=2025-12-01&date_to=2025-12-01", [C, B, A]),
        ("date_from=2025-12-02&date_to=2025-12-02", [E, D]),
        ("date_from=2025-11-30&date_to=2025-11-30", [F]),
    ],
)
def test_each_filter_alone(client, trail, query, expected):
    response, page = get(client, f"{AUDIT}?{query}")

    assert response.status_code == 200
    assert not has_notice(page)
    assert shown(page, trail) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"instance={EXAMPLE_INSTANCE_ID}&user=bob&date_to=2025-12-01", [C, B]),
        (f"instance={EXAMPLE_INSTANCE_ID}&outcome=unknown", [STALE, F]),
        ("action=unlink&outcome=in_progress", [FRESH]),
        ("action=unlink&outcome=done&user=bob", [B]),
        (f"skill_group={BULK_SKILL_GROUP_ID}&outcome=failed&date_from=2025-12-02", [D]),
        (f"instance={BULK_INSTANCE_ID}&action=unlink&date_to=2025-12-01", []),
    ],
)
def test_filters_combined(client, trail, query, expected):
    _, page = get(client, f"{AUDIT}?{query}")

    assert shown(page, trail) == expected
    if not expected:
        assert "No audit events match." in page.text


def test_the_days_are_the_deployments_both_ends_inclusive(client, trail):
    """23:30 on the 1st in Shanghai is within "to the 1st"; midnight on the 2nd is not, though
    both are the 1st in UTC; 07:30 on the 1st is within "from the 1st", though the 30th in UTC."""
    _, up_to_the_first = get(client, f"{AUDIT}?date_to=2025-12-01")
    _, from_the_first = get(client, f"{AUDIT}?date_from=2025-12-01")

    assert C in shown(up_to_the_first, trail)
    assert D not in shown(up_to_the_first, trail)
    assert A in shown(from_the_first, trail)
    assert F not in shown(from_the_first, trail)


def test_the_outcome_filter_is_counted_in_sql_across_pages(client, trail):
    for hour in range(30):
        outcome(attempt(cst(3, 0) + timedelta(minutes=hour)))

    _, page = get(client, f"{AUDIT}?outcome=unknown&per_page=10")

    # Two of 38 rows, the older far past the first ten: counted and paged in the database.
    assert "Showing 1–2 of 2 events" in page.text
    assert shown(page, trail) == [STALE, F]


def test_the_instance_select_offers_the_trails_instances(client, trail):
    _, page = get(client, AUDIT)

    options = [attrs.get("value") for tag, attrs in page.elements if tag == "option"][:3]
    assert options == ["", BULK_INSTANCE_ID, EXAMPLE_INSTANCE_ID]


def test_an_instance_without_events_yet_can_be_asked_for(client, trail):
    response, page = get(client, f"{AUDIT}?instance=ccc-new&skill_group=queue@ccc-new")

    assert response.status_code == 200
    assert not has_notice(page)
    assert "No audit events match." in page.text
    assert page.find("option", value="ccc-new", selected="")


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("action=delete", "Action", "delete"),
        ("outcome=exploded", "Outcome", "exploded"),
        ("date_from=2025-13-01", "From", "2025-13-01"),
        ("date_to=yesterday", "To", "yesterday"),
        ("date_from=0025-12-01", "From", "0025-12-01"),  # a mistyped year
        ("per_page=7", "Per page", "7"),
        ("page=first", "Page", "first"),
        (f"instance={'x' * 129}", "Instance", "x" * 40),
        ("user=%00", "User", ""),
    ],
)
def test_an_unusable_value_falls_back_to_its_default_with_a_notice(
    client, trail, query, field, value
):
    response, page = get(client, f"{AUDIT}?{query}")

    assert response.status_code == 200
    assert f"“{value}” is not a valid value for “{field}”; showing the default." in page.text
    # Only the unusable value fell back: the others still apply.
    if query.startswith("date_from=2025-12-02"):
        assert shown(page, trail) == [FRESH, STALE, E, D]
    else:
        assert shown(page, trail) == EVERY_ROW


# -- the number filter -------------------------------------------------------------------------

NUMBER_NOTICE = (
    "The Number filter takes digits only, perhaps after a + (spaces, dashes and brackets are "
    "ignored), not “{}”; it was left out."
)


@pytest.fixture
def history() -> dict[str, AuditEvent]:
    return number_history()


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        # Attempts of one group and of two (the number in one part), and a refusal; not the
        # outcome rows, nor the unlink of two numbers that hold it.
        (HISTORY_NUMBER, ["refused", "two_groups", "link"]),
        (HISTORY_NUMBER[:-1], ["shorter"]),  # not the longer numbers that begin with it
        (HISTORY_NUMBER[:6], []),
        (f"{HISTORY_NUMBER}9", ["longer"]),
        (PLUS_NUMBER.replace("+", "%2B"), ["plus"]),
        (PLUS_NUMBER[1:], []),  # the "+" is part of the number
    ],
)
def test_the_number_filter_lists_the_actions_and_refusals_of_exactly_that_number(
    client, history, number, expected
):
    response, page = get(client, f"{AUDIT}?number={number}")

    assert response.status_code == 200
    assert shown(page, history) == expected
    if not expected:
        assert "No audit events match." in page.text


@pytest.mark.parametrize(
    "typed",
    [
        "0833 0011-0001",
        "(0833) 0011.0001",
        "０８３３－００１１－０００１",  # full-width, as a Chinese input method types it
    ],
)
def test_the_number_filter_reads_a_number_as_people_type_it(client, history, typed):
    response, page = get(client, f"{AUDIT}?{urlencode({'number': typed})}", htmx=True)

    assert shown(page, history) == ["refused", "two_groups", "link"]
    assert response["HX-Push-Url"] == f"{AUDIT}?number={HISTORY_NUMBER}"
    assert not has_notice(page)
    assert "left out" not in page.text


def test_a_numbers_history_is_its_events_in_its_instance(client, history):
    response, page = get(client, f"{AUDIT}?instance={EXAMPLE_INSTANCE_ID}&number={HISTORY_NUMBER}")

    assert shown(page, history) == ["two_groups", "link"]
    assert page.find("input", name="number", value=HISTORY_NUMBER)
    # Both filters are counted, and cleared by the form's link.
    assert re.search(r'id="filter-count"[^>]*>2</span>', response.content.decode())
    assert (AUDIT, "Clear filters") in page.links


@pytest.mark.parametrize(
    ("typed", "notice"),
    [
        ("junk", NUMBER_NOTICE.format("junk")),
        ("0833*", NUMBER_NOTICE.format("0833*")),
        ("%2B", NUMBER_NOTICE.format("+")),
        ("08%2B33", NUMBER_NOTICE.format("08+33")),
        # What no text filter takes: a NUL, more than the box holds.
        ("0833%00", "“0833” is not a valid value for “Number”; showing the default."),
        ("0" * 65, f"“{'0' * 40}” is not a valid value for “Number”; showing the default."),
    ],
)
def test_a_number_that_is_not_one_is_left_out_with_a_notice(client, history, typed, notice):
    response, page = get(client, f"{AUDIT}?number={typed}")

    assert response.status_code == 200
    assert notice in page.text
    assert shown(page, history) == newest_first(history)


# -- links, paging and the fragment ------------------------------------------------------------


def test_the_canonical_link_leaves_defaults_out_in_a_fixed_order(client, trail):
    response, _ = get(
        client,
        f"{AUDIT}?page=1&per_page=25&outcome=unknown&date_to=&user=+bob+&instance={EXAMPLE_INSTANCE_ID}",
        htmx=True,
    )

    assert (
        response["HX-Push-Url"]
        == f"{AUDIT}?instance={EXAMPLE_INSTANCE_ID}&user=bob&outcome=unknown"
    )


def test_the_canonical_link_reproduces_the_view(client, trail):
    query = f"instance={EXAMPLE_INSTANCE_ID}&action=unlink&date_from=2025-12-01&per_page=10"
    response, page = get(client, f"{AUDIT}?{query}", htmx=True)
    _, again_page = get(client, response["HX-Push-Url"])

    assert response["HX-Push-Url"] == f"{AUDIT}?{query}"
    assert shown(again_page, trail) == shown(page, trail) == [C, B]
    assert again_page.find("button", **{"data-copy-url": f"http://testserver{AUDIT}?{query}"})


def test_pages_of_the_trail_with_canonical_pager_links(client):
    for minute in range(30):
        outcome(attempt(cst(3, 0) + timedelta(minutes=minute)))

    _, page = get(client, f"{AUDIT}?user=alice&per_page=10&page=2")

    assert "Showing 11–20 of 30 events" in page.text
    assert [cells[0] for cells in page.rows] == [
        f"2025-12-03 00:{minute:02d}:00 CST" for minute in range(19, 9, -1)
    ]
    hrefs = {text: href for href, text in page.links if urlsplit(href).path == AUDIT}
    assert hrefs["Previous"] == f"{AUDIT}?user=alice&per_page=10"
    assert hrefs["3"] == f"{AUDIT}?user=alice&per_page=10&page=3"
    assert hrefs["Next"] == f"{AUDIT}?user=alice&per_page=10&page=3"


@pytest.mark.parametrize("page_number", ["99", str(10**30)])
def test_a_page_past_the_end_says_so_without_asking_for_it(client, trail, page_number):
    with CaptureQueriesContext(connection) as queries:
        response, page = get(client, f"{AUDIT}?page={page_number}")

    assert response.status_code == 200
    assert f"Page {page_number} is past the end: there is 1 page." in page.text
    assert page.rows == []
    # No 10,000 cap on the database's list: the page is not clamped to a "last reachable" one.
    assert "can be listed" not in page.text
    assert not [q for q in queries.captured_queries if "OFFSET" in q["sql"].upper()]


def test_the_htmx_fragment_is_the_results_only(client, trail):
    response, page = get(client, f"{AUDIT}?outcome=refused", htmx=True)

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert not page.find("form", id="filters")
    assert shown(page, trail) == [E]
    assert response["HX-Push-Url"] == f"{AUDIT}?outcome=refused"
    assert {"HX-Request", "HX-History-Restore-Request"} <= set(vary(response))


def test_a_history_restore_gets_the_whole_page(client, trail):
    response, page = get(
        client,
        f"{AUDIT}?outcome=refused",
        htmx=True,
        headers={"HX-History-Restore-Request": "true"},
    )

    assert b"<html" in response.content
    assert page.find("form", id="filters")
    assert "HX-Request" in vary(response)


def test_the_full_page_varies_on_htmx_too(client, trail):
    response, _ = get(client, AUDIT)

    assert b"<html" in response.content
    assert "HX-Request" in vary(response)
    assert "HX-Push-Url" not in response


def test_the_form_shows_the_values_the_results_answer(client, trail):
    _, page = get(
        client,
        f"{AUDIT}?instance={EXAMPLE_INSTANCE_ID}&skill_group=sg&user=bob&action=unlink"
        "&outcome=done&date_from=2025-12-01&date_to=2025-12-02&per_page=50",
    )

    assert page.find("option", value=EXAMPLE_INSTANCE_ID, selected="")
    assert page.find("input", name="skill_group", value="sg")
    assert page.find("input", name="user", value="bob")
    assert page.find("option", value="unlink", selected="")
    assert page.find("option", value="done", selected="")
    assert page.find("input", name="date_from", type="date", value="2025-12-01")
    assert page.find("input", name="date_to", type="date", value="2025-12-02")
    assert page.find("option", value="50", selected="")
    summary = page.find("p", id="result-summary")[0]
    assert summary["data-applied-date_from"] == "2025-12-01"
    assert summary["data-applied-instance"] == EXAMPLE_INSTANCE_ID


def test_the_page_costs_the_same_few_queries_however_many_rows(
    client, django_assert_max_num_queries
):
    previous = None
    for minute in range(100):
        linked = attempt(cst(3, 0) + timedelta(minutes=minute), asked=numbers(3))
        outcome(linked)
        previous = attempt(
            cst(4, 0) + timedelta(minutes=minute),
            action=AuditEvent.Action.UNLINK,
            undoes=previous or linked,
        )

    # The count, the page with what it undoes, its outcomes, the instances of the select.
    with django_assert_max_num_queries(4):
        response, page = get(client, f"{AUDIT}?per_page=100")
    with django_assert_max_num_queries(4):
        get(client, f"{AUDIT}?per_page=100&page=2")
    # The fragment draws no form, so does not list the instances.
    with django_assert_max_num_queries(3):
        get(client, f"{AUDIT}?per_page=100", htmx=True)

    assert response.status_code == 200
    assert len(page.rows) == 100


# -- who sees what -----------------------------------------------------------------------------


def test_a_viewer_sees_the_page(client, trail, header_mode):
    response, page = as_user(client, AUDIT, "cc-support,everything")

    assert response.status_code == 200
    assert "carol · viewer" in page.text
    assert shown(page, trail) == EVERY_ROW


def test_a_scoped_user_sees_only_their_instances(client, trail, header_mode):
    response, page = as_user(client, AUDIT, "cc-support,support")

    assert response.status_code == 200
    assert shown(page, trail) == [STALE, C, B, A, F]
    assert BULK_INSTANCE_ID not in response.content.decode()
    options = [attrs.get("value") for tag, attrs in page.elements if tag == "option"][:2]
    assert options == ["", EXAMPLE_INSTANCE_ID]


@pytest.mark.parametrize(
    "query",
    [
        f"instance={BULK_INSTANCE_ID}",
        f"instance={BULK_INSTANCE_ID}&skill_group={BULK_SKILL_GROUP_ID}",
        "outcome=refused",
        "user=bob&action=unlink",
    ],
)
def test_a_scoped_user_never_sees_other_instances_even_asking_for_them(
    client, trail, header_mode, query
):
    for htmx in (False, True):
        response, page = as_user(client, f"{AUDIT}?{query}", "cc-support,support", htmx=htmx)

        assert response.status_code == 200
        assert all(cells[4] == EXAMPLE_INSTANCE_ID for cells in page.rows if len(cells) > 1)
        # The exports carry the query's own skill group (as the share link does); no other
        # link names the instance.
        assert not [
            href for href, _ in page.links if BULK_INSTANCE_ID in href and "/export." not in href
        ]
        # Only the notice quotes what was asked for; no row, link or option names it.
        assert BULK_INSTANCE_ID not in page.text.replace(f"“{BULK_INSTANCE_ID}”", "")
    if query.startswith("instance="):
        assert f"“{BULK_INSTANCE_ID}” is not a valid value for “Instance”" in page.text
        assert "instance=" not in response["HX-Push-Url"]  # the filter fell back to any


def test_a_user_without_instances_sees_no_events(client, trail, header_mode):
    response, page = as_user(client, AUDIT, "cc-admins")

    assert response.status_code == 200
    assert "No audit events match." in page.text
    assert EXAMPLE_INSTANCE_ID not in response.content.decode()


# -- links to the page -------------------------------------------------------------------------


def test_every_page_links_to_the_audit_trail(client, trail):
    _, page = get(client, AUDIT)

    assert (AUDIT, "Audit trail") in page.links
    assert page.find("a", href=AUDIT, **{"aria-current": "page"})


def test_a_skill_groups_numbers_page_links_to_its_history(client, app_emulator, trail):
    response, page = get(client, NUMBERS)
    asked_of_ccc = app_emulator.request_count
    history = f"{AUDIT}?instance={EXAMPLE_INSTANCE_ID}&skill_group=skillgroup%40ccc-test"

    assert response.status_code == 200
    assert (history, "History") in page.links
    assert (AUDIT, "Audit trail") in page.links

    swapped, history_page = get(client, history, htmx=True)
    assert swapped["HX-Push-Url"] == history  # the link is the canonical one
    assert shown(history_page, trail) == [STALE, C, B, A, F]
    assert app_emulator.request_count == asked_of_ccc  # the trail asks CCC nothing
