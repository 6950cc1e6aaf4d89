"""tables: one fetched page standing in for every match, readable cells, a canonical pager."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.utils.html import strip_tags

from phone_numbers import services
from phone_numbers.ccc import NumberUsage, PhoneNumber, SkillGroup
from phone_numbers.ccc.emulator.dataset import BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID
from phone_numbers.forms import ListQuery, NumberFilterForm
from phone_numbers.services import ResultPage
from phone_numbers.tables import (
    PhoneNumberTable,
    ResultPageData,
    SkillGroupTable,
    pager,
)

PATH = "/instances/ccc-test/skill-groups/skillgroup@ccc-test/numbers/"


def number(
    digits: str = "083300110001",
    *,
    active: bool = True,
    usage: str = NumberUsage.BIDIRECTION,
    contact_flow_id: str = "flow-1",
) -> PhoneNumber:
    return PhoneNumber(digits, "ccc-test", active, usage, "四川", "乐山", contact_flow_id)


def numbers(count: int, first: int = 0) -> tuple[PhoneNumber, ...]:
    return tuple(number(f"0833{i:08d}") for i in range(first, first + count))


def group(**changes: object) -> SkillGroup:
    fields = {
        "skill_group_id": "sales@ccc-test",
        "instance_id": "ccc-test",
        "name": "sales",
        "display_name": "Sales",
        "description": "",
        "media_type": "VOICE",
        "phone_number_count": 35,
        "user_count": 18,
    }
    return SkillGroup(**{**fields, **changes})


def query(query_string: str = "") -> ListQuery:
    return ListQuery.from_request(NumberFilterForm, QueryDict(query_string))


def cells(table, column: str) -> list[str]:
    return [str(row.get_cell(column)) for row in table.page.object_list]


# -- ResultPageData ----------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "length"), [(61, 61), (10_000, 10_000), (11_318, 10_000)])
def test_data_length_is_the_reachable_count_not_the_rows_held(total, length):
    data = ResultPageData(ResultPage(items=numbers(25), page=1, per_page=25, total_count=total))

    assert len(data) == length


def test_data_answers_the_slice_of_its_page_from_the_rows_it_holds():
    rows = numbers(10, first=9990)
    data = ResultPageData(ResultPage(items=rows, page=1000, per_page=10, total_count=11_318))

    assert list(data[9990:10000]) == list(rows)
    assert list(data[9995:10000]) == list(rows[5:])
    assert data[9990] == rows[0]
    assert data[9999] == rows[9]


def test_a_table_of_a_late_page_shows_exactly_that_page(app_emulator):
    result = services.phone_number_list(
        instance_id=BULK_INSTANCE_ID,
        skill_group_id=BULK_SKILL_GROUP_ID,
        linked=False,
        page=1000,
        per_page=10,
    )

    table = PhoneNumberTable(result)

    assert table.paginator.num_pages == 1000
    assert table.page.number == 1000
    assert cells(table, "number") == [n.number for n in result.items]
    assert len(result.items) == 10


def test_a_page_past_the_end_is_not_paginated_and_has_no_pager():
    result = ResultPage(items=(), page=7, per_page=25, total_count=1)

    table = PhoneNumberTable(result)

    assert not hasattr(table, "page")
    assert pager(table, query("page=7"), PATH) is None


def test_tables_cannot_be_sorted():
    table = PhoneNumberTable(ResultPage(items=numbers(3), page=1, per_page=25, total_count=3))

    assert table.orderable is False
    assert "?sort=" not in table.as_html(RequestFactory().get(PATH))


def test_the_table_html_leaves_paging_to_our_pager():
    result = ResultPage(items=numbers(25), page=1, per_page=25, total_count=61)

    html = PhoneNumberTable(result).as_html(RequestFactory().get(PATH))

    assert "<table" in html
    assert "pagination" not in html


# -- cells -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usage", "words"),
    [
        (NumberUsage.INBOUND, "Inbound only"),
        (NumberUsage.OUTBOUND, "Outbound only"),
        (NumberUsage.BIDIRECTION, "Inbound and outbound"),
        ("Satellite", "Satellite"),  # a value the API may add later is shown as it comes
    ],
)
def test_usage_is_rendered_in_words(usage, words):
    result = ResultPage(items=(number(usage=usage),), page=1, per_page=25, total_count=1)

    assert cells(PhoneNumberTable(result), "usage") == [words]


def test_status_is_readable_without_colour():
    result = ResultPage(
        items=(number("01", active=True), number("02", active=False)),
        page=1,
        per_page=25,
        total_count=2,
    )

    active, inactive = cells(PhoneNumberTable(result), "active")

    assert strip_tags(active) == "✓ Active"
    assert strip_tags(inactive) == "✕ Inactive"


def test_a_number_without_contact_flow_shows_a_dash():
    result = ResultPage(
        items=(number("01", contact_flow_id=""), number("02", contact_flow_id="flow-9")),
        page=1,
        per_page=25,
        total_count=2,
    )

    assert cells(PhoneNumberTable(result), "contact_flow_id") == ["—", "flow-9"]


def test_number_table_columns():
    table = PhoneNumberTable(ResultPage(items=(), page=1, per_page=25, total_count=0))

    assert [column.header for column in table.columns] == [
        "Number",
        "Status",
        "Usage",
        "Province",
        "City",
        "Contact flow",
    ]


def test_skill_group_table_links_the_display_name_to_the_numbers_page():
    table = SkillGroupTable(
        ResultPage(items=(group(),), page=1, per_page=25, total_count=1), instance_id="ccc-test"
    )

    assert cells(table, "display_name") == [
        '<a href="/instances/ccc-test/skill-groups/sales@ccc-test/numbers/">Sales</a>'
    ]
    assert cells(table, "phone_number_count") == ["35"]
    assert cells(table, "user_count") == ["18"]
    assert [column.header for column in table.columns] == [
        "Skill group",
        "ID",
        "Media",
        "Numbers",
        "Agents",
    ]


def test_a_skill_group_without_display_name_is_linked_by_its_name():
    table = SkillGroupTable(
        ResultPage(items=(group(display_name=""),), page=1, per_page=25, total_count=1),
        instance_id="ccc-test",
    )

    assert strip_tags(cells(table, "display_name")[0]) == "sales"


def test_a_skill_group_name_is_escaped():
    table = SkillGroupTable(
        ResultPage(items=(group(display_name="<b>VIP</b>"),), page=1, per_page=25, total_count=1),
        instance_id="ccc-test",
    )

    assert "&lt;b&gt;VIP&lt;/b&gt;" in cells(table, "display_name")[0]


# -- pager -------------------------------------------------------------------------------------


def paged_table(page: int, per_page: int, total: int) -> PhoneNumberTable:
    first = (page - 1) * per_page
    rows = numbers(max(0, min(per_page, total - first)), first=first)
    return PhoneNumberTable(ResultPage(items=rows, page=page, per_page=per_page, total_count=total))


def test_a_single_page_needs_no_pager():
    assert pager(paged_table(1, 25, 25), query(), PATH) is None
    assert pager(paged_table(1, 25, 0), query(), PATH) is None


def test_the_pager_elides_pages_far_from_the_current_one():
    current = pager(paged_table(50, 10, 10_000), query("per_page=10&page=50"), PATH)

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
    current = pager(paged_table(50, 10, 10_000), query("q=0833&per_page=10&page=50"), PATH)

    urls = {link.label: link.url for link in current.pages if link.url}
    assert urls["1"] == PATH + "?q=0833&per_page=10"
    assert urls["49"] == PATH + "?q=0833&per_page=10&page=49"
    assert urls["1000"] == PATH + "?q=0833&per_page=10&page=1000"
    assert current.previous_url == PATH + "?q=0833&per_page=10&page=49"
    assert current.next_url == PATH + "?q=0833&per_page=10&page=51"


def test_pager_links_leave_defaults_out():
    current = pager(paged_table(2, 25, 61), query("view=linked&active=&per_page=25&page=2"), PATH)

    assert [(link.label, link.url) for link in current.pages] == [
        ("1", PATH),
        ("2", PATH + "?page=2"),
        ("3", PATH + "?page=3"),
    ]
    assert current.previous_url == PATH
    assert current.next_url == PATH + "?page=3"


def test_the_first_page_has_no_previous_and_the_last_no_next():
    first = pager(paged_table(1, 25, 61), query(), PATH)
    last = pager(paged_table(3, 25, 61), query("page=3"), PATH)

    assert (first.previous_url, first.next_url) == ("", PATH + "?page=2")
    assert (last.previous_url, last.next_url) == (PATH + "?page=2", "")


def test_the_pager_stops_at_the_last_reachable_page():
    current = pager(paged_table(1, 100, 11_318), query("per_page=100"), PATH)

    assert current.pages[-1].label == "100"
    assert current.pages[-1].url == PATH + "?per_page=100&page=100"


def test_skill_group_links_use_the_page_instance_not_the_api_echo():
    table = SkillGroupTable(
        ResultPage(items=(group(instance_id=""),), page=1, per_page=25, total_count=1),
        instance_id="ccc-test",
    )

    assert (
        "/instances/ccc-test/skill-groups/sales@ccc-test/numbers/"
        in cells(table, "display_name")[0]
    )


def test_result_tables_have_accessible_names():
    numbers = PhoneNumberTable(ResultPage(items=(), page=1, per_page=25, total_count=0))
    groups = SkillGroupTable(
        ResultPage(items=(), page=1, per_page=25, total_count=0), instance_id="ccc-test"
    )

    assert numbers.attrs["aria-label"] == "Phone numbers"
    assert groups.attrs["aria-label"] == "Skill groups"
