"""make soak: 32 clients against the production server for about a minute while CCC fails 5 %
of its calls (every fault kind), then the responses by status and the slowest wait.

It passes when every response is a 200 or one of the mapped 502, 503 and 504, and none waited
past the request budget (CCC_REQUEST_BUDGET) and a second for the server itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from django.conf import settings

from benchmarks.client_vs_sdk import emulator_process
from benchmarks.dashboard import CLIENTS, collect_static, load, production_server

# Five per cent of all CCC calls in all: each kind a share, slow ones past half the budget.
FAULTS = (
    "unavailable:0.01",
    "internal:0.01",
    "throttling:0.01",
    "slow:0.01",
    "malformed:0.005",
    "reset:0.005",
)
ANSWERED = {200, 502, 503, 504}
SERVER_SECONDS = 1.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long the load lasts")
    args = parser.parse_args(argv)
    collect_static()
    arguments = ["--latency-ms", "50", "--fault-delay-ms", "6000"]
    for fault in FAULTS:
        arguments += ["--fault", fault]
    with emulator_process(*arguments) as endpoint, production_server(endpoint) as port:
        soaked = load(port, args.seconds, full_pages_every=5)
    budget = settings.CCC_REQUEST_BUDGET
    unexpected = {status: n for status, n in soaked.statuses.items() if status not in ANSWERED}
    in_time = soaked.slowest <= budget + SERVER_SECONDS
    print(
        f"soak: {sum(soaked.statuses.values())} responses in {args.seconds:g} s to {CLIENTS} "
        f"clients, CCC failing {' '.join(FAULTS)}"
    )
    print(f"responses by status: {dict(sorted(soaked.statuses.items()))}")
    print(f"slowest response: {soaked.slowest:.1f} s (budget {budget:g} s)")
    passed = not unexpected and in_time
    print(
        "soak: " + ("passed" if passed else f"FAILED (unexpected {unexpected}, in time: {in_time})")
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
