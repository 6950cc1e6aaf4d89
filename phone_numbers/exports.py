"""Exports of a list page's view: every row it reaches, as CSV or XLSX, streamed while the rows
arrive.

- What: the view, search and filters of the page (never a page of them). The numbers are asked
  of CCC afresh in API pages of 100, CCC_EXPORT_PAGES_IN_FLIGHT at a time and written in
  order, at most the API's 10,000; the audit trail is read from the database a chunk at a time,
  at most AUDIT_EXPORT_MAX_ROWS. A cut is said in the file's last row.
- Failures: the first page (with the skill group and the flow names) is read before the response
  starts, under the request's budget like any page, so a CCC error there is the usual error
  page; a later one ends the file with a row saying it is incomplete, and why.
- The budget: a streamed body is written after its view has returned, when the request's budget
  is over. The export's own, CCC_EXPORT_BUDGET, starts once the first page is in, and the
  context holding it goes with every page read after (`selectors.in_order`).
- CSV: UTF-8 with a BOM (Excel then reads it as UTF-8), RFC 4180 (commas, CRLF, quotes
  doubled), sent a page at a time.
- XLSX: a zip, whose directory comes last, so nothing of it can be sent before its last row.
  openpyxl's write-only sheet writes each row to a temporary file on disk as its page arrives;
  the workbook is then saved into another temporary file, which is streamed. The rows never sit
  in memory, but the first byte waits for the last page: streaming the zip itself would mean
  writing the XLSX by hand. Phone numbers are text cells (Excel keeps 0833… and 11 digits as they
  are); the header row is frozen.
- Formula injection (OWASP "CSV Injection"): text from CCC or from users (names, cities,
  details) that begins with =, +, -, @, a tab or a carriage return is never a formula. In CSV it
  gets a leading apostrophe; in XLSX it is a string cell marked quote-prefixed (Excel's own
  apostrophe, not part of the value). Phone numbers stay exactly as CCC wrote them.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ccc import CccError, Page, PhoneNumber
from ccc.budget import budget
from ccc.client import MAX_PAGE_SIZE
from portal.text import grouped

from . import selectors
from .paging import MAX_REACHABLE_ROWS
from .selectors import AUDIT_ROWS_CHUNK, AuditEntry
from .tables import (
    AUDIT_OUTCOMES,
    USAGE_LABELS,
    AuditEventTable,
    PhoneNumberTable,
    audit_outcome_details,
)

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)
# The database reaches every event; a file stops somewhere a spreadsheet still opens.
AUDIT_EXPORT_MAX_ROWS = 100_000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What a file name cannot hold on some system: path separators, Windows' reserved characters,
# control characters.
_NOT_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_STREAMED_BYTES = 64 * 1024


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # in characters, for the XLSX sheet
    # Phone numbers: written exactly as CCC wrote them, as text cells in XLSX.
    phone_numbers: bool = False


class Note(str):
    """A sentence about the file (cut by a cap, or incomplete): its last row."""


# What the writers take: batches of rows (each a cell per column), then perhaps a note.
Batches = Iterator[list[list[str]] | Note]


@dataclass(frozen=True)
class ExportFile:
    filename: str
    ascii_filename: str
    content_type: str
    chunks: Iterator[bytes]

    @property
    def content_disposition(self) -> str:
        """RFC 6266: the name in UTF-8 (`filename*`), and an ASCII one for older clients."""
        return (
            f'attachment; filename="{self.ascii_filename}"; '
            f"filename*=UTF-8''{quote(self.filename, safe='')}"
        )


def phone_number_export(
    *,
    instance_id: str,
    skill_group_id: str,
    linked: bool,
    search: str,
    active: bool | None,
    file_format: str,
) -> ExportFile:
    """Every number of the view CCC can list (its first 10,000), with status and usage in words
    and each contact flow's name beside its id."""
    list_page = functools.partial(
        selectors.phone_number_api_page,
        instance_id=instance_id,
        skill_group_id=skill_group_id,
        linked=linked,
        search=search,
        active=active,
    )
    # Before the response starts, under the request's budget: what a page would wait.
    read = selectors.side_by_side(
        first=functools.partial(list_page, page_number=1),
        skill_group=functools.partial(
            selectors.skill_group_get, instance_id=instance_id, skill_group_id=skill_group_id
        ),
        flow_names=functools.partial(selectors.contact_flow_names, instance_id=instance_id),
    )
    first: Page[PhoneNumber] = read["first"]
    pages = -(-min(first.total_count, MAX_REACHABLE_ROWS) // MAX_PAGE_SIZE)
    with budget(settings.CCC_EXPORT_BUDGET):
        rest = selectors.in_order(
            (functools.partial(list_page, page_number=n) for n in range(2, pages + 1)),
            in_flight=settings.CCC_EXPORT_PAGES_IN_FLIGHT,
        )
    group = read["skill_group"]
    headers = PhoneNumberTable.base_columns
    columns = [
        Column(str(headers["number"].verbose_name), 16, phone_numbers=True),
        Column(str(headers["active"].verbose_name), 10),
        Column(str(headers["usage"].verbose_name), 22),
        Column(str(headers["province"].verbose_name), 10),
        Column(str(headers["city"].verbose_name), 10),
        Column(str(headers["contact_flow_id"].verbose_name), 28),
        Column(_("Contact flow ID"), 38),
    ]
    return _export_file(
        [instance_id, group.display_name or group.name, "linked" if linked else "eligible"],
        file_format,
        title=_("Numbers"),
        columns=columns,
        batches=_number_batches(first, rest, _number_row(read["flow_names"])),
    )


def audit_export(
    *, identity_instances: frozenset[str] | None, file_format: str, **filters: Any
) -> ExportFile:
    """The trail's events the filters match (those of `selectors.audit_event_list`), newest
    first, in the columns of its table, in words."""
    total, entries = selectors.audit_event_rows(
        identity_instances=identity_instances, limit=AUDIT_EXPORT_MAX_ROWS, **filters
    )
    headers = AuditEventTable.base_columns
    columns = [
        Column(str(headers["created_at"].verbose_name), 24),
        Column(str(headers["username"].verbose_name), 20),
        Column(_("Email"), 24),
        Column(str(headers["client_address"].verbose_name), 16),
        Column(str(headers["skill_group_name"].verbose_name), 20),
        Column(_("Skill group ID"), 24),
        Column(str(headers["instance_id"].verbose_name), 16),
        Column(str(headers["action"].verbose_name), 24),
        Column(str(headers["numbers"].verbose_name), 40, phone_numbers=True),
        Column(str(headers["outcome"].verbose_name), 14),
        Column(_("Details"), 40),
        Column(_("Error code"), 20),
        Column(str(headers["request_ids"].verbose_name), 40),
    ]
    return _export_file(
        ["audit-trail", filters.get("instance_id", ""), filters.get("skill_group_id", "")],
        file_format,
        title=_("Audit trail"),
        columns=columns,
        batches=_audit_batches(total, entries, _audit_row()),
    )


# -- rows --------------------------------------------------------------------------------------


def _number_row(flow_names: dict[str, str]) -> Callable[[PhoneNumber], list[str]]:
    """A number's cells, in the reader's language (decided once, not per row)."""
    status = {True: _("Active"), False: _("Inactive")}
    usages = {usage: str(label) for usage, label in USAGE_LABELS.items()}

    def row(number: PhoneNumber) -> list[str]:
        flow = number.contact_flow_id
        return [
            number.number,
            status[number.active],
            usages.get(number.usage, number.usage),
            number.province,
            number.city,
            # The name, or the id where CCC names none (as the page shows it).
            flow_names.get(flow, flow),
            flow,
        ]

    return row


def _number_batches(
    first: Page[PhoneNumber], rest: Iterator[Page[PhoneNumber]], row: Callable[..., list[str]]
) -> Batches:
    language = translation.get_language()
    reachable = min(first.total_count, MAX_REACHABLE_ROWS)
    yield [row(number) for number in first.items]
    written = len(first.items)
    with closing(rest):
        try:
            for page in rest:
                yield [row(number) for number in page.items]
                written += len(page.items)
        except CccError as error:
            yield _note(language, _incomplete, error=error, written=written, total=reachable)
            return
    if first.total_count > MAX_REACHABLE_ROWS:
        yield _note(language, _numbers_cut, exported=written, total=first.total_count)


def _audit_row() -> Callable[[AuditEntry], list[str]]:
    zone = timezone.get_default_timezone()
    outcomes = {outcome: str(label) for outcome, (_symbol, label, _style) in AUDIT_OUTCOMES.items()}
    actions = {"link": _("Link"), "unlink": _("Unlink")}
    undoes = {"link": _("Undo of the link of {time}"), "unlink": _("Undo of the unlink of {time}")}
    ccc_says = _("CCC says:")

    def when(moment: datetime) -> str:
        return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M:%S %Z")

    def said(message: str) -> str:
        return f"{ccc_says} “{message}”"

    def row(entry: AuditEntry) -> list[str]:
        if entry.undoes_created_at is not None:
            undo = undoes["unlink" if entry.undoes_action == "unlink" else "link"]
            action = undo.format(time=when(entry.undoes_created_at))
        else:
            action = actions.get(entry.action, entry.action)
        return [
            when(entry.created_at),
            entry.username,
            entry.email,
            entry.client_address,
            entry.skill_group_name,
            entry.skill_group_id,
            entry.instance_id,
            action,
            " ".join(entry.numbers),
            outcomes.get(entry.outcome, entry.outcome),
            "\n".join(audit_outcome_details(entry, said=said)),  # a line each, as the page
            entry.error_code,
            " ".join(entry.request_ids),
        ]

    return row


def _audit_batches(
    total: int, entries: Iterator[AuditEntry], row: Callable[[AuditEntry], list[str]]
) -> Batches:
    language = translation.get_language()
    written = 0
    while chunk := list(itertools.islice(entries, AUDIT_ROWS_CHUNK)):
        yield [row(entry) for entry in chunk]
        written += len(chunk)
    if total > written:
        yield _note(language, _audit_cut, exported=written, total=total)


# -- notes: whole sentences, in the reader's language (the body is written after the view) -----


def _note(language: str | None, sentence: Callable[..., str], **values: Any) -> Note:
    with translation.override(language):
        return Note(sentence(**values))


def _incomplete(*, error: CccError, written: int, total: int) -> str:
    cause = f"{error.code}, RequestId {error.request_id}" if error.request_id else error.code
    return ngettext(
        "The export is incomplete: the contact center failed after %(written)s of %(total)s "
        "row (%(cause)s). Export again to get every row.",
        "The export is incomplete: the contact center failed after %(written)s of %(total)s "
        "rows (%(cause)s). Export again to get every row.",
        total,
    ) % {"written": grouped(written), "total": grouped(total), "cause": cause}


def _numbers_cut(*, exported: int, total: int) -> str:
    return ngettext(
        "Only the first %(exported)s of %(total)s matching number are exported: CCC lists no "
        "more. Narrow the search to export the rest.",
        "Only the first %(exported)s of %(total)s matching numbers are exported: CCC lists no "
        "more. Narrow the search to export the rest.",
        total,
    ) % {"exported": grouped(exported), "total": grouped(total)}


def _audit_cut(*, exported: int, total: int) -> str:
    return ngettext(
        "Only the newest %(exported)s of %(total)s matching event are exported. Narrow the "
        "filters to export the rest.",
        "Only the newest %(exported)s of %(total)s matching events are exported. Narrow the "
        "filters to export the rest.",
        total,
    ) % {"exported": grouped(exported), "total": grouped(total)}


# -- files -------------------------------------------------------------------------------------


def _export_file(
    parts: Sequence[str], file_format: str, *, title: str, columns: list[Column], batches: Batches
) -> ExportFile:
    """The file named by `parts` and today's date, written in `file_format` from `batches`."""
    named = [*parts, timezone.localdate().isoformat()]
    write = _csv_chunks if file_format == "csv" else functools.partial(_xlsx_chunks, title=title)
    return ExportFile(
        filename=_file_name(named, file_format),
        ascii_filename=_file_name(map(_ascii, named), file_format),
        content_type=CONTENT_TYPES[file_format],
        chunks=write(columns, batches),
    )


def _ascii(text: str) -> str:
    """What of the text is ASCII, accents dropped from their letters (Chinese drops out)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _file_name(parts: Iterable[str], file_format: str) -> str:
    cleaned = (_NOT_IN_FILE_NAMES.sub("-", part).strip(" .-") for part in parts)
    return "_".join(part for part in cleaned if part) + f".{file_format}"


def _csv_chunks(columns: list[Column], batches: Batches) -> Iterator[bytes]:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    # The csv module's default dialect is RFC 4180's: commas, CRLF, quotes doubled inside
    # quoted fields, and fields with a comma, quote or line break quoted.
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in columns])
    cells = [_exact if column.phone_numbers else _csv_text for column in columns]
    for batch in batches:
        if isinstance(batch, Note):
            writer.writerow([batch])
        else:
            writer.writerows(
                [cell(value) for cell, value in zip(cells, row, strict=True)] for row in batch
            )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


def _exact(value: str) -> str:
    return value


def _csv_text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _xlsx_chunks(columns: list[Column], batches: Batches, *, title: str) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    # Set before the first row: a write-only sheet writes its views and columns first.
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([_xlsx_header(sheet, column.header) for column in columns])
    cells = [
        functools.partial(_xlsx_phone_numbers if column.phone_numbers else _xlsx_text, sheet)
        for column in columns
    ]
    for batch in batches:
        if isinstance(batch, Note):
            sheet.append([_xlsx_string(sheet, batch)])
        else:
            for row in batch:
                sheet.append([cell(value) for cell, value in zip(cells, row, strict=True)])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        yield from iter(functools.partial(file.read, _STREAMED_BYTES), b"")


def _xlsx_text(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell | str | None:
    """Text as a string cell. openpyxl would write "=…" as a formula and "#N/A" as an error:
    those, and what OWASP lists, are forced to strings and quote-prefixed."""
    if not value:
        return None  # no cell at all
    value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XML 1.0 cannot hold
    if value.startswith(_FORMULA_STARTS) or value in ERROR_CODES:
        cell = _xlsx_string(sheet, value)
        cell.quotePrefix = True
        return cell
    return value


def _xlsx_phone_numbers(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell | None:
    """A text cell, formatted as text ("@") so that editing it keeps it one."""
    if not value:
        return None
    cell = _xlsx_string(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.number_format = "@"
    return cell


def _xlsx_string(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # whatever openpyxl guessed from the value
    return cell


def _xlsx_header(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    cell = _xlsx_string(sheet, value)
    cell.font = Font(bold=True)
    return cell
