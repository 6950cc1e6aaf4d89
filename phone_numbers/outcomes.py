"""What an action did, number by number, in whole sentences: what was done, what was not and
why, what is unknown. Recorded in the audit trail, and read back from it for the action's page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit import recording
from audit.models import AuditEvent
from portal.text import grouped

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome


@dataclass
class ActionOutcome:
    """What an action did, number by number, and why the rest was not done."""

    attempt: AuditEvent
    done: list[str] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    # The first error CCC gave for numbers not done (or unknown), with its message.
    error_code: str = ""
    error_message: str = ""
    error_request_id: str = ""
    # "All matching": how many matched when confirmed, and when the action ran.
    expected_count: int | None = None
    matched_count: int | None = None
    # Whether the trail holds its outcome: read back without one, the action is still
    # running or stopped midway.
    recorded: bool = True

    @property
    def outcome(self) -> Outcome:
        if self.done and not (self.not_done or self.unknown):
            return Outcome.DONE
        if self.done:
            return Outcome.PARTLY_DONE
        if self.unknown:
            return Outcome.UNKNOWN
        return Outcome.FAILED

    @property
    def total(self) -> int:
        return len(self.done) + len(self.not_done) + len(self.unknown)

    def sentences(self) -> list[str]:
        """What happened, in whole sentences: what was done, what was not and why, what is
        unknown, and a count that changed since the confirmation."""
        group = self.attempt.skill_group_name or self.attempt.skill_group_id
        linking = self.attempt.action == Action.LINK
        done, total = len(self.done), self.total
        values = {"group": group, "done": grouped(done), "total": grouped(total)}
        sentences = []
        if self.matched_count is not None and self.matched_count != self.expected_count:
            sentences.append(
                _(
                    "%(matched)s numbers matched when the action ran, not %(expected)s as "
                    "when it was confirmed."
                )
                % {
                    "matched": grouped(self.matched_count),
                    "expected": grouped(self.expected_count or 0),
                }
            )
        if not total:
            sentences.append(_("No number matched any more, so nothing was changed."))
            return sentences
        if done == total:
            text = (
                ngettext(
                    "Linked %(done)s number to %(group)s.",
                    "Linked %(done)s numbers to %(group)s.",
                    done,
                )
                if linking
                else ngettext(
                    "Unlinked %(done)s number from %(group)s.",
                    "Unlinked %(done)s numbers from %(group)s.",
                    done,
                )
            )
        elif done:
            text = (
                ngettext(
                    "Linked %(done)s of %(total)s number to %(group)s.",
                    "Linked %(done)s of %(total)s numbers to %(group)s.",
                    total,
                )
                if linking
                else ngettext(
                    "Unlinked %(done)s of %(total)s number from %(group)s.",
                    "Unlinked %(done)s of %(total)s numbers from %(group)s.",
                    total,
                )
            )
        else:
            text = (
                _("No number was linked to %(group)s.")
                if linking
                else _("No number was unlinked from %(group)s.")
            )
        sentences.append(text % values)
        reason = {"reason": self.reason()}
        if self.not_done:
            count = len(self.not_done)
            reason["count"] = grouped(count)
            if done:
                text = (
                    ngettext(
                        "The other %(count)s was not linked: %(reason)s.",
                        "The other %(count)s were not linked: %(reason)s.",
                        count,
                    )
                    if linking
                    else ngettext(
                        "The other %(count)s was not unlinked: %(reason)s.",
                        "The other %(count)s were not unlinked: %(reason)s.",
                        count,
                    )
                )
            else:
                text = _("Why: %(reason)s.")
            sentences.append(text % reason)
        if self.unknown:
            count = len(self.unknown)
            sentences.append(
                ngettext(
                    "Whether %(count)s number changed is unknown: %(reason)s, and listing it "
                    "again could not tell. Check the view before trying again.",
                    "Whether %(count)s numbers changed is unknown: %(reason)s, and listing "
                    "them again could not tell. Check the view before trying again.",
                    count,
                )
                % {"count": grouped(count), "reason": self.reason()}
            )
        return sentences

    def reason(self) -> str:
        """Why numbers were not done, from CCC's first error, with its RequestId."""
        code = self.error_code
        if code.startswith("Throttling"):
            why = _("CCC is throttling requests")
        elif code == "WriteBudgetExhausted":
            why = _("the action ran out of time before they could be sent")
        elif code == "NotExists.Number":
            why = _("CCC does not know them in instance %(instance)s") % {
                "instance": self.attempt.instance_id
            }
        elif code in ("NotExists.SkillGroupId", "NotExists.InstanceId"):
            why = _("CCC no longer knows this skill group")
        elif code == "Parameter.Invalid":
            why = _("CCC refused them (“%(message)s”)") % {"message": self.error_message}
        elif code == "Timeout":
            why = _("CCC did not answer in time")
        elif code == "ConnectionError":
            why = _("CCC could not be reached")
        elif code == "InvalidResponse":
            why = _("CCC's answer could not be read")
        elif code in ("ServiceUnavailable", "InternalError") or code.startswith("Service"):
            why = _("CCC answered with a server error")
        else:
            why = _("CCC refused the request (%(code)s)") % {"code": code or "?"}
        if self.error_request_id:
            why = _("%(reason)s (RequestId %(request_id)s)") % {
                "reason": why,
                "request_id": self.error_request_id,
            }
        return why

    def record(self) -> AuditEvent:
        return recording.outcome_record(
            attempt=self.attempt,
            done=self.done,
            not_done=self.not_done,
            unknown=self.unknown,
            outcome=self.outcome,
            request_ids=self.request_ids,
            error_code=self.error_code,
            detail=self.error_message,
        )

    @classmethod
    def from_events(cls, attempt: AuditEvent, outcome: AuditEvent | None) -> ActionOutcome:
        """An action as the audit trail holds it; with no outcome row, all of it unknown."""
        if outcome is None:
            return cls(attempt=attempt, unknown=list(attempt.numbers), recorded=False)
        return cls(
            attempt=attempt,
            done=list(outcome.numbers),
            not_done=list(outcome.not_done),
            unknown=list(outcome.unknown),
            request_ids=list(outcome.request_ids),
            error_code=outcome.error_code,
            error_message=outcome.detail,
        )
