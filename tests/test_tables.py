"""tables: the rows of one result page, readable cells, and whole sentences about them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import django_tables2 as tables
import django_tables2.tables
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.utils import translation
from django.utils.html import strip_tags

from audit.selectors import AuditEntry
from audit.tables import AuditEventTable
from ccc import NumberUsage, PhoneNumber, SkillGroup
from ccc.emulator.dataset import BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID
from phone_numbers import selectors
from phone_numbers.queries import NumbersQuery
from phone_numbers.tables import PhoneNumberTable, SkillGroupTable, not_served_text
from portal import exports as portal_exports
from portal.paging import ResultPage

from .pages import Html
from .test_exports import csv_rows, xlsx_rows

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
        "media_type": "AUDIO",
        "phone_number_count": 35,
        "user_count": 18,
    }
    return SkillGroup(**{**fields, **changes})


def cells(table, column: str) -> list[str]:
    return [str(row.get_cell(column)) for row in table.rows]


# -- rows and sentences ------------------------------------------------------------------------


def test_a_table_holds_exactly_the_rows_of_its_page():
    rows = numbers(10, first=9990)
    table = PhoneNumberTable(ResultPage(items=rows, page=1000, per_page=10, total_count=11_318))

    assert len(table.rows) == 10
    assert len(table.data) == 10
    assert cells(table, "number") == [n.number for n in rows]


def test_a_table_of_a_late_page_shows_exactly_that_page(app_emulator):
    result = selectors.phone_number_list(
        numbers=NumbersQuery(
            instance_id=BULK_INSTANCE_ID, skill_group_id=BULK_SKILL_GROUP_ID, linked=False
        ),
        page=1000,
        per_page=10,
    )

    table = PhoneNumberTable(result)

    assert cells(table, "number") == [n.number for n in result.items]
    assert len(result.items) == 10
    assert table.summary() == f"Showing 9,991–10,000 of {result.total_count:,} numbers"


@pytest.mark.parametrize(
    ("page", "rows", "total", "summary"),
    [
        (1, 25, 61, "Showing 1–25 of 61 numbers"),
        (3, 11, 61, "Showing 51–61 of 61 numbers"),
        (1, 1, 1, "Showing 1–1 of 1 number"),
        # None shown: the page's empty state or alert says why, once.
        (1, 0, 0, ""),
        (7, 0, 1, ""),
    ],
)
def test_the_summary_is_one_whole_sentence(page, rows, total, summary):
    first = (page - 1) * 25
    result = ResultPage(items=numbers(rows, first=first), page=page, per_page=25, total_count=total)

    assert PhoneNumberTable(result).summary() == summary


def test_skill_groups_have_sentences_of_their_own():
    one = SkillGroupTable(
        ResultPage(items=(group(),), page=1, per_page=25, total_count=1), instance_id="ccc-test"
    )
    none = SkillGroupTable(
        ResultPage(items=(), page=1, per_page=25, total_count=0), instance_id="ccc-test"
    )

    assert one.summary() == "Showing 1–1 of 1 skill group"
    assert none.empty_text == "No skill groups match."


def test_more_than_the_api_reaches_is_said_with_both_counts():
    result = ResultPage(items=numbers(25), page=1, per_page=25, total_count=11_318)

    assert PhoneNumberTable(result).truncation_notice() == (
        "Only the first 10,000 of 11,318 matches can be listed. "
        "Narrow the search to reach the rest."
    )
    assert (
        PhoneNumberTable(
            ResultPage(items=numbers(25), page=1, per_page=25, total_count=10_000)
        ).truncation_notice()
        == ""
    )


def test_tables_cannot_be_sorted():
    """The headers are words, not links: tables2 would make each a `?sort=` link if orderable."""
    table = PhoneNumberTable(ResultPage(items=numbers(3), page=1, per_page=25, total_count=3))

    assert table.orderable is False
    headers = re.findall(r"<th [^>]*>(.*?)</th>", str(table.html()))
    assert headers == ["Number", "Status", "Usage", "Province", "City", "Contact flow"]


def test_the_table_html_leaves_paging_to_our_pager():
    """The page's rows and nothing after the table: tables2's own template would add its pager
    after it for a table paginated by tables2."""
    result = ResultPage(items=numbers(25), page=1, per_page=25, total_count=61)

    html = str(PhoneNumberTable(result).html())

    assert html.count("<tr>") == 1 + 25
    assert html.endswith("</tbody>\n</table>\n</div>")


@pytest.mark.parametrize(
    ("option", "column"),
    [
        ("linkify", tables.Column(verbose_name="Number", linkify=lambda record: "/")),
        ("a", tables.Column(verbose_name="Number", attrs={"a": {"class": "link"}})),
        ("tf", tables.Column(verbose_name="Number", attrs={"tf": {"class": "total"}})),
        ("footer", tables.Column(verbose_name="Number", footer="Total")),
        ("localize", tables.Column(verbose_name="Number", localize=True)),
    ],
)
def test_a_column_option_the_renderer_would_ignore_is_refused(option, column):
    table_class = type("Linked", (PhoneNumberTable,), {"number": column})
    table = table_class(ResultPage(items=numbers(1), page=1, per_page=25, total_count=1))

    with pytest.raises(ImproperlyConfigured, match=f"'number' of Linked asks for {option}"):
        table.html()


def test_a_column_added_once_shows_in_the_page_the_csv_and_the_xlsx():
    """The table owns its export: a new column (with its file value) needs nothing else."""

    class WithCarrier(PhoneNumberTable):
        carrier = tables.Column(verbose_name="Carrier", accessor="province")

        def render_carrier(self, value: str) -> str:
            return f"<{value}>"

        def value_carrier(self, value: str) -> str:
            return f"carrier of {value}"

    page = WithCarrier(ResultPage(items=numbers(1), page=1, per_page=25, total_count=1))
    export = WithCarrier.for_export()
    files = {
        file_format: b"".join(
            portal_exports.export_file(
                ["numbers"],
                file_format,
                title="Numbers",
                columns=export.export_columns(),
                batches=iter([[export.export_row()(record) for record in numbers(1)]]),
            ).chunks
        )
        for file_format in ("csv", "xlsx")
    }

    assert Html(page.html()).headers[-1] == "Carrier"
    assert Html(page.html()).rows[0][-1] == "<四川>"
    for rows in (csv_rows(files["csv"]), xlsx_rows(files["xlsx"])):
        assert rows[0][-1] == "Carrier"
        assert rows[1][-1] == "carrier of 四川"
        assert rows[0][:7] == [
            "Number",
            "Status",
            "Usage",
            "Province",
            "City",
            "Contact flow",
            "Contact flow ID",
        ]


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

    shown = cells(PhoneNumberTable(result), "contact_flow_id")

    assert [strip_tags(cell) for cell in shown] == ["—", "flow-9"]


def contact_flow_page(names: dict[str, str] | None) -> Html:
    result = ResultPage(
        items=(
            number("01", contact_flow_id="flow-1"),
            number("02", contact_flow_id="flow-2"),
            number("03", contact_flow_id="flow-unknown"),
            number("04", contact_flow_id=""),
        ),
        page=1,
        per_page=25,
        total_count=4,
    )
    return Html(PhoneNumberTable(result, contact_flow_names=names).html())


def test_a_contact_flow_shows_its_name_with_its_id_on_hover():
    page = contact_flow_page({"flow-1": "售后服务流程", "flow-2": "Night <shift> & co"})

    assert [row[-1] for row in page.rows] == [
        "售后服务流程",
        "Night <shift> & co",  # escaped in the HTML, read back as written
        "flow-unknown",  # a flow CCC did not name shows its id
        "—",
    ]
    assert [span["title"] for span in page.find("span") if "title" in span] == [
        "flow-1",
        "flow-2",
    ]


def test_without_names_every_contact_flow_shows_its_id():
    page = contact_flow_page(None)

    assert [row[-1] for row in page.rows] == ["flow-1", "flow-2", "flow-unknown", "—"]
    assert not [span for span in page.find("span") if "title" in span]


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


def media_cells(*media_types: str) -> list[str]:
    table = SkillGroupTable(
        ResultPage(
            items=tuple(group(media_type=media) for media in media_types),
            page=1,
            per_page=25,
            total_count=len(media_types),
        ),
        instance_id="ccc-test",
    )
    return cells(table, "media_type")


MEDIA = ("AUDIO", "CHAT", "VIDEO", "chat", "EMAIL")


def test_a_skill_group_s_media_is_said_in_words_and_an_unknown_one_as_ccc_says_it():
    assert media_cells(*MEDIA) == ["Voice", "Chat", "Video", "Chat", "EMAIL"]


def test_a_skill_group_s_media_in_chinese():
    with translation.override("zh-hans"):
        assert media_cells(*MEDIA) == ["语音", "在线交谈", "视频", "在线交谈", "EMAIL"]


@pytest.mark.parametrize(
    ("media_type", "sentence"),
    [
        ("CHAT", "Phone numbers serve voice skill groups; Sales is a chat group."),
        ("video", "Phone numbers serve voice skill groups; Sales is a video group."),
        ("EMAIL", "Phone numbers serve voice skill groups; the media of Sales is EMAIL."),
    ],
)
def test_why_a_group_of_another_medium_has_no_number_to_link(media_type, sentence):
    assert not_served_text(group(media_type=media_type)) == sentence


def test_a_skill_group_name_is_escaped():
    table = SkillGroupTable(
        ResultPage(items=(group(display_name="<b>VIP</b>"),), page=1, per_page=25, total_count=1),
        instance_id="ccc-test",
    )

    assert "&lt;b&gt;VIP&lt;/b&gt;" in cells(table, "display_name")[0]


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


# -- cheap body rows ---------------------------------------------------------------------------


def tables2_cells(table) -> list[list[str]]:
    return [[str(cell) for _, cell in row.items()] for row in table.rows]


def our_cells(table) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in table.body_rows()]


def test_body_rows_render_numbers_exactly_as_django_tables2_would():
    rows = (
        number("01", active=True, usage=NumberUsage.INBOUND, contact_flow_id="flow-1"),
        number("02", active=False, usage="Satellite", contact_flow_id=""),
        PhoneNumber("03", "ccc-test", True, "", "", "", ""),  # empty cells get the default
        number("04", contact_flow_id="flow-2"),
    )
    table = PhoneNumberTable(
        ResultPage(items=rows, page=1, per_page=25, total_count=4),
        contact_flow_names={"flow-1": "夜间值班"},
    )

    assert our_cells(table) == tables2_cells(table)
    assert our_cells(table)[2][2:5] == ["—", "—", "—"]


def test_body_rows_render_skill_groups_exactly_as_django_tables2_would():
    groups = (group(), group(display_name="", phone_number_count=None, user_count=0))
    table = SkillGroupTable(
        ResultPage(items=groups, page=1, per_page=25, total_count=2), instance_id="ccc-test"
    )

    assert our_cells(table) == tables2_cells(table)


def test_body_cells_keep_the_column_attributes():
    table = PhoneNumberTable(ResultPage(items=(number(),), page=1, per_page=25, total_count=1))

    cells = re.findall(r"<td[^>]*>", table.html())

    assert cells[:2] == ['<td class="font-monospace">', "<td >"]


def test_the_table_html_shows_the_body_rows_and_the_empty_text():
    full = PhoneNumberTable(ResultPage(items=numbers(3), page=1, per_page=25, total_count=3))
    empty = PhoneNumberTable(ResultPage(items=(), page=1, per_page=25, total_count=0))

    assert full.html().count('<td class="font-monospace">0833') == 3
    assert '<td colspan="6">No numbers match.</td>' in empty.html()


def test_the_table_html_is_tables2s_bootstrap_table_with_our_rows():
    table = PhoneNumberTable(ResultPage(items=numbers(2), page=1, per_page=25, total_count=2))
    ours = Html(table.html())
    tables2 = Html(django_tables2.tables.Table.as_html(table, RequestFactory().get(PATH)))

    assert (
        ours.headers
        == tables2.headers
        == ["Number", "Status", "Usage", "Province", "City", "Contact flow"]
    )
    assert ours.rows == tables2.rows
    assert ours.find("table") == tables2.find("table")
    assert ours.find("div") == tables2.find("div")


def test_cells_are_escaped_and_safe_html_is_kept():
    hostile = PhoneNumber("01", "ccc-test", True, "<b>x</b>", "四川", '"&', "")
    table = PhoneNumberTable(ResultPage(items=(hostile,), page=1, per_page=25, total_count=1))

    html = table.html()

    assert "<td >&lt;b&gt;x&lt;/b&gt;</td>" in html
    assert "<td >&quot;&amp;</td>" in html
    assert '<span class="badge text-bg-success">✓ Active</span>' in html


def test_braces_in_cells_are_shown_as_written():
    # Each row is one format string: cell contents must never be read as its fields.
    braced = PhoneNumber("01", "ccc-test", True, "{0}", "{}", "{city}", "{flow}")
    table = PhoneNumberTable(
        ResultPage(items=(braced,), page=1, per_page=25, total_count=1),
        selectable=True,
        contact_flow_names={"{flow}": "{name}"},
    )

    html = table.html()

    assert "<td >{0}</td>" in html and "<td >{}</td>" in html and "<td >{city}</td>" in html
    assert '<span title="{flow}">{name}</span>' in html


# -- the audit trail ---------------------------------------------------------------------------


def entry(**changes: object) -> AuditEntry:
    fields = {
        "created_at": datetime(2025, 12, 1, 15, 30, tzinfo=UTC),  # 23:30 in Shanghai
        "username": "alice",
        "email": "alice@example.com",
        "client_address": "10.1.2.3",
        "instance_id": "ccc-test",
        "skill_group_id": "sales@ccc-test",
        "skill_group_name": "Sales",
        "action": "link",
        "numbers": ("0833001", "0833002", "0833003"),
        "outcome": "done",
        "outcome_recorded": True,
        "done": ("0833001", "0833002", "0833003"),
        "request_ids": ("REQ-1",),
    }
    return AuditEntry(**{**fields, **changes})


def audit_table(*rows: AuditEntry, total: int | None = None) -> AuditEventTable:
    count = len(rows) if total is None else total
    return AuditEventTable(
        ResultPage(items=rows, page=1, per_page=25, total_count=count, max_rows=None)
    )


def test_audit_rows_render_exactly_as_django_tables2_would():
    table = audit_table(
        entry(),
        entry(email="", client_address="", skill_group_id="", numbers=(), request_ids=()),
        entry(action="unlink", undoes_action="link", undoes_created_at=entry().created_at),
        entry(outcome="partly_done", done=("0833001",), not_done=("0833002",), detail="Why."),
        entry(outcome="unknown", outcome_recorded=False, request_ids=()),
        entry(outcome="in_progress", outcome_recorded=False, request_ids=()),
        entry(outcome="refused", error_code="Forbidden.NoPermission"),
    )

    assert our_cells(table) == tables2_cells(table)


def test_audit_sentences_count_events():
    assert audit_table(entry()).summary() == "Showing 1–1 of 1 event"
    assert audit_table(*[entry()] * 25, total=40).summary() == "Showing 1–25 of 40 events"
    assert audit_table().empty_text == "No audit events match."
    assert audit_table(*[entry()] * 25, total=40_000).truncation_notice() == ""
    assert audit_table().attrs["aria-label"] == "Audit events"


def test_audit_cells_read_as_an_admin_would():
    row = Html(
        audit_table(
            entry(numbers=tuple(f"08330{i:02d}" for i in range(12)), outcome="unknown")
        ).html()
    ).rows[0]

    assert row[0] == "2025-12-01 23:30:00 CST"
    assert row[1] == "alice alice@example.com"
    assert row[3] == "Sales sales@ccc-test"
    assert row[6] == "12 numbers: 0833000, 0833001, 0833002, …"
    assert row[7] == "? Unknown 3 done, 0 not done, 0 unknown"


def test_audit_cells_are_escaped():
    hostile = entry(
        username="<b>u</b>",
        skill_group_name="<i>g</i>",
        numbers=("<n>",),
        detail="<script>x</script>",
        request_ids=("<r>",),
        error_code="<e>",
    )

    html = audit_table(hostile).html()

    for raw in ("<b>", "<i>", "<n>", "<script>", "<r>", "<e>"):
        assert raw not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_request_ids_break_only_after_their_dashes():
    html = audit_table(entry(request_ids=("6F1D3B2A-93C4-4C1E",))).html()

    assert "6F1D3B2A-<wbr>93C4-<wbr>4C1E" in html
    assert strip_tags(html).count("6F1D3B2A-93C4-4C1E") == 1
