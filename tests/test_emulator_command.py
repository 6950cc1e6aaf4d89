"""`manage.py ccc_emulator` serves the emulator on 127.0.0.1 for a second process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ccc import AuthenticationError, CccClient, RetryPolicy, UnavailableError
from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

from .servers import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 15


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output, _ = process.communicate()
            pytest.fail(f"ccc_emulator exited with {process.returncode}:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"ccc_emulator did not listen on port {port} within {STARTUP_SECONDS}s")


def command_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SECRET_KEY": "insecure-test-key-only-for-the-test-suite",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def ccc_emulator_command(*arguments: str) -> Iterator[tuple[int, subprocess.Popen]]:
    """`manage.py ccc_emulator` on a free port; terminated (and reaped) on the way out."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "ccc_emulator", "--port", str(port), *arguments],
        cwd=REPO_ROOT,
        env=command_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def client(port: int, access_key_id: str, secret: str, **kwargs) -> CccClient:
    return CccClient(
        endpoint=f"http://127.0.0.1:{port}",
        access_key_id=access_key_id,
        access_key_secret=secret,
        timeout=5.0,
        retry=RetryPolicy(attempts=1),
        **kwargs,
    )


def test_the_command_serves_the_emulator_with_the_given_credentials():
    credentials = ("--access-key-id", "LTAIcommandKey", "--access-key-secret", "s3cret")
    with ccc_emulator_command(*credentials) as (port, process):
        with client(port, "LTAIcommandKey", "s3cret") as ccc:
            page = ccc.list_instances(page_size=10)
            numbers = ccc.list_phone_numbers_of_skill_group(
                instance_id="ccc-test",
                skill_group_id="skillgroup@ccc-test",
                is_member=True,
                search_pattern="0833",
            )
        with (
            client(port, "LTAIcommandKey", "not-the-secret") as wrong,
            pytest.raises(AuthenticationError) as raised,
        ):
            wrong.list_instances()
    output = process.stdout.read()

    assert [instance.instance_id for instance in page.items] == ["ccc-test", "ccc-bulk"]
    assert [number.number for number in numbers.items] == ["083300110001"]
    assert raised.value.code == "SignatureDoesNotMatch"
    assert f"http://127.0.0.1:{port}/" in output
    assert "LTAIcommandKey" in output
    assert "s3cret" not in output


def test_the_command_can_require_an_sts_token():
    with ccc_emulator_command(
        "--access-key-id", "STS.key", "--access-key-secret", "s3cret", "--security-token", "tok"
    ) as (port, _):
        with client(port, "STS.key", "s3cret", security_token="tok") as ccc:
            assert ccc.list_instances().total_count == 2
        with (
            client(port, "STS.key", "s3cret") as tokenless,
            pytest.raises(AuthenticationError) as raised,
        ):
            tokenless.list_instances()
    assert raised.value.code == "InvalidSecurityToken.Malformed"


def test_the_command_injects_the_faults_given_on_its_command_line():
    faults = ("--fault", "unavailable:1:ListInstances", "--fault", "reset:1:GetSkillGroup")
    with (
        ccc_emulator_command(*faults, "--fault-seed", "7") as (port, process),
        client(port, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET) as ccc,
    ):
        with pytest.raises(UnavailableError) as unavailable:
            ccc.list_instances()
        with pytest.raises(UnavailableError) as reset:
            ccc.get_skill_group(instance_id="ccc-test", skill_group_id="skillgroup@ccc-test")
        groups = ccc.list_skill_groups(instance_id="ccc-test")
    output = process.stdout.read()

    assert (unavailable.value.code, unavailable.value.http_status) == ("ServiceUnavailable", 503)
    # Dropped at once: a connection left open would end in the client's 5 s "Timeout".
    assert reset.value.code == "ConnectionError"
    assert "skillgroup@ccc-test" in [group.skill_group_id for group in groups.items]
    assert "unavailable 100% of ListInstances, reset 100% of GetSkillGroup" in output
    assert "seed 7" in output


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (("--fault", "explode:0.5"), "unknown fault kind 'explode'"),
        (("--fault", "unavailable:0"), "rate '0' in 'unavailable:0' is outside (0, 1]"),
        (("--fault", "slow:1.5"), "rate '1.5' in 'slow:1.5' is outside (0, 1]"),
        (("--fault", "internal:often"), "rate 'often' in 'internal:often' is not a number"),
        (("--fault", "unavailable"), "'unavailable' is not KIND:RATE[:ACTION]"),
        (("--fault", "reset:1:ListInstances:x"), "'reset:1:ListInstances:x' is not KIND:RATE"),
        (("--fault", "reset:1:ListInstance"), "unknown action 'ListInstance'"),
        (("--fault-delay-ms", "-5"), "--fault-delay-ms: '-5'"),
    ],
)
def test_bad_fault_values_are_refused_with_a_clear_message(arguments, named):
    result = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "ccc_emulator", "--port", "0", *arguments],
        cwd=REPO_ROOT,
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS * 2,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "CCC emulator on" not in result.stdout
