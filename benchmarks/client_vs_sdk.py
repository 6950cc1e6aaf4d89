"""Per-call time of our CccClient against the official SDK, on one emulator over loopback.

The emulator runs in its own process (`manage.py ccc_emulator`), as a real endpoint would, so
its work does not compete with the clients for this process's interpreter. Both clients are
built once and reused, as each is meant to be used, and ask for the same 100-row page of
ListPhoneNumbersOfSkillGroup. Timed calls run in alternating blocks so that drift (CPU
frequency, the server warming up) hits all of them equally. The "floor" is the least any
client must do; what a client takes above it is that client's own overhead.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import httpx
import orjson
from alibabacloud_ccc20200701 import models
from alibabacloud_ccc20200701.client import Client as SdkClient
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.policy.retry import RetryOptions

from ccc import CccClient, signing
from ccc.client import API_VERSION
from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from ccc.emulator.dataset import BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID

REPO_ROOT = Path(__file__).resolve().parent.parent

ROWS = 100
BLOCK_SIZE = 10
# No slower than the official SDK: 0.5 is out of reach on httpx, whose bare floor is ~0.75.
GOAL_RATIO = 1.0

Call = Callable[[], int]


def our_call(url: str) -> Call:
    client = CccClient(
        access_key_id=DEMO_ACCESS_KEY_ID, access_key_secret=DEMO_ACCESS_KEY_SECRET, endpoint=url
    )

    def call() -> int:
        page = client.list_phone_numbers_of_skill_group(
            instance_id=BULK_INSTANCE_ID,
            skill_group_id=BULK_SKILL_GROUP_ID,
            is_member=False,
            page_size=ROWS,
        )
        return len(page.items)

    return call


def sdk_call(url: str) -> Call:
    client = SdkClient(
        Config(
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            endpoint=url.removeprefix("http://"),
            protocol="http",
            retry_options=RetryOptions(retryable=False),
        )
    )

    def call() -> int:
        request = models.ListPhoneNumbersOfSkillGroupRequest(
            instance_id=BULK_INSTANCE_ID,
            skill_group_id=BULK_SKILL_GROUP_ID,
            is_member=False,
            page_number=1,
            page_size=ROWS,
        )
        return len(client.list_phone_numbers_of_skill_group(request).body.data.list)

    return call


@contextmanager
def emulator_process(*arguments: str) -> Iterator[str]:
    """`manage.py ccc_emulator` on a free loopback port (with `arguments`); yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The emulator is a development tool: local settings (DEBUG, dev sign-in) are enough.
    env = {**os.environ, "DJANGO_DEBUG": "true"}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "ccc_emulator", "--port", str(port), *arguments],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the emulator process did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


FLOOR_PARAMS = {
    "InstanceId": BULK_INSTANCE_ID,
    "SkillGroupId": BULK_SKILL_GROUP_ID,
    "IsMember": "false",
    "PageNumber": "1",
    "PageSize": str(ROWS),
}


def signed_request(host: str) -> tuple[str, dict[str, str]]:
    """Path and headers of one freshly signed call, with no checks, retries or typed results."""
    query = signing.canonical_query(FLOOR_PARAMS)
    headers = {
        "host": host,
        "x-acs-action": "ListPhoneNumbersOfSkillGroup",
        "x-acs-version": API_VERSION,
        "x-acs-date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": signing.EMPTY_BODY_SHA256,
    }
    headers["authorization"] = signing.sign(
        method="POST",
        query=query,
        headers=headers,
        access_key_id=DEMO_ACCESS_KEY_ID,
        secret=DEMO_ACCESS_KEY_SECRET,
    )
    return f"/?{query}", headers


def floor_call(url: str) -> Call:
    """The least any client must do: sign, send on a kept-alive http.client connection,
    decode the JSON. What a real client takes above this is its own overhead."""
    host = url.removeprefix("http://")
    connection = http.client.HTTPConnection(host)

    def call() -> int:
        path, headers = signed_request(host)
        connection.request("POST", path, headers=headers)
        return len(orjson.loads(connection.getresponse().read())["Data"]["List"])

    return call


def httpx_floor_call(url: str) -> Call:
    """The floor for a client built on one pooled httpx.Client, as DESIGN.md asks."""
    host = url.removeprefix("http://")
    client = httpx.Client()

    def call() -> int:
        path, headers = signed_request(host)
        return len(orjson.loads(client.post(url + path, headers=headers).content)["Data"]["List"])

    return call


def timed(call: Call, count: int) -> list[float]:
    """Seconds per call; every call must return the full page."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        rows = call()
        times.append(time.perf_counter() - started)
        if rows != ROWS:
            raise RuntimeError(f"expected {ROWS} rows, got {rows}")
    return times


def measure(calls: dict[str, Call], count: int, warmup: int) -> dict[str, list[float]]:
    for call in calls.values():
        timed(call, warmup)
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    done = 0
    while done < count:
        size = min(BLOCK_SIZE, count - done)
        for name in names:
            times[name] += timed(calls[name], size)
        names.reverse()  # ABBA order: neither client always goes first
        done += size
    return times


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="timed calls per client")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls per client first")
    args = parser.parse_args(argv)
    if args.calls < 2:
        parser.error("--calls must be at least 2")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")

    with emulator_process() as url:
        calls = {
            "CccClient": our_call(url),
            "official SDK": sdk_call(url),
            "floor": floor_call(url),
            "httpx floor": httpx_floor_call(url),
        }
        times = measure(calls, args.calls, args.warmup)

    print(
        f"Python {platform.python_version()}, httpx {version('httpx')}, "
        f"alibabacloud-ccc20200701 {version('alibabacloud-ccc20200701')} "
        f"(alibabacloud-tea-openapi {version('alibabacloud-tea-openapi')})"
    )
    print(
        f"ListPhoneNumbersOfSkillGroup, {ROWS} rows, emulator process on loopback: "
        f"{args.calls} timed calls each after {args.warmup} warm-up, "
        f"alternating blocks of {BLOCK_SIZE}"
    )
    print(f"{'client':<14}{'median ms':>11}{'p90 ms':>9}{'min ms':>9}")
    medians = {}
    for name, samples in times.items():
        medians[name] = statistics.median(samples)
        p90 = statistics.quantiles(samples, n=10, method="inclusive")[-1]
        print(f"{name:<14}{medians[name] * 1e3:>11.3f}{p90 * 1e3:>9.3f}{min(samples) * 1e3:>9.3f}")
    ratio = medians["CccClient"] / medians["official SDK"]
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"ratio CccClient / official SDK (median): {ratio:.2f}")
    ours, sdk = (medians[name] - medians["floor"] for name in ("CccClient", "official SDK"))
    print(
        f"above the floor (server, loopback, signing, JSON): CccClient {ours * 1e3:.3f} ms, "
        f"official SDK {sdk * 1e3:.3f} ms"
    )
    # The floors bound every client: no client can get a better ratio than its floor does.
    for floor in ("floor", "httpx floor"):
        print(
            f"best ratio reachable at the {floor}: {medians[floor] / medians['official SDK']:.2f}"
        )
    print(f"goal (our client no slower than the SDK per call, ratio <= {GOAL_RATIO}): {verdict}")


if __name__ == "__main__":
    main()
