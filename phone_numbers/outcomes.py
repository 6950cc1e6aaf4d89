"""What an action did in each of its parts (skill groups), number by number, in whole
sentences: what was done, what was not and why, what is unknown. Recorded in the audit trail,
and read back from it for the action's page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from audit import recording
from audit.models import AuditEvent
from audit.parts import Part, parts_of
from audit.selectors import ActionRows
from portal.ccc_errors import stopped_midway, why_not_done
from portal.text import duration_text, grouped, listed, local_moment

from .models import ActionProgress

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome


@dataclass
class PartOutcome:
    """What an action did in one skill group, number by number, and why the rest was not
    done."""

    skill_group_id: str
    skill_group_name: str
    done: list[str] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    # The first error CCC gave for numbers not done (or unknown), with its message.
    error_code: str = ""
    error_message: str = ""
    error_request_id: str = ""
    # When the unknown numbers were listed unchanged after CCC never answered (ISO 8601).
    unknown_as_of: str = ""

    @property
    def total(self) -> int:
        return len(self.done) + len(self.not_done) + len(self.unknown)

    def sentences(self, *, action: str, undo: bool, instance_id: str) -> list[str]:
        """What happened in this group, in whole sentences: what was done (an undo says what
        it undid), what was not and why, what is unknown."""
        linking = action == Action.LINK
        done, total = len(self.done), self.total
        group = self.skill_group_name or self.skill_group_id
        all_done, some_done, none_done = _DONE_SENTENCES[action, undo]
        text = all_done if done == total else some_done if done else none_done
        values = {"group": group, "done": grouped(done), "total": grouped(total), "n": total}
        sentences = []
        sentences.append(text % values)
        reason = {"reason": self.reason(instance_id)}
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
            sentences.append(self._unknown_sentence(action, instance_id))
        return sentences

    def _unknown_sentence(self, action: str, instance_id: str) -> str:
        """What is unknown and why: CCC never answered and had not applied it when listed
        again (it may still), or the listing could not tell."""
        count = len(self.unknown)
        values = {"count": grouped(count), "reason": self.reason(instance_id)}
        if not self.unknown_as_of:
            return (
                ngettext(
                    "Whether %(count)s number changed is unknown: %(reason)s, and listing it "
                    "again could not tell. Check the view before trying again.",
                    "Whether %(count)s numbers changed is unknown: %(reason)s, and listing "
                    "them again could not tell. Check the view before trying again.",
                    count,
                )
                % values
            )
        _day, time, zone = local_moment(datetime.fromisoformat(self.unknown_as_of))
        values["time"] = f"{time} {zone}"
        if action == Action.LINK:
            text = ngettext(
                "%(count)s number was not linked as of %(time)s, but CCC may still link it "
                "(%(reason)s). Check the view before trying again.",
                "%(count)s numbers were not linked as of %(time)s, but CCC may still link "
                "them (%(reason)s). Check the view before trying again.",
                count,
            )
        else:
            text = ngettext(
                "%(count)s number was still linked as of %(time)s, but CCC may still unlink "
                "it (%(reason)s). Check the view before trying again.",
                "%(count)s numbers were still linked as of %(time)s, but CCC may still unlink "
                "them (%(reason)s). Check the view before trying again.",
                count,
            )
        return text % values

    def reason(self, instance_id: str) -> str:
        """Why numbers were not done, from CCC's first error, with its RequestId."""
        why = why_not_done(self.error_code, self.error_message, instance_id)
        if self.error_request_id:
            why = _("%(reason)s (RequestId %(request_id)s)") % {
                "reason": why,
                "request_id": self.error_request_id,
            }
        return why

    def recorded(self) -> Part:
        return Part.from_json(
            {_RECORDED_AS.get(name, name): value for name, value in asdict(self).items()}
        )

    @classmethod
    def of(cls, part: Part) -> PartOutcome:
        """A part as the trail holds its outcome."""
        return cls(**{_READ_AS.get(name, name): value for name, value in part.as_json().items()})


