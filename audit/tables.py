"""The audit page's table: one row per action (with what came of it) or refusal, and the same
columns in its exports. Outcome, action and refusal words are said here, in the reader's
language."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from functools import cached_property

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.alerts import ccc_words
from portal.ccc_errors import own_error, stopped_midway
from portal.tables import ResultTable
from portal.text import grouped, listed, local_moment, moment_text

from . import links
from .models import AuditEvent
from .refusals import refusal_words
from .selectors import IN_PROGRESS, AuditEntry

AUDIT_EVENTS_SHOWN = ngettext_lazy(
    "Showing %(start)s–%(end)s of %(total)s event",
    "Showing %(start)s–%(end)s of %(total)s events",
    "count",
)
# The numbers a row names before "…"; the count says how many there are in all.
AUDIT_NUMBERS_SHOWN = 3
# Words and a symbol for each outcome, so none depends on colour alone.
Outcome = AuditEvent.Outcome
AUDIT_OUTCOMES = {
    Outcome.DONE: ("✓", Outcome.DONE.label, "text-bg-success"),
    Outcome.PARTLY_DONE: ("◐", Outcome.PARTLY_DONE.label, "text-bg-warning"),
    Outcome.FAILED: ("✕", Outcome.FAILED.label, "text-bg-danger"),
    Outcome.UNKNOWN: ("?", Outcome.UNKNOWN.label, "text-bg-secondary"),
    Outcome.REFUSED: ("⊘", Outcome.REFUSED.label, "text-bg-dark"),
    IN_PROGRESS: ("…", _("In progress"), "text-bg-info"),
}
_SECONDARY = "small text-body-secondary"


class AuditEventTable(ResultTable):
    """The audit trail: one row per action (with what came of it) or refusal, newest first.

    Times are the deployment's (settings.TIME_ZONE), with the zone's abbreviation.
    """

    created_at = tables.Column(verbose_name=_("Time"))
    username = tables.Column(verbose_name=_("User"))
    email = tables.Column(verbose_name=_("Email"), visible=False)
    client_address = tables.Column(
        verbose_name=_("Client address"), attrs={"td": {"class": "font-monospace small"}}
    )
    skill_group_name = tables.Column(verbose_name=_("Skill group"), empty_values=())
    skill_group_id = tables.Column(verbose_name=_("Skill group ID"), empty_values=(), visible=False)
    instance_id = tables.Column(verbose_name=_("Instance"))
    action = tables.Column(
        verbose_name=_("Action"), empty_values=(), attrs={"td": {"class": "audit-wrap"}}
    )
    numbers = tables.Column(
        verbose_name=_("Numbers"), empty_values=(), attrs={"td": {"class": "audit-wrap"}}
    )
    outcome = tables.Column(verbose_name=_("Outcome"), attrs={"td": {"class": "audit-wrap"}})
    details = tables.Column(
        verbose_name=_("Details"), accessor="outcome", empty_values=(), visible=False
    )
    error_code = tables.Column(verbose_name=_("Error code"), visible=False)
    request_ids = tables.Column(
        verbose_name=_("CCC RequestIds"),
        empty_values=(),
        attrs={"td": {"class": "font-monospace small audit-ids"}},
    )

    summary_text = AUDIT_EVENTS_SHOWN
    export_phone_numbers = frozenset({"numbers"})

    class Meta(ResultTable.Meta):
        empty_text = _("No audit events match.")
        attrs = {**ResultTable.Meta.attrs, "aria-label": _("Audit events")}

    @cached_property
    def _outcome_badges(self) -> dict[str, SafeString]:
        return {
            outcome: format_html('<span class="badge {}">{} {}</span>', style, symbol, label)
            for outcome, (symbol, label, style) in AUDIT_OUTCOMES.items()
        }

    @cached_property
    def _action_labels(self) -> dict[str, str]:
        return {action: str(label) for action, label in AuditEvent.Action.choices}

    @cached_property
    def _outcome_labels(self) -> dict[str, str]:
        return {outcome: str(label) for outcome, (_s, label, _c) in AUDIT_OUTCOMES.items()}

    @cached_property
    def _ccc_says(self) -> str:
        return gettext("CCC says:")

    def _time(self, value: datetime) -> SafeString:
        """The local time with its zone, on two lines (day, then time): a narrow column."""
        day, time, zone = local_moment(value)
        return format_html(
            '<time datetime="{}">{} <span class="d-block">{} {}</span></time>',
            timezone.localtime(value).isoformat(timespec="seconds"),
            day,
            time,
            zone,
        )

    def render_created_at(self, record: AuditEntry) -> SafeString:
        """The time, linking an action to its own page (all its numbers, Undo)."""
        if record.attempt_id is None:
            return self._time(record.created_at)
        url = links.action_url(record.attempt_id)
        return format_html('<a href="{}">{}</a>', url, self._time(record.created_at))

    def render_username(self, record: AuditEntry) -> SafeString:
        if record.email and record.email != record.username:
            return format_html(
                '{} <div class="{}">{}</div>', record.username, _SECONDARY, record.email
            )
        return format_html("{}", record.username)

    def render_skill_group_name(self, record: AuditEntry) -> SafeString | str:
        """Each skill group the entry names, linked, with its id under its name."""
        if not record.groups:
            return "—"
        group = '<a href="{}">{}</a> <div class="{} font-monospace">{}</div>'
        if len(record.groups) > 1:
            group = f"<div>{group}</div>"
        return format_html_join(
            " ",
            group,
            (
                (
                    links.skill_group_url(record.instance_id, group_id),
                    name or group_id,
                    _SECONDARY,
                    group_id,
                )
                for group_id, name in record.groups
            ),
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

    # -- the export's cells: text, in the reader's language ------------------------------------

    def value_created_at(self, value: datetime) -> str:
        return moment_text(value)

    def value_action(self, record: AuditEntry) -> str:
        if record.undoes_created_at is not None:
            if record.undoes_action == "unlink":
                undo = gettext("Undo of the unlink of {time}")
            else:
                undo = gettext("Undo of the link of {time}")
            return undo.format(time=moment_text(record.undoes_created_at))
        return self._action_labels.get(record.action, record.action)

    def value_skill_group_name(self, record: AuditEntry) -> str:
        return listed(name for _, name in record.groups)

    def value_skill_group_id(self, record: AuditEntry) -> str:
        return " ".join(group_id for group_id, _ in record.groups)

    def value_numbers(self, value: tuple[str, ...]) -> str:
        return " ".join(value)

    def value_outcome(self, value: str) -> str:
        return self._outcome_labels.get(value, value)

    def value_details(self, record: AuditEntry) -> str:
        """The outcome's lines, a line each as the page shows them."""
        return "\n".join(
            audit_outcome_details(record, said=lambda message: f"{self._ccc_says} “{message}”")
        )

    def value_request_ids(self, value: tuple[str, ...]) -> str:
        return " ".join(value)


