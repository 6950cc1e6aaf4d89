"""The table every list page draws: django-tables2 columns over the rows of one result page,
drawn without a template loop per cell, and the same columns as an export's cells.

tables2 defines the columns (headers, attributes, render and value methods). The HTML is drawn
here; paging is the result page's and the pager's, never the table's. A table owns its export:
`export_columns` and `export_row` take the same columns in their order (those with
`visible=False` only in files, `exclude_from_export` ones only on the page), each cell from the
column's `value_<name>` method where the table has one, so a column added once shows in the page,
the CSV and the XLSX.
"""

from __future__ import annotations

import html
import inspect
import operator
from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar

import django_tables2 as tables
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import ngettext_lazy
from django_tables2.columns import BoundColumn
from django_tables2.utils import AttributeDict

from .exports import Column
from .paging import ResultPage
from .text import grouped

# The column options `html()` applies; any other is refused rather than silently dropped.
_DRAWN_ATTRS = frozenset({"th", "td"})

Renderer = Callable[[Any], Any]


def _escaped(cell: Any) -> str:
    """conditional_escape's result, without its wrappers: this runs for every cell."""
    if hasattr(cell, "__html__"):
        return cell.__html__()
    return html.escape(str(cell))


def cell_html(template: str, *values: Any) -> SafeString:
    """format_html for a cell, escaping the same way, without the checks for lazy strings
    (its own and mark_safe's) that cost more than the cell: its template is never lazy."""
    return SafeString(template.format(*map(_escaped, values)))


