"""Servers the tests start on 127.0.0.1 and stop after: Redis, and the app in its own process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require(program: str, install: str) -> str:
    """The program's path; without it the test skips locally and fails under CI."""
    path = shutil.which(program)
    if path is None:
        reason = f"{program} is missing: {install}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI these tests must run", pytrace=False)
        pytest.skip(reason)
    return path


def _wait(ready, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{what} did not start:\n{log.read_text()}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A throwaway Redis (no persistence) on a free port; yields its URL."""
    program = require("redis-server", "apt-get install redis-server")
    port = free_port()
    log = directory / "redis.log"
    process = subprocess.Popen(  # noqa: S603 - Debian's redis-server, fixed arguments
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        _wait(answers, process, "redis-server", log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without the app's and the server's settings, plus
    `variables`: a server started with it sees only what it is given, and gunicorn.conf.py's
    defaults otherwise, as `make serve` would."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            (
                "DJANGO_",
                "CCCADMIN_",
                "CCC_",
                "ALIBABA_CLOUD_",
                "CACHE_URL",
                "WEB_CONCURRENCY",
                "GUNICORN_THREADS",
            )
        )
    }
    env.update(variables)
    return env


@contextmanager
def app_server(directory: Path, **settings: str) -> Iterator[str]:
    """The app under gunicorn, as `make serve` runs it, with these settings (by default dev
    sign-in and one worker); its output goes to `directory`. Yields its URL."""
    port = free_port()
    env = clean_environment(
        **{
            "DJANGO_SETTINGS_MODULE": "cccadmin.settings",
            "DJANGO_DEBUG": "true",  # dev sign-in and static files from the source folders
            "DJANGO_SECRET_KEY": "insecure-test-key-only-for-the-test-suite",
            "WEB_CONCURRENCY": "1",
            **settings,
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
    )
    log = directory / f"app-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "cccadmin.wsgi"],
        cwd=ROOT,
        env={name: value for name, value in env.items() if value},  # "": gunicorn's default
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait(answers, process, "gunicorn", log)
        yield url
    finally:
        _stop(process)
