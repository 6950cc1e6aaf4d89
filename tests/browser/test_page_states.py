"""Every page state in Chromium: axe-core finds nothing serious, and no template syntax shows.

The states are `tests/page_states.py`'s. A swap state opens its full page, then swaps the results
as a search or pager link would. Each is walked on a desktop (1280 px) and a phone (390 px),
where nothing but a table's own scrolling container may reach past the screen.

Every state is walked again by a Chinese browser (zh-CN): the page must say `lang="zh-hans"`,
show no English but data and CCC's words (`tests/interface_language.py`) and pass axe-core.

Screenshots: with `CCCADMIN_SCREENSHOTS=<dir>` (`make screenshots`), the states marked for the
README, on a desktop, as `<dir>/<state>.png` and `<dir>/<state>.zh-hans.png`; with
`CCCADMIN_SCREENSHOTS_ALL=<dir>` (`make screenshots-all`), every state at both widths in both
languages, as `<dir>/<state>.<width>[.zh-hans].png`, to look at.

For speed the walk keeps one page (one browser context, axe-core injected into every document)
and one emulator data set for all states: every state opens its address afresh and only reads.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ccc.emulator import Emulator
from phone_numbers import connection

from ..interface_language import (
    InterfaceText,
    audit_values,
    deployment_values,
    emulator_values,
    english_left,
    path_values,
)
from ..page_states import NUMBERS, STATES, PageState, inject, retries_without_waiting
from ..pages import template_syntax_in
from .conftest import DESKTOP, open_context
from .helpers import PHONE, axe_findings, measure_overflow, settle_animations, swap_results

SCREENSHOTS = os.environ.get("CCCADMIN_SCREENSHOTS", "")
SCREENSHOTS_ALL = os.environ.get("CCCADMIN_SCREENSHOTS_ALL", "")
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def walk_data() -> Emulator:
    return Emulator()


@pytest.fixture
def app_emulator(walk_data: Emulator) -> Emulator:
    """The app's emulator, as in tests/conftest.py, but one data set for the walk, faults reset."""
    walk_data.faults.clear()
    connection.use_client(connection.build_client(emulator=walk_data))
    return walk_data


@pytest.fixture(scope="module")
def walk(browser: Browser, live_server, axe_script: Path) -> Iterator[tuple[Page, list[str]]]:
    """One page for the walk, with axe-core in every document it opens.

    The context bypasses the app's strict CSP so that axe may run: the app never serves axe.
    """
    off_site: list[str] = []
    context = open_context(browser, live_server.url, off_site, bypass_csp=True)
    context.add_init_script(path=axe_script)
    yield context.new_page(), off_site
    context.close()


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with retries_without_waiting():
        yield


def open_state(page: Page, emulator: Emulator, state: PageState) -> None:
    """Bring the page into the state, checking the status of the response that made it."""
    if not state.htmx:
        inject(emulator, state.fault)
        response = page.goto(state.path)
        assert response is not None
        assert response.status == state.status, f"{state.path}: {response.status}"
        expect(page.get_by_role("main")).to_contain_text(state.shows)
        settle_animations(page)
        return
    response = page.goto(state.opener)
    assert response is not None
    assert response.ok, f"{state.opener}: {response.status}"
    inject(emulator, state.fault)
    with page.expect_response(lambda response: response.request.headers.get("hx-request")) as swap:
        swap_results(page, state.path)
    assert swap.value.status == state.status, f"{state.path}: {swap.value.status}"
    expect(page.get_by_role("region", name="Results")).to_contain_text(state.shows)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("state", STATES, ids=str)
def test_every_page_state(
    walk: tuple[Page, list[str]],
    app_emulator: Emulator,
    pytestconfig,
    state: PageState,
    width: str,
) -> None:
    page, off_site = walk
    off_site.clear()
    page.set_viewport_size(WIDTHS[width])
    if state.database:  # the live server's tests have a database (emptied after each)
        state.database()
    open_state(page, app_emulator, state)

    assert template_syntax_in(page.inner_text("body")) == []
    assert_fits(page, width)
    if findings := axe_findings(page):
        pytest.fail("axe-core found:\n" + "\n".join(map(str, findings)), pytrace=False)
    assert not off_site, f"the page tried to reach other hosts: {off_site}"
    keep_screenshots(page, pytestconfig, state, width)


def assert_fits(page: Page, width: str) -> None:
    """Nothing but a table's scrolling container reaches past the screen's width."""
    overflow = measure_overflow(page)
    assert overflow.page_width <= WIDTHS[width]["width"] + 1, overflow
    assert overflow.spilling == [], overflow


