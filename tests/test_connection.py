"""connection: the process's one client, built from settings, and the settings it needs."""

from __future__ import annotations

import threading

import pytest

from ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from ccc.emulator.dataset import BULK_INSTANCE_ID, EXAMPLE_INSTANCE_ID
from phone_numbers import connection, selectors
from phone_numbers.emulator_server import running_emulator

# -- the client from settings ------------------------------------------------------------------


def test_the_process_client_is_built_once_and_reaches_the_embedded_emulator(settings):
    settings.CCC_ENDPOINT = ""

    client = connection.ccc_client()

    assert connection.ccc_client() is client
    assert client.list_instances().total_count == 2


def test_first_requests_arriving_together_share_one_client(settings):
    settings.CCC_ENDPOINT = ""
    together = threading.Barrier(4)
    built: list[object] = []

    def first_request() -> None:
        together.wait()
        built.append(connection.ccc_client())

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(built) == 4
    assert len({id(client) for client in built}) == 1


def test_a_client_put_in_place_serves_until_replaced(settings, app_emulator):
    settings.CCC_ENDPOINT = ""
    mine = connection.build_client(emulator=app_emulator)

    connection.use_client(mine)
    assert connection.ccc_client() is mine
    assert connection.use_client(None) is mine
    assert connection.ccc_client() is not mine
    mine.close()


def test_without_an_endpoint_no_credentials_are_needed(settings):
    settings.CCC_ENDPOINT = ""
    settings.CCC_ACCESS_KEY_ID = ""

    assert connection.missing_credential_settings() == []


def test_an_endpoint_without_credentials_names_both_variables(settings):
    settings.CCC_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
    settings.CCC_ACCESS_KEY_ID = ""
    settings.CCC_ACCESS_KEY_SECRET = ""

    assert connection.missing_credential_settings() == [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    ]
    with pytest.raises(connection.CccNotConfigured) as raised:
        connection.ccc_client()
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(raised.value)
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in str(raised.value)


def test_an_endpoint_without_the_key_id_names_only_it(settings):
    settings.CCC_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
    settings.CCC_ACCESS_KEY_ID = ""
    settings.CCC_ACCESS_KEY_SECRET = "a-secret-that-must-not-show"

    with pytest.raises(connection.CccNotConfigured) as raised:
        connection.ccc_client()

    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(raised.value)
    assert "SECRET" not in str(raised.value)
    assert "a-secret-that-must-not-show" not in str(raised.value)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://ccc.example.com:port",
        "ftp://ccc.example.com",
        "https://",
        "https://ccc example.com",
        "https://ccc.example.com/some/path",
        "https://ccc.example.com#",
        "https://ccc.example.com?",
        "https://ccc.example.com\nhttps://other.example.com",
    ],
)
def test_a_malformed_endpoint_is_named_not_reported_as_unreachable(settings, endpoint):
    settings.CCC_ENDPOINT = endpoint
    settings.CCC_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID
    settings.CCC_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET

    assert len(connection.unusable_ccc_settings()) == 1
    with pytest.raises(connection.CccNotConfigured) as raised:
        connection.ccc_client()
    assert "CCC_ENDPOINT" in str(raised.value)


@pytest.mark.parametrize(
    "endpoint",
    [
        "ccc.cn-shanghai.aliyuncs.com",
        "https://ccc.cn-shanghai.aliyuncs.com/",
        "http://127.0.0.1:8765",
    ],
)
def test_urls_and_host_names_are_usable_endpoints(settings, endpoint):
    settings.CCC_ENDPOINT = endpoint
    settings.CCC_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID
    settings.CCC_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET

    assert connection.unusable_ccc_settings() == []


@pytest.mark.parametrize(
    ("name", "variable", "value"),
    [
        ("CCC_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5t“pasted”"),
        ("CCC_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5t\nkey"),
        ("CCC_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "two words"),
        ("CCC_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN", "token\twith-a-tab"),
    ],
)
def test_a_credential_that_cannot_be_sent_is_named_without_its_value(
    settings, name, variable, value
):
    settings.CCC_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
    settings.CCC_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID
    settings.CCC_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET
    setattr(settings, name, value)

    (problem,) = connection.unusable_ccc_settings()
    assert variable in problem
    assert value not in problem
    with pytest.raises(connection.CccNotConfigured):
        connection.ccc_client()


def test_a_configured_endpoint_is_reached_over_the_network(settings):
    with running_emulator() as (url, emulator):
        settings.CCC_ENDPOINT = url
        settings.CCC_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID
        settings.CCC_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET
        instances = selectors.instance_list()

    assert [i.instance_id for i in instances] == [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID]
    assert emulator.request_count == 1
