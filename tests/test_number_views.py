"""Every number of an instance, and one number's own page, through Django's test client against
the app's embedded emulator (`phone_numbers/number_views.py`): rows, filters, paging, counts,
agents, refusals, the facts and skill groups of a number, what it costs in CCC calls, and the
multi-group confirmation's refusals (its action is `test_views_number_change.py`'s business).

Expectations come from the emulator's data (`tests/emulator_data.py`), not from the API.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    CHAT_SKILL_GROUP_ID,
    EXAMPLE_CONTACT_FLOW_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
    EXAMPLE_USER_ID,
    VIDEO_SKILL_GROUP_ID,
)
from ccc.emulator.records import NumberRecord
from phone_numbers import connection, reading
from portal.text import moment_text

from .audit_trail import attempt
from .emulator_data import (
    group_names_of,
    instance_numbers,
    personal_numbers,
    voice_group_names,
)
from .pages import Html
from .test_views import SKILL_GROUPS, column, get, is_full_page, numbers_in, vary
from .test_views_number_change import PROXY, as_user, token_in

INSTANCE_NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/numbers/"
GROUP_NUMBERS = f"{SKILL_GROUPS}{EXAMPLE_SKILL_GROUP_ID}/numbers/"
SALES = "sales@ccc-test"
VIP = "vip@ccc-test"
LIST_PHONE_NUMBERS = "ListPhoneNumbers"
ADDED_AT = 1_700_000_000_000  # a number's CreateTime, in epoch milliseconds as CCC writes it
COUNTS = re.compile(r'<p id="status-counts"[^>]*>(.*?)</p>', re.S)
USAGE_WORDS = {
    "Inbound": "Inbound only",
    "Outbound": "Outbound only",
    "Bidirection": "Inbound and outbound",
}


@pytest.fixture
def roles(settings, app_emulator):
    """Identities from the SSO proxy's headers: cc-support views, cc-admins edit."""
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = [f"{PROXY}/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_EDITOR_GROUPS = ["cc-admins"]
    settings.CCCADMIN_INSTANCE_ACCESS = {"cc-admins": ["*"], "cc-support": ["*"]}
    return app_emulator


def number_page(number: str, instance_id: str = EXAMPLE_INSTANCE_ID) -> str:
    return f"/instances/{instance_id}/numbers/{number}/"


def confirm_page(number: str = EXAMPLE_NUMBER, **query) -> str:
    return number_page(number) + "confirm/?" + urlencode(query, doseq=True)


def facts(response) -> dict[str, str]:
    """A number's facts as its page lists them, each term with its description's text."""
    found = re.search(r'<dl[^>]*id="number-facts"[^>]*>(.*?)</dl>', response.content.decode(), re.S)
    assert found is not None, "no facts"
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", found.group(1), re.S)
    return {text_of(term): text_of(description) for term, description in pairs}


def text_of(html: str) -> str:
    return " ".join(Html(html).text.split())


def status_counts(response) -> str:
    """The counts as a screen reader reads them ("" when none are shown)."""
    match = COUNTS.search(response.content.decode())
    assert match is not None, "no status counts element"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


def every_row(client: Client, url: str) -> tuple[list[str], dict[str, list[str]]]:
    """The column headers of a listing, and every row of it by its number, read 100 a page."""
    headers: list[str] = []
    rows: dict[str, list[str]] = {}
    separator = "&" if "?" in url else "?"
    for page_number in range(1, 100):
        _, page = get(client, f"{url}{separator}per_page=100&page={page_number}", htmx=True)
        headers = headers or page.headers
        rows.update((row[headers.index("Number")], row) for row in page.rows)
        if len(page.rows) < 100:
            break
    return headers, rows


def agent_name(emulator, user_id: str) -> str:
    return emulator.instances[EXAMPLE_INSTANCE_ID].users[user_id].display_name


def a_number(emulator, *, active: bool = True, personal: bool = False, groups: int = 0) -> str:
    """The first number of ccc-test, in order, that is (in)active, someone's personal outbound
    number or not, and linked to `groups` skill groups."""
    return next(
        record.number
        for record in emulator.instances[EXAMPLE_INSTANCE_ID].numbers.values()
        if record.active == active
        and bool(record.user_id) == personal
        and len(group_names_of(emulator, EXAMPLE_INSTANCE_ID, record.number)) == groups
    )


def calls_side_by_side(emulator, actions: tuple[str, ...]) -> list[str]:
    """Make each of `actions` wait, in the emulator, until one of each is in flight: a page that
    asked for them one after another would break the barrier. Returns the actions answered."""
    together = threading.Barrier(len(actions), timeout=3)
    answered: list[str] = []
    for action in set(actions):
        answer = emulator.product.handlers[action]

        def waiting(params, answer=answer, action=action):
            together.wait()
            answered.append(action)
            return answer(params)

        emulator.product.handlers[action] = waiting
    return answered


# -- every number of an instance -----------------------------------------------------------------


def test_the_instance_s_numbers_are_listed_in_ccc_s_order(client, app_emulator):
    response, page = get(client, INSTANCE_NUMBERS)

    every = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    assert response.status_code == 200
    assert is_full_page(response)
    assert "<title>CCC test · Numbers · cccadmin</title>" in response.content.decode()
    assert "Numbers of CCC test" in page.text
    assert numbers_in(page) == every[:25]
    assert f"Showing 1–25 of {len(every)} numbers" in page.text
    assert page.headers == [
        "Number",
        "Status",
        "Usage",
        "Province",
        "City",
        "Contact flow",
        "Skill groups",
        "Provider",
        "Agent",
    ]
    # Up to the instance, and over to its skill groups.
    assert ("/", "Instances") in page.links
    assert (SKILL_GROUPS, "CCC test") in page.links
    assert (SKILL_GROUPS, "Skill groups") in page.links


def test_each_number_links_to_its_own_page(client, app_emulator):
    _, page = get(client, INSTANCE_NUMBERS)

    numbers = numbers_in(page)
    assert [(number_page(number), number) for number in numbers] == [
        (href, text)
        for href, text in page.links
        if re.fullmatch(r"/instances/[^/]+/numbers/\d+/", href)
    ]


def test_each_row_names_the_skill_groups_of_its_number_each_linked(client, app_emulator):
    headers, rows = every_row(client, INSTANCE_NUMBERS)

    cells = {number: row[headers.index("Skill groups")] for number, row in rows.items()}
    assert cells == {
        number: ", ".join(group_names_of(app_emulator, EXAMPLE_INSTANCE_ID, number))
        for number in instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    }
    # A number in two groups links to the numbers of each.
    two = a_number(app_emulator, groups=2)
    _, page = get(client, f"{INSTANCE_NUMBERS}?q={two}")
    groups = app_emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups.values()
    expected = [
        (f"{SKILL_GROUPS}{group.skill_group_id}/numbers/", group.display_name)
        for group in groups
        if two in group.linked
    ]
    assert len(expected) == 2
    assert [link for link in page.links if "/skill-groups/" in link[0] and "@" in link[0]] == (
        expected
    )


def test_a_row_shows_the_number_s_facts_as_ccc_lists_them(client, app_emulator):
    _, page = get(client, f"{INSTANCE_NUMBERS}?q={EXAMPLE_NUMBER}")

    record = app_emulator.instances[EXAMPLE_INSTANCE_ID].numbers[EXAMPLE_NUMBER]
    (row,) = page.rows
    assert row == [
        EXAMPLE_NUMBER,
        "✓ Active",
        "Inbound and outbound",
        "四川",
        "乐山",
        "售后服务流程",
        "Customer service",
        record.provider,
        "—",
    ]
    assert page.find("span", title=EXAMPLE_CONTACT_FLOW_ID)


@pytest.mark.parametrize("search", ["0833", "010", "400", "13800846940", "99999999"])
def test_the_search_lists_the_numbers_containing_it(client, app_emulator, search):
    expected = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, search=search)

    response, page = get(client, f"{INSTANCE_NUMBERS}?q={search}&per_page=100", htmx=True)

    assert response.status_code == 200
    if expected:
        assert numbers_in(page) == expected
        assert f"of {len(expected)} number" in page.text
    else:
        assert page.rows == []
        assert "No numbers match." in page.text


