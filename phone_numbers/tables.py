"""django-tables2 tables over the rows of one result page, with the sentences that describe them.

tables2 defines the columns (headers, attributes, render methods); the HTML is drawn here,
without a template loop per cell. The table holds only the page's rows (its length is what it
holds); paging is the result page's and the pager's, never the table's.
"""

from __future__ import annotations

import html
import inspect
import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any, ClassVar

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy, pgettext_lazy
from django_tables2.columns import BoundColumn
from django_tables2.utils import AttributeDict

from ccc import NumberUsage, SkillGroup
from portal.alerts import ccc_words
from portal.text import grouped

from .models import AuditEvent
from .paging import ResultPage
from .selectors import IN_PROGRESS, AuditEntry

# A skill group's media as CCC names it (the English page shows CCC's own word).
MEDIA_LABELS = {
    "VOICE": pgettext_lazy("skill group media", "VOICE"),
    "ONLINE": pgettext_lazy("skill group media", "ONLINE"),
}
USAGE_LABELS = {
    NumberUsage.INBOUND: _("Inbound only"),
    NumberUsage.OUTBOUND: _("Outbound only"),
    NumberUsage.BIDIRECTION: _("Inbound and outbound"),
}

# Whole sentences, plural on `count`: a translator never splices a noun into a sentence.
NUMBERS_SHOWN = ngettext_lazy(
    "Showing %(start)s–%(end)s of %(total)s number",
    "Showing %(start)s–%(end)s of %(total)s numbers",
    "count",
)
SKILL_GROUPS_SHOWN = ngettext_lazy(
    "Showing %(start)s–%(end)s of %(total)s skill group",
    "Showing %(start)s–%(end)s of %(total)s skill groups",
    "count",
)


def _escaped(cell: Any) -> str:
    """conditional_escape's result, without its wrappers: this runs for every cell."""
    if hasattr(cell, "__html__"):
        return cell.__html__()
    return html.escape(str(cell))


def _cell_html(template: str, *values: Any) -> SafeString:
    """format_html for a cell, escaping the same way, without the checks for lazy strings
    (its own and mark_safe's) that cost more than the cell: its template is never lazy."""
    return SafeString(template.format(*map(_escaped, values)))


class ResultTable(tables.Table):
    """The rows of one result page; sorting is off because the API cannot sort.

    Each table names its rows in whole sentences: `summary_text` (the range shown) and
    Meta.empty_text (no match at all).
    """

    summary_text: ClassVar[Promise]
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
            _cell_html('<th {} scope="col">{}</th>', attrs["th"].as_html(), column.header)
            for column, attrs, _ in self._columns
        )
        if self.data:
            # One format string a row: each cell's attributes in place, braces doubled.
            td_attrs = (attrs["td"].as_html() for _, attrs, _ in self._columns)
            tds = (f"<td {td.replace('{', '{{').replace('}', '}}')}>{{}}</td>" for td in td_attrs)
            row = "<tr>\n" + "\n".join(tds) + "\n</tr>"
            body = "\n".join(row.format(*map(_escaped, cells)) for cells in self.body_rows())
        else:
            body = _cell_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self._columns), self.empty_text
            )
        return _cell_html(
            '<div class="table-container table-responsive">\n<table {}>\n'
            "<thead><tr>\n{}\n</tr></thead>\n<tbody>\n{}\n</tbody>\n</table>\n</div>",
            self.attrs.as_html(),
            SafeString(header),
            SafeString(body),  # every cell escaped above, attributes by tables2
        )

    @cached_property
    def _columns(self) -> list[tuple[BoundColumn, dict[str, AttributeDict], Callable[[Any], Any]]]:
        """The shown columns, each with its attributes (which tables2 works out anew at each
        access) and its cell renderer."""
        return [(column, column.attrs, self._renderer(column)) for column in self.columns]

    def _renderer(self, column: BoundColumn) -> Callable[[Any], Any]:
        render = column.render
        # The records are our frozen dataclasses: an attribute path, read without tables2's
        # general Accessor (dicts, callables, model fields), which costs more than the cell.
        resolve = operator.attrgetter(".".join(column.accessor.bits))
        empty_values, default = column.column.empty_values, column.default
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
        """What the results show: their range, or that nothing matches ("" past the end)."""
        result = self.result
        if result.items:
            return self.summary_text % {
                "count": result.reachable_count,
                "start": grouped(result.start_index),
                "end": grouped(result.end_index),
                "total": grouped(result.reachable_count),
            }
        return "" if result.total_count else str(self.empty_text)

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


