"""Running the app's settings in a fresh interpreter with a controlled environment."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Variables the settings read; none leaks into a subprocess from this one.
OWN_PREFIXES = (
    "DJANGO_",
    "CCCADMIN_",
    "CCC_",
    "ALIBABA_CLOUD_",
    "CSRF_",
    "CACHE_URL",
    "DATABASE_URL",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
)
# What `make serve` needs beyond DJANGO_DEBUG=false and a secret (see docs/deployment.md's example).
PRODUCTION = {
    "CCCADMIN_AUTH_MODE": "header",
    "CCCADMIN_TRUSTED_PROXIES": "10.0.3.7/32",
    "CCCADMIN_VIEWER_GROUPS": "cc-support",
    "CCCADMIN_EDITOR_GROUPS": "cc-admins",
    "CCCADMIN_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "DJANGO_ALLOWED_HOSTS": "cccadmin.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://cccadmin.example.com",
    # Shared by the workers (nothing connects to it during a check).
    "CACHE_URL": "redis://127.0.0.1:6379/0",
}
# A real CCC account's settings, as check --deploy requires; nothing here ever contacts it
# (the discard port on loopback, should anything try).
CCC_ACCOUNT = {
    "CCC_ENDPOINT": "http://127.0.0.1:9",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tTestOnlyKeyId",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "test-only-secret",
}


def environment(**variables: str | None) -> dict[str, str]:
    """This process's environment without the app's settings, DEBUG off, a strong secret.

    DJANGO_DEBUG is set to false rather than dropped, so a developer's .env cannot turn it on.
    A variable given as None is left out.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith(OWN_PREFIXES)}
    env.update(
        DJANGO_SETTINGS_MODULE="cccadmin.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    )
    env.update(variables)
    return {name: value for name, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def django_code(code: str, **variables: str | None) -> subprocess.CompletedProcess[str]:
    """Runs `code` after django.setup() in a fresh interpreter."""
    return run(["-c", f"import django\ndjango.setup()\n{code}"], environment(**variables))


def settings_of(*names: str, **variables: str | None) -> dict:
    """The named settings as a fresh process computes them from `variables`."""
    done = django_code(
        "import json\nfrom django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))",
        **variables,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def manage(*args: str, **variables: str | None) -> subprocess.CompletedProcess[str]:
    return run(["manage.py", *args], environment(**variables))