@pytest.mark.parametrize(
    "typed",
    [
        "0833-0011-0001",
        "(0833) 0011 0001",
        "0833.0011.0001",
        "０８３３００１１０００１",
        "０８３３－００１１０００１",
    ],
    ids=["dashes", "brackets-and-spaces", "dots", "full-width", "full-width-dash"],
)
def test_the_search_is_normalised_as_on_a_group_s_page(client, app_emulator, typed):
    response, page = get(client, f"{INSTANCE_NUMBERS}?{urlencode({'q': typed})}", htmx=True)

    assert numbers_in(page) == [EXAMPLE_NUMBER]
    assert "is not a valid" not in page.text and "digits only" not in page.text
    assert response["HX-Push-Url"] == f"{INSTANCE_NUMBERS}?q={EXAMPLE_NUMBER}"
    _, full = get(client, f"{INSTANCE_NUMBERS}?{urlencode({'q': typed})}")
    assert full.find("input", name="q")[0]["value"] == EXAMPLE_NUMBER


def test_a_search_that_is_not_a_number_shows_every_number_and_says_so(client, app_emulator):
    response, page = get(client, f"{INSTANCE_NUMBERS}?q=sales", htmx=True)

    assert response.status_code == 200
    assert (
        "The number search takes digits only (spaces, dashes and brackets are ignored), not "
        "“sales”; showing every number." in page.text
    )
    assert numbers_in(page) == instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID)[:25]
    assert response["HX-Push-Url"] == INSTANCE_NUMBERS