class SelectionColumn(tables.Column):
    """A checkbox per row for the editor's selection, and "select all on this page" above
    them (shown by the script, which keeps the selection across pages)."""

    def __init__(self) -> None:
        super().__init__(accessor="number", orderable=False, attrs={"td": {"class": "select"}})

    @property
    def header(self) -> SafeString:
        return format_html(
            '<input class="form-check-input" type="checkbox" data-select-page hidden '
            'aria-label="{}">',
            _("Select all on this page"),
        )


class PhoneNumberTable(ResultTable):
    """The numbers of one page; with `selectable`, each row has a checkbox for the editor's
    selection, named by its number, in the form `#selection`."""

    selected = SelectionColumn()
    number = tables.Column(verbose_name=_("Number"), attrs={"td": {"class": "font-monospace"}})
    active = tables.Column(verbose_name=_("Status"))
    usage = tables.Column(verbose_name=_("Usage"))
    province = tables.Column(verbose_name=_("Province"))
    city = tables.Column(verbose_name=_("City"))
    contact_flow_id = tables.Column(verbose_name=_("Contact flow"))

    summary_text = NUMBERS_SHOWN

    class Meta(ResultTable.Meta):
        empty_text = _("No numbers match.")
        attrs = {**ResultTable.Meta.attrs, "aria-label": _("Phone numbers")}

    def __init__(
        self,
        result: ResultPage,
        *,
        selectable: bool = False,
        contact_flow_names: Mapping[str, str] | None = None,
    ) -> None:
        """`contact_flow_names`: flows' names by id; a flow without one shows its id."""
        self.contact_flow_names = contact_flow_names or {}
        super().__init__(result, exclude=() if selectable else ("selected",))

    @cached_property
    def _select_label(self) -> str:
        return str(_("Select %(number)s"))

    def render_selected(self, value: str) -> SafeString:
        return _cell_html(
            '<input class="form-check-input" type="checkbox" name="number" value="{}" '
            'form="selection" aria-label="{}">',
            value,
            self._select_label % {"number": value},
        )

    @cached_property
    def _status_badges(self) -> dict[bool, SafeString]:
        # Words and a symbol, so the status never depends on colour alone. Built once per
        # table, in the reader's language, not once per row.
        return {
            True: format_html('<span class="badge text-bg-success">✓ {}</span>', _("Active")),
            False: format_html('<span class="badge text-bg-secondary">✕ {}</span>', _("Inactive")),
        }

    @cached_property
    def _usage_labels(self) -> dict[str, str]:
        return {usage: str(label) for usage, label in USAGE_LABELS.items()}

    def render_active(self, value: bool) -> str:
        return self._status_badges[value]

    def render_usage(self, value: str) -> str:
        return self._usage_labels.get(value, value)

    def render_contact_flow_id(self, value: str) -> SafeString:
        """The flow's name, its id on hover; the id itself when the name is unknown."""
        name = self.contact_flow_names.get(value)
        if name is None:
            return _cell_html('<span class="font-monospace small">{}</span>', value)
        return _cell_html('<span title="{}">{}</span>', value, name)


