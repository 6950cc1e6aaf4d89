"""Runs a command against a throwaway PostgreSQL cluster, then removes the cluster.

    python -m tests.with_postgres .venv/bin/python -m pytest -m database

The command gets DATABASE_URL=postgres://postgres@127.0.0.1:<port>/postgres (pytest-django
creates its test database there); its exit status is this one's. `make test` runs the tests
marked `database` a second time this way. Without PostgreSQL's binaries the pass is skipped,
saying how to get them, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.servers import free_port

INSTALL = "apt-get install postgresql"
# Nothing here need survive a crash: the cluster lives for one test run.
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def binaries() -> tuple[str, str] | None:
    """initdb and pg_ctl: from PATH, else the newest of Debian's /usr/lib/postgresql/<version>/
    (Debian keeps them off PATH)."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: [int(part) for part in path.parts[-3].split(".") if part.isdigit()],
    )
    for pg_ctl_path in reversed(versions):
        if (initdb_path := pg_ctl_path.with_name("initdb")).exists():
            return str(initdb_path), str(pg_ctl_path)
    return None


def as_cluster_owner() -> dict:
    """subprocess arguments that run PostgreSQL's programs as the postgres user when we are
    root: initdb and the server refuse to run as root."""
    if os.geteuid() != 0:
        return {}
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        sys.exit(f"running as root needs a postgres user to own the cluster ({INSTALL} adds it)")
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


def run_with_postgres(command: list[str]) -> int:
    found = binaries()
    if found is None:
        ci = os.environ.get("CI") == "true"
        print(
            "PostgreSQL is missing (no initdb): the PostgreSQL pass of the database tests is "
            f"{'required under CI=true' if ci else 'skipped'}. Install it: {INSTALL}",
            file=sys.stderr,
        )
        return 1 if ci else 0
    initdb, pg_ctl = found
    owner = as_cluster_owner()
    directory = Path(tempfile.mkdtemp(prefix="cccadmin-postgres-"))
    data, log = directory / "data", directory / "postgres.log"
    started = False
    try:
        if owner:
            os.chown(directory, owner["user"], owner["group"])

        def pg(*args: str) -> None:
            done = subprocess.run(  # noqa: S603 - PostgreSQL's own programs, fixed arguments
                args, cwd=directory, capture_output=True, text=True, check=False, **owner
            )
            if done.returncode != 0:
                logged = log.read_text() if log.exists() else ""
                sys.exit(f"{' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}{logged}")

        # Trust is safe here: the server listens on loopback only, its socket is in our
        # private directory, and it holds nothing but test data. The C locale exists
        # everywhere, whatever the caller's LANG.
        pg(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        port = free_port()
        socket_directory = str(directory).replace("'", "''")
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                f"unix_socket_directories = '{socket_directory}'\n"
                + "".join(f"{name} = {value}\n" for name, value in SETTINGS.items())
            )
        # -w: returns once the server accepts connections (or fails after -t seconds). A server
        # that half started is stopped too.
        started = True
        pg(pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "30", "start")
        env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/postgres"}
        status = subprocess.run(command, env=env, check=False).returncode  # noqa: S603
        return status if status >= 0 else 128 - status  # killed by a signal: as a shell says
    finally:
        if started:
            subprocess.run(  # noqa: S603
                [pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
                cwd=directory,
                capture_output=True,
                check=False,
                **owner,
            )
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m tests.with_postgres <command...>")
    # A terminated run (CI's timeout, make interrupted) still stops the cluster in `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(run_with_postgres(sys.argv[1:]))


if __name__ == "__main__":
    main()
