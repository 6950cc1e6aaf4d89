"""shared_cache: listings shared by replicas on a real Redis, and a dead cache never failing a page.

Redis is Debian's redis-server, started here on a free loopback port (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from django.core.cache import cache

from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID
from phone_numbers import reading, shared_cache
from phone_numbers.emulator_server import running_emulator

from .servers import app_server, free_port, redis_server

NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
SWAP = {"HX-Request": "true"}
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
SOCKET_TIMEOUT = 0.25


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def use_cache(settings, location: str) -> None:
    """Point this process's cache at `location`, as CACHE_URL would."""
    settings.CACHES = {
        "default": {
            "BACKEND": REDIS_CACHE,
            "LOCATION": location,
            "OPTIONS": {"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT},
        }
    }


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a hung Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_replicas_share_listings_and_see_each_others_invalidation(
    settings, redis_url, tmp_path: Path
):
    use_cache(settings, redis_url)
    cache.clear()
    with running_emulator() as (endpoint, emulator):
        environment = {
            "CCC_ENDPOINT": endpoint,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
            "CACHE_URL": redis_url,
        }
        with app_server(tmp_path, **environment) as one, app_server(tmp_path, **environment) as two:

            def calls_for(replica: str) -> int:
                before = emulator.request_count
                assert httpx.get(replica + NUMBERS, headers=SWAP).status_code == 200
                return emulator.request_count - before

            # The listing and its status counts, and the instance's contact-flow names.
            assert calls_for(one) == 3
            assert calls_for(two) == 0  # the first replica's answers, from Redis

            # A write anywhere (here, this process) bumps the group's version in Redis.
            reading.listings_invalidate(
                instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
            )

            assert calls_for(two) == 2  # the listing and its counts (the flows' names stay)
            assert calls_for(one) == 0


def test_listings_are_cached_on_redis_until_they_expire(settings, redis_url, client, app_emulator):
    use_cache(settings, redis_url)
    cache.clear()
    settings.CCC_LISTING_CACHE_SECONDS = 1

    client.get(NUMBERS, headers=SWAP)
    client.get(NUMBERS + "?page=2", headers=SWAP)
    # The listing and its status counts, and the contact-flow names (kept for minutes).
    assert app_emulator.request_count == 3

    time.sleep(1.2)
    client.get(NUMBERS, headers=SWAP)
    assert app_emulator.request_count == 3 + 2  # the listing and its counts, expired


@pytest.mark.django_db  # /readyz reports the job queue
def test_a_refused_redis_degrades_to_asking_ccc(settings, client, app_emulator):
    use_cache(settings, f"redis://127.0.0.1:{free_port()}/0")

    started = time.monotonic()
    pages = [client.get(NUMBERS, headers=SWAP) for _ in range(2)]
    waited = time.monotonic() - started

    assert [page.status_code for page in pages] == [200, 200]
    # Nothing could be cached: each swap asks for the listing, its status counts and the
    # contact-flow names.
    assert app_emulator.request_count == 2 * 3
    assert waited < 2
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "cache": "degraded: cache unavailable (ConnectionError)",
        "queue": {"waiting": 0, "oldest_waiting_seconds": 0, "worker_last_seen": None},
    }


@pytest.mark.django_db  # /readyz reports the job queue
def test_a_silent_redis_costs_a_page_one_socket_timeout_at_most(
    settings, client, app_emulator, silent_server
):
    use_cache(settings, silent_server)

    started = time.monotonic()
    first = client.get(NUMBERS)  # the skill group header and the listing, side by side
    first_waited = time.monotonic() - started
    started = time.monotonic()
    second = client.get(NUMBERS + "?page=2", headers=SWAP)
    second_waited = time.monotonic() - started

    assert (first.status_code, second.status_code) == (200, 200)
    # One lookup pays the timeout and the process leaves the cache alone for a while.
    assert first_waited < 4 * SOCKET_TIMEOUT + 1
    assert second_waited < SOCKET_TIMEOUT
    assert client.get("/readyz").json()["cache"] == "degraded: cache unavailable (TimeoutError)"


def test_a_cache_error_is_a_miss(settings):
    use_cache(settings, f"redis://127.0.0.1:{free_port()}/0")

    shared_cache.put("some-key", "value", 30)

    assert shared_cache.get("some-key") is None


def test_a_bump_lost_while_redis_hangs_is_written_as_soon_as_it_answers(
    settings, redis_url, client, app_emulator, monkeypatch
):
    """Redis stopped (SIGSTOP) when a write invalidates the listings, then resumed: the
    invalidation is written then, not lost until the listings expire."""
    use_cache(settings, redis_url)
    cache.clear()
    monkeypatch.setattr(shared_cache, "RETRY_SECONDS", 0.5)
    client.get(NUMBERS, headers=SWAP)
    cached = app_emulator.request_count
    client.get(NUMBERS, headers=SWAP)
    assert app_emulator.request_count == cached  # from Redis

    redis_pid = redis.Redis.from_url(redis_url).info("server")["process_id"]
    os.kill(redis_pid, signal.SIGSTOP)
    try:
        # A page while Redis hangs pays one socket timeout, then leaves the cache alone for a
        # while: the write's invalidation, just after, is not even sent.
        client.get(NUMBERS, headers=SWAP)
        reading.listings_invalidate(
            instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
        )
    finally:
        os.kill(redis_pid, signal.SIGCONT)
    time.sleep(2.0)  # the process's pause from the hung cache, and the retry, are over

    before = app_emulator.request_count
    client.get(NUMBERS, headers=SWAP)
    assert app_emulator.request_count == before + 2  # the listing and its counts, asked anew