def audit_outcome_details(
    record: AuditEntry, *, said: Callable[[str], str] = ccc_words
) -> list[str]:
    """What the outcome column says under an entry's outcome, in words: the table's lines and
    the export's cell. `said` quotes CCC's own words (as HTML by default). Each line is text in
    the reader's language now, never a lazy translation: the export joins them as text."""
    lines = []
    if record.outcome in (AuditEvent.Outcome.PARTLY_DONE, AuditEvent.Outcome.UNKNOWN) and (
        record.outcome_recorded
    ):
        lines.append(
            gettext("%(done)s done, %(not_done)s not done, %(unknown)s unknown")
            % {
                "done": grouped(len(record.done)),
                "not_done": grouped(len(record.not_done)),
                "unknown": grouped(len(record.unknown)),
            }
        )
    if record.outcome == AuditEvent.Outcome.UNKNOWN and not record.outcome_recorded:
        lines.append(stopped_midway(len(record.numbers)))
    if record.outcome == AuditEvent.Outcome.REFUSED:
        if record.refusal or record.detail:
            lines.append(refusal_words(record.refusal, record.detail))
    elif own := own_error(record.error_code):
        lines.append(own)
    elif record.detail:
        lines.append(said(record.detail))
    return lines


def _breakable(identifier: str) -> SafeString:
    """An id that may break after its dashes and dots (where one reads it), never inside a
    part; copied, it is the same id (<wbr> adds no character)."""
    escaped = html.escape(identifier)
    return mark_safe(escaped.replace("-", "-<wbr>").replace(".", ".<wbr>"))  # noqa: S308
