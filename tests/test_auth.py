"""Who gets in: the dev, header and jwt modes, roles from groups, instance scoping, denial logs.

The middleware picks its authenticator when it is loaded, which Django's test client does on its
first request: every test sets the mode and its settings before the first request of a fresh
`client`. JWKS, keys and tokens are real and made here; the JWKS is served on 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client, RequestFactory

from ccc.emulator import Emulator
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_SKILL_GROUP_ID,
    InstanceRecord,
)
from phone_numbers.emulator_server import QuietRequestHandler
from portal.auth import Denied, JwtAuthenticator, identity_headers_repeated

from .pages import Html
from .servers import free_port

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = "/"
SKILL_GROUPS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/"
NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
BULK_SKILL_GROUPS = f"/instances/{BULK_INSTANCE_ID}/skill-groups/"
BULK_NUMBERS = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{BULK_SKILL_GROUP_ID}/numbers/"
PROXY = "10.0.3.7"
PROXY_V6 = "fd00:3::7"
STRANGER = "10.1.2.3"
ISSUER = "https://idp.example.com"
AUDIENCE = "cccadmin.example.com"
JWT_HEADER = "X-Pomerium-Jwt-Assertion"
NOT_SIGNED_IN = "You are not signed in. Open cccadmin through the company portal."


# -- helpers -----------------------------------------------------------------------------------


def signed_in_as(response) -> str:
    """What the page header says about the user ("alice · viewer"), "" when nothing."""
    header = re.search(r"<header\b.*?</header>", response.content.decode(), re.DOTALL)
    assert header, "no page header"
    assert Html(header.group(0)).text.startswith("cccadmin")
    user = re.search(r'<span[^>]*id="signed-in-as"[^>]*>(.*?)</span>', header.group(0), re.DOTALL)
    return Html(user.group(1)).text if user else ""


def page_text(response) -> str:
    return Html(response.content.decode()).text


def denials(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "portal.auth" and record.levelno == logging.WARNING
    ]


def assert_denial_logged(caplog, *, user: str, reason: str, peer: str) -> None:
    logged = denials(caplog)
    assert len(logged) == 1, logged
    assert f"user={user!r} " in logged[0]
    assert f"reason={reason!r}" in logged[0]
    assert f"peer={peer} " in logged[0]


@pytest.fixture(autouse=True)
def _capture_every_log(caplog) -> None:
    """Every logger at every level, so a token written anywhere would be seen."""
    caplog.set_level(logging.DEBUG)


# -- dev mode ----------------------------------------------------------------------------------


def test_dev_mode_lets_loopback_in_as_the_demo_editor(client: Client, app_emulator, caplog):
    response = client.get(INSTANCES)
    assert response.status_code == 200
    assert signed_in_as(response) == "dev@localhost · editor"
    assert not denials(caplog)


def test_dev_mode_accepts_ipv6_loopback(client: Client, app_emulator):
    response = client.get(INSTANCES, REMOTE_ADDR="::1")
    assert response.status_code == 200
    assert signed_in_as(response) == "dev@localhost · editor"


@pytest.mark.parametrize("peer", [STRANGER, "192.168.1.20", "fd00::1", ""])
def test_dev_mode_refuses_other_peers(client: Client, app_emulator, caplog, peer):
    response = client.get(INSTANCES, REMOTE_ADDR=peer)
    assert response.status_code == 403
    assert "Access denied." in page_text(response)
    assert signed_in_as(response) == ""
    assert app_emulator.request_count == 0
    assert_denial_logged(caplog, user="", reason="dev mode serves loopback only", peer=peer)


def test_dev_mode_ignores_identity_headers(client: Client, app_emulator):
    response = client.get(
        INSTANCES, headers={"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "cc-admins"}
    )
    assert signed_in_as(response) == "dev@localhost · editor"


# -- header mode -------------------------------------------------------------------------------


@pytest.fixture
def header_mode(settings, app_emulator):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = [f"{PROXY}/32", "fd00:3::/64"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_EDITOR_GROUPS = ["cc-admins"]
    return settings


def from_proxy(client: Client, path: str, peer: str = PROXY, **headers: str):
    return client.get(path, REMOTE_ADDR=peer, headers=headers)


def as_user(client: Client, path: str, groups: str, user: str = "alice", **headers: str):
    return from_proxy(
        client, path, **{"X-Forwarded-User": user, "X-Forwarded-Groups": groups, **headers}
    )


def test_header_mode_accepts_the_proxy_identity(client: Client, header_mode, caplog):
    response = as_user(
        client, INSTANCES, "cc-support", **{"X-Forwarded-Email": "alice@example.com"}
    )
    assert response.status_code == 200
    assert signed_in_as(response) == "alice · viewer"
    assert not denials(caplog)


def test_header_mode_takes_the_email_when_there_is_no_user(client: Client, header_mode):
    response = from_proxy(
        client,
        INSTANCES,
        **{"X-Forwarded-Email": "alice@example.com", "X-Forwarded-Groups": "cc-support"},
    )
    assert response.status_code == 200
    assert signed_in_as(response) == "alice@example.com · viewer"


@pytest.mark.parametrize("user", [None, "", "   "])
def test_header_mode_without_identity_is_not_signed_in(
    client: Client, header_mode, app_emulator, caplog, user
):
    headers = {"X-Forwarded-Groups": "cc-admins"}
    if user is not None:
        headers["X-Forwarded-User"] = user
    response = from_proxy(client, INSTANCES, **headers)
    assert response.status_code == 401
    text = page_text(response)
    assert "Not signed in" in text
    assert NOT_SIGNED_IN in text
    assert app_emulator.request_count == 0
    assert_denial_logged(caplog, user="", reason="no X-Forwarded-User header", peer=PROXY)


@pytest.mark.parametrize("peer", [STRANGER, "10.0.3.8", "127.0.0.1", "fd00:4::7", "not-an-ip"])
def test_header_mode_refuses_forged_headers_from_untrusted_peers(
    client: Client, header_mode, app_emulator, caplog, peer
):
    response = from_proxy(
        client,
        INSTANCES,
        peer,
        **{"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "cc-admins"},
    )
    assert response.status_code == 403
    assert "Access denied." in page_text(response)
    assert "mallory" not in response.content.decode()
    assert app_emulator.request_count == 0
    # The claimed name is logged (as a claim, not as the user) so the attempt can be traced.
    assert_denial_logged(
        caplog, user="", reason="peer is not a trusted proxy (claimed user 'mallory')", peer=peer
    )


@pytest.mark.parametrize(
    ("peer", "accepted"),
    [
        ("10.0.3.1", True),
        ("10.0.3.254", True),
        ("10.0.4.1", False),
        ("10.0.2.255", False),
        ("fd00:3::1", True),
        ("fd00:3::ffff:1", True),
        ("fd00:3:0:1::1", False),
        ("fd00:4::1", False),
    ],
)
def test_trusted_proxies_are_cidr_ranges_ipv4_and_ipv6(
    client: Client, settings, header_mode, peer, accepted
):
    settings.CCCADMIN_TRUSTED_PROXIES = ["10.0.3.0/24", "fd00:3::/64"]
    response = from_proxy(
        client, INSTANCES, peer, **{"X-Forwarded-User": "alice", "X-Forwarded-Groups": "cc-support"}
    )
    if accepted:
        assert response.status_code == 200
        assert signed_in_as(response) == "alice · viewer"
    else:
        assert response.status_code == 403


def test_ipv6_proxy_is_trusted_by_its_cidr(client: Client, header_mode):
    response = from_proxy(
        client,
        INSTANCES,
        PROXY_V6,
        **{"X-Forwarded-User": "alice", "X-Forwarded-Groups": "cc-admins"},
    )
    assert response.status_code == 200
    assert signed_in_as(response) == "alice · editor"


def test_header_names_are_configurable(client: Client, header_mode, settings, caplog):
    settings.CCCADMIN_AUTH_USER_HEADER = "X-Authentik-Username"
    settings.CCCADMIN_AUTH_EMAIL_HEADER = "X-Authentik-Email"
    settings.CCCADMIN_AUTH_GROUPS_HEADER = "X-Authentik-Groups"
    settings.CCCADMIN_AUTH_GROUPS_SEPARATOR = "|"
    renamed = from_proxy(
        client,
        INSTANCES,
        **{"X-Authentik-Username": "carol", "X-Authentik-Groups": "staff|cc-admins"},
    )
    assert renamed.status_code == 200
    assert signed_in_as(renamed) == "carol · editor"

    # The default names mean nothing once renamed.
    defaults = as_user(client, INSTANCES, "cc-admins", user="mallory")
    assert defaults.status_code == 401
    assert "mallory" not in defaults.content.decode()
    assert "no X-Authentik-Username header" in denials(caplog)[-1]


@pytest.mark.parametrize(
    ("separator", "groups", "role"),
    [
        (",", "staff,cc-support", "viewer"),
        (",", " staff , cc-admins ,", "editor"),
        (",", "staff|cc-admins", None),  # one group named "staff|cc-admins"
        ("|", "staff|cc-admins", "editor"),
        ("|", "staff | cc-support", "viewer"),
        ("|", "staff,cc-admins", None),
    ],
)
def test_groups_separator(client: Client, header_mode, settings, separator, groups, role):
    settings.CCCADMIN_AUTH_GROUPS_SEPARATOR = separator
    response = as_user(client, INSTANCES, groups)
    if role:
        assert response.status_code == 200
        assert signed_in_as(response) == f"alice · {role}"
    else:
        assert response.status_code == 403


def test_identity_is_read_on_every_request(client: Client, header_mode, caplog):
    first = as_user(client, INSTANCES, "cc-admins")
    assert first.status_code == 200
    assert signed_in_as(first) == "alice · editor"

    # Same client, cookies kept: nothing from the first request signs the second in.
    second = from_proxy(client, INSTANCES)
    assert second.status_code == 401
    assert signed_in_as(second) == ""
    assert set(client.cookies) <= {"csrftoken"}

    third = as_user(client, INSTANCES, "cc-support", user="bob")
    assert signed_in_as(third) == "bob · viewer"
    assert len(denials(caplog)) == 1


# -- header spelt with underscores, through real sockets ----------------------------------------


@contextmanager
def serving(app) -> Iterator[int]:
    """A WSGI app behind Django's runserver handler on a free loopback port."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietRequestHandler, allow_reuse_address=True)
    server.set_app(app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def raw_get(port: int, path: str, headers: list[tuple[str, str]]) -> tuple[int, str]:
    """GET over a socket with the header names exactly as given (http.client keeps them)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


UNDERSCORE_CASES = [
    pytest.param(
        [("X_Forwarded_User", "mallory"), ("X-Forwarded-Groups", "cc-admins")],
        401,
        "",
        id="underscore-user-alone",
    ),
    pytest.param(
        [
            ("X-Forwarded-User", "alice"),
            ("X-Forwarded-Groups", "cc-support"),
            ("X_Forwarded_User", "mallory"),
            ("X_Forwarded_Groups", "cc-admins"),
        ],
        200,
        "alice · viewer",
        id="underscore-beside-the-proxy-headers",
    ),
    pytest.param(
        [("X-Forwarded-User", "alice"), ("X-Forwarded-Groups", "cc-support")],
        200,
        "alice · viewer",
        id="control",
    ),
]


@pytest.mark.parametrize(("headers", "status", "shown"), UNDERSCORE_CASES)
def test_runserver_handler_drops_headers_with_underscores(
    header_mode, settings, headers, status, shown
):
    settings.CCCADMIN_TRUSTED_PROXIES = ["127.0.0.1/32"]
    with serving(WSGIHandler()) as port:
        got, body = raw_get(port, INSTANCES, headers)
    assert got == status
    assert "mallory" not in body
    if shown:
        assert f"{shown}</span>" in body


def gunicorn_environment(port: int) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "CCCADMIN_", "CCC_", "ALIBABA_CLOUD_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cccadmin.settings",
        DJANGO_DEBUG="true",  # static files from the source folders; no collectstatic
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        CCCADMIN_AUTH_MODE="header",
        CCCADMIN_TRUSTED_PROXIES="127.0.0.1/32",
        CCCADMIN_VIEWER_GROUPS="cc-support",
        CCCADMIN_EDITOR_GROUPS="cc-admins",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    )
    return env


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    """`gunicorn -c gunicorn.conf.py cccadmin.wsgi` on a free loopback port; output to a file."""
    port = free_port()
    output = tmp_path_factory.mktemp("gunicorn") / "output.log"
    with output.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "cccadmin.wsgi"],
            cwd=ROOT,
            env=gunicorn_environment(port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if raw_get(port, "/healthz", [])[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{output.read_text()}")
            time.sleep(0.1)
        yield port, output
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(("headers", "status", "shown"), UNDERSCORE_CASES)
def test_gunicorn_config_drops_headers_with_underscores(gunicorn_port, headers, status, shown):
    port, _ = gunicorn_port
    got, body = raw_get(port, INSTANCES, headers)
    assert got == status
    assert "mallory" not in body
    if shown:
        assert f"{shown}</span>" in body


def test_gunicorn_access_log_carries_no_headers(gunicorn_port):
    port, output = gunicorn_port
    assertion = "eyJhbGciOiJFUzI1NiJ9.not-for-the-log." + secrets.token_urlsafe(16)
    status, _ = raw_get(
        port, "/healthz", [("X-Pomerium-Jwt-Assertion", assertion), ("X-Forwarded-User", "al")]
    )
    assert status == 200
    deadline = time.monotonic() + 5
    while '"GET /healthz HTTP/1.1" 200' not in output.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = output.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in log
    assert assertion not in log
    assert "not-for-the-log" not in log


# -- an identity header sent twice, through gunicorn ------------------------------------------


def log_once_it_says(output: Path, text: str) -> str:
    """gunicorn's log once it holds `text` (it writes after answering), or as it is after 5 s."""
    deadline = time.monotonic() + 5
    while text not in output.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    return output.read_text()


REPEATED_CASES = [
    pytest.param(
        [
            ("X-Forwarded-User", "alice"),
            ("X-Forwarded-Groups", "cc-support"),
            ("X-Forwarded-Groups", "cc-admins"),
        ],
        "X-Forwarded-Groups",
        id="groups",
    ),
    pytest.param(
        [
            ("X-Forwarded-User", "alice"),
            ("x-forwarded-user", "mallory"),
            ("X-Forwarded-Groups", "cc-support"),
        ],
        "X-Forwarded-User",
        id="user-in-another-case",
    ),
    pytest.param(
        [
            ("X-Forwarded-Email", "alice@example.com"),
            ("X-Forwarded-Groups", "cc-support"),
            ("X-Forwarded-Email", "mallory@example.com"),
        ],
        "X-Forwarded-Email",
        id="email",
    ),
]


@pytest.mark.parametrize(("headers", "repeated"), REPEATED_CASES)
def test_gunicorn_refuses_an_identity_header_sent_twice(gunicorn_port, headers, repeated):
    """WSGI joins a repeated header with commas: "cc-support" and a second "cc-admins" would
    read as both groups, an editor's."""
    port, output = gunicorn_port
    status, body = raw_get(port, INSTANCES, headers)
    assert status == 400
    said = f"identity header sent more than once: {repeated}"
    assert said in body
    log = log_once_it_says(output, said)
    assert f"Invalid request from ip=127.0.0.1: {said}" in log
    # The names are said, never the values: in jwt mode a value is an assertion.
    for _, value in headers:
        assert value not in body
        assert value not in log


@pytest.mark.parametrize(
    ("mode", "names", "repeated"),
    [
        ("header", ["X-Forwarded-Groups", "Accept", "X-FORWARDED-GROUPS"], ["X-Forwarded-Groups"]),
        (
            "header",
            ["X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-For"] * 2,
            [
                "X-Forwarded-User",
                "X-Forwarded-Email",
            ],
        ),
        ("jwt", [JWT_HEADER, JWT_HEADER.lower(), "X-Forwarded-Groups"], [JWT_HEADER]),
        ("jwt", ["X-Forwarded-Groups"] * 2, []),
        ("dev", ["X-Forwarded-Groups"] * 2, []),
    ],
)
def test_the_identity_headers_checked_are_the_modes(settings, mode, names, repeated):
    settings.CCCADMIN_AUTH_MODE = mode
    assert identity_headers_repeated(names) == repeated


def test_renamed_identity_headers_are_the_ones_checked(settings):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_AUTH_GROUPS_HEADER = "X-Authentik-Groups"
    assert identity_headers_repeated(["X-Authentik-Groups"] * 2) == ["X-Authentik-Groups"]
    assert identity_headers_repeated(["X-Forwarded-Groups"] * 2) == []


def test_gunicorn_passes_other_headers_sent_twice(gunicorn_port):
    port, _ = gunicorn_port
    status, body = raw_get(
        port,
        INSTANCES,
        [
            ("X-Forwarded-User", "alice"),
            ("X-Forwarded-Groups", "cc-support"),
            ("Accept", "text/html"),
            ("Accept", "*/*"),
        ],
    )
    assert status == 200
    assert "alice · viewer</span>" in body


# -- roles and instance scoping ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ("cc-support", "viewer"),
        ("cc-admins", "editor"),
        ("cc-support,cc-admins", "editor"),
        ("cc-admins,cc-support,staff", "editor"),
    ],
)
def test_groups_decide_the_role(client: Client, header_mode, groups, role):
    response = as_user(client, INSTANCES, groups)
    assert response.status_code == 200
    assert signed_in_as(response) == f"alice · {role}"