@pytest.mark.parametrize("usage", ["Inbound", "Outbound", "Bidirection"])
def test_the_usage_filter_lists_only_that_usage(client, app_emulator, usage):
    expected = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, usage=usage)
    every = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    assert 0 < len(expected) < len(every)

    headers, rows = every_row(client, f"{INSTANCE_NUMBERS}?usage={usage}")

    assert list(rows) == expected
    assert {row[headers.index("Usage")] for row in rows.values()} == {USAGE_WORDS[usage]}


@pytest.mark.parametrize("usage", ["junk", "inbound", "BIDIRECTION", "<b>x</b>"])
def test_a_junk_usage_shows_every_number_with_a_notice(client, app_emulator, usage):
    response, page = get(client, f"{INSTANCE_NUMBERS}?{urlencode({'usage': usage})}")

    assert response.status_code == 200
    assert f"“{usage}” is not a valid value for “Usage”; showing the default." in page.text
    every = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    assert numbers_in(page) == every[:25]
    assert f"of {len(every)} numbers" in page.text
    assert b"<b>x</b>" not in response.content


@pytest.mark.parametrize(("value", "active"), [("true", True), ("false", False)])
def test_the_status_filter_lists_only_that_status(client, app_emulator, value, active):
    expected = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, active=active)

    headers, rows = every_row(client, f"{INSTANCE_NUMBERS}?active={value}")

    assert list(rows) == expected
    assert {row[headers.index("Status")] for row in rows.values()} == {
        "✓ Active" if active else "✕ Inactive"
    }


def test_the_filters_narrow_together(client, app_emulator):
    expected = instance_numbers(
        app_emulator, EXAMPLE_INSTANCE_ID, search="0", usage="Inbound", active=False
    )
    assert 0 < len(expected) < 100

    response, page = get(
        client, f"{INSTANCE_NUMBERS}?q=0&usage=Inbound&active=false&per_page=100", htmx=True
    )

    assert numbers_in(page) == expected
    assert response["HX-Push-Url"] == (
        f"{INSTANCE_NUMBERS}?q=0&usage=Inbound&active=false&per_page=100"
    )


def test_pages_follow_one_another_with_canonical_links(client, app_emulator):
    every = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID)

    response, page = get(client, f"{INSTANCE_NUMBERS}?per_page=10&page=3&usage=&q=", htmx=True)

    assert numbers_in(page) == every[20:30]
    assert f"Showing 21–30 of {len(every)} numbers" in page.text
    assert response["HX-Push-Url"] == f"{INSTANCE_NUMBERS}?per_page=10&page=3"
    assert page.find("a", href=f"{INSTANCE_NUMBERS}?per_page=10&page=4", rel="next")
    assert page.find("a", href=f"{INSTANCE_NUMBERS}?per_page=10&page=2", rel="prev")
    last = -(-len(every) // 10)
    _, past = get(client, f"{INSTANCE_NUMBERS}?per_page=10&page={last + 1}", htmx=True)
    assert f"Page {last + 1} is past the end: there are {last} pages." in past.text


@pytest.mark.parametrize(
    "query",
    ["", "?active=true", "?active=false", "?usage=Inbound", "?q=0833&usage=Bidirection"],
)
def test_the_status_counts_are_of_the_search_and_usage_whatever_the_status(
    client, app_emulator, query
):
    filters = dict(re.findall(r"(\w+)=(\w+)", query))
    narrowed = {"search": filters.get("q", ""), "usage": filters.get("usage", "")}
    active = len(instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, **narrowed, active=True))
    inactive = len(instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, **narrowed, active=False))

    full, _ = get(client, INSTANCE_NUMBERS + query)
    swap, _ = get(client, INSTANCE_NUMBERS + query, htmx=True)

    assert active and inactive
    said = f"Status counts: Active {active:,} · Inactive {inactive:,}"
    assert status_counts(full) == status_counts(swap) == said
    # A swap updates them out of band, beside the filter.
    assert 'id="status-counts" class="small text-body-secondary mb-0 py-1" hx-swap-oob="true"' in (
        swap.content.decode()
    )


def test_the_agent_whose_personal_outbound_number_it_is_is_named(client, app_emulator):
    personal = personal_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    assert EXAMPLE_USER_ID in personal.values()

    headers, rows = every_row(client, INSTANCE_NUMBERS)

    agents = {number: row[headers.index("Agent")] for number, row in rows.items()}
    assert {number: name for number, name in agents.items() if name != "—"} == {
        number: agent_name(app_emulator, user_id) for number, user_id in personal.items()
    }
    example = next(number for number, user in personal.items() if user == EXAMPLE_USER_ID)
    assert agents[example] == "坐席小王"


