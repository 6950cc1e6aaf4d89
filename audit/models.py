"""The audit trail: who linked or unlinked which numbers, and what CCC made of it.

Append-only. An action writes an **attempt** row before anything is sent to CCC and an
**outcome** row after, so an action whose process died in between is still on record (an
attempt without an outcome: its result is unknown). A write refused before it could start
(wrong role, outside the user's instances, a bad or replayed confirmation) is one **refusal**
row; so is a form the CSRF check refused, though past the first of an address's minute such
refusals are counted, not each recorded (`recording.csrf_refusal_record`). Rows are never
changed or removed: the ORM refuses it here, and on PostgreSQL a trigger (phone_numbers'
migration 0002, where the table was made) refuses UPDATE and DELETE from anyone. The table keeps
the name it was made with: the model moved to this app, no row did.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are never changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit events are never deleted")

    def undos_of(self, attempt_id: int) -> AuditEventQuerySet:
        """The actions that undid this one, the first first: its undo attempts, save those
        whose outcome is "failed" (they changed nothing, so the action may be undone again)."""
        return (
            self.filter(kind="attempt", undoes_id=attempt_id)
            .exclude(outcomes__outcome="failed")
            .order_by("created_at", "id")
        )


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        ATTEMPT = "attempt", _("Attempt")
        OUTCOME = "outcome", _("Outcome")
        REFUSAL = "refusal", _("Refusal")

    class Action(models.TextChoices):
        LINK = "link", _("Link")
        UNLINK = "unlink", _("Unlink")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        PARTLY_DONE = "partly_done", _("Partly done")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown")
        REFUSED = "refused", _("Refused")

    class Refusal(models.TextChoices):
        """Why a write was refused: a refusal row's error code, its words said here only. The
        row's detail holds the one value a reason names (%(detail)s)."""

        NOT_EDITOR = "Refused.NotEditor", _("The user is not an editor.")
        TOO_LONG = (
            "Refused.TooLong",
            _("A value was longer than the trail can hold (%(detail)s)."),
        )
        CONFIRMATION_EXPIRED = "Refused.ConfirmationExpired", _("The confirmation had expired.")
        CONFIRMATION_FORGED = (
            "Refused.ConfirmationForged",
            _("The confirmation was not one this server made."),
        )
        CONFIRMATION_FOREIGN = (
            "Refused.ConfirmationForeign",
            _("The confirmation was made for another user or skill group."),
        )
        ALREADY_UNDONE = (
            "Refused.AlreadyUndone",
            _("The action had already been undone (by action %(detail)s)."),
        )
        CONFIRMATION_REUSED = (
            "Refused.ConfirmationReused",
            _("The confirmation had been submitted before (action %(detail)s)."),
        )
        OUTSIDE_SCOPE = (
            "Refused.OutsideScope",
            _("Instance %(detail)s is not one the user may see."),
        )
        # A form the CSRF check refused (recording.csrf_refusal_record): the first of an
        # address's minute names the path it was posted to, later ones how many there were.
        CSRF_FAILED = (
            "Refused.CsrfFailed",
            _("The form posted to %(detail)s failed its CSRF check."),
        )
        CSRF_FAILURES_COUNTED = (
            "Refused.CsrfFailuresCounted",
            _(
                "%(detail)s forms from this address have failed their CSRF check this minute; "
                "the log has each one."
            ),
        )

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # An outcome row points at its attempt; an undo's attempt points at the action it undoes.
    attempt = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="outcomes"
    )
    undoes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by"
    )
    # The confirmation's one-time id, on attempts only: a second submit of the same
    # confirmation cannot insert its attempt, so it applies nothing.
    token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    username = models.CharField(max_length=254)
    email = models.CharField(max_length=254, blank=True)
    client_address = models.CharField(max_length=45, blank=True)
    instance_id = models.CharField(max_length=128)
    skill_group_id = models.CharField(max_length=128, blank=True)
    skill_group_name = models.CharField(max_length=256, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices, blank=True)
    # Attempts and refusals: the numbers asked for. Outcomes: the numbers done.
    numbers = models.JSONField(default=list)
    not_done = models.JSONField(default=list)
    unknown = models.JSONField(default=list)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    request_ids = models.JSONField(default=list)
    error_code = models.CharField(max_length=128, blank=True)
    # What the outcome sentence says beyond the counts (why it failed, a count that changed).
    detail = models.TextField(blank=True)
    # An action's skill groups and, in each, what the attempt asked for or the outcome did
    # (`audit.parts.Part`). The row's own group and number fields hold the one part's, or (an
    # action of several groups) no group and every part's numbers. Empty on rows made before
    # actions had parts: those read as one part (`audit.parts.parts_of`).
    parts = models.JSONField(default=list)
    # The parts' skill group ids, for a group's History (`audit.parts.skill_group_ids_text`),
    # and their names, for the trail's filter by name (the same form).
    skill_group_ids = models.TextField(blank=True)
    skill_group_names = models.TextField(blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        db_table = "phone_numbers_auditevent"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["instance_id", "skill_group_id", "-created_at"]),
            models.Index(fields=["username", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="outcome", attempt__isnull=False)
                | ~models.Q(kind="outcome"),
                name="audit_outcome_has_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.action} {self.instance_id}/{self.skill_group_id} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are never deleted")