class ResultTable(tables.Table):
    """The rows of one result page; sorting is off because the API cannot sort.

    Each table names its rows in whole sentences: `summary_text` (the range shown) and
    Meta.empty_text (no match at all). For its export it names the columns of phone numbers
    (`export_phone_numbers`: written exactly, as text cells).
    """

    summary_text: ClassVar[Promise]
    export_phone_numbers: ClassVar[frozenset[str]] = frozenset()
    # The same for every list, so it names no rows.
    truncated_text = ngettext_lazy(
        "Only the first %(reachable)s of %(total)s match can be listed. "
        "Narrow the search to reach the rest.",
        "Only the first %(reachable)s of %(total)s matches can be listed. "
        "Narrow the search to reach the rest.",
        "count",
    )

    def __init__(self, result: ResultPage, **kwargs: Any) -> None:
        super().__init__(list(result.items), orderable=False, **kwargs)
        self.result = result

    class Meta:
        # The look `html()` draws (tables2's own rendering of it is the tests' reference).
        template_name = "django_tables2/bootstrap5-responsive.html"
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}

    @classmethod
    def for_export(cls, **kwargs: Any) -> ResultTable:
        """The table as an export uses it: its columns, without a page of rows."""
        return cls(ResultPage(items=(), page=1, per_page=1, total_count=0), **kwargs)

    def body_rows(self) -> list[list[Any]]:
        """Each row's cell contents, worked out as django-tables2's `BoundRow.get_cell` does
        (accessor, empty values and default, the render method), but with each column's call
        decided once per table: tables2 inspects the render method's signature again for every
        cell, which was most of a swap's time."""
        renders = [render for _, _, render in self._columns]
        return [[render(record) for render in renders] for record in self.data]

    def html(self) -> SafeString:
        """The table as django-tables2's Bootstrap 5 template draws it (its column headers and
        attributes), built here: a template loop cost more per cell than the cell itself, and
        the rows are what a swap is made of."""
        header = "\n".join(
            cell_html('<th {} scope="col">{}</th>', attrs["th"].as_html(), column.header)
            for column, attrs, _ in self._columns
        )
        if self.data:
            # One format string a row: each cell's attributes in place, braces doubled.
            td_attrs = (attrs["td"].as_html() for _, attrs, _ in self._columns)
            tds = (f"<td {td.replace('{', '{{').replace('}', '}}')}>{{}}</td>" for td in td_attrs)
            row = "<tr>\n" + "\n".join(tds) + "\n</tr>"
            body = "\n".join(row.format(*map(_escaped, cells)) for cells in self.body_rows())
        else:
            body = cell_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self._columns), self.empty_text
            )
        return cell_html(
            '<div class="table-container table-responsive">\n<table {}>\n'
            "<thead><tr>\n{}\n</tr></thead>\n<tbody>\n{}\n</tbody>\n</table>\n</div>",
            self.attrs.as_html(),
            SafeString(header),
            SafeString(body),  # every cell escaped above, attributes by tables2
        )

    @cached_property
    def _columns(self) -> list[tuple[BoundColumn, dict[str, AttributeDict], Renderer]]:
        """The shown columns, each with its attributes (which tables2 works out anew at each
        access) and its cell renderer."""
        for column in self.columns:
            _refuse_what_html_ignores(self, column)
        return [
            (column, column.attrs, self._cell(column, column.render)) for column in self.columns
        ]

    def export_columns(self) -> list[Column]:
        """The columns of an export: header and whether they hold phone numbers."""
        return [
            Column(str(column.header), phone_numbers=column.name in self.export_phone_numbers)
            for column in self._export_bound_columns
        ]

    def export_row(self) -> Callable[[Any], list[str]]:
        """A record's cells in an export, in the reader's language (decided once, not per row):
        the column's `value_<name>` where the table has one, else its value as text."""
        values = [
            self._cell(column, getattr(self, f"value_{column.name}", None) or _text, empty="")
            for column in self._export_bound_columns
        ]
        return lambda record: [value(record) for value in values]

    @cached_property
    def _export_bound_columns(self) -> list[BoundColumn]:
        return [
            column for column in self.columns.iterall() if not column.column.exclude_from_export
        ]

    def _cell(
        self, column: BoundColumn, render: Callable[..., Any], *, empty: object = None
    ) -> Renderer:
        """A cell of `column` from a record: its value through `render`, or `empty` (by
        default the column's default) where the value is empty. `render` is called with what
        its signature asks for (value, record, table, column), as tables2 does, but inspected
        once per table."""
        # The records are our frozen dataclasses: an attribute path, read without tables2's
        # general Accessor (dicts, callables, model fields), which costs more than the cell.
        resolve = operator.attrgetter(".".join(column.accessor.bits))
        empty_values = column.column.empty_values
        default = column.default if empty is None else empty
        if getattr(render, "__func__", None) is tables.Column.render:
            # tables2's own render shows the value as it is: no call per cell.
            return lambda record: default if (value := resolve(record)) in empty_values else value
        wanted = inspect.signature(render).parameters
        fixed = {"table": self, "column": column.column, "bound_column": column}
        fixed = {name: value for name, value in fixed.items() if name in wanted}
        wants_value, wants_record = "value" in wanted, "record" in wanted

        def cell(record: Any) -> Any:
            value = resolve(record)
            if value in empty_values:
                return default
            arguments = dict(fixed)
            if wants_value:
                arguments["value"] = value
            if wants_record:
                arguments["record"] = record
            return render(**arguments)

        return cell

    def summary(self) -> str:
        """The range the results show of all that match (beyond the reach of the API too), or
        "" when they show none: the page's empty state or alert says why."""
        result = self.result
        if not result.items:
            return ""
        return self.summary_text % {
            "count": result.total_count,
            "start": grouped(result.start_index),
            "end": grouped(result.end_index),
            "total": grouped(result.total_count),
        }

    def truncation_notice(self) -> str:
        """How many match beyond the API's reach, or "" when every match can be listed."""
        result = self.result
        if not result.is_truncated:
            return ""
        return self.truncated_text % {
            "count": result.total_count,
            "total": grouped(result.total_count),
            "reachable": grouped(result.reachable_count),
        }


def _text(value: Any) -> str:
    return str(value)


def _refuse_what_html_ignores(table: ResultTable, column: BoundColumn) -> None:
    """`html()` draws headers, cells and their th/td attributes, nothing else of tables2's
    column options: a column asking for more would be drawn without it, silently."""
    options = column.column
    ignored = sorted(set(options.attrs) - _DRAWN_ATTRS)
    if getattr(options, "link", None) is not None:
        ignored.append("linkify")
    if options._footer is not None:
        ignored.append("footer")
    if options.localize is not None:
        ignored.append("localize")
    if ignored:
        raise ImproperlyConfigured(
            f"column {column.name!r} of {type(table).__name__} asks for "
            f"{', '.join(ignored)}, which ResultTable.html() does not draw: render it in a "
            "render_<column> method instead"
        )
