"""selectors: the reads views call, against the app's embedded emulator."""

from __future__ import annotations

import pytest
import stamina
from django.core.cache import cache

from ccc import NotFoundError, SkillGroup
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    EXAMPLE_CONTACT_FLOW_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_NUMBER,
    EXAMPLE_SKILL_GROUP_ID,
    InstanceRecord,
)
from phone_numbers import reading, selectors, shared_cache
from phone_numbers.queries import NumbersQuery


def test_phone_number_list_costs_one_api_call_at_any_page_size(app_emulator):
    for per_page, page in ((10, 1000), (25, 399), (50, 2), (100, 100)):
        before = app_emulator.request_count
        result = selectors.phone_number_list(
            numbers=NumbersQuery(BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID, linked=False),
            page=page,
            per_page=per_page,
            refresh=True,  # several of these pages lie in one API page, which is cached
        )
        assert app_emulator.request_count - before == 1
        assert len(result.items) == per_page


def test_phone_number_list_filters_by_pattern_and_active(app_emulator):
    result = selectors.phone_number_list(
        numbers=NumbersQuery(
            instance_id=EXAMPLE_INSTANCE_ID,
            skill_group_id=EXAMPLE_SKILL_GROUP_ID,
            linked=True,
            search="0833",
            active=True,
        )
    )

    assert [n.number for n in result.items] == [EXAMPLE_NUMBER]
    assert result.total_count == 1


def test_phone_number_list_of_inactive_numbers_holds_only_inactive_ones(app_emulator):
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    linked = instance.skill_groups[EXAMPLE_SKILL_GROUP_ID].linked
    inactive = sorted(n for n in linked if not instance.numbers[n].active)

    result = selectors.phone_number_list(
        numbers=NumbersQuery(
            instance_id=EXAMPLE_INSTANCE_ID,
            skill_group_id=EXAMPLE_SKILL_GROUP_ID,
            linked=True,
            active=False,
        ),
        per_page=100,
    )

    assert inactive  # the demo data has some
    assert [n.number for n in result.items] == inactive
    assert not any(n.active for n in result.items)


def test_eligible_numbers_never_include_personal_outbound_ones(app_emulator):
    instance = app_emulator.instances[EXAMPLE_INSTANCE_ID]
    personal = {n.number for n in instance.numbers.values() if n.personal_outbound}

    result = selectors.phone_number_list(
        numbers=NumbersQuery(
            instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, linked=False
        ),
        per_page=100,
    )
    later = selectors.phone_number_list(
        numbers=NumbersQuery(
            instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID, linked=False
        ),
        page=result.num_pages,
        per_page=100,
    )

    assert personal
    shown = {n.number for n in result.items + later.items}
    assert not shown & personal


# -- skill groups and instances --------------------------------------------------------------


def test_instance_list_returns_every_instance(app_emulator):
    instances = selectors.instance_list()

    assert [i.instance_id for i in instances] == [EXAMPLE_INSTANCE_ID, BULK_INSTANCE_ID]
    assert app_emulator.request_count == 1


def test_skill_group_list_searches_names_and_display_names(app_emulator):
    result = selectors.skill_group_list(instance_id=EXAMPLE_INSTANCE_ID, search="sales")

    assert [g.skill_group_id for g in result.items] == ["sales@ccc-test", "aftersales@ccc-test"]
    sales = result.items[0]
    assert sales.display_name == "Sales"
    assert sales.phone_number_count == 35
    assert sales.user_count == 18


def test_skill_group_list_of_an_unknown_instance_is_not_found(app_emulator):
    with pytest.raises(NotFoundError) as raised:
        selectors.skill_group_list(instance_id="no-such-instance")

    assert raised.value.code == "NotExists.InstanceId"


def test_skill_group_get_is_cached(app_emulator):
    first = selectors.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )
    second = selectors.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )

    assert isinstance(first, SkillGroup)
    assert first == second
    assert first.display_name == "Customer service"
    assert app_emulator.request_count == 1


def test_skill_group_get_asks_again_once_the_cache_is_gone(app_emulator):
    selectors.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )
    cache.clear()
    selectors.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )

    assert app_emulator.request_count == 2


def test_skill_group_get_caches_each_group_apart(app_emulator):
    sales = selectors.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id="sales@ccc-test"
    )
    example = selectors.skill_group_get(
        instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=EXAMPLE_SKILL_GROUP_ID
    )

    assert (sales.display_name, example.display_name) == ("Sales", "Customer service")
    assert app_emulator.request_count == 2


@pytest.mark.filterwarnings("error::django.core.cache.CacheKeyWarning")
def test_skill_group_get_makes_a_valid_cache_key_of_any_ids(app_emulator):
    # Memcached refuses keys over 250 characters or with spaces and control characters.
    for skill_group_id in ("x" * 300, "with space\x00nul", "售后@ccc-test"):
        with pytest.raises(NotFoundError):
            selectors.skill_group_get(
                instance_id=EXAMPLE_INSTANCE_ID, skill_group_id=skill_group_id
            )


