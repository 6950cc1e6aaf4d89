"""The reader's language: from the browser or the header's switcher, never from a link."""

from __future__ import annotations

import re

from django.test import Client

NUMBERS = "/instances/ccc-test/skill-groups/skillgroup@ccc-test/numbers/"


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_english_by_default(client: Client, app_emulator):
    assert html_lang(client.get(NUMBERS)) == "en"


def test_a_chinese_browser_gets_chinese_without_a_click(client: Client, app_emulator):
    response = client.get(NUMBERS, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert html_lang(response) == "zh-hans"
    assert "Accept-Language" in response["Vary"]


def test_the_switcher_returns_to_the_same_view_and_remembers(
    client: Client, settings, app_emulator
):
    view = NUMBERS + "?view=eligible&q=0833"
    page = client.get(view).content.decode()
    assert 'name="language" value="zh-hans"' in page
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": view})
    assert response.status_code == 302
    assert response["Location"] == view
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans"
    assert cookie["samesite"] == settings.CSRF_COOKIE_SAMESITE
    assert cookie["httponly"]
    # Kept past a browser restart: a year, not the session.
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert html_lang(client.get(view)) == "zh-hans"


def test_the_language_cookie_follows_the_csrf_cookie_into_an_iframe(settings):
    assert settings.LANGUAGE_COOKIE_SAMESITE == settings.CSRF_COOKIE_SAMESITE
    assert settings.LANGUAGE_COOKIE_SECURE == settings.CSRF_COOKIE_SECURE


def test_links_never_carry_the_language(client: Client, app_emulator):
    page = client.get(
        NUMBERS + "?view=eligible", headers={"Accept-Language": "zh-CN"}
    ).content.decode()
    share = re.search(r'data-copy-url="([^"]+)"', page).group(1)
    assert share.endswith(NUMBERS + "?view=eligible")
    assert "zh" not in share and "lang" not in share


def test_an_unsafe_next_goes_home(client: Client):
    response = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
