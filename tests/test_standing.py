"""Where a number stands with a skill group (`phone_numbers/standing.py`): why a group's eligible
view found none for a search, said number by number with a link to each number's page, and the
groups a number's page lists as linked and as those it could join.

Expectations come from the emulator's data (`tests/emulator_data.py`).
"""

from __future__ import annotations

import re

import pytest

from ccc import InstancePhoneNumber, LinkedSkillGroup, SkillGroup
from ccc.emulator.dataset import (
    CHAT_SKILL_GROUP_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
    EXAMPLE_USER_ID,
)
from phone_numbers.standing import GroupChoice, group_choices, personal_text
from phone_numbers.views import WHY_NOT_SHOWN

from .emulator_data import instance_numbers, personal_numbers
from .pages import Html
from .test_views import MODES, SKILL_GROUPS, get_mode

GROUP_NUMBERS = f"{SKILL_GROUPS}{EXAMPLE_SKILL_GROUP_ID}/numbers/"
ELIGIBLE = f"{GROUP_NUMBERS}?view=eligible"
LIST_PHONE_NUMBERS = "ListPhoneNumbers"
LIST_NUMBERS = "ListPhoneNumbersOfSkillGroup"


def number_page(number: str) -> str:
    return f"/instances/{EXAMPLE_INSTANCE_ID}/numbers/{number}/"


def why_not(response) -> list[str]:
    """The sentences under the empty state, one a number."""
    found = re.search(r'<ul[^>]*id="why-not">(.*?)</ul>', response.content.decode(), re.S)
    if found is None:
        return []
    return [
        " ".join(Html(item).text.split())
        for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    ]


def summary(page: Html) -> str:
    """The empty state's first sentence."""
    match = re.search(r"(No number[^:.]*[.:]|\S+ numbers? of this instance[^:]*:)", page.text)
    return match.group(1) if match else ""


def records(emulator):
    return emulator.instances[EXAMPLE_INSTANCE_ID].numbers


def group(emulator, skill_group_id: str = EXAMPLE_SKILL_GROUP_ID):
    return emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups[skill_group_id]


def eligible_number(emulator, *, active: bool) -> str:
    """The first (in)active number the example group's eligible view lists."""
    linked = group(emulator).linked
    return next(
        record.number
        for record in records(emulator).values()
        if record.active == active and not record.user_id and record.number not in linked
    )


def example_agent_s_number(emulator) -> str:
    personal = personal_numbers(emulator, EXAMPLE_INSTANCE_ID)
    return next(number for number, user in personal.items() if user == EXAMPLE_USER_ID)


def expected_sentence(emulator, number: str) -> str:
    """Why the example group's eligible view leaves `number` out, as the emulator's data says."""
    record = records(emulator)[number]
    if number in group(emulator).linked:
        return f"{number} is already linked to this skill group."
    user = emulator.instances[EXAMPLE_INSTANCE_ID].users[record.user_id]
    agent = f"{user.display_name} ({user.user_id})"
    return f"{number} is an agent's personal outbound number ({agent})."


def hide_from_eligible(emulator, number: str) -> None:
    """CCC leaves `number` out of every eligible listing, for a rule of its own it does not say."""
    answer = emulator.product.handlers[LIST_NUMBERS]

    def listed(params):
        data = answer(params)
        if params["IsMember"] != "false":
            return data
        kept = [row for row in data["List"] if row["Number"] != number]
        hidden = len(data["List"]) - len(kept)
        return {**data, "List": kept, "TotalCount": data["TotalCount"] - hidden}

    emulator.product.handlers[LIST_NUMBERS] = listed


def listed_calls(emulator, action: str) -> list[dict[str, str]]:
    """The parameters of every call of `action` the emulator answers from now on."""
    calls: list[dict[str, str]] = []
    answer = emulator.product.handlers[action]

    def recorded(params):
        calls.append(dict(params))
        return answer(params)

    emulator.product.handlers[action] = recorded
    return calls


