"""An action's progress while it runs: how many of its numbers have an answer so far.

Not the record (the audit trail is, and it is append-only): a row per action, updated as each
batch's answer arrives, so its page can show a progress bar to whoever opens it meanwhile.
"""

from __future__ import annotations

from django.db import models

from audit.models import AuditEvent


class ActionProgress(models.Model):
    attempt = models.OneToOneField(
        AuditEvent, on_delete=models.PROTECT, primary_key=True, related_name="progress"
    )
    # Numbers the action sends in all, and those answered so far by what came of them.
    total = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    not_done = models.PositiveIntegerField(default=0)
    unknown = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"action {self.attempt_id}: {self.answered} of {self.total}"

    @property
    def answered(self) -> int:
        return self.done + self.not_done + self.unknown
