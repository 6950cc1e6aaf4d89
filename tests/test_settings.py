"""Settings computed at import: refusing to start, the production profile, system checks.

Import-time behaviour runs in subprocesses with a controlled environment; the checks that only
read settings run in this process too, with pytest-django's `settings` fixture.
"""

from __future__ import annotations

import re
import runpy

import pytest

from portal.checks import sign_in_check

from .django_process import CCC_ACCOUNT, PRODUCTION, ROOT, django_code, manage, settings_of

# -- refusing to start -------------------------------------------------------------------------


def test_debug_off_without_a_mode_refuses_to_start():
    done = django_code("print('started')")
    assert done.returncode != 0
    assert "started" not in done.stdout
    assert "ImproperlyConfigured" in done.stderr
    assert "Set CCCADMIN_AUTH_MODE to 'header'" in done.stderr
    assert "'jwt'" in done.stderr


def test_debug_is_off_unless_asked_for():
    """Without DJANGO_DEBUG at all, the production rules apply (here: no mode, no start)."""
    if (ROOT / ".env").exists() and "DJANGO_DEBUG" in (ROOT / ".env").read_text():
        pytest.skip("a local .env sets DJANGO_DEBUG")
    done = django_code("print('started')", DJANGO_DEBUG=None)
    assert done.returncode != 0
    assert "CCCADMIN_AUTH_MODE" in done.stderr
    assert settings_of("DEBUG", DJANGO_DEBUG=None, **PRODUCTION) == {"DEBUG": False}


def test_manage_py_check_refuses_too():
    done = manage("check")
    assert done.returncode != 0
    assert "CCCADMIN_AUTH_MODE" in done.stderr


def test_dev_mode_with_debug_off_refuses_to_start():
    done = django_code("print('started')", CCCADMIN_AUTH_MODE="dev")
    assert done.returncode != 0
    assert "CCCADMIN_AUTH_MODE=dev" in done.stderr
    assert "needs DJANGO_DEBUG=true" in done.stderr


def test_dev_mode_is_the_default_with_debug_on():
    assert settings_of("CCCADMIN_AUTH_MODE", "DEBUG", DJANGO_DEBUG="true") == {
        "CCCADMIN_AUTH_MODE": "dev",
        "DEBUG": True,
    }


@pytest.mark.parametrize("mode", ["basic", "none", "HEADER", " "])
def test_unknown_mode_refuses_to_start(mode):
    done = django_code("print('started')", DJANGO_DEBUG="true", CCCADMIN_AUTH_MODE=mode)
    assert done.returncode != 0
    assert "CCCADMIN_AUTH_MODE" in done.stderr


def test_debug_off_without_a_secret_refuses_to_start():
    done = django_code("print('started')", DJANGO_SECRET_KEY=None, **PRODUCTION)
    assert done.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in done.stderr


@pytest.mark.parametrize(
    "origins",
    ["http://cccadmin.example.com", "https://cccadmin.example.com,http://portal.example.com"],
)
def test_csrf_trusted_origins_must_be_https(origins):
    done = django_code("print('started')", **{**PRODUCTION, "CSRF_TRUSTED_ORIGINS": origins})
    assert done.returncode != 0
    assert "CSRF_TRUSTED_ORIGINS must list https:// origins only." in done.stderr


def test_https_csrf_trusted_origins_are_kept():
    origins = "https://cccadmin.example.com,https://portal.example.com"
    assert settings_of(
        "CSRF_TRUSTED_ORIGINS", **{**PRODUCTION, "CSRF_TRUSTED_ORIGINS": origins}
    ) == {"CSRF_TRUSTED_ORIGINS": ["https://cccadmin.example.com", "https://portal.example.com"]}


def test_unknown_cookie_samesite_refuses_to_start():
    done = django_code("print('started')", **PRODUCTION, CCCADMIN_COOKIE_SAMESITE="Sometimes")
    assert done.returncode != 0
    assert "CCCADMIN_COOKIE_SAMESITE must be Lax, Strict or None." in done.stderr


