"""The workers' own upkeep: a job on the housekeeping queue that prunes finished jobs' results
and comes back after CCCADMIN_HOUSEKEEPING_SECONDS, and what /readyz says of the queue.

The job is its own schedule (a deferred job, `run_after`), so no scheduler runs beside the
workers: `manage.py housekeeping` starts the chain where none is waiting (as `make worker`
does before each worker), and a run that finds another one waiting does not add a second.
Its last run also tells /readyz when a worker was last seen at work.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Housekeeping's own results matter for a day at most: it runs every minute.
HOUSEKEEPING_RESULTS_KEEP_DAYS = 1


@task(queue_name=settings.HOUSEKEEPING_QUEUE)
def housekeeping() -> None:
    """Prune the results of finished jobs (the audit trail, not the task table, is the
    record), then come back later."""
    for queue, days in (
        ("default", settings.CCCADMIN_TASK_RESULTS_KEEP_DAYS),
        (settings.HOUSEKEEPING_QUEUE, HOUSEKEEPING_RESULTS_KEEP_DAYS),
    ):
        call_command("prune_db_task_results", queue_name=queue, min_age_days=days, verbosity=0)
    housekeeping_schedule()


def housekeeping_schedule() -> bool:
    """The next housekeeping run, after CCCADMIN_HOUSEKEEPING_SECONDS, unless one is already
    waiting; whether it was enqueued."""
    if _of_housekeeping().filter(status=TaskResultStatus.READY).exists():
        return False
    run_after = timezone.now() + timedelta(seconds=settings.CCCADMIN_HOUSEKEEPING_SECONDS)
    housekeeping.using(run_after=run_after).enqueue()
    return True


def queue_report() -> dict[str, Any]:
    """The jobs waiting for a worker, how long the oldest has waited, and when a worker last
    started a job, for /readyz: figures, never a failure (a slow queue is not an unready web
    server)."""
    now = timezone.now()
    try:
        waiting = DBTaskResult.objects.ready().exclude(queue_name=settings.HOUSEKEEPING_QUEUE)
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        last_started = (
            DBTaskResult.objects.exclude(started_at=None)
            .order_by("-started_at")
            .values_list("started_at", flat=True)
            .first()
        )
        return {
            "waiting": waiting.count(),
            "oldest_waiting_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0,
            "worker_last_seen": last_started.isoformat(timespec="seconds")
            if last_started
            else None,
        }
    except DatabaseError as error:
        logger.warning("queue unavailable for /readyz: %s", type(error).__name__)
        return {"unavailable": "the database did not answer"}


def _of_housekeeping():
    return DBTaskResult.objects.filter(task_path=housekeeping.module_path)