class SkillGroupTable(ResultTable):
    # Never empty: a group without a display name is still linked, by its name.
    display_name = tables.Column(verbose_name=_("Skill group"), empty_values=())
    skill_group_id = tables.Column(
        verbose_name=_("ID"), attrs={"td": {"class": "font-monospace small"}}
    )
    media_type = tables.Column(verbose_name=_("Media"))
    phone_number_count = tables.Column(
        verbose_name=_("Numbers"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    user_count = tables.Column(
        verbose_name=_("Agents"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )

    summary_text = SKILL_GROUPS_SHOWN

    class Meta(ResultTable.Meta):
        empty_text = _("No skill groups match.")
        attrs = {**ResultTable.Meta.attrs, "aria-label": _("Skill groups")}

    def __init__(self, result: ResultPage, *, instance_id: str) -> None:
        # Links use the instance of the page's own URL, not whatever the API echoed back.
        self.instance_id = instance_id
        super().__init__(result)

    def render_display_name(self, record: SkillGroup) -> str:
        url = reverse(
            "phone_numbers:number_list",
            kwargs={"instance_id": self.instance_id, "skill_group_id": record.skill_group_id},
        )
        return _cell_html('<a href="{}">{}</a>', url, record.display_name or record.name)

    @cached_property
    def _media_labels(self) -> dict[str, str]:
        return {media: str(label) for media, label in MEDIA_LABELS.items()}

    def render_media_type(self, value: str) -> str:
        return self._media_labels.get(value, value)


# -- the audit trail ---------------------------------------------------------------------------

AUDIT_EVENTS_SHOWN = ngettext_lazy(
    "Showing %(start)s–%(end)s of %(total)s event",
    "Showing %(start)s–%(end)s of %(total)s events",
    "count",
)
# The numbers a row names before "…"; the count says how many there are in all.
AUDIT_NUMBERS_SHOWN = 3
# Words and a symbol for each outcome, so none depends on colour alone.
AUDIT_OUTCOMES = {
    AuditEvent.Outcome.DONE: ("✓", _("Done"), "text-bg-success"),
    AuditEvent.Outcome.PARTLY_DONE: ("◐", _("Partly done"), "text-bg-warning"),
    AuditEvent.Outcome.FAILED: ("✕", _("Failed"), "text-bg-danger"),
    AuditEvent.Outcome.UNKNOWN: ("?", _("Unknown"), "text-bg-secondary"),
    AuditEvent.Outcome.REFUSED: ("⊘", _("Refused"), "text-bg-dark"),
    IN_PROGRESS: ("…", _("In progress"), "text-bg-info"),
}
_SECONDARY = "small text-body-secondary"
# A refusal is recorded with the log's English reason (phone_numbers.views, .services,
# portal.auth); the trail says the reasons it knows in the reader's language, others as recorded.
REFUSAL_REASONS = (
    (re.compile(r"not an editor"), _("The user is not an editor.")),
    (re.compile(r"the confirmation has expired"), _("The confirmation had expired.")),
    (
        re.compile(r"the confirmation is not one this server made"),
        _("The confirmation was not one this server made."),
    ),
    (
        re.compile(r"the confirmation is for another user or skill group"),
        _("The confirmation was made for another user or skill group."),
    ),
    (
        re.compile(r"confirmation submitted again \(attempt (?P<attempt>\d+)\)"),
        _("The confirmation had been submitted before (action %(attempt)s)."),
    ),
    (
        re.compile(r"instance (?P<instance>\S+) is outside the user's scope"),
        _("Instance %(instance)s is not one the user may see."),
    ),
)
# What the client says itself when CCC gave no answer of its own: not CCC's words.
OWN_ERRORS = {
    "Timeout": _("CCC did not answer in time."),
    "ConnectionError": _("CCC could not be reached."),
    "InvalidResponse": _("CCC's answer could not be read."),
    "WriteBudgetExhausted": _("The action ran out of time before these were sent."),
}


def refusal_reason(recorded: str) -> str:
    """A refusal's recorded reason in the reader's language, where it is one we know."""
    for pattern, text in REFUSAL_REASONS:
        if match := pattern.fullmatch(recorded):
            return str(text) % match.groupdict()
    return recorded


class AuditEventTable(ResultTable):
    """The audit trail: one row per action (with what came of it) or refusal, newest first.

    Times are the deployment's (settings.TIME_ZONE), with the zone's abbreviation.
    """

    created_at = tables.Column(verbose_name=_("Time"))
    username = tables.Column(verbose_name=_("User"))
    client_address = tables.Column(
        verbose_name=_("Client address"), attrs={"td": {"class": "font-monospace small"}}
    )
    skill_group_name = tables.Column(verbose_name=_("Skill group"), empty_values=())
    instance_id = tables.Column(verbose_name=_("Instance"))
    action = tables.Column(
        verbose_name=_("Action"), empty_values=(), attrs={"td": {"class": "audit-wrap"}}
    )
    numbers = tables.Column(
        verbose_name=_("Numbers"), empty_values=(), attrs={"td": {"class": "audit-wrap"}}
    )
    outcome = tables.Column(verbose_name=_("Outcome"), attrs={"td": {"class": "audit-wrap"}})
    request_ids = tables.Column(
        verbose_name=_("CCC RequestIds"),
        empty_values=(),
        attrs={"td": {"class": "font-monospace small audit-ids"}},
    )

    summary_text = AUDIT_EVENTS_SHOWN

    class Meta(ResultTable.Meta):
        empty_text = _("No audit events match.")
        attrs = {**ResultTable.Meta.attrs, "aria-label": _("Audit events")}

    @cached_property
    def _zone(self) -> tzinfo:
        return timezone.get_default_timezone()

    @cached_property
    def _outcome_badges(self) -> dict[str, SafeString]:
        return {
            outcome: format_html('<span class="badge {}">{} {}</span>', style, symbol, label)
            for outcome, (symbol, label, style) in AUDIT_OUTCOMES.items()
        }

    @cached_property
    def _action_labels(self) -> dict[str, str]:
        return {"link": str(_("Link")), "unlink": str(_("Unlink"))}

    def _time(self, value: datetime) -> SafeString:
        """The local time with its zone, on two lines (day, then time): a narrow column."""
        local = timezone.localtime(value, self._zone)
        return format_html(
            '<time datetime="{}">{} <span class="d-block">{}</span></time>',
            local.isoformat(timespec="seconds"),
            local.strftime("%Y-%m-%d"),
            local.strftime("%H:%M:%S %Z"),
        )

    def render_created_at(self, record: AuditEntry) -> SafeString:
        """The time, linking an action to its own page (all its numbers, Undo)."""
        if record.attempt_id is None:
            return self._time(record.created_at)
        url = reverse("phone_numbers:action_detail", args=[record.attempt_id])
        return format_html('<a href="{}">{}</a>', url, self._time(record.created_at))

    def render_username(self, record: AuditEntry) -> SafeString:
        if record.email and record.email != record.username:
            return format_html(
                '{} <div class="{}">{}</div>', record.username, _SECONDARY, record.email
            )
        return format_html("{}", record.username)

    def render_skill_group_name(self, record: AuditEntry) -> SafeString | str:
        if not record.skill_group_id:
            return "—"
        url = reverse(
            "phone_numbers:number_list",
            kwargs={"instance_id": record.instance_id, "skill_group_id": record.skill_group_id},
        )
        return format_html(
            '<a href="{}">{}</a> <div class="{} font-monospace">{}</div>',
            url,
            record.skill_group_name or record.skill_group_id,
            _SECONDARY,
            record.skill_group_id,
        )

    def render_action(self, record: AuditEntry) -> SafeString | str:
        if record.undoes_created_at is not None:
            undone = {
                "time": format_html(
                    '<span class="d-block {}">{}</span>',
                    _SECONDARY,
                    self._time(record.undoes_created_at),
                )
            }
            if record.undoes_action == "unlink":
                return format_html(_("Undo of the unlink of {time}"), **undone)
            return format_html(_("Undo of the link of {time}"), **undone)
        return self._action_labels.get(record.action, record.action or "—")

    def render_numbers(self, record: AuditEntry) -> SafeString | str:
        count = len(record.numbers)
        if not count:
            return "—"
        shown = ", ".join(record.numbers[:AUDIT_NUMBERS_SHOWN])
        if count > AUDIT_NUMBERS_SHOWN:
            shown += ", …"
        sentence = ngettext("{count} number: {numbers}", "{count} numbers: {numbers}", count)
        return format_html(
            sentence,
            count=grouped(count),
            numbers=format_html(
                '<span class="d-block {} font-monospace">{}</span>', _SECONDARY, shown
            ),
        )

    def render_outcome(self, record: AuditEntry) -> SafeString:
        badge = self._outcome_badges.get(record.outcome) or format_html(
            '<span class="badge text-bg-secondary">{}</span>', record.outcome
        )
        lines = audit_outcome_details(record)
        details = format_html_join(
            " ", '<div class="{}">{}</div>', ((_SECONDARY, line) for line in lines)
        )
        return format_html("{} {}", badge, details) if lines else badge

    def render_request_ids(self, record: AuditEntry) -> SafeString | str:
        lines = []
        if record.error_code:
            lines.append(format_html(_("Error: {code}"), code=_breakable(record.error_code)))
        lines.extend(map(_breakable, record.request_ids))
        if not lines:
            return "—"
        return format_html_join(" ", "<div>{}</div>", ((line,) for line in lines))


def audit_outcome_details(
    record: AuditEntry, *, said: Callable[[str], str] = ccc_words
) -> list[str]:
    """What the outcome column says under an entry's outcome, in words: the table's lines and
    the export's cell. `said` quotes CCC's own words (as HTML by default)."""
    lines = []
    if record.outcome in (AuditEvent.Outcome.PARTLY_DONE, AuditEvent.Outcome.UNKNOWN) and (
        record.outcome_recorded
    ):
        lines.append(
            _("%(done)s done, %(not_done)s not done, %(unknown)s unknown")
            % {
                "done": grouped(len(record.done)),
                "not_done": grouped(len(record.not_done)),
                "unknown": grouped(len(record.unknown)),
            }
        )
    if record.outcome == AuditEvent.Outcome.UNKNOWN and not record.outcome_recorded:
        lines.append(_("No outcome was recorded: the action may have stopped midway."))
    if record.outcome == AuditEvent.Outcome.REFUSED:
        if record.detail:
            lines.append(refusal_reason(record.detail))
    elif record.error_code in OWN_ERRORS:
        lines.append(OWN_ERRORS[record.error_code])
    elif record.detail:
        lines.append(said(record.detail))
    return lines


def _breakable(identifier: str) -> SafeString:
    """An id that may break after its dashes and dots (where one reads it), never inside a
    part; copied, it is the same id (<wbr> adds no character)."""
    escaped = html.escape(identifier)
    return mark_safe(escaped.replace("-", "-<wbr>").replace(".", ".<wbr>"))  # noqa: S308