# A part's first sentence, by (action, whether it undoes an earlier action): when all of its
# numbers were done, some of them ("n": how many were asked), none.
_DONE_SENTENCES = {
    (Action.LINK, False): (
        ngettext_lazy(
            "Linked %(done)s number to %(group)s.", "Linked %(done)s numbers to %(group)s.", "n"
        ),
        ngettext_lazy(
            "Linked %(done)s of %(total)s number to %(group)s.",
            "Linked %(done)s of %(total)s numbers to %(group)s.",
            "n",
        ),
        gettext_lazy("No number was linked to %(group)s."),
    ),
    (Action.UNLINK, False): (
        ngettext_lazy(
            "Unlinked %(done)s number from %(group)s.",
            "Unlinked %(done)s numbers from %(group)s.",
            "n",
        ),
        ngettext_lazy(
            "Unlinked %(done)s of %(total)s number from %(group)s.",
            "Unlinked %(done)s of %(total)s numbers from %(group)s.",
            "n",
        ),
        gettext_lazy("No number was unlinked from %(group)s."),
    ),
    # An undo of a link unlinks: it says which action it undid.
    (Action.UNLINK, True): (
        ngettext_lazy(
            "Undid the link of %(done)s number to %(group)s.",
            "Undid the link of %(done)s numbers to %(group)s.",
            "n",
        ),
        ngettext_lazy(
            "Undid the link of %(done)s of %(total)s number to %(group)s.",
            "Undid the link of %(done)s of %(total)s numbers to %(group)s.",
            "n",
        ),
        gettext_lazy("Nothing of the link to %(group)s was undone."),
    ),
    (Action.LINK, True): (
        ngettext_lazy(
            "Undid the unlink of %(done)s number from %(group)s.",
            "Undid the unlink of %(done)s numbers from %(group)s.",
            "n",
        ),
        ngettext_lazy(
            "Undid the unlink of %(done)s of %(total)s number from %(group)s.",
            "Undid the unlink of %(done)s of %(total)s numbers from %(group)s.",
            "n",
        ),
        gettext_lazy("Nothing of the unlink from %(group)s was undone."),
    ),
}

# A part outcome's fields as the trail's Part names them (what it keeps of the first error).
_RECORDED_AS = {"done": "numbers", "error_message": "detail"}
_READ_AS = {recorded: name for name, recorded in _RECORDED_AS.items()}