@pytest.mark.parametrize("groups", ["staff", "", "CC-SUPPORT", "cc-support-old"])
def test_a_user_in_no_role_group_is_told_so(
    client: Client, header_mode, app_emulator, caplog, groups
):
    response = as_user(client, INSTANCES, groups)
    assert response.status_code == 403
    text = page_text(response)
    assert "Access denied" in text
    assert (
        "You are signed in as alice, but not in a group that may use cccadmin. "
        "Ask your administrator for access."
    ) in text
    assert app_emulator.request_count == 0
    assert_denial_logged(caplog, user="alice", reason="in no viewer or editor group", peer=PROXY)


@pytest.fixture
def scoped(header_mode, settings):
    settings.CCCADMIN_INSTANCE_ACCESS = {
        "support": [EXAMPLE_INSTANCE_ID],
        "everything": ["*"],
        "bulk-team": [BULK_INSTANCE_ID],
    }
    return settings


def test_one_allowed_instance_goes_straight_to_its_skill_groups(
    client: Client, scoped, app_emulator
):
    response = as_user(client, INSTANCES, "cc-support,support")
    assert response.status_code == 302
    assert response["Location"] == SKILL_GROUPS


def test_the_instance_list_shows_only_allowed_instances(
    client: Client, scoped, app_emulator: Emulator
):
    app_emulator.instances["ccc-extra"] = InstanceRecord(
        "ccc-extra", "CCC extra", "Another contact center", 1609459200000
    )
    scoped.CCCADMIN_INSTANCE_ACCESS = {"support": [EXAMPLE_INSTANCE_ID, "ccc-extra"]}
    response = as_user(client, INSTANCES, "cc-support,support")
    assert response.status_code == 200
    links = [href for href, _ in Html(response.content.decode()).links if "/instances/" in href]
    assert links == [SKILL_GROUPS, "/instances/ccc-extra/skill-groups/"]
    assert BULK_INSTANCE_ID not in response.content.decode()


