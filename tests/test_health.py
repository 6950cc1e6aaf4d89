"""/healthz and /readyz: no sign-in; liveness asks nothing upstream, readiness a cached CCC call."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import stamina
from django.core.cache import cache
from django.test import Client

from ccc.emulator import Emulator
from phone_numbers import connection

pytestmark = pytest.mark.django_db  # /readyz reports the job queue, read from the database

WRONG_SECRET = "not-the-secret-the-emulator-knows"
# An empty queue, as /readyz reports it.
NO_QUEUE = {"waiting": 0, "oldest_waiting_seconds": 0, "worker_last_seen": None}


@pytest.fixture
def header_mode(settings):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = ["10.0.3.7/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    return settings


def assert_not_cacheable(response) -> None:
    assert "no-store" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_without_asking_ccc(client: Client, app_emulator):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert_not_cacheable(response)
    assert app_emulator.request_count == 0


@pytest.mark.parametrize("peer", ["10.1.2.3", "fd00::1"])
def test_probes_need_no_sign_in_in_dev_mode(client: Client, app_emulator, peer):
    assert client.get("/", REMOTE_ADDR=peer).status_code == 403
    assert client.get("/healthz", REMOTE_ADDR=peer).status_code == 200
    assert client.get("/readyz", REMOTE_ADDR=peer).status_code == 200


@pytest.mark.parametrize(("peer", "refusal"), [("10.0.3.7", 401), ("10.1.2.3", 403)])
def test_probes_need_no_sign_in_in_header_mode(
    client: Client, header_mode, app_emulator, peer, refusal
):
    assert client.get("/", REMOTE_ADDR=peer).status_code == refusal
    requests_before = app_emulator.request_count
    healthz = client.get("/healthz", REMOTE_ADDR=peer)
    assert healthz.status_code == 200
    assert app_emulator.request_count == requests_before
    readyz = client.get("/readyz", REMOTE_ADDR=peer)
    assert readyz.status_code == 200
    assert readyz.json() == {"status": "ready", "queue": NO_QUEUE}


def test_probes_need_no_sign_in_in_jwt_mode_even_with_the_idp_down(
    client: Client, settings, app_emulator
):
    settings.CCCADMIN_AUTH_MODE = "jwt"
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.CCCADMIN_JWT_JWKS_URL = f"http://127.0.0.1:{port}/jwks.json"  # nothing listens
    settings.CCCADMIN_JWT_ISSUER = "https://idp.example.com"
    settings.CCCADMIN_JWT_AUDIENCE = "cccadmin.example.com"
    settings.CCCADMIN_JWT_JWKS_TIMEOUT = 0.3
    settings.CCCADMIN_EDITOR_GROUPS = ["cc-admins"]
    assert client.get("/").status_code == 401
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_readyz_is_ready_when_ccc_answers(client: Client, app_emulator):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "queue": NO_QUEUE}
    assert_not_cacheable(response)
    assert app_emulator.request_count == 1


def test_readyz_caches_the_answer(client: Client, app_emulator):
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert app_emulator.request_count == 1
    cache.clear()  # as if the few seconds had passed
    assert client.get("/readyz").status_code == 200
    assert app_emulator.request_count == 2


def test_readyz_over_a_socket(client: Client, served_emulator: Emulator):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert served_emulator.request_count == 1


def test_readyz_reports_refused_credentials(client: Client, settings, served_emulator: Emulator):
    settings.CCC_ACCESS_KEY_SECRET = WRONG_SECRET
    connection.use_client(None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "problem": "CCC refused the credentials",
        "queue": NO_QUEUE,
    }
    assert WRONG_SECRET.encode() not in response.content
    assert_not_cacheable(response)
    assert served_emulator.request_count == 1
    # The failure is cached too: a fleet of probes does not hammer CCC with a bad key.
    assert client.get("/readyz").status_code == 503
    assert served_emulator.request_count == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [("CCC_ACCESS_KEY_SECRET", ""), ("CCC_ENDPOINT", "https://ccc.example.com:port")],
    ids=["missing-secret", "malformed-endpoint"],
)
def test_readyz_reports_unusable_settings_without_calling(
    client: Client, settings, served_emulator: Emulator, name, value
):
    setattr(settings, name, value)
    connection.use_client(None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "problem": "CCC settings are missing or malformed (see manage.py check)",
        "queue": NO_QUEUE,
    }
    assert served_emulator.request_count == 0


@pytest.fixture
def one_attempt() -> Iterator[None]:
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


def test_readyz_reports_an_unavailable_ccc(client: Client, app_emulator, one_attempt):
    app_emulator.faults.inject("unavailable")
    response = client.get("/readyz")
    assert response.status_code == 503
    problem = response.json()["problem"]
    assert problem.startswith("CCC is unavailable (")
    assert len(problem) < 80
    assert "\n" not in problem


def test_healthz_and_readyz_answer_only_get(client: Client, app_emulator):
    assert client.post("/healthz").status_code == 405
    assert client.put("/readyz").status_code == 405
    assert app_emulator.request_count == 0


def test_healthz_answers_head_probes(client):
    response = client.head("/healthz")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_whatever_host_the_prober_names(client: Client, app_emulator, path):
    # Kubernetes and load balancers send the pod's or node's address, not a public host name.
    assert client.get("/", HTTP_HOST="10.42.0.17:8000").status_code == 400
    assert client.get(path, HTTP_HOST="10.42.0.17:8000").status_code == 200


def test_probes_refuse_writes(client: Client):
    assert client.post("/healthz").status_code == 405