def test_malformed_instance_access_json_refuses_to_start():
    done = django_code("print('started')", **PRODUCTION, CCCADMIN_INSTANCE_ACCESS="{support: x}")
    assert done.returncode != 0
    assert "started" not in done.stdout
    assert "ImproperlyConfigured: CCCADMIN_INSTANCE_ACCESS must be a JSON object" in done.stderr
    assert "It is not JSON: Expecting property name" in done.stderr


# -- system checks (manage.py check) -----------------------------------------------------------


def test_header_mode_without_proxies_or_groups_fails_check():
    done = manage("check", CCCADMIN_AUTH_MODE="header")
    assert done.returncode != 0
    assert "cccadmin.E001" in done.stderr
    assert "CCCADMIN_TRUSTED_PROXIES" in done.stderr
    assert "cccadmin.E002" in done.stderr
    assert "CCCADMIN_VIEWER_GROUPS" in done.stderr


@pytest.mark.parametrize(
    "access",
    ['{"support": "ccc-test"}', '["ccc-test"]', '{"support": [1]}', '{"support": null}'],
)
def test_badly_shaped_instance_access_refuses_to_start(access):
    done = django_code("print('started')", **PRODUCTION, CCCADMIN_INSTANCE_ACCESS=access)
    assert done.returncode != 0
    assert "started" not in done.stdout
    assert "CCCADMIN_INSTANCE_ACCESS must be a JSON object" in done.stderr


def test_well_shaped_instance_access_starts():
    access = '{"cc-admins": ["*"], "support": ["ccc-test"]}'
    done = django_code("print('started')", **PRODUCTION, CCCADMIN_INSTANCE_ACCESS=access)
    assert done.returncode == 0, done.stderr


def error_ids() -> list[str]:
    return [error.id for error in sign_in_check(None)]


@pytest.fixture
def header_settings(settings):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = ["10.0.3.7/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_EDITOR_GROUPS = []
    settings.CCCADMIN_INSTANCE_ACCESS = None
    return settings


@pytest.fixture
def jwt_settings(settings):
    settings.CCCADMIN_AUTH_MODE = "jwt"
    settings.CCCADMIN_JWT_JWKS_URL = "https://idp.example.com/jwks.json"
    settings.CCCADMIN_JWT_ISSUER = "https://idp.example.com"
    settings.CCCADMIN_JWT_AUDIENCE = "cccadmin.example.com"
    settings.CCCADMIN_JWT_ALGORITHMS = ["RS256", "ES256"]
    settings.CCCADMIN_VIEWER_GROUPS = []
    settings.CCCADMIN_EDITOR_GROUPS = ["cc-admins"]
    settings.CCCADMIN_INSTANCE_ACCESS = None
    return settings


def test_a_sound_header_setup_passes(header_settings):
    assert error_ids() == []


def test_a_sound_jwt_setup_passes(jwt_settings):
    assert error_ids() == []


def test_dev_mode_needs_no_groups(settings):
    settings.CCCADMIN_AUTH_MODE = "dev"
    settings.CCCADMIN_VIEWER_GROUPS = []
    settings.CCCADMIN_EDITOR_GROUPS = []
    assert error_ids() == []


@pytest.mark.parametrize("proxies", [[], ["10.0.3.300/32"], ["proxy.internal"]])
def test_header_mode_needs_valid_trusted_proxies(header_settings, proxies):
    header_settings.CCCADMIN_TRUSTED_PROXIES = proxies
    errors = sign_in_check(None)
    assert [error.id for error in errors] == ["cccadmin.E001"]
    assert "CCCADMIN_TRUSTED_PROXIES" in errors[0].msg


def test_no_role_group_is_an_error(header_settings):
    header_settings.CCCADMIN_VIEWER_GROUPS = []
    assert error_ids() == ["cccadmin.E002"]


@pytest.mark.parametrize(
    "missing", ["CCCADMIN_JWT_JWKS_URL", "CCCADMIN_JWT_ISSUER", "CCCADMIN_JWT_AUDIENCE"]
)
def test_jwt_mode_needs_jwks_issuer_and_audience(jwt_settings, missing):
    setattr(jwt_settings, missing, "")
    errors = sign_in_check(None)
    assert [error.id for error in errors] == ["cccadmin.E001"]
    assert missing in errors[0].msg


@pytest.mark.parametrize("algorithms", [["none"], ["RS256", "None"], ["NONE"]])
def test_jwt_mode_refuses_alg_none(jwt_settings, algorithms):
    jwt_settings.CCCADMIN_JWT_ALGORITHMS = algorithms
    errors = sign_in_check(None)
    assert [error.id for error in errors] == ["cccadmin.E001"]
    assert "'none'" in errors[0].msg


# -- the production profile --------------------------------------------------------------------


def test_production_profile_passes_check_deploy():
    done = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **CCC_ACCOUNT)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues (2 silenced)." in done.stdout


