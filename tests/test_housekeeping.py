"""The workers' housekeeping job and the queue /readyz reports: in this process on the test
database, and run by a real `manage.py db_worker` process on a database of its own."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from portal import housekeeping

from .django_process import ROOT
from .servers import clean_environment

pytestmark = [pytest.mark.django_db, pytest.mark.database]

TASK = housekeeping.housekeeping.module_path
# Every queue, polled often, started at once, without the development server's reloader.
WORKER_OPTIONS = ("--queue-name", "*", "--interval", "0.1", "--no-startup-delay", "--no-reload")


def finished(days_ago: float, queue: str) -> DBTaskResult:
    """A job's result finished `days_ago`, as the worker leaves it."""
    result = housekeeping.housekeeping.using(queue_name=queue).enqueue()
    row = DBTaskResult.objects.get(id=result.id)
    when = timezone.now() - timedelta(days=days_ago)
    DBTaskResult.objects.filter(id=row.id).update(
        status=TaskResultStatus.SUCCESSFUL, started_at=when, finished_at=when
    )
    return row


def test_the_chain_starts_once_however_often_it_is_asked(settings):
    settings.CCCADMIN_HOUSEKEEPING_SECONDS = 60

    assert housekeeping.housekeeping_schedule() is True
    assert housekeeping.housekeeping_schedule() is False

    (waiting,) = DBTaskResult.objects.filter(task_path=TASK)
    assert waiting.queue_name == "housekeeping"
    assert waiting.status == TaskResultStatus.READY
    assert timedelta(seconds=55) < waiting.run_after - timezone.now() <= timedelta(seconds=60)


def test_a_run_prunes_old_results_and_comes_back(settings):
    settings.CCCADMIN_TASK_RESULTS_KEEP_DAYS = 7
    kept = [finished(6, "default"), finished(0.5, "housekeeping")]
    pruned = [finished(8, "default"), finished(2, "housekeeping")]

    housekeeping.housekeeping.call()

    left = set(DBTaskResult.objects.values_list("id", flat=True))
    assert {row.id for row in kept} <= left
    assert not {row.id for row in pruned} & left
    assert DBTaskResult.objects.filter(task_path=TASK, status=TaskResultStatus.READY).count() == 1


def test_the_queue_report_counts_waiting_jobs_but_not_housekeeping():
    assert housekeeping.queue_report() == {
        "waiting": 0,
        "oldest_waiting_seconds": 0,
        "worker_last_seen": None,
    }
    housekeeping.housekeeping_schedule()  # housekeeping's own: not a job waiting
    first = housekeeping.housekeeping.using(queue_name="default").enqueue()
    DBTaskResult.objects.filter(id=first.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=90)
    )
    housekeeping.housekeeping.using(queue_name="default").enqueue()
    seen = DBTaskResult.objects.get(id=finished(0.01, "default").id).started_at

    report = housekeeping.queue_report()

    assert report["waiting"] == 2
    assert 90 <= report["oldest_waiting_seconds"] < 100
    assert report["worker_last_seen"] == seen.isoformat(timespec="seconds")


def test_readyz_stays_ready_with_a_long_queue(client, app_emulator):
    job = housekeeping.housekeeping.using(queue_name="default").enqueue()
    DBTaskResult.objects.filter(id=job.id).update(enqueued_at=timezone.now() - timedelta(hours=1))

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["queue"]["waiting"] == 1
    assert response.json()["queue"]["oldest_waiting_seconds"] >= 3600


# -- a real worker ------------------------------------------------------------------------------


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(  # noqa: S603 - this interpreter, our manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout


def test_a_worker_process_runs_housekeeping_and_it_comes_back(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = clean_environment(
        DJANGO_DEBUG="true",
        DATABASE_URL=f"sqlite:///{database}",
        CCCADMIN_HOUSEKEEPING_SECONDS="1",
    )
    _manage(env, "migrate", "--noinput")
    assert _manage(env, "housekeeping").strip() == "housekeeping enqueued"
    worker = subprocess.Popen(  # noqa: S603 - this interpreter, our manage.py
        [sys.executable, "manage.py", "db_worker", *WORKER_OPTIONS],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        runs = 0
        while time.monotonic() < deadline and runs < 2:
            time.sleep(0.2)
            with sqlite3.connect(database) as db:
                (runs,) = db.execute(
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                    "WHERE task_path = ? AND status = 'SUCCESSFUL'",
                    (TASK,),
                ).fetchone()
        assert runs >= 2, (tmp_path / "worker.log").read_text()[-2000:]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # SIGTERM between jobs ends the worker cleanly.
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]
