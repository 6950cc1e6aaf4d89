"""The numbers view as a file: every row it reaches, as CSV or XLSX (`portal.exports`), in the
columns of its table (`PhoneNumberTable`), streamed while the rows arrive.

- What: the view, search and filters of the page (never a page of them), asked of CCC afresh in
  API pages of 100, CCC_EXPORT_PAGES_IN_FLIGHT at a time and written in order, at most the API's
  10,000. The first page's total tells whether they are cut before the first byte: a `Cap`, said
  in the file's name, a response header and an XLSX's notes sheet, never among the rows.
- Named by instance, skill group, view and search, in the reader's words
  (`ccc-test_售后服务_可关联_搜索-0833_2026-12-07.xlsx`).
- Failures: the first page (with the skill group and the flow names) is read before the response
  starts, under the request's budget like any page, so a CCC error there is the usual error
  page; a later one ends a CSV with a line saying it is incomplete, and why (the rows before it
  are sent), and is said on an XLSX's notes sheet.
- The budget: a streamed body is written after its view has returned, when the request's budget
  is over. The export's own, CCC_EXPORT_BUDGET, starts once the first page is in, and the
  context holding it goes with every page read after (`reading.in_order`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from ccc import CccError, Page, PhoneNumber
from ccc.budget import budget
from ccc.wire import MAX_PAGE_SIZE
from portal.exports import Batches, Cap, ExportFile, export_file, note
from portal.paging import MAX_REACHABLE_ROWS
from portal.text import grouped

from . import number_selectors, reading, selectors
from .queries import InstanceNumbersQuery, NumbersQuery
from .tables import InstanceNumberTable, PhoneNumberTable


def phone_number_export(*, numbers: NumbersQuery, file_format: str) -> ExportFile:
    """Every number of the view CCC can list (its first 10,000), with status and usage in words
    and each contact flow's name beside its id."""
    list_page = functools.partial(selectors.phone_number_api_page, numbers=numbers)
    instance_id = numbers.instance_id
    # Before the response starts, under the request's budget: what a page would wait.
    read = reading.side_by_side(
        first=functools.partial(list_page, page_number=1),
        skill_group=functools.partial(
            selectors.skill_group_get,
            instance_id=instance_id,
            skill_group_id=numbers.skill_group_id,
        ),
        flow_names=functools.partial(selectors.contact_flow_names, instance_id=instance_id),
    )
    first: Page[PhoneNumber] = read["first"]
    group = read["skill_group"]
    if not numbers.linked and not group.is_voice:
        # As on the page: no number is offered to a group of another medium.
        first = dataclasses.replace(first, items=(), total_count=0)
    return _listing_export(
        first,
        list_page,
        PhoneNumberTable.for_export(contact_flow_names=read["flow_names"]),
        _file_name_parts(numbers, group.display_name or group.name),
        file_format,
    )


def instance_number_export(*, numbers: InstanceNumbersQuery, file_format: str) -> ExportFile:
    """Every number of the instance the query matches (its first 10,000), with the skill
    groups each serves; an agent is named by its user id (naming each would cost a call)."""
    list_page = functools.partial(number_selectors.instance_number_api_page, numbers=numbers)
    first = list_page(page_number=1)  # before the response starts, under the request's budget
    parts = [numbers.instance_id, pgettext("export file name", "numbers")]
    if numbers.search:
        parts.append(pgettext("export file name", "search-%(search)s") % {"search": numbers.search})
    return _listing_export(first, list_page, InstanceNumberTable.for_export(), parts, file_format)


def _listing_export(
    first: Page[Any],
    list_page: Callable[..., Page[Any]],
    table: PhoneNumberTable,
    name_parts: list[str],
    file_format: str,
) -> ExportFile:
    """The file of a listing whose first page is in: the rest read in order, side by side,
    under the export's own budget, each row in the table's export columns."""
    pages = -(-min(first.total_count, MAX_REACHABLE_ROWS) // MAX_PAGE_SIZE)
    with budget(settings.CCC_EXPORT_BUDGET):
        rest = reading.in_order(
            (functools.partial(list_page, page_number=n) for n in range(2, pages + 1)),
            in_flight=settings.CCC_EXPORT_PAGES_IN_FLIGHT,
        )
    cap = None
    if first.total_count > MAX_REACHABLE_ROWS:
        cap = Cap(
            exported=MAX_REACHABLE_ROWS,
            total=first.total_count,
            note=_numbers_cut(exported=MAX_REACHABLE_ROWS, total=first.total_count),
        )
    return export_file(
        name_parts,
        file_format,
        title=_("Numbers"),
        columns=table.export_columns(),
        batches=_number_batches(first, rest, table.export_row()),
        cap=cap,
    )


def _file_name_parts(numbers: NumbersQuery, group_name: str) -> list[str]:
    """The instance, the group, the view and the search (if any), in the reader's words."""
    if numbers.linked:
        view = pgettext("export file name", "linked")
    else:
        view = pgettext("export file name", "eligible")
    parts = [numbers.instance_id, group_name, view]
    if numbers.search:
        parts.append(pgettext("export file name", "search-%(search)s") % {"search": numbers.search})
    return parts


def _number_batches(
    first: Page[Any], rest: Iterator[Page[Any]], row: Callable[..., list[str]]
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
            yield note(language, _incomplete, error=error, written=written, total=reachable)


# -- notes: whole sentences, in the reader's language (a failure's comes after the view) -------


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