def test_production_profile_inside_a_portal_passes_check_deploy():
    done = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        **CCC_ACCOUNT,
        CCCADMIN_FRAME_ANCESTORS="https://portal.example.com",
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues (3 silenced)." in done.stdout


def test_check_names_a_malformed_endpoint():
    done = manage(
        "check", **PRODUCTION, **{**CCC_ACCOUNT, "CCC_ENDPOINT": "https://ccc.example.com:port"}
    )
    assert done.returncode != 0
    assert "phone_numbers.E002" in done.stderr
    assert "CCC_ENDPOINT ('https://ccc.example.com:port')" in done.stderr


def test_credentials_lose_the_line_break_a_secret_store_leaves():
    account = {name: f"{value}\n" for name, value in CCC_ACCOUNT.items()}
    assert settings_of("CCC_ACCESS_KEY_ID", "CCC_ACCESS_KEY_SECRET", **PRODUCTION, **account) == {
        "CCC_ACCESS_KEY_ID": CCC_ACCOUNT["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        "CCC_ACCESS_KEY_SECRET": CCC_ACCOUNT["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    }


def test_check_deploy_refuses_the_demo_emulator():
    done = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert done.returncode != 0
    assert "phone_numbers.W001" in done.stderr
    assert "CCC_ENDPOINT" in done.stderr


@pytest.mark.parametrize(
    ("variables", "warning"),
    [
        ({"CCCADMIN_SSL_REDIRECT": "false"}, "security.W008"),
        ({"CCCADMIN_HSTS_SECONDS": "0"}, "security.W004"),
        ({"DJANGO_SECRET_KEY": "short"}, "security.W009"),
        ({"CCCADMIN_COOKIE_SECURE": "false"}, "security.W016"),
    ],
)
def test_check_deploy_catches_a_weakened_profile(variables, warning):
    done = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, **CCC_ACCOUNT, **variables}
    )
    assert done.returncode != 0
    assert warning in done.stderr


def test_silenced_checks_say_why():
    source = (ROOT / "cccadmin" / "settings.py").read_text()
    block = re.search(r"^SILENCED_SYSTEM_CHECKS = \[\n(.*?)^\]", source, re.MULTILINE | re.DOTALL)
    assert block, "SILENCED_SYSTEM_CHECKS is not a literal list"
    lines = [line.strip() for line in block.group(1).splitlines()]
    entries = [line for line in lines if not line.startswith("#")]
    comment = " ".join(line.lstrip("# ") for line in lines if line.startswith("#"))
    assert entries[:2] == ['"security.W005",', '"security.W021",']
    assert entries[2:] == ['*(["security.W002"] if CCCADMIN_FRAME_ANCESTORS else []),']
    assert "frame-ancestors" in comment
    assert lines[0].startswith("#"), "the comment comes before the silenced ids"
    assert "subdomains" in comment
    assert "preload" in comment.lower()
    assert "CCCADMIN_HSTS_INCLUDE_SUBDOMAINS" in comment
    assert "CCCADMIN_HSTS_PRELOAD" in comment