def test_skill_group_get_does_not_cache_a_missing_group(app_emulator):
    for _ in range(2):
        with pytest.raises(NotFoundError):
            selectors.skill_group_get(
                instance_id=EXAMPLE_INSTANCE_ID, skill_group_id="gone@ccc-test"
            )

    assert app_emulator.request_count == 2


# -- contact-flow names ------------------------------------------------------------------------


@pytest.fixture
def kept(monkeypatch) -> list[float | None]:
    """How long each value put in the shared cache is kept, in seconds."""
    seconds_kept: list[float | None] = []
    put = shared_cache.put

    def recording_put(key: str, value: object, seconds: float | None) -> None:
        seconds_kept.append(seconds)
        put(key, value, seconds)

    monkeypatch.setattr(shared_cache, "put", recording_put)
    return seconds_kept


def test_contact_flow_names_name_every_flow_of_the_instance(app_emulator):
    names = selectors.contact_flow_names(instance_id=EXAMPLE_INSTANCE_ID)

    flows = app_emulator.instances[EXAMPLE_INSTANCE_ID].contact_flows
    assert names == {flow_id: flow.name for flow_id, flow in flows.items()}
    assert names[EXAMPLE_CONTACT_FLOW_ID] == "售后服务流程"
    assert app_emulator.request_count == 1


def test_contact_flow_names_are_cached_for_minutes_per_instance(app_emulator, kept):
    first = selectors.contact_flow_names(instance_id=EXAMPLE_INSTANCE_ID)
    again = selectors.contact_flow_names(instance_id=EXAMPLE_INSTANCE_ID)
    bulk = selectors.contact_flow_names(instance_id=BULK_INSTANCE_ID)

    assert again == first
    assert bulk and not set(bulk) & set(first)
    assert app_emulator.request_count == 2  # the second call cost none
    assert kept == [reading.NAMES_CACHE_SECONDS] * 2 == [300, 300]


def test_refresh_asks_for_the_contact_flow_names_again(app_emulator):
    selectors.contact_flow_names(instance_id=EXAMPLE_INSTANCE_ID)
    app_emulator.instances[EXAMPLE_INSTANCE_ID].contact_flows[EXAMPLE_CONTACT_FLOW_ID].name = "售后"

    cached = selectors.contact_flow_names(instance_id=EXAMPLE_INSTANCE_ID)
    refreshed = selectors.contact_flow_names(instance_id=EXAMPLE_INSTANCE_ID, refresh=True)

    assert cached[EXAMPLE_CONTACT_FLOW_ID] == "售后服务流程"
    assert refreshed[EXAMPLE_CONTACT_FLOW_ID] == "售后"
    assert app_emulator.request_count == 2


def test_contact_flow_names_are_read_from_every_page(app_emulator):
    many = InstanceRecord("ccc-many", "Many flows", "", 0)
    for index in range(250):
        many.add_contact_flow(f"flow-{index:03d}", f"Flow {index}")
    many.add_contact_flow("flow-unnamed", "")
    app_emulator.instances = {"ccc-many": many}

    names = selectors.contact_flow_names(instance_id="ccc-many")

    assert names == {f"flow-{index:03d}": f"Flow {index}" for index in range(250)}
    assert app_emulator.request_count == 3  # pages of 100; a flow without a name shows its id


@pytest.mark.parametrize(
    ("refuse", "code"),
    [
        (lambda e: e.faults.add_rule("forbidden", 1, action="ListContactFlows"), "Forbidden.RAM"),
        (lambda e: e.faults.inject("unavailable", times=3), "ServiceUnavailable"),
        (lambda e: e.instances.pop(EXAMPLE_INSTANCE_ID), "NotExists.InstanceId"),
    ],
    ids=["ram-refusal", "unavailable", "unknown-instance"],
)
def test_when_ccc_refuses_or_fails_there_are_no_contact_flow_names_for_a_while(
    app_emulator, kept, caplog, refuse, code
):
    stamina.set_testing(True, attempts=3)
    refuse(app_emulator)
    try:
        first = selectors.contact_flow_names(instance_id=EXAMPLE_INSTANCE_ID)
        before = app_emulator.request_count
        again = selectors.contact_flow_names(instance_id=EXAMPLE_INSTANCE_ID)
    finally:
        stamina.set_testing(False)

    assert first == again == {}
    assert app_emulator.request_count == before  # not asked again on the next page
    assert kept == [reading.NAMES_RETRY_SECONDS] == [60]
    (warning,) = [r for r in caplog.records if r.name == "phone_numbers.reading"]
    assert warning.levelname == "WARNING"
    assert code in warning.getMessage() and EXAMPLE_INSTANCE_ID in warning.getMessage()
