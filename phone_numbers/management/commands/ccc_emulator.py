import argparse
import math

from django.core.management.base import BaseCommand, CommandError

from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, FaultKind
from ccc.emulator.faults import FaultRule
from phone_numbers.emulator_server import make_emulator_server

FAULT_SPEC = "KIND:RATE[:ACTION]"
FAULT_KINDS = ", ".join(kind.value for kind in FaultKind)


def fault_rule(spec: str) -> FaultRule:
    """`--fault KIND:RATE[:ACTION]`, e.g. `unavailable:0.1` or `slow:1:ListInstances`."""
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(
            f"{spec!r} is not {FAULT_SPEC}, such as unavailable:0.1 or "
            "slow:1:ListPhoneNumbersOfSkillGroup"
        )
    kind, rate, *action = (part.strip() for part in parts)
    if kind.lower() not in {k.value for k in FaultKind}:
        raise argparse.ArgumentTypeError(
            f"unknown fault kind {kind!r} in {spec!r}; choose from {FAULT_KINDS}"
        )
    if rate.endswith("%"):
        raise argparse.ArgumentTypeError(
            f"rate {rate!r} in {spec!r}: give a fraction in (0, 1], such as 0.5 for 50%"
        )
    try:
        value = float(rate)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"rate {rate!r} in {spec!r} is not a number; give a fraction in (0, 1], such as 0.1"
        ) from None
    if not math.isfinite(value) or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"rate {rate!r} in {spec!r} is outside (0, 1]; give a fraction such as 0.1"
        )
    if action and not action[0]:
        raise argparse.ArgumentTypeError(
            f"empty ACTION in {spec!r}; name an action or leave out the second ':'"
        )
    return FaultRule(FaultKind(kind.lower()), value, action[0] if action else None)


def milliseconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of milliseconds") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{value!r}: give zero or more milliseconds")
    return number


def whole_milliseconds(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number of milliseconds"
        ) from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r}: give zero or more milliseconds")
    return number


class Command(BaseCommand):
    help = "Serve the CCC OpenAPI emulator with its demo data on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--access-key-id", default=DEMO_ACCESS_KEY_ID)
        parser.add_argument(
            "--access-key-secret",
            default=DEMO_ACCESS_KEY_SECRET,
            help="the secret requests must be signed with (defaults to the demo secret)",
        )
        parser.add_argument(
            "--security-token", default="", help="require this STS token with the access key"
        )
        parser.add_argument(
            "--latency-ms", type=milliseconds, default=0, help="delay every response this long"
        )
        parser.add_argument(
            "--fault",
            dest="faults",
            metavar=FAULT_SPEC,
            type=fault_rule,
            action="append",
            default=[],
            help=(
                f"answer this share of requests (RATE in (0, 1]) with a fault, for one action "
                f"or all; KIND is one of {FAULT_KINDS}; repeatable"
            ),
        )
        parser.add_argument(
            "--fault-delay-ms",
            type=milliseconds,
            default=3000,
            help="how long a slow fault waits before answering (default 3000)",
        )
        parser.add_argument(
            "--fault-retry-after-ms",
            type=whole_milliseconds,
            default=None,
            help="the x-acs-retry-after a throttling fault sends (default: none)",
        )
        parser.add_argument(
            "--fault-seed",
            type=int,
            default=None,
            help="seed the faults' random draws to repeat a run (default: a random seed)",
        )
        parser.add_argument("--log-requests", action="store_true", help="log every request")

    def handle(
        self,
        *args,
        port,
        access_key_id,
        access_key_secret,
        security_token,
        latency_ms,
        faults,
        fault_delay_ms,
        fault_retry_after_ms,
        fault_seed,
        log_requests,
        **options,
    ):
        emulator = Emulator(
            credentials={access_key_id: access_key_secret},
            security_tokens={access_key_id: security_token} if security_token else None,
        )
        for rule in faults:
            if rule.action is not None and rule.action not in emulator.actions:
                raise CommandError(
                    f"--fault: unknown action {rule.action!r}; the emulator answers "
                    f"{', '.join(sorted(emulator.actions))}",
                    returncode=2,
                )
        emulator.faults.latency = latency_ms / 1000
        emulator.faults.slow_delay = fault_delay_ms / 1000
        emulator.faults.throttle_retry_after_ms = fault_retry_after_ms
        emulator.faults.reseed(fault_seed)
        for rule in faults:
            emulator.faults.add_rule(rule.kind, rule.rate, action=rule.action)
        server = make_emulator_server(emulator, port=port, quiet=not log_requests)
        knobs = emulator.faults.describe()
        self.stdout.write(
            f"CCC emulator on http://127.0.0.1:{server.server_port}/ "
            f"(access key id {access_key_id}{'; ' + knobs if knobs else ''}); "
            "Ctrl-C stops it."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
