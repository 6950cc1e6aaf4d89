"""budget: one deadline for all the CCC calls of one piece of work, retries included."""

from __future__ import annotations

import contextvars
import threading
import time

import pytest

from ccc import UnavailableError
from ccc.budget import budget, deadline
from ccc.emulator import FaultKind


def test_without_a_budget_there_is_no_deadline():
    assert deadline() is None


def test_a_budget_sets_a_deadline_and_restores_the_outer_one():
    with budget(30):
        outer = deadline()
        with budget(1):
            assert deadline() < outer
        assert deadline() == outer
    assert deadline() is None


def test_worker_threads_given_the_context_share_the_deadline():
    seen = []
    with budget(5):
        context = contextvars.copy_context()
        worker = threading.Thread(target=context.run, args=(lambda: seen.append(deadline()),))
        worker.start()
        worker.join()
        assert seen == [deadline()]


def test_a_slow_answer_is_cut_at_the_budget(make_client, live_emulator):
    url, emulator = live_emulator
    emulator.faults.latency = 2.0
    client = make_client(endpoint=url)

    started = time.monotonic()
    with budget(0.5), pytest.raises(UnavailableError) as raised:
        client.list_instances()
    elapsed = time.monotonic() - started

    assert raised.value.code == "Timeout"
    assert elapsed < 1.5  # the 2 s answer was not waited for


def test_calls_of_one_budget_share_it(make_client, live_emulator):
    url, emulator = live_emulator
    emulator.faults.latency = 0.4
    client = make_client(endpoint=url)

    started = time.monotonic()
    with budget(0.6):
        client.list_instances()  # about 0.4 s of the 0.6
        with pytest.raises(UnavailableError) as raised:
            client.list_instances()
    elapsed = time.monotonic() - started

    assert raised.value.code == "Timeout"
    assert elapsed < 1.2


def test_retries_stop_when_the_budget_is_spent(make_client, live_emulator):
    url, emulator = live_emulator
    emulator.faults.latency = 0.3
    emulator.faults.inject(FaultKind.UNAVAILABLE, times=10)
    client = make_client(endpoint=url)

    started = time.monotonic()
    with budget(0.5), pytest.raises(UnavailableError):
        client.list_instances()
    elapsed = time.monotonic() - started

    assert elapsed < 1.5
    assert emulator.request_count <= 2
