"""The one CCC client of this process, built from settings, and whether it can reach CCC.

With no CCC_ENDPOINT the client talks to the embedded emulator in-process, so the whole client
path (signing, encoding, retries, error mapping) runs on every request even without an account.
"""

from __future__ import annotations

import os
import socket
import threading
from importlib import metadata

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ccc import AuthenticationError, CccClient, CccError
from ccc.budget import budget
from ccc.client import endpoint_url
from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator

from . import shared_cache

EMBEDDED_ENDPOINT = "http://ccc-emulator.embedded"
READINESS_CACHE_SECONDS = 5

_CREDENTIAL_SETTINGS = (
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "CCC_ACCESS_KEY_ID"),
    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "CCC_ACCESS_KEY_SECRET"),
)
_SECURITY_TOKEN_SETTING = ("ALIBABA_CLOUD_SECURITY_TOKEN", "CCC_SECURITY_TOKEN")


class CccNotConfigured(ImproperlyConfigured):
    """CCC_ENDPOINT or its credentials are missing or malformed."""


def missing_credential_settings() -> list[str]:
    """The environment variables a configured CCC endpoint still needs."""
    if not settings.CCC_ENDPOINT:
        return []
    return [variable for variable, name in _CREDENTIAL_SETTINGS if not getattr(settings, name)]


def unusable_ccc_settings() -> list[str]:
    """What is wrong with the CCC endpoint and credentials that are set, a sentence each."""
    if not settings.CCC_ENDPOINT:
        return []
    problems = []
    endpoint = endpoint_url(settings.CCC_ENDPOINT)
    try:
        url = httpx.URL(endpoint)
    except httpx.InvalidURL:
        url = None
    if (
        url is None
        or url.scheme not in ("http", "https")
        or not url.host
        or not _is_printable_ascii(endpoint)
        or url.raw_path not in (b"", b"/")
        or "?" in endpoint
        or "#" in endpoint
    ):
        problems.append(
            f"CCC_ENDPOINT ({settings.CCC_ENDPOINT!r}) is not a URL or host name such as "
            "https://ccc.cn-shanghai.aliyuncs.com or http://127.0.0.1:8765."
        )
    unusable = [
        variable
        for variable, name in (*_CREDENTIAL_SETTINGS, _SECURITY_TOKEN_SETTING)
        if not _is_printable_ascii(getattr(settings, name))
    ]
    if unusable:
        problems.append(
            f"{' and '.join(unusable)} must be ASCII without spaces, as Alibaba Cloud "
            "credentials are: check for a pasted typographic character or line break."
        )
    return problems


def _is_printable_ascii(value: str) -> bool:
    return value.isascii() and value.isprintable() and " " not in value


def _user_agent() -> str:
    return f"cccadmin/{metadata.version('cccadmin')} httpx/{httpx.__version__}"


def build_client(*, emulator: Emulator | None = None) -> CccClient:
    """A client from settings: CCC_ENDPOINT and its credentials, or, without an endpoint, the
    embedded emulator (`emulator`, or a new one with the demo data)."""
    if not settings.CCC_ENDPOINT:
        return CccClient(
            endpoint=EMBEDDED_ENDPOINT,
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            timeout=settings.CCC_TIMEOUT,
            transport=httpx.WSGITransport(app=emulator or Emulator()),
            user_agent=_user_agent(),
            max_connections=settings.CCC_MAX_CONNECTIONS,
        )
    problems = unusable_ccc_settings()
    if problems:
        raise CccNotConfigured(" ".join(problems))
    missing = missing_credential_settings()
    if missing:
        raise CccNotConfigured(
            f"CCC_ENDPOINT is set but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not: set it in the environment."
        )
    return CccClient(
        endpoint=settings.CCC_ENDPOINT,
        access_key_id=settings.CCC_ACCESS_KEY_ID,
        access_key_secret=settings.CCC_ACCESS_KEY_SECRET,
        security_token=settings.CCC_SECURITY_TOKEN or None,
        timeout=settings.CCC_TIMEOUT,
        user_agent=_user_agent(),
        max_connections=settings.CCC_MAX_CONNECTIONS,
    )


_client_lock = threading.Lock()
_client: CccClient | None = None


def ccc_client() -> CccClient:
    """This process's client, and so its one connection pool, built on first use (once, even
    when the first requests arrive together)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = build_client()
        return _client


def use_client(client: CccClient | None) -> CccClient | None:
    """Make `client` this process's client (None: build one from settings on next use) and
    return the one it replaces, which the caller closes."""
    global _client
    with _client_lock:
        replaced, _client = _client, client
        return replaced


def readiness_problem() -> str:
    """ "" when a signed ListInstances succeeds, else a short, non-sensitive reason.

    Cached briefly, so a fleet of probes costs CCC one call per replica every few seconds.
    """
    # Keyed per process: with a shared cache, one replica's success must not hide another's fault.
    key = shared_cache.key("readiness", socket.gethostname(), os.getpid())
    problem = shared_cache.get(key)
    if problem is None:
        try:
            with budget(settings.CCC_READINESS_BUDGET):
                ccc_client().list_instances(page_number=1, page_size=1)
            problem = ""
        except CccNotConfigured:
            problem = "CCC settings are missing or malformed (see manage.py check)"
        except AuthenticationError:
            problem = "CCC refused the credentials"
        except CccError as error:
            problem = f"CCC is unavailable ({type(error).__name__})"
        shared_cache.put(key, problem, READINESS_CACHE_SECONDS)
    return problem