def test_each_agent_is_asked_for_once_across_pages(client, app_emulator):
    personal = personal_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    asked: list[str] = []
    answer = app_emulator.product.handlers["GetUser"]

    def recorded(params):
        asked.append(params["UserId"])
        return answer(params)

    app_emulator.product.handlers["GetUser"] = recorded
    every_row(client, INSTANCE_NUMBERS)
    every_row(client, INSTANCE_NUMBERS + "?usage=Bidirection")

    assert sorted(asked) == sorted(set(personal.values()))


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_agent_ccc_will_not_name_is_shown_by_user_id(client, app_emulator, htmx):
    app_emulator.faults.add_rule("forbidden", 1, action="GetUser")
    personal = personal_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    example = next(number for number, user in personal.items() if user == EXAMPLE_USER_ID)

    response, page = get(client, f"{INSTANCE_NUMBERS}?q={example}", htmx=htmx)

    assert response.status_code == 200
    assert not page.find("div", role="alert")
    assert column(page, "Agent") == [EXAMPLE_USER_ID]
    assert "Forbidden.RAM" not in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_ram_policy_without_list_phone_numbers_is_403_naming_the_permission(
    client, app_emulator, htmx
):
    app_emulator.faults.add_rule("forbidden", 1, action=LIST_PHONE_NUMBERS)

    response, page = get(client, INSTANCE_NUMBERS, htmx=htmx)

    assert response.status_code == 403
    assert "HX-Request" in vary(response)
    assert is_full_page(response) is not htmx
    assert "This server's CCC AccessKey is not allowed to call ListPhoneNumbers." in page.text
    assert (
        "Its RAM policy needs the permission ccc:ListPhoneNumbers for this page; the pages that "
        "do not need it work as before. Ask an administrator to grant it." in page.text
    )
    assert "credentials need attention" not in page.text
    # The pages that do not need it work as before.
    for url in (SKILL_GROUPS, GROUP_NUMBERS, GROUP_NUMBERS + "?view=eligible&q=0833"):
        other, _ = get(client, url, htmx=htmx)
        assert other.status_code == 200, url


def test_an_htmx_swap_gets_the_results_fragment(client, app_emulator):
    response, page = get(client, f"{INSTANCE_NUMBERS}?q=0833&per_page=25&page=1", htmx=True)

    assert response.status_code == 200
    assert not is_full_page(response)
    assert b"<h1" not in response.content
    assert not page.find("form", id="filters")
    assert not page.find("div", id="results")
    assert numbers_in(page) == instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, search="0833")
    assert response["HX-Push-Url"] == f"{INSTANCE_NUMBERS}?q=0833"
    assert "HX-Request" in vary(response)


def test_an_unknown_instance_has_no_numbers_page(client, app_emulator):
    response, page = get(client, "/instances/no-such-instance/numbers/")

    assert response.status_code == 404
    assert "Instance “no-such-instance” was not found." in page.text


def test_the_instance_s_numbers_page_costs_one_round_trip_then_none(client, app_emulator):
    answered = calls_side_by_side(
        app_emulator, (LIST_PHONE_NUMBERS, LIST_PHONE_NUMBERS, "ListInstances")
    )

    get(client, INSTANCE_NUMBERS)
    # The listing and its status counts, and the instance's name.
    assert sorted(answered) == ["ListInstances", LIST_PHONE_NUMBERS, LIST_PHONE_NUMBERS]
    assert app_emulator.request_count == 3

    get(client, INSTANCE_NUMBERS)
    get(client, INSTANCE_NUMBERS + "?page=2", htmx=True)
    get(client, INSTANCE_NUMBERS + "?page=4")
    # Rows 1-100 are one API page, asked for once; names are kept for minutes.
    assert len(answered) == 3


# -- one number's page -------------------------------------------------------------------------


def test_a_number_s_page_shows_its_facts(client, app_emulator):
    record = app_emulator.instances[EXAMPLE_INSTANCE_ID].numbers[EXAMPLE_NUMBER]

    response, page = get(client, number_page(EXAMPLE_NUMBER))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"<title>{EXAMPLE_NUMBER} · Number · cccadmin</title>" in html
    assert re.search(r"<h1[^>]*>(.*?)</h1>", html).group(1) == EXAMPLE_NUMBER
    added = moment_text(datetime.fromtimestamp(record.create_time / 1000, tz=UTC))
    assert facts(response) == {
        "Usage": "Inbound and outbound",
        "Province · City": "四川 · 乐山",
        "Provider": record.provider,
        "Contact flow": "售后服务流程",
        "Added": added,
    }
    assert f"{EXAMPLE_NUMBER} ✓ Active History Refresh" in page.text
    assert page.find("span", title=EXAMPLE_CONTACT_FLOW_ID)
    assert not page.find("div", id="inactive-warning")
    assert not page.find("div", id="personal-number")
    # Up to the instance's numbers.
    assert (SKILL_GROUPS, "CCC test") in page.links
    assert (INSTANCE_NUMBERS, "Numbers") in page.links
    assert page.find("a", id="refresh", href=number_page(EXAMPLE_NUMBER) + "?refresh=1")


