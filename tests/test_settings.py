"""Settings computed at import: refusing to start, the production profile, system checks.

Import-time behaviour runs in subprocesses with a controlled environment; the checks that only
read settings run in this process too, with pytest-django's `settings` fixture.
"""

from __future__ import annotations

import http.client
import re
import runpy
import subprocess
import sys

import httpx
import pytest

from portal.checks import sign_in_check

from .django_process import (
    CCC_ACCOUNT,
    PRODUCTION,
    ROOT,
    django_code,
    environment,
    manage,
    settings_of,
)
from .servers import app_server

# -- refusing to start -------------------------------------------------------------------------

REFUSAL = "cccadmin cannot start; set these variables (in the environment or .env):"


def refused(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The problems a process stopped on, after asserting it stopped with them alone: one
    block on stderr (a header line, then one line per problem), no traceback, nothing run."""
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert "started" not in done.stdout
    header, *problems = done.stderr.splitlines()
    assert header == REFUSAL, done.stderr
    assert problems, done.stderr
    assert all(line.startswith("- ") and line.endswith(".") for line in problems), done.stderr
    return [line.removeprefix("- ") for line in problems]


def refusal_of(**variables: str | None) -> list[str]:
    return refused(django_code("print('started')", **variables))


def test_debug_off_without_a_mode_refuses_to_start():
    [problem] = refusal_of()
    assert problem.startswith("CCCADMIN_AUTH_MODE is not set: set it to 'header' (")
    assert "or 'jwt' (a signed assertion header)" in problem
    assert "'dev' is only for local work with DJANGO_DEBUG=true" in problem


def test_debug_is_off_unless_asked_for():
    """Without DJANGO_DEBUG at all, the production rules apply (here: no mode, no start)."""
    if (ROOT / ".env").exists() and "DJANGO_DEBUG" in (ROOT / ".env").read_text():
        pytest.skip("a local .env sets DJANGO_DEBUG")
    [problem] = refusal_of(DJANGO_DEBUG=None)
    assert problem.startswith("CCCADMIN_AUTH_MODE is not set")
    assert settings_of("DEBUG", DJANGO_DEBUG=None, **PRODUCTION) == {"DEBUG": False}


def test_manage_py_check_refuses_too():
    [problem] = refused(manage("check"))
    assert problem.startswith("CCCADMIN_AUTH_MODE is not set")


def test_gunicorn_stops_instead_of_respawning_workers():
    """gunicorn runs no system checks: its worker stops, and the master with it (status 3 is
    gunicorn's "worker failed to boot"; a worker exiting with 1 would be respawned forever)."""
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "cccadmin.wsgi"],
        cwd=ROOT,
        env=environment(HOST="127.0.0.1", PORT="0", WEB_CONCURRENCY="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert "Reason: Worker failed to boot." in done.stderr
    assert f"{REFUSAL}\n- CCCADMIN_AUTH_MODE is not set: " in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("Booting worker") == 1


def test_dev_mode_with_debug_off_refuses_to_start():
    [problem] = refusal_of(CCCADMIN_AUTH_MODE="dev")
    assert problem.startswith("CCCADMIN_AUTH_MODE=dev lets anyone on this machine in")
    assert "needs DJANGO_DEBUG=true: set CCCADMIN_AUTH_MODE to 'header' or 'jwt'" in problem


def test_dev_mode_is_the_default_with_debug_on():
    assert settings_of("CCCADMIN_AUTH_MODE", "DEBUG", DJANGO_DEBUG="true") == {
        "CCCADMIN_AUTH_MODE": "dev",
        "DEBUG": True,
    }


@pytest.mark.parametrize("mode", ["basic", "none", "HEADER", " "])
def test_unknown_mode_refuses_to_start(mode):
    [problem] = refusal_of(DJANGO_DEBUG="true", CCCADMIN_AUTH_MODE=mode)
    assert problem.startswith(f"CCCADMIN_AUTH_MODE={mode!r} is not a mode: set it to 'header'")


def test_debug_off_without_a_secret_refuses_to_start():
    [problem] = refusal_of(DJANGO_SECRET_KEY=None, **PRODUCTION)
    assert problem == (
        "DJANGO_SECRET_KEY is not set: set it to a long random string "
        "(or set DJANGO_DEBUG=true for local work)."
    )


def test_every_problem_is_reported_at_once():
    problems = refusal_of(
        DJANGO_SECRET_KEY=None,
        CCCADMIN_AUTH_MODE="jwt",
        CCCADMIN_JWT_ISSUER="https://idp.example.com",
        CCCADMIN_JWT_ALGORITHMS="RS256,none",
        CCCADMIN_TRUSTED_PROXIES="10.0.3.7/32,proxy.internal",
        CCCADMIN_INSTANCE_ACCESS='["ccc-test"]',
        # Checks, not refusals: not reported here (nor run).
        CCCADMIN_COOKIE_SAMESITE="Sometimes",
        CSRF_TRUSTED_ORIGINS="http://cccadmin.example.com",
    )
    assert [problem.split(" ", 1)[0] for problem in problems] == [
        "DJANGO_SECRET_KEY",
        "CCCADMIN_AUTH_MODE=jwt",
        "CCCADMIN_JWT_ALGORITHMS",
        "CCCADMIN_TRUSTED_PROXIES",
        "CCCADMIN_INSTANCE_ACCESS",
    ]
    assert "CCCADMIN_JWT_JWKS_URL" in problems[1]
    assert "CCCADMIN_JWT_AUDIENCE" in problems[1]
    assert "CCCADMIN_JWT_ISSUER" not in problems[1]
    assert "'proxy.internal'" in problems[3]
    assert "10.0.3.7/32" not in problems[3]


def test_malformed_instance_access_json_refuses_to_start():
    [problem] = refusal_of(**PRODUCTION, CCCADMIN_INSTANCE_ACCESS="{support: x}")
    assert problem.startswith("CCCADMIN_INSTANCE_ACCESS is not JSON (Expecting property name")
    assert "set CCCADMIN_INSTANCE_ACCESS to a JSON object of group to a list of instance ids" in (
        problem
    )


@pytest.mark.parametrize(
    "access",
    ['{"support": "ccc-test"}', '["ccc-test"]', '{"support": [1]}', '{"support": null}'],
)
def test_badly_shaped_instance_access_refuses_to_start(access):
    [problem] = refusal_of(**PRODUCTION, CCCADMIN_INSTANCE_ACCESS=access)
    assert problem.startswith(
        "CCCADMIN_INSTANCE_ACCESS is not shaped as expected: set CCCADMIN_INSTANCE_ACCESS to a "
        "JSON object of group to a list of instance ids, e.g. "
    )


def test_well_shaped_instance_access_starts():
    access = '{"cc-admins": ["*"], "support": ["ccc-test"]}'
    done = django_code("print('started')", **PRODUCTION, CCCADMIN_INSTANCE_ACCESS=access)
    assert done.returncode == 0, done.stderr


# The sign-in modes' own settings: without them nobody can be signed in safely.
HEADER_MODE = {
    "CCCADMIN_AUTH_MODE": "header",
    "CCCADMIN_TRUSTED_PROXIES": "10.0.3.7/32",
    "CCCADMIN_VIEWER_GROUPS": "cc-support",
}
JWT_MODE = {
    "CCCADMIN_AUTH_MODE": "jwt",
    "CCCADMIN_JWT_JWKS_URL": "https://idp.example.com/jwks.json",
    "CCCADMIN_JWT_ISSUER": "https://idp.example.com",
    "CCCADMIN_JWT_AUDIENCE": "cccadmin.example.com",
    "CCCADMIN_JWT_ALGORITHMS": "RS256,ES256",
    "CCCADMIN_EDITOR_GROUPS": "cc-admins",
}
# The WSGI application builds the middleware, and so the authenticator, as gunicorn does.
LOAD_THE_APP = "from cccadmin.wsgi import application\nprint('started')"


def assert_starts_and_passes_check(mode: dict[str, str]) -> None:
    started = django_code(LOAD_THE_APP, **mode)
    assert started.returncode == 0, started.stderr
    assert "Traceback" not in started.stderr
    assert started.stdout.strip().splitlines()[-1] == "started"
    checked = manage("check", **mode)
    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues (0 silenced)." in checked.stdout


def test_a_sound_header_setup_passes():
    assert_starts_and_passes_check(HEADER_MODE)


def test_a_sound_jwt_setup_passes():
    assert_starts_and_passes_check(JWT_MODE)


def test_header_mode_needs_trusted_proxies():
    [problem] = refusal_of(**{**HEADER_MODE, "CCCADMIN_TRUSTED_PROXIES": None})
    assert problem.startswith("CCCADMIN_AUTH_MODE=header needs CCCADMIN_TRUSTED_PROXIES: set it")
    assert "as CIDRs (e.g. 10.0.0.5/32)" in problem


@pytest.mark.parametrize("mode", [HEADER_MODE, JWT_MODE], ids=["header", "jwt"])
@pytest.mark.parametrize(
    ("proxies", "named"),
    [
        ("10.0.3.300/32", "'10.0.3.300/32', not a CIDR"),
        ("10.0.3.7/32,proxy.internal", "'proxy.internal', not a CIDR"),
        ("fd00::/64,10.0.3.0/40,x", "'10.0.3.0/40', 'x', not CIDRs"),
    ],
)
def test_trusted_proxies_must_be_cidrs(mode, proxies, named):
    [problem] = refusal_of(**{**mode, "CCCADMIN_TRUSTED_PROXIES": proxies})
    assert problem.startswith(f"CCCADMIN_TRUSTED_PROXIES holds {named}: set it to the proxies'")


def test_trusted_proxies_are_not_read_in_dev_mode():
    done = django_code(LOAD_THE_APP, DJANGO_DEBUG="true", CCCADMIN_TRUSTED_PROXIES="proxy")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "missing", ["CCCADMIN_JWT_JWKS_URL", "CCCADMIN_JWT_ISSUER", "CCCADMIN_JWT_AUDIENCE"]
)
def test_jwt_mode_needs_jwks_issuer_and_audience(missing):
    [problem] = refusal_of(**{**JWT_MODE, missing: None})
    assert problem.startswith(f"CCCADMIN_AUTH_MODE=jwt needs {missing} (")
    assert problem.endswith("): set them.")


def test_jwt_mode_names_every_missing_setting():
    [problem] = refusal_of(CCCADMIN_AUTH_MODE="jwt", CCCADMIN_EDITOR_GROUPS="cc-admins")
    assert problem == (
        "CCCADMIN_AUTH_MODE=jwt needs CCCADMIN_JWT_JWKS_URL (the identity provider's JWKS URL) "
        "and CCCADMIN_JWT_ISSUER (the assertions' iss claim) and CCCADMIN_JWT_AUDIENCE "
        "(their aud claim): set them."
    )


@pytest.mark.parametrize("algorithms", ["none", "RS256,None", "NONE"])
def test_jwt_mode_refuses_alg_none(algorithms):
    [problem] = refusal_of(**{**JWT_MODE, "CCCADMIN_JWT_ALGORITHMS": algorithms})
    assert problem.startswith("CCCADMIN_JWT_ALGORITHMS allows 'none' (unsigned assertions)")
    assert "set it to the identity provider's signing algorithms only" in problem


# -- system checks (manage.py check) -----------------------------------------------------------


def check_errors(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """`manage.py check`'s errors by id: the message, then the hint."""
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    found = re.findall(r"^\?: \((\S+)\) (.*)\n\tHINT: (.*)$", done.stderr, re.MULTILINE)
    return {error_id: f"{message} HINT: {hint}" for error_id, message, hint in found}


def test_no_role_group_fails_check():
    done = manage(
        "check", **{**PRODUCTION, "CCCADMIN_VIEWER_GROUPS": None, "CCCADMIN_EDITOR_GROUPS": None}
    )
    assert check_errors(done) == {
        "portal.E002": "Nobody could use cccadmin: neither CCCADMIN_VIEWER_GROUPS nor "
        "CCCADMIN_EDITOR_GROUPS gives a group a role. HINT: Set CCCADMIN_VIEWER_GROUPS "
        "and/or CCCADMIN_EDITOR_GROUPS to the SSO groups (comma-separated) whose members may "
        "view or edit."
    }


@pytest.mark.parametrize("samesite", ["Sometimes", "lax", ""])
def test_unknown_cookie_samesite_fails_check(samesite):
    errors = check_errors(manage("check", **PRODUCTION, CCCADMIN_COOKIE_SAMESITE=samesite))
    assert list(errors) == ["portal.E003"]
    assert errors["portal.E003"].startswith(
        f"CCCADMIN_COOKIE_SAMESITE is {samesite!r}, not Lax, Strict or None; the cookies use Lax"
    )
    assert (
        "HINT: Set CCCADMIN_COOKIE_SAMESITE to Lax (the default), Strict, or None"
        in (errors["portal.E003"])
    )


def test_unknown_cookie_samesite_falls_back_to_lax():
    """Until `check` is heeded, the app runs and its cookies work."""
    done = django_code(
        "from django.conf import settings\n"
        "from django.http import HttpResponse\n"
        "response = HttpResponse()\n"
        "response.set_cookie('csrftoken', 'x', samesite=settings.CSRF_COOKIE_SAMESITE)\n"
        "print(response.cookies['csrftoken']['samesite'])",
        **PRODUCTION,
        CCCADMIN_COOKIE_SAMESITE="Sometimes",
    )
    assert (done.returncode, done.stdout) == (0, "Lax\n"), done.stderr


@pytest.mark.parametrize(
    ("origins", "named"),
    [
        ("http://cccadmin.example.com", "'http://cccadmin.example.com'"),
        (
            "https://cccadmin.example.com,http://portal.example.com,http://intranet.example.com",
            "'http://portal.example.com', 'http://intranet.example.com'",
        ),
    ],
)
def test_csrf_trusted_origins_must_be_https(origins, named):
    errors = check_errors(manage("check", **{**PRODUCTION, "CSRF_TRUSTED_ORIGINS": origins}))
    assert errors == {
        "portal.E004": f"CSRF_TRUSTED_ORIGINS lists {named}: only https:// origins may be "
        "trusted. HINT: Set CSRF_TRUSTED_ORIGINS to https:// origins only, comma-separated "
        "(e.g. https://cccadmin.example.com)."
    }


def test_https_csrf_trusted_origins_are_kept():
    origins = "https://cccadmin.example.com,https://portal.example.com"
    assert settings_of(
        "CSRF_TRUSTED_ORIGINS", **{**PRODUCTION, "CSRF_TRUSTED_ORIGINS": origins}
    ) == {"CSRF_TRUSTED_ORIGINS": ["https://cccadmin.example.com", "https://portal.example.com"]}


def error_ids() -> list[str]:
    return [error.id for error in sign_in_check(None)]


@pytest.fixture
def header_settings(settings):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = ["10.0.3.7/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    settings.CCCADMIN_EDITOR_GROUPS = []
    return settings


@pytest.mark.parametrize(
    ("viewers", "editors"), [(["cc-support"], []), ([], ["cc-admins"]), (["a"], ["b"])]
)
def test_one_role_group_is_enough(header_settings, viewers, editors):
    header_settings.CCCADMIN_VIEWER_GROUPS = viewers
    header_settings.CCCADMIN_EDITOR_GROUPS = editors
    assert error_ids() == []


def test_dev_mode_needs_no_groups(settings):
    settings.CCCADMIN_AUTH_MODE = "dev"
    settings.CCCADMIN_VIEWER_GROUPS = []
    settings.CCCADMIN_EDITOR_GROUPS = []
    assert error_ids() == []


def test_no_role_group_is_an_error(header_settings):
    header_settings.CCCADMIN_VIEWER_GROUPS = []
    assert error_ids() == ["portal.E002"]


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


@pytest.mark.parametrize("workers", [None, "2", "4"])
def test_check_deploy_warns_of_workers_without_a_shared_cache(workers):
    variables = {**PRODUCTION, **CCC_ACCOUNT, "CACHE_URL": None, "WEB_CONCURRENCY": workers}

    done = manage("check", "--deploy", "--fail-level", "WARNING", **variables)

    assert done.returncode != 0
    assert "phone_numbers.W002" in done.stderr
    assert "Set CACHE_URL to a cache all workers and replicas share" in done.stderr


def test_one_worker_needs_no_shared_cache():
    variables = {**PRODUCTION, **CCC_ACCOUNT, "CACHE_URL": None, "WEB_CONCURRENCY": "1"}

    done = manage("check", "--deploy", "--fail-level", "WARNING", **variables)

    assert done.returncode == 0, done.stderr


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
    assert config["workers"] == 4
    assert config["threads"] == 16
    assert config["keepalive"] == 0
    assert config["accesslog"] == "-"
    # gunicorn's default access log format has no request headers, so no assertion in the log.
    assert "access_log_format" not in config


def test_gunicorn_config_reads_the_environment(monkeypatch):
    config = gunicorn_config(
        monkeypatch, HOST="127.0.0.1", PORT="9000", WEB_CONCURRENCY="5", GUNICORN_THREADS="8"
    )
    assert (config["bind"], config["workers"], config["threads"]) == ("127.0.0.1:9000", 5, 8)
    assert config["header_map"] == "drop"


def test_the_settings_size_themselves_by_the_server_gunicorn_runs(monkeypatch):
    """CCC's pool has a connection for each read a server thread's page runs side by side,
    and the settings count the same workers gunicorn starts."""
    names = ("SERVER_WORKERS", "CCC_MAX_CONNECTIONS")
    defaults = gunicorn_config(monkeypatch)

    assert settings_of(*names, **PRODUCTION) == {
        "SERVER_WORKERS": defaults["workers"],
        "CCC_MAX_CONNECTIONS": 4 * defaults["threads"],
    }
    assert settings_of(*names, **PRODUCTION, WEB_CONCURRENCY="1", GUNICORN_THREADS="8") == {
        "SERVER_WORKERS": 1,
        "CCC_MAX_CONNECTIONS": 32,
    }


def test_a_server_size_that_is_not_a_count_refuses_to_start(monkeypatch):
    assert refusal_of(**PRODUCTION, WEB_CONCURRENCY="four", GUNICORN_THREADS="0") == [
        "WEB_CONCURRENCY is not a whole number above 0 ('four'): "
        "set it to how many worker processes gunicorn runs.",
        "GUNICORN_THREADS is not a whole number above 0 ('0'): "
        "set it to how many threads each worker runs.",
    ]
    # gunicorn starts with the default threads, so that its worker can say so and stop.
    assert gunicorn_config(monkeypatch, GUNICORN_THREADS="0")["threads"] == 16


def test_gunicorn_closes_each_connection_after_its_response(tmp_path):
    """So that no worker keeps a share of the proxy's connections while others stand idle."""
    with app_server(tmp_path) as url:
        address = httpx.URL(url)
        connection = http.client.HTTPConnection(address.host, address.port, timeout=10)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()

    assert response.status == 200
    assert response.getheader("Connection") == "close"
    assert response.will_close


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
