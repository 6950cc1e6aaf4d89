"""Response headers and page markup on every kind of page: CSP, framing, cookies, HTTPS, CSRF.

Pages come from Django's test client in dev mode (loopback); the framed configuration, which
settings compute at import, is fetched in a subprocess whose environment sets it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.test import Client

from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_SKILL_GROUP_ID,
)

from .django_process import django_code

SKILL_GROUPS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/"
NUMBERS = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/"
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PORTALS = ["https://portal.example.com", "https://intranet.example.com"]
CLICKJACKING = "django.middleware.clickjacking.XFrameOptionsMiddleware"


@dataclass(frozen=True)
class Page:
    """A page type: how to ask for it and what it answers."""

    path: str
    status: int
    html: bool = True
    full: bool = True
    headers: tuple[tuple[str, str], ...] = ()
    peer: str = "127.0.0.1"


PAGES = {
    "instances": Page("/", 200),
    "skill-groups": Page(SKILL_GROUPS, 200),
    "numbers": Page(f"{NUMBERS}?view=eligible&q=0833", 200),
    "numbers-fragment": Page(NUMBERS, 200, full=False, headers=(("HX-Request", "true"),)),
    "error": Page(f"/instances/{BULK_INSTANCE_ID}/skill-groups/no-such-group/numbers/", 404),
    "error-fragment": Page(
        "/instances/no-such-instance/skill-groups/",
        404,
        full=False,
        headers=(("HX-Request", "true"),),
    ),
    "denied": Page("/", 403, peer="10.1.2.3"),
    "not-found": Page("/no-such-page/", 404),  # Django's own page
    "healthz": Page("/healthz", 200, html=False),
    "readyz": Page("/readyz", 200, html=False),
}


def fetch(client: Client, page: Page, **extra):
    return client.get(page.path, REMOTE_ADDR=page.peer, headers=dict(page.headers), **extra)


def parse_csp(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for directive in header.split(";"):
        name, *sources = directive.split() or [""]
        if name:
            assert name not in policy, f"{name} given twice"
            policy[name] = sources
    return policy


class Markup(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self, content: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(content)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.script_text.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text[-1] += data


def assert_csp_safe_markup(content: str) -> None:
    """Nothing a strict CSP would block, or need 'unsafe-inline'/'unsafe-eval' for."""
    markup = Markup(content)
    scripts = [attrs for tag, attrs in markup.tags if tag == "script"]
    assert all(attrs.get("src") for attrs in scripts), scripts
    assert all(not text.strip() for text in markup.script_text), markup.script_text
    for tag, attrs in markup.tags:
        assert tag != "style", "inline <style> element"
        assert "style" not in attrs, f"style= on <{tag}>"
        handlers = [name for name in attrs if name.startswith("on") or name.startswith("hx-on")]
        assert not handlers, f"inline handler {handlers} on <{tag}>"
        for name in ("href", "src", "action", "hx-get"):
            assert not (attrs.get(name) or "").lower().startswith("javascript:")


@pytest.mark.django_db  # /readyz reports the job queue
@pytest.mark.parametrize("name", PAGES)
def test_every_page_sends_the_strict_policy(client: Client, app_emulator, name):
    page = PAGES[name]
    response = fetch(client, page)
    assert response.status_code == page.status
    csp = response["Content-Security-Policy"]
    assert parse_csp(csp) == POLICY
    assert "unsafe" not in csp
    assert "Content-Security-Policy-Report-Only" not in response.headers
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    content = response.content.decode()
    if page.html:
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert_csp_safe_markup(content)
        assert ("<html" in content) == page.full
    else:
        assert response["Content-Type"] == "application/json"
        json.loads(content)


@pytest.mark.parametrize("name", ["instances", "skill-groups", "numbers", "error", "denied"])
def test_every_full_page_configures_htmx_for_the_policy(client: Client, app_emulator, name):
    response = fetch(client, PAGES[name])
    metas = [
        attrs
        for tag, attrs in Markup(response.content.decode()).tags
        if tag == "meta" and attrs.get("name") == "htmx-config"
    ]
    assert len(metas) == 1
    config = json.loads(metas[0]["content"] or "")
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["selfRequestsOnly"] is True


def test_the_markup_check_catches_what_the_policy_would_block():
    for bad in [
        "<script>alert(1)</script>",
        '<p style="color: red">x</p>',
        "<style>p {}</style>",
        '<button onclick="go()">x</button>',
        '<div hx-on:click="go()"></div>',
        '<a href="javascript:go()">x</a>',
    ]:
        with pytest.raises(AssertionError):
            assert_csp_safe_markup(bad)
    assert_csp_safe_markup('<script src="/static/x.js" defer></script><p class="x">ok</p>')


FRAMED_PAGES = ["instances", "numbers", "numbers-fragment", "error", "denied", "healthz"]


@pytest.fixture(scope="module")
def framed_responses() -> dict[str, dict]:
    """The headers of each page type, from a process started with CCCADMIN_FRAME_ANCESTORS."""
    requests = {name: PAGES[name] for name in FRAMED_PAGES}
    code = (
        "import json\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "settings.DEBUG = False  # as pytest-django runs requests\n"
        f"requests = {[(n, p.path, dict(p.headers), p.peer) for n, p in requests.items()]!r}\n"
        "found = {'middleware': settings.MIDDLEWARE}\n"
        "for name, path, headers, peer in requests:\n"
        "    response = Client().get(path, REMOTE_ADDR=peer, headers=headers)\n"
        "    found[name] = {'status': response.status_code, 'headers': dict(response.headers)}\n"
        "print(json.dumps(found))\n"
    )
    done = django_code(
        code,
        DJANGO_DEBUG="true",
        DJANGO_ALLOWED_HOSTS="testserver",
        CCCADMIN_FRAME_ANCESTORS=",".join(PORTALS),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", FRAMED_PAGES)
def test_frame_ancestors_name_the_portal_and_drop_x_frame_options(framed_responses, name):
    found = framed_responses[name]
    assert found["status"] == PAGES[name].status
    headers = {key.lower(): value for key, value in found["headers"].items()}
    assert "x-frame-options" not in headers
    policy = parse_csp(headers["content-security-policy"])
    assert policy == {**POLICY, "frame-ancestors": ["'self'", *PORTALS]}
    assert "unsafe" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert CLICKJACKING not in framed_responses["middleware"]


def test_frame_ancestors_in_process_when_settings_agree(client: Client, settings, app_emulator):
    """The same result with MIDDLEWARE and CONTENT_SECURITY_POLICY overridden together."""
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != CLICKJACKING]
    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]}
    directives["frame-ancestors"] = ["'self'", *PORTALS]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    response = client.get(NUMBERS)
    assert response.status_code == 200
    assert not response.has_header("X-Frame-Options")
    assert parse_csp(response["Content-Security-Policy"])["frame-ancestors"] == [
        "'self'",
        *PORTALS,
    ]


# -- cookies, HTTPS ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["instances", "numbers", "error", "denied"])
def test_csrf_cookie_is_set_lax_and_http_only(client: Client, app_emulator, name):
    response = fetch(client, PAGES[name])
    cookie = response.cookies["csrftoken"]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True
    assert cookie["path"] == "/"
    assert "sessionid" not in response.cookies


def test_csrf_cookie_none_goes_with_secure(client: Client, settings, app_emulator):
    # The values settings.py computes for CCCADMIN_COOKIE_SAMESITE=None (see test_settings).
    settings.CSRF_COOKIE_SAMESITE = "None"
    settings.CSRF_COOKIE_SECURE = True
    cookie = client.get("/", secure=True).cookies["csrftoken"]
    assert cookie["samesite"] == "None"
    assert cookie["secure"] is True


@pytest.fixture
def production_like(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_SSL_REDIRECT = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


@pytest.mark.parametrize("name", ["instances", "numbers", "error", "denied", "healthz"])
def test_production_headers_over_https(client: Client, production_like, app_emulator, name):
    page = PAGES[name]
    response = fetch(client, page, secure=True)
    assert response.status_code == page.status
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    if "csrftoken" in response.cookies:
        assert response.cookies["csrftoken"]["secure"] is True


@pytest.mark.parametrize("path", ["/", NUMBERS + "?view=eligible", "/no-such-page/"])
def test_plain_http_is_redirected_to_https(client: Client, production_like, app_emulator, path):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{path}"
    assert not response.has_header("Strict-Transport-Security")
    assert app_emulator.request_count == 0


@pytest.mark.django_db  # /readyz reports the job queue
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_probes_are_not_redirected(client: Client, production_like, app_emulator, path):
    response = client.get(path)
    assert response.status_code == 200


def test_health_probes_are_not_redirected_under_a_base_path():
    """Under CCCADMIN_BASE_PATH, request.path carries the prefix the exemptions must allow for."""
    done = django_code(
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "settings.DEBUG = False\n"
        "for path in ['/healthz', '/readyz', '/', '/healthz-x']:\n"
        "    response = Client().get(path)\n"
        "    print(path, response.status_code, response.get('Location', '-'))\n",
        DJANGO_DEBUG="true",
        DJANGO_ALLOWED_HOSTS="testserver",
        CCCADMIN_SSL_REDIRECT="true",
        CCCADMIN_BASE_PATH="/cccadmin",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "/healthz 200 -",
        "/readyz 200 -",
        "/ 301 https://testserver/cccadmin/",
        "/healthz-x 301 https://testserver/cccadmin/healthz-x",
    ]


@pytest.mark.parametrize("path", ["/healthz-x", "/xhealthz", "/readyz/"])
def test_only_the_probes_are_exempt(client: Client, production_like, app_emulator, path):
    assert client.get(path).status_code == 301


# -- CSRF --------------------------------------------------------------------------------------


def csrf_token_from(response) -> str:
    body = [attrs for tag, attrs in Markup(response.content.decode()).tags if tag == "body"]
    return json.loads(body[0]["hx-headers"] or "")["X-CSRFToken"]


@pytest.fixture
def csrf_client(db) -> Client:
    """A client whose posts are CSRF-checked; a refusal is recorded in the audit trail."""
    return Client(enforce_csrf_checks=True)


def test_post_without_a_token_is_refused(csrf_client: Client, app_emulator):
    response = csrf_client.post(NUMBERS)
    assert response.status_code == 403
    assert "The form could not be checked." in response.content.decode()
    assert app_emulator.request_count == 0


def test_post_with_a_token_from_a_foreign_origin_is_refused(csrf_client: Client, app_emulator):
    token = csrf_token_from(csrf_client.get(NUMBERS))
    requests_before = app_emulator.request_count
    response = csrf_client.post(
        NUMBERS, headers={"X-CSRFToken": token, "Origin": "https://evil.example.com"}
    )
    assert response.status_code == 403
    assert "The form could not be checked." in response.content.decode()
    assert app_emulator.request_count == requests_before


def test_post_with_a_wrong_token_is_refused(csrf_client: Client, app_emulator):
    csrf_client.get(NUMBERS)
    response = csrf_client.post(
        NUMBERS, headers={"X-CSRFToken": "x" * 64, "Origin": "http://testserver"}
    )
    assert response.status_code == 403


def test_post_with_the_token_from_the_same_origin_passes_csrf(csrf_client: Client, app_emulator):
    token = csrf_token_from(csrf_client.get(NUMBERS))
    response = csrf_client.post(
        NUMBERS, headers={"X-CSRFToken": token, "Origin": "http://testserver"}
    )
    assert response.status_code == 405  # past CSRF; the view itself only answers GET and HEAD
    assert response["Allow"] == "GET, HEAD"


def test_post_over_https_from_a_trusted_origin_passes_csrf(
    csrf_client: Client, settings, app_emulator
):
    settings.CSRF_TRUSTED_ORIGINS = ["https://portal.example.com"]
    token = csrf_token_from(csrf_client.get(NUMBERS, secure=True))
    trusted = csrf_client.post(
        NUMBERS, secure=True, headers={"X-CSRFToken": token, "Origin": "https://portal.example.com"}
    )
    assert trusted.status_code == 405
    other = csrf_client.post(
        NUMBERS, secure=True, headers={"X-CSRFToken": token, "Origin": "https://other.example.com"}
    )
    assert other.status_code == 403