@pytest.mark.parametrize("create_time", [0, -1])
def test_a_number_ccc_gives_no_creation_time_says_none(client, app_emulator, create_time):
    record = app_emulator.instances[EXAMPLE_INSTANCE_ID].numbers[EXAMPLE_NUMBER]
    record.create_time = create_time

    response, page = get(client, number_page(EXAMPLE_NUMBER))

    assert response.status_code == 200
    assert "Added" not in facts(response)
    assert "1970" not in page.text


def test_a_number_s_page_lists_the_groups_it_is_linked_to(client, app_emulator):
    two = a_number(app_emulator, groups=2)
    names = group_names_of(app_emulator, EXAMPLE_INSTANCE_ID, two)

    _, page = get(client, number_page(two))

    assert "Linked to 2 skill groups" in page.text
    groups = app_emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups.values()
    linked = [
        (f"{SKILL_GROUPS}{group.skill_group_id}/numbers/", group.display_name)
        for group in groups
        if two in group.linked
    ]
    assert [name for _, name in linked] == names
    assert all(link in page.links for link in linked)


def test_a_number_in_no_group_says_so(client, app_emulator):
    free = a_number(app_emulator, groups=0)

    _, page = get(client, number_page(free))

    assert "Skill groups it is linked to" in page.text
    assert "This number is in no skill group: calls to it go to its contact flow alone." in (
        page.text
    )
    assert not page.find("form", id="unlink-groups")


def test_a_number_could_join_the_instance_s_other_voice_groups(client, app_emulator):
    voice = voice_group_names(app_emulator, EXAMPLE_INSTANCE_ID)
    own = group_names_of(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_NUMBER)
    others = [name for name in voice if name not in own]

    response, page = get(client, number_page(EXAMPLE_NUMBER))

    assert f"Could join {len(others)} skill groups" in page.text
    assert page.find("form", id="link-groups")
    offered = re.search(r'id="could-join-list">(.*?)</ul>', response.content.decode(), re.S)
    assert re.findall(r">([^<>]+)</a>", offered.group(1)) == others
    # Chat and video groups are never offered: phone numbers serve voice groups.
    for other_media in ("Online chat", "Video support"):
        assert other_media not in page.text
    assert not page.find("input", value=CHAT_SKILL_GROUP_ID)
    assert not page.find("input", value=VIDEO_SKILL_GROUP_ID)


def test_a_number_linked_to_a_chat_group_shows_it_but_is_offered_voice_groups_only(
    client, app_emulator
):
    groups = app_emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups
    groups[CHAT_SKILL_GROUP_ID].linked.add(EXAMPLE_NUMBER)

    response, page = get(client, number_page(EXAMPLE_NUMBER))

    assert "Linked to 2 skill groups" in page.text
    assert page.find("input", name="group", value=CHAT_SKILL_GROUP_ID)  # to unlink
    offered = re.search(r'id="could-join-list">(.*?)</ul>', response.content.decode(), re.S)
    assert "Online chat" not in offered.group(1)
    assert "Video support" not in page.text


def test_a_number_in_every_voice_group_says_so(client, app_emulator):
    for group in app_emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups.values():
        if group.media_type == "AUDIO":
            group.linked.add(EXAMPLE_NUMBER)

    _, page = get(client, number_page(EXAMPLE_NUMBER))

    voice = voice_group_names(app_emulator, EXAMPLE_INSTANCE_ID)
    assert f"Linked to {len(voice)} skill groups" in page.text
    assert "It is linked to every voice skill group of this instance." in page.text
    assert not page.find("form", id="link-groups")


def test_a_personal_outbound_number_cannot_join_and_names_its_agent(client, app_emulator):
    personal = personal_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    number = next(number for number, user in personal.items() if user == EXAMPLE_USER_ID)
    others = len(voice_group_names(app_emulator, EXAMPLE_INSTANCE_ID))

    response, page = get(client, number_page(number))

    assert response.status_code == 200
    assert (
        "This is the personal outbound number of agent 坐席小王 (agent@ccc-test): it serves "
        "that agent's outbound calls and cannot be linked to a skill group." in page.text
    )
    assert facts(response)["Agent"] == "坐席小王 agent@ccc-test"
    assert "Skill groups it cannot join" in page.text
    assert (
        f"It cannot join any of the {others} other voice skill groups of this instance: it is "
        "an agent's personal outbound number." in page.text
    )
    # Nothing to tick, nothing to link.
    assert not page.find("form", id="link-groups")
    assert not page.find("ul", id="could-join-list")
    assert "Could join" not in page.text


