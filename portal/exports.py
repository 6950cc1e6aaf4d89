"""The files a list exports to: CSV and XLSX written from batches of rows as they arrive, and
the streamed response that carries them.

- CSV: UTF-8 with a BOM (Excel then reads it as UTF-8), RFC 4180 (commas, CRLF, quotes
  doubled), sent a batch at a time.
- XLSX: a zip, whose directory comes last, so nothing of it can be sent before its last row.
  openpyxl's write-only sheet writes each row to a temporary file on disk as its batch arrives;
  the workbook is then saved into another temporary file, which is streamed. The rows never sit
  in memory, but the first byte waits for the last batch: streaming the zip itself would mean
  writing the XLSX by hand. Phone numbers are text cells (Excel keeps 0833… and 11 digits as they
  are). The first sheet holds the header row (frozen) and the data alone, with an autofilter
  over them; a second sheet, "Notes", is there only when there is something to say.
- Formula injection (OWASP "CSV Injection"): text from CCC or from users (names, cities,
  details) that begins with =, +, -, @, a tab or a carriage return is never a formula. In CSV it
  gets a leading apostrophe; in XLSX it is a string cell marked quote-prefixed (Excel's own
  apostrophe, not part of the value). Phone numbers stay exactly as CCC wrote them.
- A cap (`Cap`: the file holds the first rows of more that matched, known before the first
  byte) is never a row, so sorting and scripts see only data: the file's name says it
  (`…_first-10000-of-11318_…`, in the reader's words), so does the response's
  `X-Export-Truncated: exported=10000, total=11318` (an RFC 8941 dictionary), and an XLSX says
  it in a sentence on its Notes sheet. A failure midway (`Note`) is known only once rows have
  been sent: a CSV, which cannot be taken back, ends with it as a line; an XLSX puts it on the
  Notes sheet. Both sentences are in the reader's language; a failure's is written after the
  view has returned, so `note` is given the language to write it in.
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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What a file name cannot hold on some system: path separators, Windows' reserved characters,
# control characters.
_NOT_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_STREAMED_BYTES = 64 * 1024
# An XLSX column's width in characters, at the least and the most.
_NARROWEST_COLUMN, _WIDEST_COLUMN = 8, 60
# The notes sheet's one column: a sentence wraps at about this many characters.
_NOTES_COLUMN = 100
# Says an export is capped: the rows it holds (when complete) and how many matched.
TRUNCATED_HEADER = "X-Export-Truncated"


@dataclass(frozen=True)
class Column:
    header: str
    # Phone numbers: written exactly as CCC wrote them, as text cells in XLSX.
    phone_numbers: bool = False


class Note(str):
    """A sentence about a file already under way (incomplete): a CSV's last line, an XLSX's
    notes sheet."""


# What the writers take: batches of rows (each a cell per column), then perhaps a note.
Batches = Iterator[list[list[str]] | Note]


class Cap(NamedTuple):
    """The first `exported` rows of `total` that matched, known before the first row."""

    exported: int
    total: int
    # The notes sheet's sentence, in the reader's language.
    note: str


@dataclass(frozen=True)
class ExportFile:
    filename: str
    ascii_filename: str
    content_type: str
    chunks: Iterator[bytes]
    cap: Cap | None = None

    def response(self) -> StreamingHttpResponse:
        """The file as a download, streamed as it is written."""
        response = StreamingHttpResponse(self.chunks, content_type=self.content_type)
        # RFC 6266: an ASCII name for older clients (quoted by Django), and the name in UTF-8.
        response["Content-Disposition"] = (
            f"{content_disposition_header(as_attachment=True, filename=self.ascii_filename)}; "
            f"filename*=UTF-8''{quote(self.filename, safe='')}"
        )
        # A file of the account's data: kept by no cache, and passed on by a proxy as it comes.
        response["Cache-Control"] = "no-store"
        response["X-Accel-Buffering"] = "no"
        if self.cap:
            response[TRUNCATED_HEADER] = f"exported={self.cap.exported}, total={self.cap.total}"
        return response


class ExportFormat:
    """The file formats an export is written in: the ending of its address (a URL converter)."""

    regex = "|".join(CONTENT_TYPES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def note(language: str | None, sentence: Callable[..., str], **values: Any) -> Note:
    with translation.override(language):
        return Note(sentence(**values))


def export_file(
    parts: Sequence[str],
    file_format: str,
    *,
    title: str,
    columns: list[Column],
    batches: Batches,
    cap: Cap | None = None,
) -> ExportFile:
    """The file named by `parts`, its cap and today's date, written in `file_format` from
    `batches`. Called by the view: the words are the request's."""
    capped = [_capped_words(cap)] if cap else []
    named = [*parts, *capped, timezone.localdate().isoformat()]
    if file_format == "csv":
        write = _csv_chunks
    else:
        write = functools.partial(_xlsx_chunks, title=title, notes_title=_("Notes"), cap=cap)
    return ExportFile(
        filename=_file_name(named, file_format),
        ascii_filename=_file_name(map(_ascii, named), file_format),
        content_type=CONTENT_TYPES[file_format],
        chunks=write(columns, batches),
        cap=cap,
    )


def _capped_words(cap: Cap) -> str:
    return pgettext("export file name", "first-%(exported)s-of-%(total)s") % {
        "exported": cap.exported,
        "total": cap.total,
    }


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


def _xlsx_chunks(
    columns: list[Column], batches: Batches, *, title: str, notes_title: str, cap: Cap | None
) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    # Set before the first row: a write-only sheet writes its views and columns first. The
    # widths fit the header and the first batch's cells.
    sheet.freeze_panes = "A2"
    first = next(batches, None)
    sample = first if isinstance(first, list) else []
    for index, column in enumerate(columns):
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = _fitting_width(
            [column.header, *(row[index] for row in sample)]
        )
    if first is not None:
        batches = itertools.chain([first], batches)
    sheet.append([_xlsx_header(sheet, column.header) for column in columns])
    cells = [
        functools.partial(_xlsx_phone_numbers if column.phone_numbers else _xlsx_text, sheet)
        for column in columns
    ]
    notes = [cap.note] if cap else []
    rows = 0
    for batch in batches:
        if isinstance(batch, Note):
            notes.append(batch)
        else:
            for row in batch:
                sheet.append([cell(value) for cell, value in zip(cells, row, strict=True)])
            rows += len(batch)
    # A write-only sheet writes its filter after its rows: its range is known by then.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"
    if notes:
        _xlsx_notes(workbook.create_sheet(notes_title), notes)
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        yield from iter(functools.partial(file.read, _STREAMED_BYTES), b"")


def _xlsx_notes(sheet: WriteOnlyWorksheet, notes: list[str]) -> None:
    """A sentence a row, wrapped in one wide column."""
    sheet.column_dimensions["A"].width = _NOTES_COLUMN
    for sentence in notes:
        cell = _xlsx_string(sheet, sentence)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.append([cell])


def _fitting_width(cells: Iterable[str]) -> int:
    """A column's width in characters for its widest cell, a Chinese character counting two
    (as a spreadsheet draws it), within bounds that keep the sheet readable."""
    widest = max((sum(map(_drawn_width, cell)) for cell in cells), default=0)
    return min(max(widest + 2, _NARROWEST_COLUMN), _WIDEST_COLUMN)


def _drawn_width(character: str) -> int:
    return 2 if unicodedata.east_asian_width(character) in "WF" else 1


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
