"""Browser tests: Debian's Chromium, driven by Playwright, against Django's live server.

The live server runs the app in a thread of this process, so the app still reaches its
embedded emulator, which `app_emulator` resets for every test. Accessibility checks run
axe-core from npm (`axe_script`); without Chromium or axe-core the tests skip, unless `CI=true`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright

from ccc.emulator import Emulator

from ..servers import app_server

# Playwright's sync API runs an event loop in the test thread; Django would then refuse the
# database calls pytest-django makes around each live-server test.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The loopback address itself: "localhost" may resolve to another address first.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; `playwright install` is not used
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
HERE = Path(__file__).parent
# axe-core comes from npm (package.json, `npm ci`); it is injected by the tests, never served.
AXE = HERE.parents[1] / "node_modules" / "axe-core" / "axe.min.js"


def _missing(reason: str) -> None:
    """Skip locally; under CI (`CI=true`) what the browser tests need must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI the browser tests must run", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_context(browser: Browser, base_url: str, off_site: list[str], **options) -> BrowserContext:
    """A browser context on the live server that refuses, and notes in `off_site`, any other
    host the page tries to reach."""

    def refuse(route: Route, request: Request) -> None:
        off_site.append(request.url)
        route.abort()

    context = browser.new_context(base_url=base_url, **{"viewport": DESKTOP, **options})
    context.route(lambda url: not url.startswith(f"{base_url}/"), refuse)
    return context


@contextlib.contextmanager
def viewer_page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """A page signed in as a viewer behind the SSO proxy's headers, in a server of its own
    (sign-in is set at start-up); it must reach nothing off the server."""
    viewer = {"X-Forwarded-User": "victor", "X-Forwarded-Groups": "cc-support"}
    off_site: list[str] = []
    with app_server(
        tmp_path,
        CCCADMIN_AUTH_MODE="header",
        CCCADMIN_TRUSTED_PROXIES="127.0.0.1/32",
        CCCADMIN_VIEWER_GROUPS="cc-support",
        CCCADMIN_EDITOR_GROUPS="cc-admins",
    ) as url:
        context = open_context(browser, url, off_site, extra_http_headers=viewer)
        yield context.new_page()
        context.close()
    assert not off_site


@pytest.fixture
def new_context(browser: Browser, live_server, app_emulator: Emulator) -> Iterator:
    """Makes fresh browser contexts on the live server that can reach nothing else."""
    contexts: list[BrowserContext] = []
    off_site: list[str] = []

    def make(**options) -> BrowserContext:
        context = open_context(browser, live_server.url, off_site, **options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not off_site, f"the page tried to reach other hosts: {off_site}"


@pytest.fixture
def context(new_context) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.is_file():
        _missing(f"{AXE.relative_to(HERE.parents[1])} is missing: run `make test` or `npm ci`")
    return AXE


@pytest.fixture
def axe_page(new_context, axe_script) -> Page:
    """A page with axe-core loaded (the app's CSP would refuse it otherwise)."""
    context = new_context(bypass_csp=True)
    context.add_init_script(path=str(axe_script))
    return context.new_page()
