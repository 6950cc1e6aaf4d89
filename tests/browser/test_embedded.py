"""cccadmin under a sub-path, inside an iframe of a portal on another origin, in Chromium.

Two servers on 127.0.0.1, different ports, so two origins: the portal (http.server) framing
the app, and the app behind Django's runserver handler wrapped in a prefix-stripping proxy
(what `location /cccadmin/ { proxy_pass http://cccadmin:8000/; }` does), with the settings
CCCADMIN_BASE_PATH=/cccadmin and CCCADMIN_FRAME_ANCESTORS produce.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID
from phone_numbers.emulator_server import QuietRequestHandler

from .conftest import DESKTOP

PREFIX = "/cccadmin"
NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
CLICKJACKING = "django.middleware.clickjacking.XFrameOptionsMiddleware"
PORTAL = "portal"  # stands for the portal's origin, known once its server runs


def behind_proxy(app: Callable) -> Callable:
    """Passes on requests under PREFIX with the prefix stripped, like the reverse proxy."""

    def proxy(environ: dict, start_response: Callable) -> object:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(f"{PREFIX}/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"the proxy serves cccadmin under /cccadmin/ only"]
        environ["PATH_INFO"] = path[len(PREFIX) :]
        return app(environ, start_response)

    return proxy


@contextmanager
def serving(server) -> Iterator[int]:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Portal:
    """The company portal: one page framing cccadmin."""

    def __init__(self) -> None:
        self.html = b""
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(portal.html)))
                self.end_headers()
                self.wfile.write(portal.html)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"

    def frame(self, src: str) -> None:
        self.html = (
            "<!doctype html><html><head><title>Company portal</title></head><body>"
            "<h1>Company portal</h1>"
            f'<iframe src="{src}" title="cccadmin" width="1200" height="800"></iframe>'
            "</body></html>"
        ).encode()


@dataclass
class Embedded:
    portal: Portal
    app_origin: str
    responses: list[Response] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def numbers_url(self) -> str:
        return f"{self.app_origin}{PREFIX}{NUMBERS}"


@pytest.fixture
def embedding(settings, app_emulator) -> Iterator[Callable[[list[str] | None], Embedded]]:
    """Starts the portal and the app.

    `frame_ancestors` as CCCADMIN_FRAME_ANCESTORS would give them (the portal's origin stands
    for "the portal"); None: the default settings, framing denied.
    """
    servers = ExitStack()

    def start(frame_ancestors: list[str] | None) -> Embedded:
        portal = Portal()
        servers.enter_context(serving(portal.server))

        settings.FORCE_SCRIPT_NAME = PREFIX
        settings.STATIC_URL = f"{PREFIX}/static/"
        if frame_ancestors is not None:
            settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != CLICKJACKING]
            directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]}
            directives["frame-ancestors"] = [
                "'self'",
                *(portal.origin if origin == PORTAL else origin for origin in frame_ancestors),
            ]
            settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
        # Built after the settings are in place: the handler loads its middleware now.
        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietRequestHandler)
        server.set_app(behind_proxy(WSGIHandler()))
        app_port = servers.enter_context(serving(server))

        embedded = Embedded(portal=portal, app_origin=f"http://127.0.0.1:{app_port}")
        portal.frame(embedded.numbers_url)
        return embedded

    with servers:
        yield start


@pytest.fixture
def open_portal(browser: Browser) -> Iterator[Callable[[Embedded], Page]]:
    """A fresh context that may reach the two servers and nothing else."""
    contexts: list[BrowserContext] = []
    off_site: list[str] = []

    def open_(embedded: Embedded) -> Page:
        context = browser.new_context(viewport=DESKTOP)
        contexts.append(context)
        allowed = (f"{embedded.portal.origin}/", f"{embedded.app_origin}/")
        context.route(
            lambda url: not url.startswith(allowed),
            lambda route, request: (off_site.append(request.url), route.abort()),
        )
        for origin in (embedded.portal.origin, embedded.app_origin):
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        page = context.new_page()
        page.on("response", lambda response: embedded.responses.append(response))
        page.on(
            "console",
            lambda message: (
                embedded.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: embedded.console_errors.append(str(error)))
        page.goto(f"{embedded.portal.origin}/")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not off_site, f"the page tried to reach other hosts: {off_site}"


def app_frame(page: Page):
    frames = [frame for frame in page.frames if frame is not page.main_frame]
    assert len(frames) == 1
    return frames[0]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_dashboard_works_inside_the_portal_under_its_sub_path(embedding, open_portal) -> None:
    embedded = embedding([PORTAL])
    page = open_portal(embedded)
    dashboard = page.frame_locator("iframe[title=cccadmin]")
    search = dashboard.get_by_role("searchbox", name="Search numbers")
    expect(search).to_be_visible()
    expect(dashboard.get_by_text("dev@localhost · editor")).to_be_visible()
    frame = app_frame(page)
    assert frame.url == embedded.numbers_url

    # A swap: typing filters the results in place and pushes the frame's own URL.
    search.press_sequentially("0833", delay=30)
    frame.wait_for_url(re.compile(r"\?q=0833$"))
    assert frame.url == f"{embedded.numbers_url}?q=0833"
    rows = (
        dashboard.get_by_role("table").get_by_role("row").filter(has=dashboard.get_by_role("cell"))
    )
    expect(rows.first).to_be_visible()
    assert all("0833" in text.replace(" ", "") for text in rows.all_inner_texts())

    dashboard.get_by_role("link", name="Eligible", exact=True).click()
    frame.wait_for_url(re.compile(r"view=eligible"))
    assert frame.url.startswith(f"{embedded.numbers_url}?")
    assert query_of(frame.url) == {"view": ["eligible"], "q": ["0833"]}
    expect(dashboard.get_by_role("link", name="Eligible", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert page.url == f"{embedded.portal.origin}/"  # the portal's address bar stays

    # Copy link: cccadmin's own address of this view, prefix included.
    copy = dashboard.get_by_role("button", name="Copy link")
    expect(copy).to_have_attribute("data-copy-url", frame.url)
    copy.click()
    status = dashboard.locator("[data-copy-status]")
    expect(status).not_to_have_text("")
    if status.inner_text() == "Link copied":
        copied = page.evaluate("navigator.clipboard.readText()")
    else:  # the clipboard was refused: the link is shown instead
        copied = status.inner_text()
    assert copied == frame.url
    assert copied.startswith(f"{embedded.app_origin}{PREFIX}/instances/")

    # Every request the frame made went through the prefix and succeeded: pages, htmx, static.
    app_responses = [r for r in embedded.responses if r.url.startswith(embedded.app_origin)]
    paths = [urlsplit(r.url).path for r in app_responses]
    assert all(path.startswith(f"{PREFIX}/") for path in paths), paths
    assert all(r.status == 200 for r in app_responses), [(r.url, r.status) for r in app_responses]
    assert f"{PREFIX}/static/js/cccadmin.js" in paths
    assert f"{PREFIX}/static/css/cccadmin.css" in paths
    swaps = [r for r in app_responses if r.request.headers.get("hx-request") == "true"]
    assert len(swaps) >= 2
    # The portal's iframe grants no clipboard-write, so Chromium refuses the Clipboard API and
    # says so; the app then copies with a selection. Anything else (a CSP refusal) is a fault.
    refusals = [e for e in embedded.console_errors if "The Clipboard API has been blocked" not in e]
    assert not refusals


def assert_frame_refused(page: Page, embedded: Embedded) -> Response:
    """The app answered the frame's request, the browser did not show it; returns the answer."""
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="Company portal")).to_be_visible()
    answered = [r for r in embedded.responses if r.url == embedded.numbers_url]
    assert len(answered) == 1
    assert answered[0].status == 200

    dashboard = page.frame_locator("iframe[title=cccadmin]")
    expect(dashboard.get_by_role("searchbox", name="Search numbers")).to_have_count(0)
    frame = app_frame(page)
    assert not frame.url.startswith(embedded.app_origin)
    # Nothing else loaded from the app: no htmx, no static files.
    assert [r.url for r in embedded.responses if r.url.startswith(embedded.app_origin)] == [
        embedded.numbers_url
    ]
    return answered[0]


def test_the_portal_cannot_frame_cccadmin_by_default(embedding, open_portal) -> None:
    embedded = embedding(None)
    answer = assert_frame_refused(open_portal(embedded), embedded)
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_frame_ancestors_alone_keep_out_an_unlisted_portal(embedding, open_portal) -> None:
    embedded = embedding(["https://portal.example.com"])
    answer = assert_frame_refused(open_portal(embedded), embedded)
    assert "x-frame-options" not in answer.headers
    assert (
        "frame-ancestors 'self' https://portal.example.com"
        in answer.headers["content-security-policy"]
    )