def test_a_personal_number_of_an_agent_ccc_will_not_name_names_the_user_id(client, app_emulator):
    app_emulator.faults.add_rule("forbidden", 1, action="GetUser")
    personal = personal_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    number = next(number for number, user in personal.items() if user == EXAMPLE_USER_ID)

    response, page = get(client, number_page(number))

    assert response.status_code == 200
    assert "This is the personal outbound number of agent agent@ccc-test: it serves" in page.text
    assert "坐席小王" not in page.text


def test_an_inactive_number_is_said_to_take_no_calls(client, app_emulator):
    inactive = a_number(app_emulator, active=False)

    _, page = get(client, number_page(inactive))

    assert page.find("div", id="inactive-warning")
    assert "✕ Inactive" in page.text
    assert (
        "This number is inactive: it takes no calls until CCC makes it active again, whichever "
        "skill groups it is linked to." in page.text
    )


@pytest.mark.parametrize("instance_id", [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID])
def test_a_number_of_no_instance_s_is_our_404_page(client, app_emulator, instance_id):
    unknown = "099999999999"
    name = app_emulator.instances[instance_id].name

    response, page = get(client, number_page(unknown, instance_id))

    assert response.status_code == 404
    assert is_full_page(response)
    assert f"Number “{unknown}” is not a number of instance “{name}”." in page.text
    assert "Check the number, or find it among the instance's numbers." in page.text
    assert (f"/instances/{instance_id}/numbers/", "Go back") in page.links


@pytest.mark.parametrize(
    ("number", "said"),
    [
        ("abc", "abc"),
        ("12", "12"),
        ("0833-0011-0001", "0833-0011-0001"),
        ("%3Cb%3Ex", "<b>x"),
        ("1" * 33, "1" * 33),
    ],
    ids=["letters", "too-short", "punctuated", "markup", "too-long"],
)
def test_what_is_not_a_phone_number_is_404_without_asking_ccc(client, app_emulator, number, said):
    response, page = get(client, number_page(number))

    assert response.status_code == 404
    assert f"“{said}” is not a phone number." in page.text
    assert b"<b>x" not in response.content
    assert (INSTANCE_NUMBERS, "Go back") in page.links
    assert app_emulator.request_count == 0


def test_an_editor_ticks_groups_to_link_or_unlink(client, app_emulator):
    _, page = get(client, number_page(EXAMPLE_NUMBER))

    confirm = number_page(EXAMPLE_NUMBER) + "confirm/"
    for form_id, action in (("unlink-groups", "unlink"), ("link-groups", "link")):
        (form,) = page.find("form", id=form_id)
        assert (form["method"], form["action"]) == ("get", confirm)
        assert page.find("input", type="hidden", name="action", value=action)
    ticks = [attrs["value"] for attrs in page.find("input", type="checkbox", name="group")]
    # The one it is linked to (to unlink), then the others (to link), in CCC's order.
    others = [SALES, "aftersales@ccc-test", VIP, "night-shift@ccc-test"]
    assert ticks == [EXAMPLE_SKILL_GROUP_ID, *others]
    assert page.find("input", name="group", value=SALES)[0]["aria-label"] == "Link to Sales"
    assert "Unlink from the ticked groups…" in page.text
    assert "Link to the ticked groups…" in page.text


def test_a_viewer_sees_the_groups_without_checkboxes_or_buttons(client, roles):
    response = client.get(number_page(EXAMPLE_NUMBER), **as_user("cc-support"))

    page_text = response.content.decode()
    assert response.status_code == 200
    assert 'name="group"' not in page_text
    assert "ticked groups" not in page_text
    assert "<button" not in re.search(r"<main.*</main>", page_text, re.S).group(0)
    # The groups are still listed, and lead to their numbers.
    assert f'href="{SKILL_GROUPS}{SALES}/numbers/"' in page_text


def test_the_history_link_leads_to_the_number_s_audit_trail(client, app_emulator):
    _, page = get(client, number_page(EXAMPLE_NUMBER))

    (history,) = page.find("a", id="history")
    assert history["href"] == f"/audit/?instance={EXAMPLE_INSTANCE_ID}&number={EXAMPLE_NUMBER}"


@pytest.mark.django_db
def test_the_history_link_shows_only_the_number_s_events(client, app_emulator):
    now = timezone.now()
    attempt(now - timedelta(minutes=2), asked=[EXAMPLE_NUMBER])
    attempt(now - timedelta(minutes=1), asked=["010012616633"])
    _, page = get(client, number_page(EXAMPLE_NUMBER))
    (history,) = page.find("a", id="history")

    _, trail = get(client, history["href"])

    assert "Showing 1–1 of 1 event" in trail.text
    assert f"Link 1 number: {EXAMPLE_NUMBER}" in trail.text