def test_a_role_without_instances_sees_an_empty_list(client: Client, scoped, app_emulator):
    response = as_user(client, INSTANCES, "cc-support")
    assert response.status_code == 200
    assert "There are no contact center instances you may see." in page_text(response)
    assert "/instances/" not in response.content.decode()


@pytest.mark.parametrize("groups", ["cc-support,everything", "cc-support,support,bulk-team"])
def test_star_or_every_instance_sees_all(client: Client, scoped, app_emulator, groups):
    response = as_user(client, INSTANCES, groups)
    assert response.status_code == 200
    links = [href for href, _ in Html(response.content.decode()).links if "/instances/" in href]
    assert links == [SKILL_GROUPS, BULK_SKILL_GROUPS]
    assert as_user(client, BULK_NUMBERS, groups).status_code == 200


@pytest.mark.parametrize("path", [BULK_SKILL_GROUPS, BULK_NUMBERS, f"{BULK_NUMBERS}?view=eligible"])
def test_a_shared_link_to_another_instance_is_refused_by_name(
    client: Client, scoped, app_emulator, caplog, path
):
    response = as_user(client, path, "cc-support,support")
    assert response.status_code == 403
    assert b"<html" in response.content
    text = page_text(response)
    assert f"You do not have access to instance “{BULK_INSTANCE_ID}”." in text
    assert signed_in_as(response) == "alice · viewer"
    assert app_emulator.request_count == 0
    assert_denial_logged(
        caplog,
        user="alice",
        reason=f"instance {BULK_INSTANCE_ID} is outside the user's scope",
        peer=PROXY,
    )
    assert as_user(client, NUMBERS, "cc-support,support").status_code == 200


