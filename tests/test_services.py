"""services: UI pages cut from API pages of 100, the cached skill group, the client."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from phone_numbers import services
from phone_numbers.ccc import NotFoundError, Page, PhoneNumber, SkillGroup
from phone_numbers.ccc.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from phone_numbers.ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
    OVERFLOW_SKILL_GROUP_ID,
)
from phone_numbers.emulator_server import running_emulator
from phone_numbers.services import MAX_REACHABLE_ROWS, ResultPage, max_reachable_page

from .emulator_data import listed_numbers


def fake_numbers(count: int) -> tuple[PhoneNumber, ...]:
    return tuple(
        PhoneNumber(f"0833{i:08d}", "ccc-test", True, "Inbound", "四川", "乐山", "")
        for i in range(count)
    )


@pytest.fixture
def fresh_client() -> Iterator[None]:
    """Forget the cached client before and after a test that changes the CCC settings."""
    services.ccc_client.cache_clear()
    yield
    services.ccc_client.cache_clear()


# -- ResultPage ------------------------------------------------------------------------------


def test_result_page_indexes_are_one_based_and_inclusive():
    page = ResultPage(items=fake_numbers(25), page=3, per_page=25, total_count=61)

    assert page.start_index == 51
    assert page.end_index == 75
    assert page.num_pages == 3
    assert page.reachable_count == 61
    assert not page.is_truncated


def test_a_short_last_page_ends_at_its_last_row():
    page = ResultPage(items=fake_numbers(11), page=3, per_page=25, total_count=61)

    assert (page.start_index, page.end_index) == (51, 61)


def test_an_empty_page_has_no_indexes_and_one_page():
    page = ResultPage(items=(), page=1, per_page=25, total_count=0)

    assert (page.start_index, page.end_index) == (0, 0)
    assert page.num_pages == 1


def test_a_page_past_the_end_has_no_indexes_but_knows_the_page_count():
    page = ResultPage(items=(), page=7, per_page=25, total_count=1)

    assert (page.start_index, page.end_index) == (0, 0)
    assert page.num_pages == 1


@pytest.mark.parametrize(
    ("total", "per_page", "reachable", "pages", "truncated"),
    [
        (10_000, 10, 10_000, 1000, False),
        (10_001, 10, 10_000, 1000, True),
        (11_318, 25, 10_000, 400, True),
        (10_400, 100, 10_000, 100, True),
        (9_999, 100, 9_999, 100, False),
        (101, 50, 101, 3, False),
    ],
)
def test_result_pages_stop_at_the_10000_the_api_reaches(
    total, per_page, reachable, pages, truncated
):
    page = ResultPage(items=fake_numbers(per_page), page=1, per_page=per_page, total_count=total)

    assert page.reachable_count == reachable
    assert page.num_pages == pages
    assert page.is_truncated is truncated


def test_max_reachable_page_is_10000_rows_whatever_the_page_size():
    assert MAX_REACHABLE_ROWS == 10_000
    assert [max_reachable_page(n) for n in (10, 25, 50, 100)] == [1000, 400, 200, 100]


# -- _result_page: one API page of 100, sliced -------------------------------------------------


@pytest.mark.parametrize(
    ("page", "per_page", "api_page", "start"),
    [
        (1, 25, 1, 0),
        (4, 25, 1, 75),
        (5, 25, 2, 0),
        (13, 10, 2, 20),
        (3, 50, 2, 0),
        (2, 100, 2, 0),
        (1000, 10, 100, 90),
        (400, 25, 100, 75),
    ],
)
def test_result_page_asks_for_the_api_page_holding_the_rows(
    app_emulator, page, per_page, api_page, start
):
    asked = []

    def fetch(number: int) -> Page[PhoneNumber]:
        asked.append(number)
        return services.ccc_client().list_phone_numbers_of_skill_group(
            instance_id=BULK_INSTANCE_ID,
            skill_group_id=BULK_SKILL_GROUP_ID,
            is_member=False,
            page_number=number,
            page_size=100,
        )

    result = services._result_page(fetch, page=page, per_page=per_page)

    expected = listed_numbers(app_emulator, BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False)
    offset = (page - 1) * per_page
    assert asked == [api_page]
    assert offset // 100 * 100 + start == offset
    assert [n.number for n in result.items] == expected[offset : offset + per_page]
    assert result.page == page
    assert result.total_count == len(expected)


@pytest.mark.parametrize(("asked", "served"), [(0, 1), (-5, 1), (1001, 1000), (10**9, 1000)])
def test_result_page_clamps_the_page_into_reach(app_emulator, asked, served):
    result = services.phone_number_list(
        instance_id=BULK_INSTANCE_ID,
        skill_group_id=OVERFLOW_SKILL_GROUP_ID,
        linked=True,
        page=asked,
        per_page=10,
    )

    expected = listed_numbers(app_emulator, BULK_INSTANCE_ID, OVERFLOW_SKILL_GROUP_ID, linked=True)
    assert result.page == served
    assert [n.number for n in result.items] == expected[(served - 1) * 10 : served * 10]


@pytest.mark.parametrize("per_page", [30, 101, 7])
def test_result_page_refuses_a_page_size_that_does_not_divide_100(per_page):
    def fetch(number: int) -> Page[PhoneNumber]:
        raise AssertionError("nothing should be fetched")

    with pytest.raises(ValueError, match="per_page must divide 100"):
        services._result_page(fetch, page=1, per_page=per_page)


def test_phone_number_list_costs_one_api_call_at_any_page_size(app_emulator):
    for per_page, page in ((10, 1000), (25, 399), (50, 2), (100, 100)):
        before = app_emulator.request_count
        result = services.phone_number_list(
            instance_id=BULK_INSTANCE_ID,
            skill_group_id=BULK_SKILL_GROUP_ID,
            linked=False,
            page=page,
            per_page=per_page,
        )
        assert app_emulator.request_count - before == 1
        assert len(result.items) == per_page


def test_phone_number_list_filters_by_pattern_and_active(app_emulator):
    result = services.phone_number_list(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        linked=True,
        search="0833",
        active=True,
    )

    assert [n.number for n in result.items] == [EXAMPLE_NUMBER]
    assert result.total_count == 1


def test_phone_number_list_of_inactive_numbers_holds_only_inactive_ones(app_emulator):
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    linked = instance.skill_groups[EXAMPLE_SKILL_GROUP_ID].linked
    inactive = sorted(n for n in linked if not instance.numbers[n].active)

    result = services.phone_number_list(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        linked=True,
        active=False,
        per_page=100,
    )

    assert inactive  # the demo data has some
    assert [n.number for n in result.items] == inactive
    assert not any(n.active for n in result.items)


def test_eligible_numbers_never_include_personal_outbound_ones(app_emulator):
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    personal = {n.number for n in instance.numbers.values() if n.personal_outbound}

    result = services.phone_number_list(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        linked=False,
        per_page=100,
    )
    later = services.phone_number_list(
        instance_id=EXAMPLE_INSTANCE_ID,
        skill_group_id=EXAMPLE_SKILL_GROUP_ID,
        linked=False,
        page=result.num_pages,
        per_page=100,
    )

    assert personal
    shown = {n.number for n in result.items + later.items}
    assert not shown & personal


# -- skill groups and instances --------------------------------------------------------------


def test_instance_list_returns_every_instance(app_emulator):
    instances = services.instance_list()

    assert [i.instance_id for i in instances] == [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID]
    assert app_emulator.request_count == 1


def test_skill_group_list_searches_names_and_display_names(app_emulator):
    result = services.skill_group_list(instance_id=EXAMPLE_INSTANCE_ID, search="sales")

    assert [g.skill_group_id for g in result.items] == ["sales@ccc-test", "aftersales@ccc-test"]
    sales = result.items[0]
    assert sales.display_name == "Sales"
    assert sales.phone_number_count == 35
    assert sales.user_count == 18


def test_skill_group_list_of_an_unknown_instance_is_not_found(app_emulator):
    with pytest.raises(NotFoundError) as raised:
        services.skill_group_list(instance_id="no-such-instance")

    assert raised.value.code == "NotExists.InstanceId"


def test_skill_group_get_is_cached(app_emulator):
    first = services.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )
    second = services.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )

    assert isinstance(first, SkillGroup)
    assert first == second
    assert first.display_name == "Customer service"
    assert app_emulator.request_count == 1


def test_skill_group_get_asks_again_once_the_cache_is_gone(app_emulator):
    services.skill_group_get(instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID)
    cache.clear()
    services.skill_group_get(instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID)

    assert app_emulator.request_count == 2


def test_skill_group_get_caches_each_group_apart(app_emulator):
    sales = services.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id="sales@ccc-test"
    )
    example = services.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )

    assert (sales.display_name, example.display_name) == ("Sales", "Customer service")
    assert app_emulator.request_count == 2


@pytest.mark.filterwarnings("error::django.core.cache.CacheKeyWarning")
def test_skill_group_get_makes_a_valid_cache_key_of_any_ids(app_emulator):
    # Memcached refuses keys over 250 characters or with spaces and control characters.
    for skill_group_id in ("x" * 300, "with space\x00nul", "售后@ccc-test"):
        with pytest.raises(NotFoundError):
            services.skill_group_get(instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=skill_group_id)


def test_skill_group_get_does_not_cache_a_missing_group(app_emulator):
    for _ in range(2):
        with pytest.raises(NotFoundError):
            services.skill_group_get(
                instance_id=EXAMPLE_INSTANCE_ID, skill_group_id="gone@ccc-test"
            )

    assert app_emulator.request_count == 2


# -- the client from settings ------------------------------------------------------------------


def test_the_client_and_the_embedded_emulator_are_built_once(app_emulator):
    assert services.ccc_client() is services.ccc_client()
    assert services.embedded_emulator() is app_emulator


def test_first_requests_arriving_together_share_one_client_and_one_emulator(settings):
    settings.CCC_ENDPOINT = ""
    services.ccc_client.cache_clear()
    services.embedded_emulator.cache_clear()
    together = threading.Barrier(4)
    built: list[tuple[object, object]] = []

    def first_request() -> None:
        together.wait()
        built.append((services.ccc_client(), services.embedded_emulator()))

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(built) == 4
        assert len({id(client) for client, _ in built}) == 1
        assert len({id(emulator) for _, emulator in built}) == 1
    finally:
        for client, _ in built:
            client.close()
        services.ccc_client.cache_clear()
        services.embedded_emulator.cache_clear()


def test_without_an_endpoint_no_credentials_are_needed(settings):
    settings.CCC_ENDPOINT = ""
    settings.CCC_ACCESS_KEY_ID = ""

    assert services.missing_credential_settings() == []


def test_an_endpoint_without_credentials_names_both_variables(settings, fresh_client):
    settings.CCC_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
    settings.CCC_ACCESS_KEY_ID = ""
    settings.CCC_ACCESS_KEY_SECRET = ""

    assert services.missing_credential_settings() == [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    ]
    with pytest.raises(services.CccNotConfigured) as raised:
        services.ccc_client()
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(raised.value)
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in str(raised.value)


def test_an_endpoint_without_the_key_id_names_only_it(settings, fresh_client):
    settings.CCC_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
    settings.CCC_ACCESS_KEY_ID = ""
    settings.CCC_ACCESS_KEY_SECRET = "a-secret-that-must-not-show"

    with pytest.raises(services.CccNotConfigured) as raised:
        services.ccc_client()

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
def test_a_malformed_endpoint_is_named_not_reported_as_unreachable(
    settings, fresh_client, endpoint
):
    settings.CCC_ENDPOINT = endpoint
    settings.CCC_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID
    settings.CCC_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET

    assert len(services.unusable_ccc_settings()) == 1
    with pytest.raises(services.CccNotConfigured) as raised:
        services.ccc_client()
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

    assert services.unusable_ccc_settings() == []


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
    settings, fresh_client, name, variable, value
):
    settings.CCC_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
    settings.CCC_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID
    settings.CCC_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET
    setattr(settings, name, value)

    (problem,) = services.unusable_ccc_settings()
    assert variable in problem
    assert value not in problem
    with pytest.raises(services.CccNotConfigured):
        services.ccc_client()


def test_a_configured_endpoint_is_reached_over_the_network(settings, fresh_client):
    with running_emulator() as (url, emulator):
        settings.CCC_ENDPOINT = url
        settings.CCC_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID
        settings.CCC_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET
        try:
            instances = services.instance_list()
        finally:
            services.ccc_client().close()

    assert [i.instance_id for i in instances] == [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID]
    assert emulator.request_count == 1