# -- why a search of a group's eligible view found none ------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_number_linked_already_is_said_to_be(client, app_emulator, mode):
    response, page = get_mode(client, f"{ELIGIBLE}&q={EXAMPLE_NUMBER}", mode)

    assert response.status_code == 200
    assert page.rows == []
    assert summary(page) == (
        f"1 number of this instance matches “{EXAMPLE_NUMBER}”, and it could not be linked to "
        "this skill group:"
    )
    assert why_not(response) == [f"{EXAMPLE_NUMBER} is already linked to this skill group."]
    assert (number_page(EXAMPLE_NUMBER), EXAMPLE_NUMBER) in page.links
    assert "See them among the instance's numbers" not in page.text


@pytest.mark.parametrize("mode", MODES)
def test_an_agent_s_personal_number_is_said_to_be_naming_the_agent(client, app_emulator, mode):
    number = example_agent_s_number(app_emulator)

    response, page = get_mode(client, f"{ELIGIBLE}&q={number}", mode)

    assert why_not(response) == [
        f"{number} is an agent's personal outbound number (坐席小王 (agent@ccc-test))."
    ]
    assert (number_page(number), number) in page.links


def test_an_agent_ccc_will_not_name_is_named_by_user_id(client, app_emulator):
    app_emulator.faults.add_rule("forbidden", 1, action="GetUser")
    number = example_agent_s_number(app_emulator)

    response, _ = get_mode(client, f"{ELIGIBLE}&q={number}", "page")

    assert response.status_code == 200
    assert why_not(response) == [
        f"{number} is an agent's personal outbound number (agent@ccc-test)."
    ]


def test_an_agent_s_name_from_ccc_is_text_never_markup(client, app_emulator):
    number = example_agent_s_number(app_emulator)
    agent = app_emulator.instances[EXAMPLE_INSTANCE_ID].users[EXAMPLE_USER_ID]
    agent.display_name = "<b>Wang</b> & co"

    response, _ = get_mode(client, f"{ELIGIBLE}&q={number}", "fragment")

    assert b"<b>Wang" not in response.content
    assert b"&lt;b&gt;Wang&lt;/b&gt; &amp; co (agent@ccc-test)" in response.content
    assert why_not(response) == [
        f"{number} is an agent's personal outbound number (<b>Wang</b> & co (agent@ccc-test))."
    ]


@pytest.mark.parametrize(
    ("active", "shown", "said"),
    [
        (False, "true", "is inactive, and the status filter shows active numbers only."),
        (True, "false", "is active, and the status filter shows inactive numbers only."),
    ],
    ids=["inactive-hidden", "active-hidden"],
)
def test_a_number_the_status_filter_hides_is_said_to_be(client, app_emulator, active, shown, said):
    number = eligible_number(app_emulator, active=active)

    response, page = get_mode(client, f"{ELIGIBLE}&q={number}&active={shown}", "fragment")

    assert why_not(response) == [f"{number} {said}"]
    assert (number_page(number), number) in page.links
    # Without the filter, it is there to link.
    unfiltered, listed = get_mode(client, f"{ELIGIBLE}&q={number}", "fragment")
    assert why_not(unfiltered) == []
    assert "Showing 1–1 of 1 number" in listed.text


def test_a_number_ccc_leaves_out_for_no_reason_it_gives_is_said_to_be(client, app_emulator):
    number = eligible_number(app_emulator, active=True)
    hide_from_eligible(app_emulator, number)

    response, page = get_mode(client, f"{ELIGIBLE}&q={number}", "page")

    assert why_not(response) == [
        f"{number} is a number of this instance that CCC does not list as one that could be "
        "linked to this skill group; it does not say why."
    ]
    assert (number_page(number), number) in page.links


