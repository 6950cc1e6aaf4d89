"""The query-string forms: every parameter validated and normalised, links canonical."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory

from audit.forms import AuditFilterForm
from ccc import MediaType
from phone_numbers.forms import NumberFilterForm, SkillGroupFilterForm
from portal.lists import DEFAULT_PER_PAGE, SEARCH_INPUT_MAX_LENGTH, SEARCH_MAX_LENGTH, ListQuery
from portal.paging import MAX_REACHABLE_ROWS, ResultPage

NUMBER_DEFAULTS = {"view": "linked", "q": "", "active": "", "per_page": 25, "page": 1}
CUT_NOTICE = f"The search was cut to its first {SEARCH_MAX_LENGTH} characters."


PATH = "/instances/ccc-test/skill-groups/skillgroup@ccc-test/numbers/"


def number_query(query_string: str = "", **params: str) -> ListQuery:
    request = RequestFactory().get(f"{PATH}?{query_string or urlencode(params)}")
    return ListQuery.from_request(NumberFilterForm, request)


def skill_group_query(query_string: str = "", **params: str) -> ListQuery:
    request = RequestFactory().get(
        f"/instances/ccc-test/skill-groups/?{query_string or urlencode(params)}"
    )
    return ListQuery.from_request(SkillGroupFilterForm, request)


# -- defaults and canonical links ------------------------------------------------------------


def test_no_parameters_gives_the_defaults_without_notices():
    query = number_query()

    assert query.values == NUMBER_DEFAULTS
    assert query.notices == ()
    assert query.query_string() == ""


def test_skill_group_query_has_no_view_or_status():
    query = skill_group_query()

    assert query.values == {"q": "", "media": "audio", "per_page": DEFAULT_PER_PAGE, "page": 1}
    assert query.query_string() == ""


def test_explicit_defaults_are_left_out_of_the_canonical_link():
    query = number_query("q=0833&active=&per_page=25&view=linked&page=1")

    assert query.query_string() == "?q=0833"


def test_canonical_link_keeps_every_non_default_in_a_fixed_order():
    query = number_query("page=3&per_page=50&active=false&q=0833&view=eligible")

    assert query.query_string() == "?view=eligible&q=0833&active=false&per_page=50&page=3"


def test_changing_a_filter_resets_the_page():
    query = number_query("q=0833&page=3")

    assert query.query_string(view="eligible") == "?view=eligible&q=0833"
    assert query.query_string(per_page=10) == "?q=0833&per_page=10"


def test_changing_the_page_keeps_the_filters():
    query = number_query("q=0833&page=3&per_page=10")

    assert query.query_string(page=4) == "?q=0833&per_page=10&page=4"
    assert query.query_string(page=1) == "?q=0833&per_page=10"


def test_changing_back_to_a_default_leaves_it_out():
    query = number_query("view=eligible&active=true")

    assert query.query_string(view="linked") == "?active=true"
    assert query.query_string(active="") == "?view=eligible"


def test_the_canonical_link_round_trips():
    query = number_query("q=0833-00&active=true&per_page=100&view=eligible&page=2")

    again = number_query(query.query_string().lstrip("?"))

    assert again.values == query.values
    assert again.notices == ()


def test_search_is_percent_encoded_in_links():
    query = skill_group_query(q="售后 & more")

    assert query.query_string() == "?q=%E5%94%AE%E5%90%8E+%26+more"
    assert skill_group_query(query.query_string().lstrip("?"))["q"] == "售后 & more"


# -- view --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["linked", "eligible"])
def test_view_accepts_linked_and_eligible(value):
    query = number_query(view=value)

    assert query["view"] == value
    assert query.notices == ()


@pytest.mark.parametrize("value", ["junk", "LINKED", "Eligible", " eligible", "all"])
def test_a_junk_view_falls_back_to_linked_with_a_notice(value):
    query = number_query(view=value)

    assert query["view"] == "linked"
    assert query.notices == (f"“{value}” is not a valid value for “View”; showing the default.",)


def test_empty_view_is_the_default_without_notice():
    query = number_query("view=")

    assert query["view"] == "linked"
    assert query.notices == ()


# -- q -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("0833", "0833"),
        ("  0833  ", "0833"),
        ("0833 001", "0833001"),
        ("0833-001 (1)", "08330011"),
        ("(0833) 0011.0001", "083300110001"),
        ("0833\u20130011", "08330011"),  # an en dash, as word processors type it
        ("0833\t0011", "08330011"),
        ("０８３３－００１１", "08330011"),  # full-width, as a Chinese input method types it
        ("0833\u30000011", "08330011"),  # an ideographic space
        ("", ""),
    ],
)
def test_number_search_drops_spaces_dashes_dots_and_parentheses(raw, cleaned):
    query = number_query(q=raw)

    assert query["q"] == cleaned
    assert query.notices == ()


@pytest.mark.parametrize("raw", ["abc", "0833a", "+86 833", "٠٨٣٣"])
def test_a_number_search_with_other_than_digits_falls_back_with_a_notice(raw):
    query = number_query(q=raw)

    assert query["q"] == ""
    # What to type instead, not that the value is invalid.
    assert query.notices == (
        "The number search takes digits only (spaces, dashes and brackets are ignored), "
        f"not “{raw}”; showing every number.",
    )


def test_skill_group_search_keeps_inner_punctuation():
    assert skill_group_query(q="  after-sales (VIP)  ")["q"] == "after-sales (VIP)"


def test_a_long_search_is_cut_with_a_notice():
    query = number_query(q="1" * 40)

    assert query["q"] == "1" * SEARCH_MAX_LENGTH
    assert query.notices == (CUT_NOTICE,)


def test_a_search_of_exactly_the_maximum_is_kept_without_notice():
    query = number_query(q="1" * SEARCH_MAX_LENGTH)

    assert query["q"] == "1" * SEARCH_MAX_LENGTH
    assert query.notices == ()


def test_punctuation_does_not_count_toward_the_length():
    # 40 characters typed, 32 digits once the dashes are gone: nothing was cut.
    query = number_query(q="0833-" * 8)

    assert query["q"] == "0833" * 8
    assert query.notices == ()


def test_a_cut_after_removing_punctuation_still_says_so():
    # 45 characters typed, 36 digits after normalising: the last four are dropped.
    query = number_query(q="0833-" * 9)

    assert query["q"] == "0833" * 8
    assert query.notices == (CUT_NOTICE,)


def test_a_long_skill_group_search_is_cut_with_a_notice():
    query = skill_group_query(q="s" * 100)

    assert query["q"] == "s" * SEARCH_MAX_LENGTH
    assert query.notices == (CUT_NOTICE,)


def test_a_search_cut_just_after_a_space_does_not_end_in_one():
    query = skill_group_query(q="a" * 31 + " b")

    assert query["q"] == "a" * 31
    assert query.notices == (CUT_NOTICE,)
    again = skill_group_query(query.query_string().lstrip("?"))
    assert again.query_string() == query.query_string()
    assert again.notices == ()


def test_a_search_with_a_nul_byte_is_dropped_with_a_notice():
    query = number_query(q="0833\x00")

    assert query["q"] == ""
    assert len(query.notices) == 1
    assert "is not a valid value for “Search numbers”" in query.notices[0]


# -- active --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "false", ""])
def test_active_accepts_true_false_and_any(value):
    query = number_query(f"active={value}")

    assert query["active"] == value
    assert query.notices == ()


@pytest.mark.parametrize("value", ["yes", "1", "True", "FALSE", "maybe"])
def test_a_junk_active_means_any_with_a_notice(value):
    query = number_query(active=value)

    assert query["active"] == ""
    assert query.notices == (f"“{value}” is not a valid value for “Status”; showing the default.",)


# -- per_page ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [10, 25, 50, 100])
def test_per_page_accepts_the_offered_sizes(value):
    query = number_query(per_page=str(value))

    assert query["per_page"] == value
    assert query.notices == ()


@pytest.mark.parametrize("value", ["junk", "0", "-1", "999", "20", "10.0", "1e1"])
def test_a_junk_per_page_falls_back_to_25_with_a_notice(value):
    query = number_query(per_page=value)

    assert query["per_page"] == DEFAULT_PER_PAGE
    assert query.notices == (
        f"“{value}” is not a valid value for “Per page”; showing the default.",
    )


# -- page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["junk", "0", "-5", "1.5", "½"])
def test_a_junk_page_falls_back_to_the_first_with_a_notice(value):
    query = number_query(page=value)

    assert query["page"] == 1
    assert query.notices == (f"“{value}” is not a valid value for “Page”; showing the default.",)


@pytest.mark.parametrize(
    ("per_page", "last_page"),
    [(10, 1000), (25, 400), (50, 200), (100, 100)],
)
def test_a_huge_page_is_clamped_to_the_last_reachable_page(per_page, last_page):
    query = number_query(page="99999999999999999999999", per_page=str(per_page))

    assert last_page * per_page == MAX_REACHABLE_ROWS
    assert query["page"] == last_page
    assert query.notices == (
        f"Only the first {last_page} pages can be listed; showing page {last_page}.",
    )


@pytest.mark.parametrize(("per_page", "last_page"), [(10, 1000), (25, 400), (100, 100)])
def test_the_last_reachable_page_itself_is_kept(per_page, last_page):
    query = number_query(page=str(last_page), per_page=str(per_page))

    assert query["page"] == last_page
    assert query.notices == ()


def test_a_junk_page_notice_quotes_at_most_40_characters():
    query = number_query(page="x" * 100)

    assert query.notices == (f"“{'x' * 40}” is not a valid value for “Page”; showing the default.",)


# -- several problems at once, duplicated parameters -------------------------------------------


def test_every_junk_parameter_gets_its_own_notice():
    query = number_query("view=junk&active=maybe&per_page=-1&page=abc&q=0833-001%20(1)")

    assert query.values == {**NUMBER_DEFAULTS, "q": "08330011"}
    assert query.notices == (
        "“junk” is not a valid value for “View”; showing the default.",
        "“maybe” is not a valid value for “Status”; showing the default.",
        "“-1” is not a valid value for “Per page”; showing the default.",
        "“abc” is not a valid value for “Page”; showing the default.",
    )


def test_a_duplicated_parameter_takes_its_last_value():
    query = number_query("view=eligible&view=linked&q=1&q=0833&per_page=10&per_page=50")

    assert query["view"] == "linked"
    assert query["q"] == "0833"
    assert query["per_page"] == 50
    assert query.notices == ()
    assert query.query_string() == "?q=0833&per_page=50"


def test_a_duplicated_parameter_whose_last_value_is_junk_falls_back():
    query = number_query("page=2&page=junk")

    assert query["page"] == 1
    assert query.notices == ("“junk” is not a valid value for “Page”; showing the default.",)


def test_unknown_parameters_are_ignored_and_left_out_of_links():
    query = number_query("utm_source=mail&q=0833&sort=number")

    assert query.notices == ()
    assert query.query_string() == "?q=0833"


# -- pager: canonical links for the result's pages -----------------------------------------


def result_page(page: int, per_page: int, total: int) -> ResultPage:
    """A result page of placeholder rows: the pager looks only at the counts."""
    rows = max(0, min(per_page, total - (page - 1) * per_page))
    return ResultPage(items=(None,) * rows, page=page, per_page=per_page, total_count=total)


def test_a_single_page_needs_no_pager():
    assert number_query().pager(result_page(1, 25, 25)) is None
    assert number_query().pager(result_page(1, 25, 0)) is None


def test_the_pager_elides_pages_far_from_the_current_one():
    current = number_query("per_page=10&page=50").pager(result_page(50, 10, 10_000))

    assert [link.label for link in current.pages] == [
        "1",
        "…",
        "48",
        "49",
        "50",
        "51",
        "52",
        "…",
        "1000",
    ]
    assert [link.label for link in current.pages if link.is_current] == ["50"]
    assert [link.url for link in current.pages if link.label == "…"] == ["", ""]


def test_pager_links_are_canonical():
    current = number_query("q=0833&per_page=10&page=50").pager(result_page(50, 10, 10_000))

    urls = {link.label: link.url for link in current.pages if link.url}
    assert urls["1"] == PATH + "?q=0833&per_page=10"
    assert urls["49"] == PATH + "?q=0833&per_page=10&page=49"
    assert urls["1000"] == PATH + "?q=0833&per_page=10&page=1000"
    assert current.previous_url == PATH + "?q=0833&per_page=10&page=49"
    assert current.next_url == PATH + "?q=0833&per_page=10&page=51"


def test_pager_links_leave_defaults_out():
    current = number_query("view=linked&active=&per_page=25&page=2").pager(result_page(2, 25, 61))

    assert [(link.label, link.url) for link in current.pages] == [
        ("1", PATH),
        ("2", PATH + "?page=2"),
        ("3", PATH + "?page=3"),
    ]
    assert current.previous_url == PATH
    assert current.next_url == PATH + "?page=3"


def test_the_first_page_has_no_previous_and_the_last_no_next():
    first = number_query().pager(result_page(1, 25, 61))
    last = number_query("page=3").pager(result_page(3, 25, 61))

    assert (first.previous_url, first.next_url) == ("", PATH + "?page=2")
    assert (last.previous_url, last.next_url) == (PATH + "?page=2", "")


def test_the_pager_stops_at_the_last_reachable_page():
    current = number_query("per_page=100").pager(result_page(1, 100, 11_318))

    assert current.pages[-1].label == "100"
    assert current.pages[-1].url == PATH + "?per_page=100&page=100"


def test_a_page_past_the_end_has_no_pager():
    assert number_query("page=7").pager(result_page(7, 25, 1)) is None


# -- what the query gives the selectors, the page and its links --------------------------------


@pytest.mark.parametrize(
    ("query_string", "arguments"),
    [
        (
            "",
            {
                "linked": True,
                "active": None,
                "search": "",
                "page": 1,
                "per_page": 25,
                "refresh": False,
            },
        ),
        (
            "view=eligible&active=true&q=0833&page=3&per_page=10",
            {
                "linked": False,
                "active": True,
                "search": "0833",
                "page": 3,
                "per_page": 10,
                "refresh": False,
            },
        ),
        (
            "active=false",
            {
                "linked": True,
                "active": False,
                "search": "",
                "page": 1,
                "per_page": 25,
                "refresh": False,
            },
        ),
        (
            "active=junk",
            {
                "linked": True,
                "active": None,
                "search": "",
                "page": 1,
                "per_page": 25,
                "refresh": False,
            },
        ),
    ],
)
def test_number_query_gives_the_selector_its_typed_arguments(query_string, arguments):
    assert number_query(query_string).selector_arguments() == arguments


def test_skill_group_query_gives_search_media_and_paging_only():
    assert skill_group_query("q=sales&page=2").selector_arguments() == {
        "search": "sales",
        "media_type": MediaType.AUDIO,
        "page": 2,
        "per_page": 25,
        "refresh": False,
    }
    assert skill_group_query("media=video").selector_arguments()["media_type"] == MediaType.VIDEO


@pytest.mark.parametrize("value", ["audio", "chat", "video"])
def test_skill_group_media_accepts_the_three_media(value):
    query = skill_group_query(media=value)

    assert query["media"] == value
    assert query.notices == ()


def test_the_default_media_is_left_out_of_links_and_another_kept_across_pages():
    assert skill_group_query("media=audio&q=sales").canonical_url.endswith("?q=sales")
    query = skill_group_query("q=sales&media=chat")

    assert query.query_string() == "?q=sales&media=chat"
    assert query.url(page=2).endswith("?q=sales&media=chat&page=2")
    assert query.url(media="audio").endswith("?q=sales")


@pytest.mark.parametrize("value", ["VOICE", "ONLINE", "CHAT", "all", "<b>x</b>"])
def test_a_junk_media_means_voice_with_a_notice(value):
    query = skill_group_query(media=value)

    assert query["media"] == "audio"
    assert query.notices == (f"“{value}” is not a valid value for “Media”; showing the default.",)


def test_refresh_reaches_the_selector_but_never_a_link():
    query = number_query("q=0833&refresh=1")

    assert query.selector_arguments()["refresh"] is True
    assert query.canonical_url == PATH + "?q=0833"
    assert query.refresh_url == PATH + "?q=0833&refresh=1"
    assert "refresh" not in query.url(page=2)


def test_view_links_keep_the_filters_and_reset_the_page():
    links = number_query("view=eligible&q=0833&page=4").view_links

    assert [(link.value, link.url, link.is_current) for link in links] == [
        ("linked", PATH + "?q=0833", False),
        ("eligible", PATH + "?view=eligible&q=0833", True),
    ]
    assert [str(link.label) for link in links] == ["Linked", "Eligible"]


def test_a_list_with_one_view_has_no_view_links():
    assert skill_group_query("q=sales").view_links == []


def test_the_share_link_is_the_absolute_canonical_link():
    query = number_query("view=linked&q=0833&per_page=25&page=2")

    assert query.canonical_url == PATH + "?q=0833&page=2"
    assert query.share_url == "http://testserver" + PATH + "?q=0833&page=2"


def test_the_export_link_is_the_view_without_its_page():
    query = number_query("view=eligible&q=0833&active=true&per_page=50&page=3&refresh=1")

    # Every row: no page, no page size; like every link, no refresh and no language.
    assert query.export_url("csv") == PATH + "export.csv?view=eligible&q=0833&active=true"
    assert [(link.label, link.url) for link in query.export_links] == [
        ("Export CSV", PATH + "export.csv?view=eligible&q=0833&active=true"),
        ("Export Excel", PATH + "export.xlsx?view=eligible&q=0833&active=true"),
    ]


def test_the_export_link_of_the_default_view_has_no_query():
    assert number_query("per_page=100&page=2").export_url("xlsx") == PATH + "export.xlsx"


def test_a_list_without_exports_links_none():
    assert skill_group_query("q=sales").export_links == []


def test_the_form_shows_the_values_the_results_answer():
    form = number_query("q=0833-001&active=false&per_page=50&page=2").form

    assert 'value="0833001"' in str(form["q"])
    assert '<option value="false" selected>' in str(form["active"])
    assert '<option value="50" selected>' in str(form["per_page"])


def test_the_search_box_takes_more_than_is_searched():
    search_box = str(number_query().form["q"])

    assert 'type="search"' in search_box
    assert f'maxlength="{SEARCH_INPUT_MAX_LENGTH}"' in search_box
    assert SEARCH_INPUT_MAX_LENGTH > SEARCH_MAX_LENGTH


# -- a database list, and the audit page's query -----------------------------------------------

AUDIT = "/audit/"


class DatabaseListForm(SkillGroupFilterForm):
    max_rows = None


def database_query(query_string: str) -> ListQuery:
    return ListQuery.from_request(DatabaseListForm, RequestFactory().get(f"/list/?{query_string}"))


def audit_query(
    query_string: str = "", *, visible: frozenset[str] | None = None, trail: tuple[str, ...] = ()
) -> ListQuery:
    form_class = AuditFilterForm.for_identity(
        visible_instances=visible, trail_instances=lambda: trail
    )
    return ListQuery.from_request(form_class, RequestFactory().get(f"{AUDIT}?{query_string}"))


@pytest.mark.parametrize("page", ["401", "99999999999999999999999"])
def test_a_database_list_keeps_a_page_past_the_apis_reach(page):
    query = database_query(f"page={page}")

    assert query["page"] == int(page)
    assert query.notices == ()
    # The CCC lists still stop at their reach.
    assert skill_group_query(page=page)["page"] == 400


def test_the_audit_query_defaults_and_selector_arguments():
    query = audit_query()

    assert query.values == {
        "instance": "",
        "skill_group": "",
        "number": "",
        "user": "",
        "action": "",
        "outcome": "",
        "date_from": "",
        "date_to": "",
        "per_page": 25,
        "page": 1,
    }
    assert query.notices == ()
    assert query.canonical_url == AUDIT
    assert query.selector_arguments() == {
        "instance_id": "",
        "skill_group": "",
        "number": "",
        "user": "",
        "action": "",
        "outcome": "",
        "date_from": None,
        "date_to": None,
        "page": 1,
        "per_page": 25,
        "refresh": False,
    }


def test_the_audit_query_gives_typed_dates_and_canonical_links():
    query = audit_query(
        "date_to=12/02/2025&date_from=2025-12-01&outcome=in_progress&user=+bob+"
        "&skill_group=sg%40ccc-test&instance=ccc-test&action=unlink&page=2"
        "&number=%2B86+0833-0011"
    )

    arguments = query.selector_arguments()
    assert (arguments["date_from"], arguments["date_to"]) == (date(2025, 12, 1), date(2025, 12, 2))
    assert arguments["outcome"] == "in_progress"
    assert arguments["user"] == "bob"
    assert arguments["number"] == "+8608330011"
    # Every value in a fixed order, dates as ISO days whatever form they came in.
    assert query.canonical_url == (
        f"{AUDIT}?instance=ccc-test&skill_group=sg%40ccc-test&number=%2B8608330011&user=bob"
        "&action=unlink&outcome=in_progress&date_from=2025-12-01&date_to=2025-12-02&page=2"
    )
    assert query.url(outcome="") == (
        f"{AUDIT}?instance=ccc-test&skill_group=sg%40ccc-test&number=%2B8608330011&user=bob"
        "&action=unlink&date_from=2025-12-01&date_to=2025-12-02"
    )


def test_an_end_date_before_the_start_says_so_and_keeps_the_start():
    query = audit_query("date_from=2025-12-02&date_to=2025-12-01")

    assert query.notices == (
        "The end date (2025-12-01) cannot be before the start date; it was left out.",
    )
    assert query.canonical_url == AUDIT + "?date_from=2025-12-02"


@pytest.mark.parametrize(
    ("query_string", "field", "kept"),
    [
        ("date_from=2025-02-30", "From", ""),
        ("date_to=1999-12-31", "To", ""),
        ("date_to=3000-01-01", "To", ""),
        ("action=undo", "Action", ""),
        ("outcome=in-progress", "Outcome", ""),
        (f"skill_group={'s' * 257}", "Skill group", ""),
        (f"user={'u' * 255}", "User", ""),
        (f"number={'0' * 65}", "Number", ""),
    ],
)
def test_an_unusable_audit_value_falls_back_with_a_notice(query_string, field, kept):
    query = audit_query(query_string)

    assert len(query.notices) == 1
    assert f"is not a valid value for “{field}”; showing the default." in query.notices[0]
    assert query.canonical_url == AUDIT + kept


def test_the_audit_query_has_no_search_box_nor_its_notice():
    query = audit_query("q=" + "9" * 40)

    assert "q" not in query.values
    assert query.notices == ()
    assert query.canonical_url == AUDIT


def test_a_scoped_audit_query_takes_only_the_instances_the_user_may_see():
    visible = frozenset({"ccc-test"})

    assert audit_query("instance=ccc-test", visible=visible)["instance"] == "ccc-test"
    other = audit_query("instance=ccc-bulk", visible=visible)
    assert other["instance"] == ""
    assert other.notices == (
        "“ccc-bulk” is not a valid value for “Instance”; showing the default.",
    )
    # Unscoped, any instance may be asked for, though the trail holds none of it yet.
    assert audit_query("instance=ccc-new")["instance"] == "ccc-new"


def test_the_instance_select_offers_the_trail_and_the_instance_asked_for():
    read = []

    def trail() -> tuple[str, ...]:
        read.append("trail")
        return ("ccc-test", "ccc-bulk")

    form_class = AuditFilterForm.for_identity(visible_instances=None, trail_instances=trail)
    query = ListQuery.from_request(form_class, RequestFactory().get(f"{AUDIT}?instance=ccc-new"))
    assert read == []  # checking a value does not list the trail's instances

    select = str(query.form["instance"])

    assert read == ["trail"]
    assert [value for value in re.findall(r'<option value="([^"]*)"', select)] == [
        "",
        "ccc-bulk",
        "ccc-new",
        "ccc-test",
    ]
    assert '<option value="ccc-new" selected>' in select
    assert "maxlength" not in select
    assert str(query.form["date_from"]).startswith('<input type="date"')


def test_the_audit_export_link_keeps_the_filters_without_the_page():
    query = audit_query("user=bob&action=unlink&date_from=2025-12-01&per_page=10&page=2")

    assert (
        query.export_url("csv") == AUDIT + "export.csv?user=bob&action=unlink&date_from=2025-12-01"
    )
