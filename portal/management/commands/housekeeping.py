"""`manage.py housekeeping`: start the workers' housekeeping chain where none is waiting (run
by `make worker` before each worker; any number of times is harmless)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.housekeeping import housekeeping_schedule


class Command(BaseCommand):
    help = "Enqueue the workers' housekeeping job unless one is already waiting."

    def handle(self, *args: object, **options: object) -> None:
        enqueued = housekeeping_schedule()
        self.stdout.write("housekeeping enqueued" if enqueued else "housekeeping already waiting")