@pytest.mark.parametrize("mode", MODES)
def test_a_search_no_number_of_the_instance_matches_says_so(client, app_emulator, mode):
    assert instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, search="99999999") == []

    response, page = get_mode(client, f"{ELIGIBLE}&q=9999-9999", mode)

    assert response.status_code == 200
    assert "No number of this instance matches “99999999”." in page.text
    assert why_not(response) == []
    assert "could not be linked" not in page.text


def test_more_matches_than_are_explained_lead_to_the_instance_s_numbers(client, app_emulator):
    matching = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, search="0833")
    group(app_emulator).linked.update(
        number for number in matching if not records(app_emulator)[number].user_id
    )
    assert len(matching) > WHY_NOT_SHOWN

    response, page = get_mode(client, f"{ELIGIBLE}&q=0833", "page")

    assert summary(page) == (
        f"{len(matching)} numbers of this instance match “0833”, and none could be linked to "
        "this skill group:"
    )
    assert why_not(response) == [
        expected_sentence(app_emulator, number) for number in matching[:WHY_NOT_SHOWN]
    ]
    assert any("personal outbound" in sentence for sentence in why_not(response))
    assert (
        f"/instances/{EXAMPLE_INSTANCE_ID}/numbers/?q=0833",
        "See them among the instance's numbers",
    ) in page.links


def test_as_many_matches_as_are_explained_are_all_said_without_a_link(client, app_emulator):
    every = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID)
    search = min(
        pattern
        for pattern in {number[i : i + 4] for number in every for i in range(len(number) - 3)}
        if sum(pattern in number for number in every) == WHY_NOT_SHOWN
    )
    matching = instance_numbers(app_emulator, EXAMPLE_INSTANCE_ID, search=search)
    group(app_emulator).linked.update(
        number for number in matching if not records(app_emulator)[number].user_id
    )

    response, page = get_mode(client, f"{ELIGIBLE}&q={search}", "fragment")

    assert summary(page).startswith(f"{WHY_NOT_SHOWN} numbers of this instance match")
    assert why_not(response) == [expected_sentence(app_emulator, number) for number in matching]
    assert [link for link in page.links if re.search(r"/numbers/\d+/$", link[0])] == [
        (number_page(number), number) for number in matching
    ]
    assert "See them among the instance's numbers" not in page.text


def test_the_explanation_costs_a_call_only_when_the_search_found_none(client, app_emulator):
    asked = listed_calls(app_emulator, LIST_PHONE_NUMBERS)

    get_mode(client, f"{ELIGIBLE}&q=0833", "fragment")
    get_mode(client, f"{GROUP_NUMBERS}?q=99999999", "fragment")  # the linked view: no why
    assert asked == []

    get_mode(client, f"{ELIGIBLE}&q={EXAMPLE_NUMBER}", "fragment")
    get_mode(client, f"{ELIGIBLE}&q={EXAMPLE_NUMBER}", "fragment")
    # One page of matches, read once.
    assert [(call["SearchPattern"], call["PageSize"]) for call in asked] == [
        (EXAMPLE_NUMBER, "100")
    ]


def test_the_linked_view_found_empty_says_only_that_nothing_matches(client, app_emulator):
    response, page = get_mode(client, f"{GROUP_NUMBERS}?q=99999999", "fragment")

    assert "No numbers match." in page.text
    assert "of this instance" not in page.text
    assert why_not(response) == []


def test_a_chat_group_s_eligible_search_says_why_it_offers_none_not_why_each(client, app_emulator):
    chat = f"{SKILL_GROUPS}{CHAT_SKILL_GROUP_ID}/numbers/?view=eligible&q={EXAMPLE_NUMBER}"

    response, page = get_mode(client, chat, "page")

    assert "Phone numbers serve voice skill groups; Online chat is a chat group." in page.text
    assert why_not(response) == []


