"""Every page state in Chromium: axe-core finds nothing serious, and no template syntax shows.

The states are `tests/page_states.py`'s. A swap state opens its full page, then swaps the results
as a search or pager link would. With `CCCADMIN_SCREENSHOTS=<dir>` set (`make screenshots`),
the states marked for the README are saved as `<dir>/<state>.png`.

For speed the walk keeps one page (one browser context, axe-core injected into every document)
and one emulator data set for all states: every state opens its address afresh and only reads.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from phone_numbers import connection
from phone_numbers.ccc.emulator import Emulator

from ..page_states import STATES, PageState, inject, retries_without_waiting
from ..pages import template_syntax_in
from .conftest import open_context
from .helpers import axe_findings, settle_animations, swap_results

SCREENSHOTS = os.environ.get("CCCADMIN_SCREENSHOTS", "")


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


@pytest.mark.parametrize("state", STATES, ids=str)
def test_every_page_state(
    walk: tuple[Page, list[str]], app_emulator: Emulator, pytestconfig, state: PageState
) -> None:
    page, off_site = walk
    off_site.clear()
    if state.database:  # the live server's tests have a database (emptied after each)
        state.database()
    open_state(page, app_emulator, state)

    assert template_syntax_in(page.inner_text("body")) == []
    if findings := axe_findings(page):
        pytest.fail("axe-core found:\n" + "\n".join(map(str, findings)), pytrace=False)
    assert not off_site, f"the page tried to reach other hosts: {off_site}"

    if SCREENSHOTS and state.screenshot:
        save_screenshot(page, Path(pytestconfig.rootpath, SCREENSHOTS, f"{state.name}.png"))


def save_screenshot(page: Page, path: Path) -> None:
    """The top of the page, down to where its content ends if that is within the viewport."""
    page.evaluate("() => document.fonts.ready.then(() => null)")
    viewport = page.viewport_size
    assert viewport is not None
    content = page.evaluate(
        "() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)"
    )
    clip = {"x": 0, "y": 0, "width": viewport["width"], "height": min(viewport["height"], content)}
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, clip=clip, animations="disabled")
