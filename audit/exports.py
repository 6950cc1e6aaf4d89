"""The audit trail as a file: the events the page's filters match, newest first, in the columns
of its table (`AuditEventTable`), read from the database a chunk at a time, at most
AUDIT_EXPORT_MAX_ROWS. A cut is said in the file's last row."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exports import Batches, ExportFile, export_file, note
from portal.text import grouped

from . import selectors
from .selectors import AUDIT_ROWS_CHUNK, AuditEntry
from .tables import AuditEventTable

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
    return export_file(
        ["audit-trail", filters.get("instance_id", ""), filters.get("skill_group_id", "")],
        file_format,
        title=_("Audit trail"),
        columns=table.export_columns(),
        batches=_audit_batches(total, entries, table.export_row()),
    )


def _audit_batches(
    total: int, entries: Iterator[AuditEntry], row: Callable[[AuditEntry], list[str]]
) -> Batches:
    language = translation.get_language()
    written = 0
    while chunk := list(itertools.islice(entries, AUDIT_ROWS_CHUNK)):
        yield [row(entry) for entry in chunk]
        written += len(chunk)
    if total > written:
        yield note(language, _audit_cut, exported=written, total=total)


def _audit_cut(*, exported: int, total: int) -> str:
    return ngettext(
        "Only the newest %(exported)s of %(total)s matching event are exported. Narrow the "
        "filters to export the rest.",
        "Only the newest %(exported)s of %(total)s matching events are exported. Narrow the "
        "filters to export the rest.",
        total,
    ) % {"exported": grouped(exported), "total": grouped(total)}