@pytest.mark.parametrize("mode", MODES)
def test_without_list_phone_numbers_an_empty_search_still_says_nothing_matches(
    client, app_emulator, mode
):
    """A RAM policy without ListPhoneNumbers keeps the eligible view working as before: the
    explanation is left out, not the page."""
    app_emulator.faults.add_rule("forbidden", 1, action=LIST_PHONE_NUMBERS)

    response, page = get_mode(client, f"{ELIGIBLE}&q={EXAMPLE_NUMBER}", mode)

    assert response.status_code == 200
    assert "No numbers match." in page.text
    assert why_not(response) == []
    assert "ListPhoneNumbers" not in page.text


# -- a number's groups: linked, and those it could join ---------------------------------------


def voice_group(skill_group_id: str, name: str = "", display_name: str = "") -> SkillGroup:
    return SkillGroup(skill_group_id, EXAMPLE_INSTANCE_ID, name, display_name, "", "AUDIO")


def linked(skill_group_id: str, name: str = "", display_name: str = "") -> LinkedSkillGroup:
    return LinkedSkillGroup(skill_group_id, EXAMPLE_INSTANCE_ID, name, display_name)


def instance_number(*groups: LinkedSkillGroup, user_id: str = "") -> InstancePhoneNumber:
    return InstancePhoneNumber(
        number=EXAMPLE_NUMBER,
        instance_id=EXAMPLE_INSTANCE_ID,
        active=True,
        usage="Bidirection",
        province="四川",
        city="乐山",
        contact_flow_id="",
        contact_flow_name="",
        provider="",
        create_time="",
        tags="",
        user_id=user_id,
        skill_groups=groups,
    )


VOICE_GROUPS = [
    voice_group("a@x", "a", "Alpha"),
    voice_group("b@x", "b", ""),
    voice_group("c@x", "", ""),
    voice_group("d@x", "d", "Delta"),
]


def test_a_number_s_groups_are_its_own_then_the_other_voice_groups_in_ccc_s_order():
    number = instance_number(linked("d@x", "d", "Delta"), linked("a@x", "a", "Alpha"))

    own, others = group_choices(number, VOICE_GROUPS)

    assert own == [GroupChoice("d@x", "Delta"), GroupChoice("a@x", "Alpha")]
    # Named by display name, else name, else id; free to join ("" why not).
    assert others == [GroupChoice("b@x", "b"), GroupChoice("c@x", "c@x")]


def test_a_group_a_number_serves_but_ccc_does_not_list_as_voice_is_still_its_own():
    number = instance_number(linked(CHAT_SKILL_GROUP_ID, "chat", "Online chat"))

    own, others = group_choices(number, VOICE_GROUPS)

    assert own == [GroupChoice(CHAT_SKILL_GROUP_ID, "Online chat")]
    assert [choice.skill_group_id for choice in others] == ["a@x", "b@x", "c@x", "d@x"]


def test_a_number_linked_to_every_voice_group_could_join_none():
    number = instance_number(*(linked(group.skill_group_id) for group in VOICE_GROUPS))

    own, others = group_choices(number, VOICE_GROUPS)

    assert [choice.name for choice in own] == ["a@x", "b@x", "c@x", "d@x"]
    assert others == []


def test_a_personal_outbound_number_is_kept_out_of_every_group_saying_why():
    number = instance_number(user_id=EXAMPLE_USER_ID)

    own, others = group_choices(number, VOICE_GROUPS)

    assert own == []
    assert [choice.why_not for choice in others] == [
        "it is an agent's personal outbound number"
    ] * len(VOICE_GROUPS)


def test_a_personal_number_s_sentence_names_its_agent_or_its_user_id():
    number = instance_number(user_id=EXAMPLE_USER_ID)

    named = personal_text(number, {EXAMPLE_USER_ID: "坐席小王"})
    unnamed = personal_text(number, {})

    assert named == (
        "This is the personal outbound number of agent 坐席小王 (agent@ccc-test): it serves that "
        "agent's outbound calls and cannot be linked to a skill group."
    )
    assert unnamed.startswith("This is the personal outbound number of agent agent@ccc-test: ")