def keep_screenshots(
    page: Page, pytestconfig, state: PageState, width: str, language: str = ""
) -> None:
    suffix = f".{language}" if language else ""
    if SCREENSHOTS and state.screenshot and width == "desktop":
        save_screenshot(page, Path(pytestconfig.rootpath, SCREENSHOTS, f"{state.name}{suffix}.png"))
    if SCREENSHOTS_ALL:
        name = f"{state.name}.{width}{suffix}.png"
        save_screenshot(page, Path(pytestconfig.rootpath, SCREENSHOTS_ALL, name), full=True)


def save_screenshot(page: Page, path: Path, *, full: bool = False) -> None:
    """The top of the page, down to where its content ends if that is within the viewport
    (`full`: the whole page, to look at)."""
    page.evaluate("() => document.fonts.ready.then(() => null)")
    if full:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True, animations="disabled")
        return
    viewport = page.viewport_size
    assert viewport is not None
    content = page.evaluate(
        "() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)"
    )
    clip = {"x": 0, "y": 0, "width": viewport["width"], "height": min(viewport["height"], content)}
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, clip=clip, animations="disabled")


# -- the same pages for a Chinese reader -------------------------------------------------------


@pytest.fixture(scope="module")
def chinese_walk(
    browser: Browser, live_server, axe_script: Path
) -> Iterator[tuple[Page, list[str]]]:
    """A page whose browser asks for Chinese (Accept-Language zh-CN), with axe-core."""
    off_site: list[str] = []
    context = open_context(browser, live_server.url, off_site, bypass_csp=True, locale="zh-CN")
    context.add_init_script(path=axe_script)
    yield context.new_page(), off_site
    context.close()


def open_state_in_chinese(page: Page, emulator: Emulator, state: PageState) -> None:
    """As `open_state`, without the English text that proves the state (the status does)."""
    if not state.htmx:
        inject(emulator, state.fault)
        response = page.goto(state.path)
        assert response is not None
        assert response.status == state.status, f"{state.path}: {response.status}"
    else:
        response = page.goto(state.opener)
        assert response is not None
        assert response.ok, f"{state.opener}: {response.status}"
        inject(emulator, state.fault)
        with page.expect_response(
            lambda response: response.request.headers.get("hx-request")
        ) as swap:
            swap_results(page, state.path)
        assert swap.value.status == state.status, f"{state.path}: {swap.value.status}"
    settle_animations(page)


def english_in_browser(page: Page, emulator: Emulator, *paths: str) -> list[str]:
    """The English the page shows now (after its script ran), data and CCC's words aside."""
    shown = InterfaceText(page.content())
    assert shown.html_lang == "zh-hans"
    data = [*emulator_values(emulator), *audit_values(), *deployment_values()]
    data += [value for path in paths for value in path_values(path)]
    return english_left([shown.text, *shown.attributes], data)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("state", STATES, ids=str)
def test_page_states_in_chinese(
    chinese_walk: tuple[Page, list[str]],
    app_emulator: Emulator,
    pytestconfig,
    state: PageState,
    width: str,
) -> None:
    page, off_site = chinese_walk
    off_site.clear()
    page.set_viewport_size(WIDTHS[width])
    if state.database:
        state.database()
    open_state_in_chinese(page, app_emulator, state)

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert template_syntax_in(page.inner_text("body")) == []
    assert english_in_browser(page, app_emulator, state.path, state.opener) == []
    assert_fits(page, width)
    if findings := axe_findings(page):
        pytest.fail("axe-core found:\n" + "\n".join(map(str, findings)), pytrace=False)
    assert not off_site, f"the page tried to reach other hosts: {off_site}"
    keep_screenshots(page, pytestconfig, state, width, "zh-hans")


def test_the_script_s_texts_in_chinese(
    chinese_walk: tuple[Page, list[str]], app_emulator: Emulator
) -> None:
    """What the script writes comes from the page, in Chinese: the selection's count (the
    catalogue's plural, filled in), all matching, and the notice when cccadmin is unreachable."""
    page, _ = chinese_walk
    page.goto(f"{NUMBERS}?view=eligible")
    boxes = page.locator('input[name="number"][form="selection"]')
    boxes.nth(0).check()
    expect(page.locator("#selection-count")).to_have_text("已选择 1 个号码。")
    boxes.nth(1).check()
    expect(page.locator("#selection-count")).to_have_text("已选择 2 个号码。")
    page.locator("#select-all-matching").click()
    expect(page.locator("#selection-count")).to_have_text("已选择全部 401 个符合条件的号码。")
    assert english_in_browser(page, app_emulator, NUMBERS) == []

    page.route("**/numbers/?*page=2*", lambda route: route.abort())
    page.locator("#pager-next").click()
    expect(page.get_by_role("region", name="查询结果").get_by_role("alert")).to_have_text(
        "无法连接 cccadmin。请检查网络连接，或刷新页面重新登录。"
    )
    page.unroute("**/numbers/?*page=2*")