def test_the_page_picks_the_exact_number_among_those_ccc_s_search_matches(client, app_emulator):
    """CCC's SearchPattern matches anywhere in a number: the page of a number contained in a
    longer one must show its own facts, not the first match's."""
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    shorter = EXAMPLE_NUMBER[:-1]
    instance.numbers[shorter] = NumberRecord(
        number=shorter,
        instance_id=EXAMPLE_INSTANCE_ID,
        province="北京",
        city="北京",
        usage="Inbound",
        active=False,
        contact_flow_id="",
        provider="中国联通",
        create_time=ADDED_AT,
    )
    matches = connection.ccc_client().list_phone_numbers(
        instance_id=EXAMPLE_INSTANCE_ID, search_pattern=shorter
    )
    assert [number.number for number in matches.items] == [EXAMPLE_NUMBER, shorter]

    response, page = get(client, number_page(shorter))
    _, longer = get(client, number_page(EXAMPLE_NUMBER))

    assert f"{shorter} ✕ Inactive" in page.text
    assert facts(response) == {
        "Usage": "Inbound only",
        "Province · City": "北京 · 北京",
        "Provider": "中国联通",
        "Contact flow": "—",
        "Added": moment_text(datetime.fromtimestamp(ADDED_AT / 1000, tz=UTC)),
    }
    assert "Skill groups it is linked to" in page.text
    assert f"{EXAMPLE_NUMBER} ✓ Active" in longer.text
    assert "Linked to 1 skill group" in longer.text


def test_a_number_past_the_first_hundred_matches_is_found(client, app_emulator):
    """A short number is contained in many: the page reads CCC's pages of matches until it
    meets the number itself."""
    instance = app_emulator.instances[BULK_INSTANCE_ID]
    short = "4000"
    matched = instance_numbers(app_emulator, BULK_INSTANCE_ID, search=short)
    assert len(matched) > 100
    instance.numbers[short] = NumberRecord(
        number=short,
        instance_id=BULK_INSTANCE_ID,
        province="全国",
        city="全国",
        usage="Inbound",
        active=True,
        contact_flow_id="",
        provider="ali",
    )

    first = connection.ccc_client().list_phone_numbers(
        instance_id=BULK_INSTANCE_ID, search_pattern=short, page_size=100
    )
    assert short not in [number.number for number in first.items]

    response, page = get(client, number_page(short, BULK_INSTANCE_ID))

    assert response.status_code == 200
    assert facts(response)["Province · City"] == "全国 · 全国"
    assert "Skill groups it is linked to" in page.text