def test_production_security_settings():
    assert settings_of(
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "X_FRAME_OPTIONS",
        "CSRF_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_PROXY_SSL_HEADER",
        "USE_X_FORWARDED_HOST",
        "ALLOWED_HOSTS",
        **PRODUCTION,
    ) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "USE_X_FORWARDED_HOST": False,
        "ALLOWED_HOSTS": ["cccadmin.example.com"],
    }


def test_hsts_options_are_opt_in():
    assert settings_of(
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        **PRODUCTION,
        CCCADMIN_HSTS_SECONDS="600",
        CCCADMIN_HSTS_INCLUDE_SUBDOMAINS="true",
        CCCADMIN_HSTS_PRELOAD="true",
    ) == {
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }


def test_proxy_headers_are_trusted_only_when_configured():
    unset = {**PRODUCTION, "CCCADMIN_PROXY_SSL_HEADER": None}
    assert settings_of("SECURE_PROXY_SSL_HEADER", "USE_X_FORWARDED_HOST", **unset) == {
        "SECURE_PROXY_SSL_HEADER": None,
        "USE_X_FORWARDED_HOST": False,
    }
    assert settings_of(
        "SECURE_PROXY_SSL_HEADER",
        "USE_X_FORWARDED_HOST",
        **{**unset, "CCCADMIN_PROXY_SSL_HEADER": "X-Forwarded-Proto"},
        CCCADMIN_USE_X_FORWARDED_HOST="true",
    ) == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "USE_X_FORWARDED_HOST": True,
    }


@pytest.mark.parametrize(
    ("samesite", "secure_variable", "expected_secure"),
    [
        ("Lax", None, True),
        ("Strict", None, True),
        ("None", None, True),
        ("Lax", "false", False),
        ("None", "false", True),  # SameSite=None is only accepted on Secure cookies
    ],
)
def test_csrf_cookie_attributes(samesite, secure_variable, expected_secure):
    assert settings_of(
        "CSRF_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        **PRODUCTION,
        CCCADMIN_COOKIE_SAMESITE=samesite,
        CCCADMIN_COOKIE_SECURE=secure_variable,
    ) == {"CSRF_COOKIE_SAMESITE": samesite, "CSRF_COOKIE_SECURE": expected_secure}


def test_samesite_none_is_secure_even_in_debug():
    assert settings_of(
        "CSRF_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        DJANGO_DEBUG="true",
        CCCADMIN_COOKIE_SAMESITE="None",
    ) == {"CSRF_COOKIE_SAMESITE": "None", "CSRF_COOKIE_SECURE": True}


def test_debug_relaxes_https_only_settings():
    assert settings_of(
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "CSRF_COOKIE_SECURE", DJANGO_DEBUG="true"
    ) == {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0, "CSRF_COOKIE_SECURE": False}


CLICKJACKING = "django.middleware.clickjacking.XFrameOptionsMiddleware"