@pytest.mark.parametrize("path", [BULK_SKILL_GROUPS, f"{BULK_NUMBERS}?q=0833"])
def test_an_htmx_request_to_another_instance_gets_the_refusal_fragment(
    client: Client, scoped, app_emulator, path
):
    response = as_user(client, path, "cc-support,support", **{"HX-Request": "true"})
    assert response.status_code == 403
    content = response.content.decode()
    assert "<html" not in content
    assert "<header" not in content
    assert 'role="alert"' in content
    assert f"You do not have access to instance “{BULK_INSTANCE_ID}”." in page_text(response)
    # The same URL answers a full page without HX-Request: caches must keep them apart.
    assert "HX-Request" in [value.strip() for value in response["Vary"].split(",")]

    restore = as_user(
        client,
        path,
        "cc-support,support",
        **{"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert restore.status_code == 403
    assert b"<html" in restore.content


def test_an_htmx_request_without_identity_gets_a_fragment(client: Client, header_mode):
    response = from_proxy(client, NUMBERS, **{"HX-Request": "true"})
    assert response.status_code == 401
    assert b"<html" not in response.content
    assert NOT_SIGNED_IN in page_text(response)


def test_dev_mode_is_not_scoped(client: Client, settings, app_emulator):
    settings.CCCADMIN_INSTANCE_ACCESS = {"support": [EXAMPLE_INSTANCE_ID]}
    response = client.get(BULK_NUMBERS)
    assert response.status_code == 200


# -- jwt mode ----------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_int(value: int, length: int | None = None) -> str:
    return b64url(value.to_bytes(length or (value.bit_length() + 7) // 8, "big"))


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "kid": kid,
        "use": "sig",
        "alg": "RS256",
        "n": b64url_int(numbers.n),
        "e": b64url_int(numbers.e),
    }


def ec_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "kid": kid,
        "use": "sig",
        "alg": "ES256",
        "x": b64url_int(numbers.x, 32),
        "y": b64url_int(numbers.y, 32),
    }


@dataclass
class Keys:
    rsa: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    other_rsa: rsa.RSAPrivateKey  # published nowhere
    other_ec: ec.EllipticCurvePrivateKey  # published nowhere

    def jwks(self) -> dict:
        return {"keys": [rsa_jwk(self.rsa, "rsa-1"), ec_jwk(self.ec, "ec-1")]}


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys(
        rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec=ec.generate_private_key(ec.SECP256R1()),
        other_rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        other_ec=ec.generate_private_key(ec.SECP256R1()),
    )


class JwksServer:
    """Serves `body` (the JWKS) on 127.0.0.1 and counts the fetches."""

    def __init__(self, body: dict) -> None:
        self.body: bytes = json.dumps(body).encode()
        self.status = 200
        self.fetches = 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.fetches += 1
                self.send_response(jwks.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(jwks.body)))
                self.end_headers()
                self.wfile.write(jwks.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def publish(self, body: dict) -> None:
        self.body = json.dumps(body).encode()


@pytest.fixture
def jwks_server(keys: Keys) -> Iterator[JwksServer]:
    served = JwksServer(keys.jwks())
    served.thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()
    served.thread.join(timeout=5)


@pytest.fixture
def jwt_mode(settings, jwks_server: JwksServer, app_emulator):
    settings.CCCADMIN_AUTH_MODE = "jwt"
    settings.CCCADMIN_JWT_JWKS_URL = jwks_server.url
    settings.CCCADMIN_JWT_ISSUER = ISSUER
    settings.CCCADMIN_JWT_AUDIENCE = AUDIENCE
    settings.CCCADMIN_JWT_ALGORITHMS = ["RS256", "ES256"]
    settings.CCCADMIN_JWT_JWKS_TIMEOUT = 0.5
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_EDITOR_GROUPS = ["cc-admins"]
    return settings


def claims(**overrides) -> dict:
    now = int(time.time())
    values = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1234",
        "email": "alice@example.com",
        "groups": ["cc-support"],
        "iat": now,
        "exp": now + 300,
        **overrides,
    }
    return {name: value for name, value in values.items() if value is not None}


def rs256(keys: Keys, kid: str = "rsa-1", **overrides) -> str:
    return jwt.encode(claims(**overrides), keys.rsa, algorithm="RS256", headers={"kid": kid})


def es256(keys: Keys, kid: str = "ec-1", **overrides) -> str:
    return jwt.encode(claims(**overrides), keys.ec, algorithm="ES256", headers={"kid": kid})


def unsigned(header: dict, payload: dict) -> str:
    """A token crafted by hand, header and payload as given, without a signature yet."""
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"


def alg_none(keys: Keys) -> str:
    return unsigned({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, claims()) + "."


def hs256_with_the_public_key(keys: Keys) -> str:
    """Algorithm confusion: HMAC keyed with the RSA public key, which anyone can fetch."""
    secret = keys.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, claims())
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def tampered(keys: Keys) -> str:
    """A valid token whose payload was swapped for one granting the editor group."""
    header, _, signature = rs256(keys).split(".")
    payload = b64url(json.dumps(claims(groups=["cc-admins"])).encode())
    return f"{header}.{payload}.{signature}"


def with_assertion(client: Client, token: str, path: str = INSTANCES, **headers: str):
    return client.get(path, headers={JWT_HEADER: token, **headers})


def assert_token_kept_secret(token: str, response, caplog) -> None:
    signature = token.rsplit(".", 1)[-1]
    content = response.content.decode()
    assert token not in content
    assert token not in caplog.text
    if len(signature) > 10:
        assert signature not in content
        assert signature not in caplog.text


def test_jwt_rs256_assertion_is_accepted(client: Client, jwt_mode, keys, jwks_server, caplog):
    token = rs256(keys)
    response = with_assertion(client, token)
    assert response.status_code == 200
    assert signed_in_as(response) == "alice@example.com · viewer"
    assert not denials(caplog)
    assert_token_kept_secret(token, response, caplog)
    # The key set is fetched once and kept.
    assert with_assertion(client, token).status_code == 200
    assert jwks_server.fetches == 1


def test_jwt_es256_assertion_is_accepted(client: Client, jwt_mode, keys, caplog):
    token = es256(keys, email="erin@example.com", groups=["staff", "cc-admins"])
    response = with_assertion(client, token)
    assert response.status_code == 200
    assert signed_in_as(response) == "erin@example.com · editor"
    assert_token_kept_secret(token, response, caplog)


def test_jwt_single_group_as_a_string(client: Client, jwt_mode, keys):
    response = with_assertion(client, es256(keys, groups="cc-admins"))
    assert signed_in_as(response) == "alice@example.com · editor"


def test_jwt_claim_names_are_configurable(client: Client, jwt_mode, keys):
    jwt_mode.CCCADMIN_JWT_USER_CLAIM = "preferred_username"
    jwt_mode.CCCADMIN_JWT_GROUPS_CLAIM = "roles"
    response = with_assertion(client, rs256(keys, preferred_username="bob", roles=["cc-admins"]))
    assert response.status_code == 200
    assert signed_in_as(response) == "bob · editor"

    # The default claims no longer count: no user claim, or groups in the wrong claim.
    assert with_assertion(client, rs256(keys)).status_code == 401
    wrong_claim = with_assertion(
        client, rs256(keys, preferred_username="bob", groups=["cc-admins"])
    )
    assert wrong_claim.status_code == 403


def test_jwt_header_name_is_configurable(client: Client, jwt_mode, keys):
    jwt_mode.CCCADMIN_JWT_HEADER = "Cf-Access-Jwt-Assertion"
    token = rs256(keys)
    assert with_assertion(client, token).status_code == 401
    response = client.get(INSTANCES, headers={"Cf-Access-Jwt-Assertion": token})
    assert response.status_code == 200


def test_jwt_expired_within_the_leeway_is_accepted(client: Client, jwt_mode, keys):
    now = int(time.time())
    response = with_assertion(client, rs256(keys, iat=now - 600, exp=now - 10))
    assert response.status_code == 200


def test_jwt_leeway_is_configurable(client: Client, jwt_mode, keys):
    jwt_mode.CCCADMIN_JWT_LEEWAY = 0
    now = int(time.time())
    assert with_assertion(client, rs256(keys, iat=now - 600, exp=now - 10)).status_code == 401


REFUSED: list = [
    pytest.param(
        lambda k: rs256(k, aud="another-app.example.com"),
        "InvalidAudienceError",
        id="wrong-audience",
    ),
    pytest.param(
        lambda k: rs256(k, iss="https://evil.example.com"), "InvalidIssuerError", id="wrong-issuer"
    ),
    pytest.param(
        lambda k: jwt.encode(claims(), k.other_rsa, algorithm="RS256", headers={"kid": "rsa-1"}),
        "InvalidSignatureError",
        id="wrong-signature",
    ),
    pytest.param(
        lambda k: jwt.encode(claims(), k.other_ec, algorithm="ES256", headers={"kid": "ec-1"}),
        "InvalidSignatureError",
        id="wrong-ec-signature",
    ),
    pytest.param(tampered, "InvalidSignatureError", id="tampered-payload"),
    pytest.param(
        lambda k: rs256(k, iat=int(time.time()) - 900, exp=int(time.time()) - 120),
        "ExpiredSignatureError",
        id="expired-beyond-leeway",
    ),
    pytest.param(
        lambda k: rs256(k, nbf=int(time.time()) + 600), "ImmatureSignatureError", id="not-yet-valid"
    ),
    pytest.param(lambda k: rs256(k, exp=None), "MissingRequiredClaimError", id="no-expiry"),
    pytest.param(lambda k: rs256(k, aud=None), "MissingRequiredClaimError", id="no-audience"),
    pytest.param(alg_none, "InvalidAlgorithmError", id="alg-none"),
    pytest.param(hs256_with_the_public_key, "InvalidAlgorithmError", id="hs256-public-key"),
    pytest.param(lambda k: rs256(k, kid="rsa-unknown"), "PyJWKClientError", id="unknown-kid"),
    pytest.param(
        lambda k: jwt.encode(claims(), k.rsa, algorithm="RS256"), "PyJWKClientError", id="no-kid"
    ),
    pytest.param(lambda k: rs256(k, email=None), "lacks the email claim", id="no-user-claim"),
    pytest.param(lambda k: "not-a-token", "DecodeError", id="garbage"),
    pytest.param(lambda k: "a.b.c", "DecodeError", id="garbage-segments"),
]


@pytest.mark.parametrize(("make_token", "reason"), REFUSED)
def test_jwt_bad_assertions_are_refused(
    client: Client, jwt_mode, keys, app_emulator, caplog, make_token: Callable, reason: str
):
    token = make_token(keys)
    response = with_assertion(client, token)
    assert response.status_code == 401
    assert NOT_SIGNED_IN in page_text(response)
    assert signed_in_as(response) == ""
    assert app_emulator.request_count == 0
    logged = denials(caplog)
    assert len(logged) == 1, logged
    assert reason in logged[0]
    assert "peer=127.0.0.1 " in logged[0]
    assert_token_kept_secret(token, response, caplog)


def test_jwt_missing_assertion_is_refused(client: Client, jwt_mode, caplog):
    response = client.get(INSTANCES)
    assert response.status_code == 401
    assert_denial_logged(caplog, user="", reason=f"no {JWT_HEADER} header", peer="127.0.0.1")


def test_jwt_hs256_confusion_fails_even_if_hs256_were_allowed(client: Client, jwt_mode, keys):
    jwt_mode.CCCADMIN_JWT_ALGORITHMS = ["RS256", "HS256"]
    assert with_assertion(client, hs256_with_the_public_key(keys)).status_code == 401


def test_jwt_valid_assertion_in_no_group_is_forbidden(client: Client, jwt_mode, keys, caplog):
    token = rs256(keys, groups=["staff"])
    response = with_assertion(client, token)
    assert response.status_code == 403
    assert "You are signed in as alice@example.com, but not in a group" in page_text(response)
    assert_denial_logged(
        caplog, user="alice@example.com", reason="in no viewer or editor group", peer="127.0.0.1"
    )
    assert_token_kept_secret(token, response, caplog)


def test_jwt_scoping_applies_to_assertions(client: Client, jwt_mode, keys, app_emulator):
    jwt_mode.CCCADMIN_INSTANCE_ACCESS = {"support": [EXAMPLE_INSTANCE_ID]}
    token = es256(keys, groups=["cc-support", "support"])
    assert with_assertion(client, token, NUMBERS).status_code == 200
    refused = with_assertion(client, token, BULK_NUMBERS)
    assert refused.status_code == 403
    assert f"instance “{BULK_INSTANCE_ID}”" in page_text(refused)


def test_jwt_key_removed_from_the_jwks_stops_working(
    client: Client, jwt_mode, keys, jwks_server: JwksServer
):
    """Revoking a key at the IdP takes effect when the cached key set expires."""
    jwt_mode.CCCADMIN_JWT_JWKS_CACHE_SECONDS = 0.2
    old = rs256(keys)
    assert with_assertion(client, old).status_code == 200

    replacement = keys.other_rsa
    jwks_server.publish({"keys": [rsa_jwk(replacement, "rsa-2"), ec_jwk(keys.ec, "ec-1")]})
    time.sleep(0.3)
    assert with_assertion(client, old).status_code == 401
    new = jwt.encode(claims(), replacement, algorithm="RS256", headers={"kid": "rsa-2"})
    assert with_assertion(client, new).status_code == 200
    assert with_assertion(client, es256(keys)).status_code == 200
    assert jwks_server.fetches >= 2


@pytest.mark.parametrize(
    "broken",
    [b'["not", "a", "key set"]', b'{"keys": [{"kty": "RSA", "kid": "enc", "use": "enc"}]}'],
    ids=["not-an-object", "no-signing-key"],
)
def test_jwt_a_key_set_broken_when_refetched_for_an_unknown_kid_is_503(
    jwt_mode, keys, jwks_server: JwksServer, broken
):
    """An unknown kid refetches the key set; if that comes back broken, the IdP is at fault."""
    authenticator = JwtAuthenticator()
    authenticator.jwks.cooldown_duration = 0  # refetch at once, not after PyJWT's 30 s
    request = RequestFactory().get("/", headers={JWT_HEADER: rs256(keys)})
    assert authenticator.authenticate(request).username
    unknown_kid = jwt.encode(claims(), keys.other_rsa, algorithm="RS256", headers={"kid": "new"})

    jwks_server.body = broken
    with pytest.raises(Denied) as refused:
        authenticator.authenticate(RequestFactory().get("/", headers={JWT_HEADER: unknown_kid}))
    assert refused.value.status == 503
    assert refused.value.reason.startswith("JWKS unusable")

    jwks_server.publish(keys.jwks())
    with pytest.raises(Denied) as refused:
        authenticator.authenticate(RequestFactory().get("/", headers={JWT_HEADER: unknown_kid}))
    assert refused.value.status == 401  # a good key set without the kid: the token is at fault
    assert jwks_server.fetches == 3


def blackhole() -> socket.socket:
    """A listening socket that never answers: connections queue up and hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    return listener


@pytest.mark.parametrize("where", ["closed-port", "never-answers"])
def test_jwt_unreachable_jwks_refuses_quickly(
    client: Client, jwt_mode, keys, app_emulator, caplog, where
):
    with blackhole() as listener:
        port = listener.getsockname()[1]
        if where == "closed-port":
            listener.close()
        jwt_mode.CCCADMIN_JWT_JWKS_URL = f"http://127.0.0.1:{port}/jwks.json"
        jwt_mode.CCCADMIN_JWT_JWKS_TIMEOUT = 0.3
        token = rs256(keys)
        started = time.monotonic()
        response = with_assertion(client, token)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 2
    assert "Sign-in could not be checked right now. Try again in a moment." in page_text(response)
    assert app_emulator.request_count == 0
    logged = denials(caplog)
    assert len(logged) == 1
    assert "reason='JWKS unreachable" in logged[0]
    assert_token_kept_secret(token, response, caplog)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, b'{"error": "down"}', "JWKS unreachable: PyJWKClientConnectionError"),
        (502, b"", "JWKS unreachable: PyJWKClientConnectionError"),
        (200, b"<html>maintenance</html>", "JWKS unusable: JSONDecodeError"),
        (200, b'["not", "a", "key set"]', "JWKS unusable: PyJWKClientError"),
        (200, b'{"keys": []}', "JWKS unusable: PyJWKSetError"),
        (200, b'{"keys": [{"kty": "RSA", "kid": "half-a-key"}]}', "JWKS unusable: PyJWKSetError"),
        (200, b"\x80\x81 not even UTF-8", "JWKS unusable: UnicodeDecodeError"),
    ],
    ids=[
        "server-error",
        "bad-gateway",
        "not-json",
        "not-an-object",
        "no-keys",
        "no-usable-key",
        "not-utf-8",
    ],
)
def test_jwt_broken_jwks_refuses_with_503(
    client: Client, jwt_mode, keys, jwks_server: JwksServer, caplog, status, body, reason
):
    """An IdP whose key set cannot be fetched or used is a service problem, not the user's."""
    jwks_server.status = status
    jwks_server.body = body
    token = rs256(keys)
    response = with_assertion(client, token)
    assert response.status_code == 503
    assert "Sign-in could not be checked right now." in page_text(response)
    assert reason in denials(caplog)[0]
    assert_token_kept_secret(token, response, caplog)


def test_an_ipv4_proxy_seen_as_ipv4_mapped_ipv6_is_trusted(settings, client):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = ["10.0.3.7/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["support"]
    headers = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "support"}

    mapped = client.get("/healthz", REMOTE_ADDR="::ffff:10.0.3.7")
    assert mapped.status_code == 200
    assert (
        client.get(
            "/instances/ccc-test/skill-groups/", headers=headers, REMOTE_ADDR="::ffff:10.0.3.7"
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/instances/ccc-test/skill-groups/", headers=headers, REMOTE_ADDR="::ffff:10.0.3.8"
        ).status_code
        == 403
    )


def test_pages_are_private_to_the_user(client, app_emulator):
    response = client.get("/instances/ccc-test/skill-groups/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_a_forged_line_break_cannot_split_the_denial_log(settings, client, caplog):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = ["10.0.3.7/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["support"]
    caplog.set_level(logging.WARNING, logger="portal.auth")

    client.get("/%0Aaccess%20granted:%20user=admin", REMOTE_ADDR="10.9.9.9")

    logged = denials(caplog)
    assert len(logged) == 1
    assert "\n" not in logged[0]


@pytest.mark.parametrize("groups", [7, {"cc-admins": True}, ["cc-support", 3]])
def test_jwt_groups_claim_of_the_wrong_shape_is_refused(client: Client, jwt_mode, keys, groups):
    response = with_assertion(client, rs256(keys, groups=groups))
    assert response.status_code == 401


def test_jwt_mode_can_also_require_the_proxy(client: Client, jwt_mode, keys, caplog):
    jwt_mode.CCCADMIN_TRUSTED_PROXIES = ["10.0.3.8/32"]
    token = rs256(keys)

    via_proxy = client.get(INSTANCES, headers={JWT_HEADER: token}, REMOTE_ADDR="10.0.3.8")
    assert via_proxy.status_code == 200
    replayed = client.get(INSTANCES, headers={JWT_HEADER: token}, REMOTE_ADDR="203.0.113.5")
    assert replayed.status_code == 403
    assert "peer is not a trusted proxy" in denials(caplog)[-1]
    assert_token_kept_secret(token, replayed, caplog)