def test_a_short_number_that_is_not_one_is_404_after_every_match(client, app_emulator, caplog):
    short = "0571"
    matched = instance_numbers(app_emulator, BULK_INSTANCE_ID, search=short)
    assert len(matched) > 300
    caplog.set_level("INFO", logger="ccc.client")

    response, page = get(client, number_page(short, BULK_INSTANCE_ID))

    assert response.status_code == 404
    assert f"Number “{short}” is not a number of instance “CCC nationwide”." in page.text
    pages = caplog.text.count(f"ccc {LIST_PHONE_NUMBERS} ok")
    assert pages == -(-len(matched) // 100)


# -- what a number's page costs ------------------------------------------------------------------


def test_a_number_s_page_costs_one_round_trip_then_none(client, app_emulator):
    answered = calls_side_by_side(
        app_emulator, (LIST_PHONE_NUMBERS, "ListSkillGroups", "ListInstances")
    )

    response, _ = get(client, number_page(EXAMPLE_NUMBER))

    assert response.status_code == 200
    # The number, the instance's voice groups and its name, side by side.
    assert sorted(answered) == ["ListInstances", LIST_PHONE_NUMBERS, "ListSkillGroups"]
    assert app_emulator.request_count == 3

    again, _ = get(client, number_page(EXAMPLE_NUMBER))

    assert again.status_code == 200
    assert app_emulator.request_count == 3


def test_a_personal_number_s_page_asks_for_its_agent_once(client, app_emulator):
    personal = personal_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    number = next(number for number, user in personal.items() if user == EXAMPLE_USER_ID)

    get(client, number_page(number))
    assert app_emulator.request_count == 4  # and GetUser

    get(client, number_page(number))
    get(client, f"{INSTANCE_NUMBERS}?q={number}")
    # The instance's numbers searched for it share the number's listing: only their status
    # counts are asked for, and the agent is known.
    assert app_emulator.request_count == 5


def test_refresh_asks_ccc_for_the_number_and_the_groups_again(client, app_emulator):
    get(client, number_page(EXAMPLE_NUMBER))
    app_emulator.request_count = 0

    response, _ = get(client, number_page(EXAMPLE_NUMBER) + "?refresh=1")

    assert response.status_code == 200
    assert app_emulator.request_count == 2  # ListPhoneNumbers and ListSkillGroups


def test_a_write_shows_on_the_number_s_page_and_the_instance_s_numbers_at_once(
    client, app_emulator
):
    listing = f"{INSTANCE_NUMBERS}?q={EXAMPLE_NUMBER}"
    get(client, number_page(EXAMPLE_NUMBER))
    get(client, listing)

    connection.ccc_client().add_numbers_to_skill_group(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=SALES, numbers=[EXAMPLE_NUMBER]
    )
    _, cached = get(client, number_page(EXAMPLE_NUMBER))
    assert "Linked to 1 skill group" in cached.text  # what was read, until a write says

    reading.listings_invalidate(instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=SALES)
    _, page = get(client, number_page(EXAMPLE_NUMBER))
    _, listed = get(client, listing)

    assert "Linked to 2 skill groups" in page.text
    assert (f"{SKILL_GROUPS}{SALES}/numbers/", "Sales") in page.links
    offered = [attrs["value"] for attrs in page.find("input", name="group")]
    assert offered.count(SALES) == 1  # to unlink, no longer to link
    assert column(listed, "Skill groups") == ["Customer service, Sales"]


@pytest.mark.django_db
def test_a_link_through_a_group_s_page_shows_on_the_number_s_pages_next(client, app_emulator):
    get(client, number_page(EXAMPLE_NUMBER))
    get(client, f"{INSTANCE_NUMBERS}?q={EXAMPLE_NUMBER}")
    sales = f"{SKILL_GROUPS}{SALES}/numbers/"

    confirm = client.get(sales + "confirm/", {"view": "eligible", "number": [EXAMPLE_NUMBER]})
    assert confirm.status_code == 200
    done = client.post(sales + "change/", {"token": token_in(confirm)})
    assert done.status_code == 303

    _, page = get(client, number_page(EXAMPLE_NUMBER))
    _, listed = get(client, f"{INSTANCE_NUMBERS}?q={EXAMPLE_NUMBER}")
    assert "Linked to 2 skill groups" in page.text
    assert "Could join 3 skill groups" in page.text
    assert column(listed, "Skill groups") == ["Customer service, Sales"]


# -- the multi-group confirmation: what it asks, and what it refuses ----------------------------


def test_the_confirmation_names_the_number_and_its_groups(client, app_emulator):
    response, page = get(client, confirm_page(action="link", group=[SALES, VIP]))

    assert response.status_code == 200
    assert "Link 083300110001 to 2 skill groups: Sales, VIP hotline?" in page.text
    assert page.find("form", method="post", action=number_page(EXAMPLE_NUMBER) + "change/")
    (cancel,) = page.find("a", id="cancel-action")
    assert cancel["href"] == number_page(EXAMPLE_NUMBER)
    assert (number_page(EXAMPLE_NUMBER), EXAMPLE_NUMBER) in page.links  # the breadcrumb


def test_the_confirmation_of_an_unlink_names_its_groups(client, app_emulator):
    app_emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups[SALES].linked.add(EXAMPLE_NUMBER)

    _, page = get(client, confirm_page(action="unlink", group=[EXAMPLE_SKILL_GROUP_ID, SALES]))

    assert "Unlink 083300110001 from 2 skill groups: Customer service, Sales?" in page.text


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"action": "link"}, "Tick at least one skill group first."),
        ({"action": "junk", "group": [SALES]}, "This link does not say what to change."),
        ({"group": [SALES]}, "This link does not say what to change."),
        (
            {"action": "link", "group": [SALES, CHAT_SKILL_GROUP_ID]},
            "Phone numbers serve voice skill groups; Online chat is a chat group.",
        ),
        (
            {"action": "link", "group": [VIDEO_SKILL_GROUP_ID]},
            "Phone numbers serve voice skill groups; Video support is a video group.",
        ),
    ],
    ids=["no-group", "junk-action", "no-action", "chat-group", "video-group"],
)
def test_a_confirmation_that_cannot_be_made_is_400_saying_why(client, app_emulator, query, said):
    response, page = get(client, confirm_page(**query))

    assert response.status_code == 400
    assert f"Nothing was changed. {said}" in page.text
    assert (number_page(EXAMPLE_NUMBER), "Go back") in page.links


def test_a_confirmation_for_what_is_not_a_number_is_400(client, app_emulator):
    response, page = get(client, confirm_page("abc", action="link", group=[SALES]))

    assert response.status_code == 400
    assert "This link does not say what to change." in page.text


@pytest.mark.django_db
def test_a_viewer_cannot_ask_for_a_number_s_confirmation(client, roles):
    response = client.get(
        confirm_page(action="link", group=[SALES]), **as_user("cc-support", "victor")
    )

    assert response.status_code == 403
    assert "Only editors can link or unlink numbers." in response.content.decode()
    assert 'name="token"' not in response.content.decode()
