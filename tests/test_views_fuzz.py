"""Arbitrary query strings and path segments never break a page: no 500, no stack trace.

A shared link is only a URL, so anything may arrive in one: unknown keys, duplicated keys,
unicode, NUL bytes, very long values, broken percent-encoding.
"""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_SKILL_GROUP_ID,
    OVERFLOW_SKILL_GROUP_ID,
)

INSTANCES = "/"
SKILL_GROUPS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/"
NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
OVERFLOW = f"/instances/{BULK_INSTANCE_ID}/skill-groups/{OVERFLOW_SKILL_GROUP_ID}/numbers/"
LIST_PAGES = (SKILL_GROUPS, NUMBERS, OVERFLOW)
# With memcached a key Django warns about is an error: a URL must never make one.
pytestmark = pytest.mark.filterwarnings("error::django.core.cache.CacheKeyWarning")
FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# How a part of a query string may look on the wire: properly encoded text of any kind,
# every byte percent-encoded (invalid UTF-8 included), or raw junk with stray % & = + ;.
encoded_text = st.text().map(lambda text: quote(text, safe=""))
long_text = st.text(min_size=500, max_size=5000).map(lambda text: quote(text, safe=""))
percent_bytes = st.binary(max_size=40).map(lambda data: quote_from_bytes(data, safe=""))
# Searches around the 32-character cap, with the punctuation the forms normalise.
near_the_cap = st.text(alphabet="0 a-", min_size=30, max_size=36).map(
    lambda text: quote(text, safe="")
)
raw_junk = st.from_regex(r"[%&=+;a-zA-Z0-9._~-]{0,30}", fullmatch=True)
plausible = st.sampled_from(
    [
        "linked",
        "eligible",
        "true",
        "false",
        "True",
        "10",
        "25",
        "50",
        "100",
        "0",
        "-1",
        "999",
        "1e3",
        "99999999999999999999",
        "0833",
        "%00",
        "%",
        "%zz",
    ]
)
names = st.one_of(
    st.sampled_from(["view", "q", "active", "page", "per_page"]), encoded_text, raw_junk
)
values = st.one_of(
    plausible, encoded_text, near_the_cap, long_text, percent_bytes, raw_junk, st.integers()
)
query_strings = st.lists(st.tuples(names, values), max_size=8).map(
    lambda pairs: "&".join(f"{name}={value}" for name, value in pairs)
)
modes = st.sampled_from(["page", "fragment", "restore"])
segments = st.one_of(encoded_text, long_text, percent_bytes, raw_junk, plausible)


def headers_for(mode: str) -> dict[str, str]:
    if mode == "page":
        return {}
    headers = {"HX-Request": "true"}
    if mode == "restore":
        headers["HX-History-Restore-Request"] = "true"
    return headers


def assert_answered(response, mode: str) -> None:
    assert response.status_code < 500, response.status_code
    content = response.content
    # An htmx swap gets the results or the alert, never a page (Django's own 404 for a URL
    # that matches no view aside).
    if mode == "fragment" and (response.status_code == 200 or b'role="alert"' in content):
        assert b"<html" not in content


@FUZZ
@given(path=st.sampled_from((INSTANCES, *LIST_PAGES)), query=query_strings, mode=modes)
def test_any_query_string_is_answered(client, app_emulator, path, query, mode):
    response = client.get(f"{path}?{query}", headers=headers_for(mode))

    assert_answered(response, mode if path != INSTANCES else "page")  # "/" has no fragment
    # The forms never fail: a bad value falls back to its default with a notice.
    assert response.status_code == 200
    if mode == "fragment" and path != INSTANCES:
        assert response["HX-Push-Url"].startswith(path)


@pytest.mark.parametrize("path", LIST_PAGES, ids=["skill-groups", "numbers", "overflow"])
@FUZZ
@given(query=query_strings, search=st.one_of(st.none(), near_the_cap))
def test_the_canonical_url_of_any_query_reproduces_itself(
    client, app_emulator, path, query, search
):
    if search is not None:
        query += f"&q={search}"
    headers = headers_for("fragment")
    canonical = client.get(f"{path}?{query}", headers=headers)["HX-Push-Url"]

    again = client.get(canonical, headers=headers)

    assert again.status_code == 200
    assert again["HX-Push-Url"] == canonical
    assert b"alert-warning" not in again.content, "the canonical URL still needed a notice"


@FUZZ
@given(instance_id=segments, mode=modes)
def test_any_instance_id_is_answered(client, app_emulator, instance_id, mode):
    response = client.get(f"/instances/{instance_id}/skill-groups/", headers=headers_for(mode))

    assert_answered(response, mode)
    assert response.status_code in (200, 400, 404)


@FUZZ
@given(instance_id=st.one_of(st.just(EXAMPLE_INSTANCE_ID), segments), group_id=segments, mode=modes)
def test_any_skill_group_id_is_answered(client, app_emulator, instance_id, group_id, mode):
    response = client.get(
        f"/instances/{instance_id}/skill-groups/{group_id}/numbers/", headers=headers_for(mode)
    )

    assert_answered(response, mode)
    assert response.status_code in (200, 400, 404)
