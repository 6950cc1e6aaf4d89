"""The audit trail as a file: the events the page's filters match, newest first, in the columns
of its table (`AuditEventTable`), read from the database a chunk at a time, at most
AUDIT_EXPORT_MAX_ROWS. A cut (known from the count, before the first row) is said as the
numbers export says it (`portal.exports.Cap`): in the file's name, a response header and an
XLSX's notes sheet, never among the rows. A database failure after the first row (`Note`)
ends a CSV with a line saying it is incomplete, and is said on an XLSX's notes sheet."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exports import Batches, Cap, ExportFile, export_file, note
from portal.text import grouped

from . import selectors
from .selectors import AUDIT_ROWS_CHUNK, AuditEntry
from .tables import AuditEventTable

logger = logging.getLogger(__name__)

# The database reaches every event; a file stops somewhere a spreadsheet still opens.
AUDIT_EXPORT_MAX_ROWS = 100_000


def audit_export(
    *, visible_instances: frozenset[str] | None, file_format: str, **filters: Any
) -> ExportFile:
    """The trail's events the filters match (those of `selectors.audit_event_list`)."""
    total, entries = selectors.audit_event_rows(
        visible_instances=visible_instances, limit=AUDIT_EXPORT_MAX_ROWS, **filters
    )
    table = AuditEventTable.for_export()
    cap = None
    if total > AUDIT_EXPORT_MAX_ROWS:
        cap = Cap(
            exported=AUDIT_EXPORT_MAX_ROWS,
            total=total,
            note=_audit_cut(exported=AUDIT_EXPORT_MAX_ROWS, total=total),
        )
    return export_file(
        [
            "audit-trail",
            filters.get("instance_id", ""),
            filters.get("skill_group", ""),
            filters.get("number", ""),
        ],
        file_format,
        title=_("Audit trail"),
        columns=table.export_columns(),
        batches=_audit_batches(
            entries,
            table.export_row(),
            total=min(total, AUDIT_EXPORT_MAX_ROWS),
            language=translation.get_language(),
        ),
        cap=cap,
    )


def _audit_batches(
    entries: Iterator[AuditEntry],
    row: Callable[[AuditEntry], list[str]],
    *,
    total: int,
    language: str | None,
) -> Batches:
    """The rows a chunk at a time, read as they are written, after the view has returned: a
    failure's note is written in `language`, the request's."""
    written = 0
    try:
        while chunk := list(itertools.islice(entries, AUDIT_ROWS_CHUNK)):
            yield [row(entry) for entry in chunk]
            written += len(chunk)
    except DatabaseError:
        logger.exception("audit export failed after %d of %d events", written, total)
        yield note(language, _audit_incomplete, written=written, total=total)


def _audit_incomplete(*, written: int, total: int) -> str:
    return ngettext(
        "The export is incomplete: reading the audit trail failed after %(written)s of "
        "%(total)s event. Export again to get every event.",
        "The export is incomplete: reading the audit trail failed after %(written)s of "
        "%(total)s events. Export again to get every event.",
        total,
    ) % {"written": grouped(written), "total": grouped(total)}


def _audit_cut(*, exported: int, total: int) -> str:
    return ngettext(
        "Only the newest %(exported)s of %(total)s matching event are exported. Narrow the "
        "filters to export the rest.",
        "Only the newest %(exported)s of %(total)s matching events are exported. Narrow the "
        "filters to export the rest.",
        total,
    ) % {"exported": grouped(exported), "total": grouped(total)}