@dataclass
class ActionOutcome:
    """What an action did in each of its parts."""

    attempt: AuditEvent
    parts: list[PartOutcome]
    # "All matching": how many matched when confirmed, and when the action ran.
    expected_count: int | None = None
    matched_count: int | None = None
    # Whether the trail holds its outcome: read back without one, the action is still
    # running or stopped midway.
    recorded: bool = True
    # The undo that undid it, once one has (an action is undone once).
    undone_by: AuditEvent | None = None
    # The database failed when its outcome was to be recorded: the trail holds its attempt
    # alone (read as unknown), the log holds the outcome.
    record_failed: bool = False

    @property
    def done(self) -> list[str]:
        return [number for part in self.parts for number in part.done]

    @property
    def not_done(self) -> list[str]:
        return [number for part in self.parts for number in part.not_done]

    @property
    def unknown(self) -> list[str]:
        return [number for part in self.parts for number in part.unknown]

    @property
    def request_ids(self) -> list[str]:
        # One call of a number's writes answers for several parts: its RequestId is said once.
        return list(
            dict.fromkeys(request_id for part in self.parts for request_id in part.request_ids)
        )

    @property
    def one_number(self) -> str:
        """The number, when the action was one number's in several skill groups."""
        numbers = {n for part in self.parts for n in (*part.done, *part.not_done, *part.unknown)}
        return numbers.pop() if len(self.parts) > 1 and len(numbers) == 1 else ""

    @property
    def error_code(self) -> str:
        """The first part's error, as the trail's row keeps it."""
        failed = self._first_failed()
        return failed.error_code if failed else ""

    @property
    def error_request_id(self) -> str:
        failed = self._first_failed()
        return failed.error_request_id if failed else ""

    def _first_failed(self) -> PartOutcome | None:
        return next((part for part in self.parts if part.error_code), None)

    @property
    def groups_label(self) -> str:
        """The skill groups it changed, as a sentence names them."""
        return listed(part.skill_group_name or part.skill_group_id for part in self.parts)

    @property
    def outcome(self) -> Outcome:
        done, not_done, unknown = self.done, self.not_done, self.unknown
        if done and not (not_done or unknown):
            return Outcome.DONE
        if done:
            return Outcome.PARTLY_DONE
        if unknown:
            return Outcome.UNKNOWN
        return Outcome.FAILED

    def sentences(self) -> list[str]:
        """What happened, in whole sentences: a count that changed since the confirmation,
        then each part's; of an action without its outcome, that its process stopped."""
        if not self.recorded:
            # Nothing was refused or listed again: no part has a reason to give.
            return [stopped_midway(len(self.unknown))]
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
        if not any(part.total for part in self.parts):
            sentences.append(_("No number matched any more, so nothing was changed."))
            return sentences
        for part in self.parts:
            sentences.extend(
                part.sentences(
                    action=self.attempt.action,
                    undo=self.attempt.undoes_id is not None,
                    instance_id=self.attempt.instance_id,
                )
            )
        return sentences

    def record(self) -> AuditEvent:
        return recording.outcome_record(
            attempt=self.attempt,
            outcome=self.outcome,
            parts=[part.recorded() for part in self.parts],
        )

    @classmethod
    def from_events(cls, rows: ActionRows) -> ActionOutcome:
        """An action as the audit trail holds it; with no outcome row, all of it unknown."""
        if rows.outcome is None:
            return cls(
                attempt=rows.attempt,
                parts=[
                    PartOutcome(
                        part.skill_group_id, part.skill_group_name, unknown=list(part.numbers)
                    )
                    for part in parts_of(rows.attempt)
                ],
                recorded=False,
                undone_by=rows.undone_by,
            )
        return cls(
            attempt=rows.attempt,
            parts=[PartOutcome.of(part) for part in parts_of(rows.outcome)],
            undone_by=rows.undone_by,
        )


@dataclass(frozen=True)
class Progress:
    """How far a running action has come: for its `<progress>` bar, and in words."""

    answered: int
    total: int
    text: str


def progress_of(attempt: AuditEvent) -> Progress | None:
    """A running action's progress, with the time it has taken and an estimate of the rest
    (at the pace so far); None where none was kept."""
    try:
        progress = ActionProgress.objects.get(attempt=attempt)
    except ActionProgress.DoesNotExist:
        return None
    answered, total = progress.answered, progress.total
    elapsed = (timezone.now() - attempt.created_at).total_seconds()
    counts = ngettext(
        "%(answered)s of %(total)s number answered so far: %(done)s done, %(not_done)s not "
        "done, %(unknown)s unknown.",
        "%(answered)s of %(total)s numbers answered so far: %(done)s done, %(not_done)s not "
        "done, %(unknown)s unknown.",
        total,
    ) % {
        "answered": grouped(answered),
        "total": grouped(total),
        "done": grouped(progress.done),
        "not_done": grouped(progress.not_done),
        "unknown": grouped(progress.unknown),
    }
    if answered and answered < total:
        timing = _("%(elapsed)s so far; about %(left)s left.") % {
            "elapsed": duration_text(elapsed),
            "left": duration_text(elapsed / answered * (total - answered)),
        }
    else:
        timing = _("%(elapsed)s so far.") % {"elapsed": duration_text(elapsed)}
    return Progress(answered, total, f"{counts} {timing}")
