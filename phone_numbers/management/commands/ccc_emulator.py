from django.core.management.base import BaseCommand

from phone_numbers.ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator
from phone_numbers.emulator_server import make_emulator_server


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
            "--latency-ms", type=float, default=0, help="delay every response this long"
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
        log_requests,
        **options,
    ):
        emulator = Emulator(
            credentials={access_key_id: access_key_secret},
            security_tokens={access_key_id: security_token} if security_token else None,
        )
        emulator.faults.latency = latency_ms / 1000
        server = make_emulator_server(emulator, port=port, quiet=not log_requests)
        self.stdout.write(
            f"CCC emulator on http://127.0.0.1:{server.server_port}/ "
            f"(access key id {access_key_id}); Ctrl-C stops it."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
