"""The audit trail is append-only, and its rows hang together, on SQLite and on PostgreSQL.

The tests marked `database` run on SQLite with the rest of the suite, then again on a
throwaway PostgreSQL cluster (`make test`; tests/with_postgres.py).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit import recording
from audit.models import AppendOnlyError, AuditEvent
from audit.parts import Part, parts_of
from tests.django_process import ROOT, environment, manage

POSTGRESQL_URLS = ("postgres://", "postgresql://", "pgsql://")


def attempt(**fields: Any) -> AuditEvent:
    return AuditEvent.objects.create(
        **{
            "kind": AuditEvent.Kind.ATTEMPT,
            "username": "ana",
            "instance_id": "ccc-test",
            "skill_group_id": "g",
            "action": "link",
            "numbers": ["0833001"],
            "token": "t1",
            **fields,
        }
    )


def stored(event: AuditEvent) -> dict[str, Any]:
    return AuditEvent.objects.filter(pk=event.pk).values().get()


def require_postgresql() -> None:
    """Skips on another database, unless DATABASE_URL asked for PostgreSQL: then the test
    fails, so the PostgreSQL pass cannot pass without running on PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("DATABASE_URL", "").startswith(POSTGRESQL_URLS):
        pytest.fail(f"DATABASE_URL names PostgreSQL but the tests run on {connection.vendor}")
    pytest.skip(
        "PostgreSQL's trigger: make test runs this again on PostgreSQL "
        "(python -m tests.with_postgres; apt-get install postgresql)"
    )


@pytest.mark.database
def test_the_orm_refuses_to_change_or_delete_an_event(db) -> None:
    event = attempt()
    before = stored(event)

    event.username = "eve"
    refusals = [
        event.save,
        event.delete,
        lambda: AuditEvent.objects.update(username="eve"),
        lambda: AuditEvent.objects.filter(pk=event.pk).update(username="eve"),
        lambda: AuditEvent.objects.bulk_update([event], ["username"]),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ]
    for refused in refusals:
        # bulk_update() refuses inside an atomic block of its own, which marks the test's
        # transaction for rollback; a savepoint each keeps it usable.
        with pytest.raises(AppendOnlyError), transaction.atomic():
            refused()

    assert stored(event) == before


@pytest.mark.database
def test_postgresql_refuses_update_and_delete_past_the_orm(db) -> None:
    require_postgresql()
    event = attempt()
    before = stored(event)

    for statement in (
        "UPDATE phone_numbers_auditevent SET username = 'eve' WHERE id = %s",
        "DELETE FROM phone_numbers_auditevent WHERE id = %s",
    ):
        # The savepoint keeps the test's transaction usable after the refusal.
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])

    assert stored(event) == before


@pytest.mark.database
def test_an_outcome_needs_its_attempt(db) -> None:
    outcome = {"kind": AuditEvent.Kind.OUTCOME, "token": None, "outcome": "done"}
    with pytest.raises(IntegrityError), transaction.atomic():
        attempt(**outcome)
    assert not AuditEvent.objects.exists()

    attempt(**outcome, attempt=attempt())
    assert AuditEvent.objects.count() == 2


@pytest.mark.database
def test_what_ccc_says_longer_than_a_column_is_recorded_cut_and_marked(db) -> None:
    """A skill group's name (256) and an error code (128) come from CCC: kept, cut to fit."""
    name, code = "组" * 300, "Code." + "x" * 200
    actor = recording.Actor("ana")
    parts = [Part("sg@ccc-test", name, ("0833001",))]
    made = recording.attempt_record(
        actor=actor, token="t", instance_id="ccc-test", action="link", parts=parts
    )
    failed = Part("sg@ccc-test", name, (), not_done=("0833001",), error_code=code)
    outcome = recording.outcome_record(attempt=made, outcome="failed", parts=[failed])

    assert (len(made.skill_group_name), made.skill_group_name[-1]) == (256, "…")
    assert (len(outcome.error_code), outcome.error_code[-1]) == (128, "…")
    assert parts_of(AuditEvent.objects.get(pk=outcome.pk))[0].skill_group_name == name


@pytest.mark.database
def test_a_confirmation_token_makes_one_attempt_only(db) -> None:
    attempt(token="t1")
    with pytest.raises(IntegrityError), transaction.atomic():
        attempt(token="t1")
    assert AuditEvent.objects.count() == 1


# Each writer reads, then writes, in one transaction, as an action does. SQLite's default
# (deferred) transaction fails at once with "database is locked" when another process wrote
# since the read; the settings' immediate transactions take the lock at BEGIN and wait for it.
WRITER = """
import sys
from django.db import transaction
from audit.models import AuditEvent

print("ready", flush=True)
sys.stdin.readline()
for row in range(ROWS):
    with transaction.atomic():
        AuditEvent.objects.filter(instance_id="ccc-test").count()
        AuditEvent.objects.create(
            kind="attempt", username="ana", instance_id="ccc-test", token=f"{WRITER}-{row}"
        )
"""


def test_processes_writing_to_one_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    """`make run`'s database is a file shared by the server's threads and any manage.py
    command; the test database is in memory, so this uses a file of its own."""
    writers, rows = 8, 5
    settings = {"DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    migrated = manage("migrate", "--noinput", **settings)
    assert migrated.returncode == 0, migrated.stderr

    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [
                sys.executable,
                "manage.py",
                "shell",
                "--verbosity=0",
                "-c",
                WRITER.replace("ROWS", str(rows)).replace("{WRITER}", str(writer)),
            ],
            cwd=ROOT,
            env=environment(**settings),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for writer in range(writers)
    ]
    try:
        # All start writing together, once every one has started Django.
        for process in processes:
            assert process.stdout.readline() == "ready\n", process.communicate()[1]
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            process.kill()

    errors = [stderr for process, (_, stderr) in zip(processes, results, strict=True) if stderr]
    assert [process.returncode for process in processes] == [0] * writers, errors
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        (count,) = database.execute("SELECT count(*) FROM phone_numbers_auditevent").fetchone()
    assert count == writers * rows


@pytest.mark.database
@pytest.mark.django_db(transaction=True)
def test_rows_made_before_parts_survive_their_columns_and_read_as_one_part() -> None:
    """Adding the parts columns rewrites no row (on PostgreSQL the append-only trigger would
    refuse an UPDATE), and an older row reads as one part of its own group and numbers."""
    before = [("audit", "0001_audit_event_moved")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_model = executor.loader.project_state(before).apps.get_model("audit", "AuditEvent")
    row = old_model.objects.create(
        kind="attempt",
        username="ana",
        instance_id="ccc-test",
        skill_group_id="g",
        skill_group_name="Sales",
        action="link",
        numbers=["0833001", "0833002"],
        token="t1",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    event = AuditEvent.objects.get(pk=row.pk)
    assert (event.parts, event.skill_group_ids) == ([], "")
    assert parts_of(event) == (Part("g", "Sales", ("0833001", "0833002")),)
