"""The emulator on a real socket: served while the block runs, and nothing after."""

from __future__ import annotations

import pytest

from ccc import CccClient, RetryPolicy, UnavailableError
from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from phone_numbers.emulator_server import running_emulator


def test_a_stopped_emulator_answers_no_more_on_kept_alive_connections():
    with running_emulator() as (url, emulator):
        client = CccClient(
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            endpoint=url,
            retry=RetryPolicy(attempts=1),
        )
        assert client.list_instances().total_count == 2
    with client, pytest.raises(UnavailableError) as caught:
        client.list_instances()
    assert caught.value.code == "ConnectionError"
    assert emulator.request_count == 1
