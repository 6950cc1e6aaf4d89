"""The dashboard end to end: what an admin waits for, measured as ratios in one run.

- Round trips: listing calls of a browsing journey against the minimum it needs.
- Cheap swaps: a numbers swap's server time against a bare JSON view making the same listing
  call (no cache on either side), at 25 and 100 rows; and at 25 rows a swap drawing its table
  alone, without the controls around it, and the swap's reads alone (its listing, the status
  count asked beside it and the flows' names), which bound what the rest may cost.
- Throughput: requests per second with CCC 100 ms away against CCC at 0 ms, 32 clients, the
  production server as `make serve` starts it (gunicorn.conf.py defaults).
- Export: the big group's eligible view (10,000 rows) as CSV and XLSX with CCC 50 ms away, its
  pages fetched side by side, against the same server fetching them one after another.

The first two run in this process on the embedded emulator; the others start an emulator
process and gunicorn on loopback ports.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import openpyxl

# Production settings, as `make serve` runs (compiled templates cached, DEBUG off), signed in by
# a header proxy on loopback. In this process CCC is the embedded emulator; the server under
# load gets an emulator process of its own.
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "cccadmin.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "CCCADMIN_AUTH_MODE": "header",
    "CCCADMIN_TRUSTED_PROXIES": "127.0.0.1/32",
    "CCCADMIN_VIEWER_GROUPS": "cc-support",
    "CCCADMIN_EDITOR_GROUPS": "cc-admins",
    "CCCADMIN_SSL_REDIRECT": "false",
}
SIGNED_IN = {"X-Forwarded-User": "bench", "X-Forwarded-Groups": "cc-support"}
# An editor's swap also draws the selection bar and a checkbox a row.
SIGNED_IN_AS = {
    "viewer": SIGNED_IN,
    "editor": {"X-Forwarded-User": "bench-editor", "X-Forwarded-Groups": "cc-admins"},
}
for _name, _value in {**PRODUCTION, "CCC_ENDPOINT": ""}.items():
    os.environ.setdefault(_name, _value)

import django  # noqa: E402 - the settings above come first

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from benchmarks.client_vs_sdk import REPO_ROOT, emulator_process  # noqa: E402
from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET  # noqa: E402
from ccc.emulator.dataset import BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID  # noqa: E402
from phone_numbers import reading  # noqa: E402
from tests.servers import app_server, clean_environment  # noqa: E402

# A list page whose results region is the table alone (benchmarks/templates).
TABLE_ALONE_TEMPLATES = Path(__file__).parent / "templates"
HOTLINE = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{BULK_SKILL_GROUP_ID}/numbers/"
SWAP = {"HX-Request": "true"}
SLOW_CCC_SECONDS = (4, 7)
GOALS = {"swap 25": 2.0, "swap 100": 3.0, "throughput": 0.9, "export": 2.0}
EXPORT_LATENCY_MS = 50
EXPORT_ROWS = 10_000
EXPORT_FORMATS = ("csv", "xlsx")
# A full page with every CCC call slowed waits one call, not one after another, plus this much.
SLOW_PAGE_MARGIN_SECONDS = 1.0
CLIENTS = 32
# Eligible page 1 and the linked view, each with the status count made beside it: every
# other step lies in an API page already fetched.
JOURNEY_MINIMUM = 2 * 2


class ListingCalls(logging.Handler):
    """Counts the client's successful ListPhoneNumbersOfSkillGroup calls."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.getMessage().startswith("ccc ListPhoneNumbersOfSkillGroup ok")


def journey_calls(client: Client) -> int:
    """Page 1, pages 2-4 at 25 per page, page 1 again, the linked view, eligible page 2."""
    counter = ListingCalls()
    logger = logging.getLogger("ccc.client")
    logger.addHandler(counter)
    try:
        eligible = f"{HOTLINE}?view=eligible"
        client.get(eligible)
        for page in (2, 3, 4):
            client.get(f"{eligible}&page={page}", headers=SWAP)
        client.get(eligible, headers=SWAP)
        client.get(HOTLINE, headers=SWAP)
        client.get(f"{eligible}&page=2", headers=SWAP)
    finally:
        logger.removeHandler(counter)
    return counter.count