def test_framing_is_denied_by_default():
    found = settings_of("MIDDLEWARE", "CONTENT_SECURITY_POLICY", **PRODUCTION)
    assert CLICKJACKING in found["MIDDLEWARE"]
    assert found["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["frame-ancestors"] == ["'none'"]


def test_frame_ancestors_replace_x_frame_options():
    found = settings_of(
        "MIDDLEWARE",
        "CONTENT_SECURITY_POLICY",
        **PRODUCTION,
        CCCADMIN_FRAME_ANCESTORS="https://portal.example.com,https://intranet.example.com",
    )
    assert CLICKJACKING not in found["MIDDLEWARE"]
    assert found["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["frame-ancestors"] == [
        "'self'",
        "https://portal.example.com",
        "https://intranet.example.com",
    ]
    # Everything else stays in place, in order.
    default = settings_of("MIDDLEWARE", **PRODUCTION)["MIDDLEWARE"]
    assert found["MIDDLEWARE"] == [name for name in default if name != CLICKJACKING]


@pytest.mark.parametrize(
    ("base_path", "script_name", "static_url"),
    [
        (None, None, "/static/"),
        ("/cccadmin", "/cccadmin", "/cccadmin/static/"),
        ("cccadmin/", "/cccadmin", "/cccadmin/static/"),
        ("/tools/cccadmin/", "/tools/cccadmin", "/tools/cccadmin/static/"),
    ],
)
def test_base_path_sets_script_name_and_static_url(base_path, script_name, static_url):
    assert settings_of(
        "FORCE_SCRIPT_NAME", "STATIC_URL", **PRODUCTION, CCCADMIN_BASE_PATH=base_path
    ) == {"FORCE_SCRIPT_NAME": script_name, "STATIC_URL": static_url}


def test_base_path_prefixes_every_link():
    """Under a sub-path the proxy strips, links and static files carry the prefix."""
    done = django_code(
        "from django.test import Client\n"
        "response = Client().get('/instances/ccc-test/skill-groups/skillgroup@ccc-test/numbers/',"
        " {'view': 'eligible'}, headers={'HX-Request': 'true'})\n"
        "print(response.status_code, response.headers['HX-Push-Url'])\n"
        "response = Client().get('/')\n"
        "print(response.status_code)\n"
        "print(response.content.decode())\n",
        DJANGO_DEBUG="true",
        DJANGO_ALLOWED_HOSTS="testserver",
        CCCADMIN_BASE_PATH="/cccadmin",
    )
    assert done.returncode == 0, done.stderr
    swap, status, page = done.stdout.split("\n", 2)
    numbers = "/cccadmin/instances/ccc-test/skill-groups/skillgroup@ccc-test/numbers/"
    assert swap == f"200 {numbers}?view=eligible"
    assert status == "200"
    assert 'href="/cccadmin/instances/ccc-test/skill-groups/"' in page
    assert 'href="/cccadmin/static/css/cccadmin.css"' in page
    assert 'src="/cccadmin/static/js/cccadmin.js"' in page
    assert re.findall(r'(?:href|src)="(/[^"]*)"', page)
    assert all(url.startswith("/cccadmin/") for url in re.findall(r'(?:href|src)="(/[^"]*)"', page))


# -- gunicorn and make serve -------------------------------------------------------------------


def gunicorn_config(monkeypatch, **variables: str) -> dict:
    for name in ("HOST", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_config_defaults(monkeypatch):
    config = gunicorn_config(monkeypatch)
    assert config["header_map"] == "drop"
    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == 2
    assert config["threads"] == 4
    assert config["accesslog"] == "-"
    # gunicorn's default access log format has no request headers, so no assertion in the log.
    assert "access_log_format" not in config


def test_gunicorn_config_reads_the_environment(monkeypatch):
    config = gunicorn_config(
        monkeypatch, HOST="127.0.0.1", PORT="9000", WEB_CONCURRENCY="5", GUNICORN_THREADS="8"
    )
    assert (config["bind"], config["workers"], config["threads"]) == ("127.0.0.1:9000", 5, 8)
    assert config["header_map"] == "drop"


def test_make_serve_checks_the_deployment_before_serving():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^serve:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "no serve target"
    commands = [line.strip() for line in recipe.group(1).splitlines()]
    assert all(command.startswith("DJANGO_DEBUG=false ") for command in commands)
    assert [command.split("DJANGO_DEBUG=false ", 1)[1] for command in commands] == [
        "$(BIN)/python manage.py check --deploy --fail-level WARNING",
        "$(BIN)/python manage.py collectstatic --noinput --verbosity 0",
        "$(BIN)/python manage.py migrate --noinput",
        "$(BIN)/gunicorn --config gunicorn.conf.py cccadmin.wsgi",
    ]