def server_time(client: Client, url: str, headers: dict[str, str], count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return times


def swap_ratio(client: Client, per_page: int, count: int) -> tuple[float, float]:
    """Median swap and bare-view times (seconds), alternating blocks of 10."""
    swap = f"{HOTLINE}?view=eligible&per_page={per_page}"
    bare = f"/bare/?per_page={per_page}"
    swaps: list[float] = []
    bares: list[float] = []
    server_time(client, swap, SWAP, 10)
    server_time(client, bare, {}, 10)
    for _ in range(max(1, count // 10)):
        swaps += server_time(client, swap, SWAP, 10)
        bares += server_time(client, bare, {}, 10)
    return statistics.median(swaps), statistics.median(bares)


@contextmanager
def timed(owner: object, name: str) -> Iterator[list[float]]:
    """The duration (seconds) of each call of `owner.name` made inside the block."""
    function = getattr(owner, name)
    durations: list[float] = []

    def timing(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            durations.append(time.perf_counter() - started)

    setattr(owner, name, timing)
    try:
        yield durations
    finally:
        setattr(owner, name, function)


def table_alone() -> override_settings:
    """The real views, with a list page whose results region is the table alone."""
    engine = settings.TEMPLATES[0]
    return override_settings(
        TEMPLATES=[{**engine, "DIRS": [TABLE_ALONE_TEMPLATES, *engine["DIRS"]]}]
    )


def production_settings(endpoint: str) -> dict[str, str]:
    """What `make serve` runs with, pointed at the emulator at `endpoint`."""
    return {
        **PRODUCTION,
        "CCC_ENDPOINT": endpoint,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
        # Every request asks CCC: throughput while waiting on it is what is measured.
        "CCC_LISTING_CACHE_SECONDS": "0",
    }


def collect_static() -> None:
    """What `make serve` does first: production pages link static files by manifest names."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPO_ROOT,
        env=clean_environment(**production_settings("")),
        check=True,
    )


@contextmanager
def production_server(
    endpoint: str, settings_module: str = "cccadmin.settings", **settings: str
) -> Iterator[int]:
    """gunicorn with gunicorn.conf.py's defaults (workers, threads) and production settings
    (and `settings`)."""
    with (
        tempfile.TemporaryDirectory() as logs,
        app_server(
            Path(logs),
            **{
                **production_settings(endpoint),
                "DJANGO_SETTINGS_MODULE": settings_module,
                "WEB_CONCURRENCY": "",
                **settings,
            },
        ) as url,
    ):
        yield httpx.URL(url).port


@dataclass(frozen=True)
class Load:
    rate: float  # responses per second
    statuses: dict[int, int]
    slowest: float  # seconds


def load(port: int, seconds: float, *, full_pages_every: int = 0, path: str = HOTLINE) -> Load:
    """32 clients, each on its own kept-alive connection, paging through the big group (and,
    with `full_pages_every`, loading every so many pages in full rather than swapping)."""
    stop = time.monotonic() + seconds
    statuses: dict[int, int] = {}
    waits: list[float] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        server = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        page = number
        while time.monotonic() < stop:
            page = page % 400 + 1
            full = full_pages_every and page % full_pages_every == 0
            started = time.monotonic()
            server.request(
                "GET",
                f"{path}?view=eligible&page={page}",
                headers=SIGNED_IN if full else {**SIGNED_IN, **SWAP},
            )
            response = server.getresponse()
            response.read()
            with lock:
                waits.append(time.monotonic() - started)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(sum(statuses.values()) / (time.monotonic() - started), statuses, max(waits))


def throughput(seconds: float, *, settings_module: str, path: str) -> dict[int, Load]:
    """Both set-ups run at once and take turns under load, in four alternating blocks, so that
    drift on a shared machine weighs on both alike."""
    with (
        emulator_process("--latency-ms", "0") as near,
        emulator_process("--latency-ms", "100") as far,
        production_server(near, settings_module) as near_port,
        production_server(far, settings_module) as far_port,
    ):
        ports = {0: near_port, 100: far_port}
        blocks: dict[int, list[Load]] = {0: [], 100: []}
        for port in ports.values():
            load(port, 1, path=path)  # warm-up
        for latency in (0, 100, 100, 0):
            blocks[latency].append(load(ports[latency], seconds / 2, path=path))
    return {latency: _combined(loads) for latency, loads in blocks.items()}


def _combined(loads: list[Load]) -> Load:
    statuses: dict[int, int] = {}
    for block in loads:
        for status, count in block.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return Load(
        statistics.mean(block.rate for block in loads),
        statuses,
        max(block.slowest for block in loads),
    )


def slow_full_page(seconds: float) -> tuple[float, int]:
    """A full numbers page (skill group header and listing) when every CCC call takes
    `seconds`: the reads run side by side, so the page waits about one of them."""
    latency = str(int(seconds * 1000))
    with emulator_process("--latency-ms", latency) as endpoint, production_server(endpoint) as port:
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.monotonic()
        page.request("GET", f"{HOTLINE}?view=eligible", headers=SIGNED_IN)
        response = page.getresponse()
        response.read()
        return time.monotonic() - started, response.status


@dataclass(frozen=True)
class Download:
    first_byte: float  # seconds
    last_byte: float
    rows: int


def export_download(port: int, file_format: str) -> Download:
    """The big group's eligible view as a file, timed to its first and last byte."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.monotonic()
    connection.request("GET", f"{HOTLINE}export.{file_format}?view=eligible", headers=SIGNED_IN)
    response = connection.getresponse()
    first = response.read(1)
    first_byte = time.monotonic() - started
    body = first + response.read()
    last_byte = time.monotonic() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"the {file_format} export answered {response.status}")
    return Download(first_byte, last_byte, exported_rows(file_format, body))


def exported_rows(file_format: str, body: bytes) -> int:
    """The rows of numbers the file holds: neither its header nor its closing note."""
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
        rows = [row for row in sheet.iter_rows(values_only=True)]
    return sum(1 for row in rows[1:] if len(row) > 1 and row[1])


def export_times(runs: int) -> dict[tuple[str, int], Download]:
    """The median download of each format from a server fetching CCC_EXPORT_PAGES_IN_FLIGHT
    (default) pages at once and from one fetching one after another, CCC 50 ms away; the
    runs alternate between the two."""
    with (
        emulator_process("--latency-ms", str(EXPORT_LATENCY_MS)) as endpoint,
        production_server(endpoint) as side_by_side,
        production_server(endpoint, CCC_EXPORT_PAGES_IN_FLIGHT="1") as one_by_one,
    ):
        servers = {0: side_by_side, 1: one_by_one}
        downloads: dict[tuple[str, int], list[Download]] = {}
        for file_format in EXPORT_FORMATS:
            for port in servers.values():
                export_download(port, file_format)  # warm-up
            for _ in range(runs):
                for in_flight, port in servers.items():
                    download = export_download(port, file_format)
                    if download.rows != EXPORT_ROWS:
                        raise RuntimeError(f"the export held {download.rows} rows")
                    downloads.setdefault((file_format, in_flight), []).append(download)
    return {
        key: sorted(times, key=lambda download: download.last_byte)[len(times) // 2]
        for key, times in downloads.items()
    }


def verdict(name: str, value: float, goal: float | None = None) -> str:
    goal = GOALS[name] if goal is None else goal
    met = value >= goal if name == "throughput" else value <= goal
    return "met" if met else "NOT met"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=200, help="timed swaps per size")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load per latency")
    parser.add_argument(
        "--slow",
        type=float,
        nargs="+",
        default=SLOW_CCC_SECONDS,
        help="seconds every CCC call takes, for the slowed full pages",
    )
    parser.add_argument("--exports", type=int, default=3, help="timed exports per set-up")
    parser.add_argument("--only-export", action="store_true", help="measure the export alone")
    args = parser.parse_args(argv)
    logging.getLogger("ccc.client").setLevel(logging.INFO)
    logging.getLogger("ccc.client").propagate = False

    collect_static()
    if not args.only_export:
        dashboard(args)
    times = export_times(args.exports)
    for file_format in EXPORT_FORMATS:
        side_by_side, one_by_one = times[file_format, 0], times[file_format, 1]
        print(
            f"export of {EXPORT_ROWS:,} rows as {file_format.upper()} with CCC "
            f"{EXPORT_LATENCY_MS} ms away: {side_by_side.last_byte:.2f} s (first byte after "
            f"{side_by_side.first_byte:.2f} s; one page after another: "
            f"{one_by_one.last_byte:.2f} s; goal <= {GOALS['export']:g} s): "
            f"{verdict('export', side_by_side.last_byte)}"
        )


class CallsByAction(logging.Handler):
    """Counts the client's successful calls by action."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        words = record.getMessage().split()
        if len(words) > 2 and words[0] == "ccc" and words[2] == "ok:":
            self.counts[words[1]] += 1


def number_journey_calls(client: Client) -> list[tuple[str, Counter[str]]]:
    """The CCC calls of each step of a number-centric journey: the instance's numbers, its
    page 2 and page 1 again, a number's page and the same again (cached)."""
    numbers = f"/instances/{BULK_INSTANCE_ID}/numbers/"
    steps = (
        ("instance numbers", numbers, {}),
        ("its page 2 (swap)", f"{numbers}?page=2", SWAP),
        ("its page 1 again (swap)", numbers, SWAP),
        ("a number's page", "{number}", {}),
        ("the number's page again", "{number}", {}),
    )
    counter = CallsByAction()
    logger = logging.getLogger("ccc.client")
    logger.addHandler(counter)
    calls, number_page = [], ""
    try:
        for name, url, headers in steps:
            counter.counts = Counter()
            page = client.get(url.format(number=number_page), headers=headers)
            # The first number the instance's list links to.
            number_page = number_page or re.search(
                rf'href="({numbers}[0-9]+/)"', page.content.decode()
            ).group(1)
            calls.append((name, counter.counts))
    finally:
        logger.removeHandler(counter)
    return calls


def dashboard(args: argparse.Namespace) -> None:
    """Round trips, swaps, throughput and slowed full pages."""
    with override_settings(ROOT_URLCONF="benchmarks.bare"):
        # Django's test client as a browser would call: no test instrumentation of templates.
        client = Client(SERVER_NAME="127.0.0.1", headers=SIGNED_IN)
        calls = journey_calls(client)
        met = "met" if calls <= JOURNEY_MINIMUM else "NOT met"
        print(
            f"journey listing calls: {calls} (minimum {JOURNEY_MINIMUM}: two listings, "
            f"each with its status count): {met}"
        )
        for step, counts in number_journey_calls(client):
            said = ", ".join(f"{action} {count}" for action, count in sorted(counts.items()))
            print(f"number journey, {step}: {said or 'no call'}")
        for role, headers in SIGNED_IN_AS.items():
            client = Client(SERVER_NAME="127.0.0.1", headers=headers)
            for per_page in (25, 100):
                # No cache on either side: the swap asks CCC each time, as the bare view does.
                with override_settings(CCC_LISTING_CACHE_SECONDS=0):
                    swap, bare = swap_ratio(client, per_page, args.swaps)
                ratio = swap / bare
                print(
                    f"swap / bare JSON view at {per_page} rows, as {role}: {ratio:.2f} "
                    f"({swap * 1e3:.2f} ms / {bare * 1e3:.2f} ms; goal <= "
                    f"{GOALS[f'swap {per_page}']}): {verdict(f'swap {per_page}', ratio)}"
                )
        for role, headers in SIGNED_IN_AS.items():
            client = Client(SERVER_NAME="127.0.0.1", headers=headers)
            with (
                override_settings(CCC_LISTING_CACHE_SECONDS=0),
                table_alone(),
                timed(reading, "side_by_side") as reads,
            ):
                swap, bare = swap_ratio(client, 25, args.swaps)
            print(
                f"swap drawing its table alone / bare JSON view at 25 rows, as {role}: "
                f"{swap / bare:.2f} ({swap * 1e3:.2f} ms / {bare * 1e3:.2f} ms; the same reads "
                f"and rows without the controls around them)"
            )
            read = statistics.median(reads)
            print(
                f"the swap's reads alone / bare JSON view at 25 rows, as {role}: "
                f"{read / bare:.2f} ({read * 1e3:.2f} ms / {bare * 1e3:.2f} ms; its listing, "
                f"the status count asked beside it and the flows' names, side by side)"
            )
    rates = throughput(args.seconds, settings_module="cccadmin.settings", path=HOTLINE)
    slow, fast = rates[100], rates[0]
    ratio = slow.rate / fast.rate
    print(
        f"throughput with CCC 100 ms away / at 0 ms, {CLIENTS} clients: {ratio:.2f} "
        f"({slow.rate:.0f} / {fast.rate:.0f} requests/s; "
        f"statuses {slow.statuses} / {fast.statuses}; "
        f"goal >= {GOALS['throughput']}): {verdict('throughput', ratio)}"
    )
    # The same load on the bare view: what any view making this call reaches on this machine,
    # the load generator, the emulator and the server sharing its cores.
    floor = throughput(args.seconds, settings_module="benchmarks.bare_settings", path="/bare/")
    print(
        f"throughput floor, the bare view under the same load: "
        f"{floor[100].rate / floor[0].rate:.2f} "
        f"({floor[100].rate:.0f} / {floor[0].rate:.0f} requests/s)"
    )
    for seconds in args.slow:
        waited, status = slow_full_page(seconds)
        goal = seconds + SLOW_PAGE_MARGIN_SECONDS
        print(
            f"full page with every CCC call taking {seconds:g} s: {waited:.1f} s (HTTP {status}; "
            f"goal <= {goal:g} s): {verdict('slow', waited, goal)}"
        )


if __name__ == "__main__":
    main()
