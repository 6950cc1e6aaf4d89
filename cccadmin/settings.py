"""Django settings, read from the environment (see .env.example and the README).

Configuration errors are reported one of two ways:

- What would let the process run unsafely (no secret key, no way to authenticate safely,
  instance scoping that cannot be read) is collected in `_FATAL` while the environment is read;
  at the end of this module they are all reported together and the process stops (one block
  on stderr, no traceback, exit status 3), in manage.py and under gunicorn, which runs no
  system checks.
- Everything else is a system check (portal/checks.py, phone_numbers/checks.py), reported by
  `manage.py check`; the settings then fall back to a value that works.
"""

import ipaddress
import re
import sys
import zoneinfo
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from cccadmin import serving

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Each entry names the variable and what to set; see the end of this module.
_FATAL: list[str] = []

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        _FATAL.append(
            "DJANGO_SECRET_KEY is not set: set it to a long random string "
            "(or set DJANGO_DEBUG=true for local work)"
        )
    SECRET_KEY = "insecure-local-development-key"  # noqa: S105 - only with DEBUG on (or exiting)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_htmx",
    "django_tables2",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "portal",
    "audit",
    "phone_numbers",
]

# -- Authentication: who may use the dashboard (see portal/auth.py) ----------------------------
AUTH_MODES = ("dev", "header", "jwt")
CCCADMIN_AUTH_MODE = env.str("CCCADMIN_AUTH_MODE", default="dev" if DEBUG else "")
if CCCADMIN_AUTH_MODE not in AUTH_MODES:
    _FATAL.append(
        (
            f"CCCADMIN_AUTH_MODE={CCCADMIN_AUTH_MODE!r} is not a mode"
            if CCCADMIN_AUTH_MODE
            else "CCCADMIN_AUTH_MODE is not set"
        )
        + ": set it to 'header' (identity headers from a trusted SSO proxy) or 'jwt' (a signed "
        "assertion header); 'dev' is only for local work with DJANGO_DEBUG=true"
    )
if CCCADMIN_AUTH_MODE == "dev" and not DEBUG:
    _FATAL.append(
        "CCCADMIN_AUTH_MODE=dev lets anyone on this machine in as a demo user, so it needs "
        "DJANGO_DEBUG=true: set CCCADMIN_AUTH_MODE to 'header' or 'jwt' in production"
    )
CCCADMIN_DEV_USER = env.str("CCCADMIN_DEV_USER", default="dev@localhost")
CCCADMIN_AUTH_USER_HEADER = env.str("CCCADMIN_AUTH_USER_HEADER", default="X-Forwarded-User")
CCCADMIN_AUTH_EMAIL_HEADER = env.str("CCCADMIN_AUTH_EMAIL_HEADER", default="X-Forwarded-Email")
CCCADMIN_AUTH_GROUPS_HEADER = env.str("CCCADMIN_AUTH_GROUPS_HEADER", default="X-Forwarded-Groups")
CCCADMIN_AUTH_GROUPS_SEPARATOR = env.str("CCCADMIN_AUTH_GROUPS_SEPARATOR", default=",")
CCCADMIN_TRUSTED_PROXIES = env.list("CCCADMIN_TRUSTED_PROXIES", default=[])
CCCADMIN_JWT_HEADER = env.str("CCCADMIN_JWT_HEADER", default="X-Pomerium-Jwt-Assertion")
CCCADMIN_JWT_JWKS_URL = env.str("CCCADMIN_JWT_JWKS_URL", default="")
CCCADMIN_JWT_ISSUER = env.str("CCCADMIN_JWT_ISSUER", default="")
CCCADMIN_JWT_AUDIENCE = env.str("CCCADMIN_JWT_AUDIENCE", default="")
CCCADMIN_JWT_ALGORITHMS = env.list("CCCADMIN_JWT_ALGORITHMS", default=["RS256", "ES256"])
CCCADMIN_JWT_USER_CLAIM = env.str("CCCADMIN_JWT_USER_CLAIM", default="email")
CCCADMIN_JWT_GROUPS_CLAIM = env.str("CCCADMIN_JWT_GROUPS_CLAIM", default="groups")
CCCADMIN_JWT_LEEWAY = env.int("CCCADMIN_JWT_LEEWAY", default=30)
CCCADMIN_JWT_JWKS_TIMEOUT = env.float("CCCADMIN_JWT_JWKS_TIMEOUT", default=3.0)
CCCADMIN_JWT_JWKS_CACHE_SECONDS = env.int("CCCADMIN_JWT_JWKS_CACHE_SECONDS", default=300)
# The chosen mode's own settings: without them nobody can be authenticated safely. They are
# validated here only; portal/auth.py turns the CIDRs into networks and relies on it.
if CCCADMIN_AUTH_MODE == "header" and not CCCADMIN_TRUSTED_PROXIES:
    _FATAL.append(
        "CCCADMIN_AUTH_MODE=header needs CCCADMIN_TRUSTED_PROXIES: set it to the SSO proxies' "
        "addresses as CIDRs (e.g. 10.0.0.5/32), so nobody else can send the identity headers"
    )
if CCCADMIN_AUTH_MODE == "jwt":
    _missing = [
        f"{name} ({meaning})"
        for name, value, meaning in (
            ("CCCADMIN_JWT_JWKS_URL", CCCADMIN_JWT_JWKS_URL, "the identity provider's JWKS URL"),
            ("CCCADMIN_JWT_ISSUER", CCCADMIN_JWT_ISSUER, "the assertions' iss claim"),
            ("CCCADMIN_JWT_AUDIENCE", CCCADMIN_JWT_AUDIENCE, "their aud claim"),
        )
        if not value
    ]
    if _missing:
        _FATAL.append(f"CCCADMIN_AUTH_MODE=jwt needs {' and '.join(_missing)}: set them")
    if "none" in {algorithm.lower() for algorithm in CCCADMIN_JWT_ALGORITHMS}:
        _FATAL.append(
            "CCCADMIN_JWT_ALGORITHMS allows 'none' (unsigned assertions): set it to the "
            "identity provider's signing algorithms only, e.g. RS256,ES256"
        )


def _not_a_cidr(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return True
    return False


_not_cidrs = [repr(cidr) for cidr in CCCADMIN_TRUSTED_PROXIES if _not_a_cidr(cidr)]
if CCCADMIN_AUTH_MODE in ("header", "jwt") and _not_cidrs:
    _FATAL.append(
        f"CCCADMIN_TRUSTED_PROXIES holds {', '.join(_not_cidrs)}, not "
        f"{'a CIDR' if len(_not_cidrs) == 1 else 'CIDRs'}: set it to the proxies' addresses "
        "as CIDRs, comma-separated (e.g. 10.0.0.5/32,fd00:3::/64)"
    )
# Roles come from groups; a user in neither list is refused.
CCCADMIN_VIEWER_GROUPS = env.list("CCCADMIN_VIEWER_GROUPS", default=[])
CCCADMIN_EDITOR_GROUPS = env.list("CCCADMIN_EDITOR_GROUPS", default=[])
# Optional per-instance scoping: {"group": ["instance-id", ...] or ["*"]}; unset means no scoping.
# Scoping fails closed: a value that cannot be read stops the process rather than show everything.
_INSTANCE_ACCESS_FORMAT = (
    "set CCCADMIN_INSTANCE_ACCESS to a JSON object of group to a list of instance ids, "
    'e.g. {"cc-admins": ["*"], "support": ["ccc-test"]}, or leave it unset for no scoping'
)
try:
    CCCADMIN_INSTANCE_ACCESS = env.json("CCCADMIN_INSTANCE_ACCESS", default=None)
except ValueError as error:
    CCCADMIN_INSTANCE_ACCESS = {}
    _FATAL.append(f"CCCADMIN_INSTANCE_ACCESS is not JSON ({error}): {_INSTANCE_ACCESS_FORMAT}")
if CCCADMIN_INSTANCE_ACCESS is not None and not (
    isinstance(CCCADMIN_INSTANCE_ACCESS, dict)
    and all(
        isinstance(ids, list) and all(isinstance(i, str) for i in ids)
        for ids in CCCADMIN_INSTANCE_ACCESS.values()
    )
):
    CCCADMIN_INSTANCE_ACCESS = {}
    _FATAL.append(f"CCCADMIN_INSTANCE_ACCESS is not shaped as expected: {_INSTANCE_ACCESS_FORMAT}")

# -- Framing, cookies and the proxy in front ---------------------------------------------------
CCCADMIN_FRAME_ANCESTORS = env.list("CCCADMIN_FRAME_ANCESTORS", default=[])
CCCADMIN_COOKIE_SAMESITE = env.str("CCCADMIN_COOKIE_SAMESITE", default="Lax")
# Any other value is reported by `manage.py check` (portal.E003); until then the cookie is Lax,
# so set_cookie never fails.
CSRF_COOKIE_SAMESITE = (
    CCCADMIN_COOKIE_SAMESITE if CCCADMIN_COOKIE_SAMESITE in ("Lax", "Strict", "None") else "Lax"
)
# SameSite=None is only accepted by browsers on Secure cookies.
CSRF_COOKIE_SECURE = env.bool("CCCADMIN_COOKIE_SECURE", default=not DEBUG) or (
    CSRF_COOKIE_SAMESITE == "None"
)
CSRF_COOKIE_HTTPONLY = True
# Origins that are not https:// are reported by `manage.py check` (portal.E004).
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if env.str("CCCADMIN_PROXY_SSL_HEADER", default=""):
    # e.g. X-Forwarded-Proto: trusted only because the proxy always sets it.
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + env.str("CCCADMIN_PROXY_SSL_HEADER").upper().replace("-", "_"),
        "https",
    )
USE_X_FORWARDED_HOST = env.bool("CCCADMIN_USE_X_FORWARDED_HOST", default=False)
CCCADMIN_BASE_PATH = "/" + env.str("CCCADMIN_BASE_PATH", default="").strip("/")
FORCE_SCRIPT_NAME = CCCADMIN_BASE_PATH if CCCADMIN_BASE_PATH != "/" else None

# -- Security headers --------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("CCCADMIN_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP. The patterns match request.path, base path included.
_PROBE_PREFIX = re.escape(CCCADMIN_BASE_PATH.strip("/") + "/") if FORCE_SCRIPT_NAME else ""
SECURE_REDIRECT_EXEMPT = [rf"^{_PROBE_PREFIX}healthz$", rf"^{_PROBE_PREFIX}readyz$"]
SECURE_HSTS_SECONDS = env.int("CCCADMIN_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("CCCADMIN_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("CCCADMIN_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # HSTS for subdomains and preloading commit the company's whole domain, which this app
    # does not own: opt in with CCCADMIN_HSTS_INCLUDE_SUBDOMAINS / CCCADMIN_HSTS_PRELOAD.
    "security.W005",
    "security.W021",
    # With CCCADMIN_FRAME_ANCESTORS the portal may frame us: CSP frame-ancestors names it, and
    # X-Frame-Options, which cannot name an origin, is deliberately left out.
    *(["security.W002"] if CCCADMIN_FRAME_ANCESTORS else []),
]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws select arrows and checkboxes with data: SVG images.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF, *CCCADMIN_FRAME_ANCESTORS]
        if CCCADMIN_FRAME_ANCESTORS
        else [NONE],
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Framing is decided by CSP frame-ancestors; X-Frame-Options cannot name a portal origin.
    *(
        []
        if CCCADMIN_FRAME_ANCESTORS
        else ["django.middleware.clickjacking.XFrameOptionsMiddleware"]
    ),
    "cccadmin.health.HealthProbeMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.errors.ErrorPageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.auth.SsoMiddleware",
    "phone_numbers.middleware.CccBudgetMiddleware",
    "phone_numbers.middleware.CccErrorMiddleware",
]

ROOT_URLCONF = "cccadmin.urls"
WSGI_APPLICATION = "cccadmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run`'s database: a writer takes the lock when its transaction begins and others
    # wait for it (up to the timeout) instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://cccadmin")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A cache that does not answer must cost a page little: pages fall back to asking CCC.
    _CACHE_SOCKET_TIMEOUT = env.float("CCCADMIN_CACHE_SOCKET_TIMEOUT", default=0.25)
    CACHES["default"]["OPTIONS"] = {
        "socket_timeout": _CACHE_SOCKET_TIMEOUT,
        "socket_connect_timeout": _CACHE_SOCKET_TIMEOUT,
        **CACHES["default"].get("OPTIONS", {}),
    }

# -- Jobs: Django's Tasks API, stored in the database and run by `manage.py db_worker` ---------
# The database backend keeps a job in the same transaction as what enqueues it. Workers are
# separate processes, any number of them on any host sharing the database; `housekeeping` is a
# queue of its own, so its short jobs never wait behind a long one.
HOUSEKEEPING_QUEUE = "housekeeping"
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", HOUSEKEEPING_QUEUE],
    }
}
# How often a worker's housekeeping job runs (it also shows, on /readyz, that a worker is
# alive), and how long finished jobs' results are kept: the audit trail is the record.
CCCADMIN_HOUSEKEEPING_SECONDS = env.int("CCCADMIN_HOUSEKEEPING_SECONDS", default=60)
CCCADMIN_TASK_RESULTS_KEEP_DAYS = env.int("CCCADMIN_TASK_RESULTS_KEEP_DAYS", default=7)

LANGUAGE_CODE = "en"
# The reader's language: the switcher's cookie, else the browser's Accept-Language. It never
# enters a link, so a shared link opens in each reader's own language.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where our readers expect other number formats than Django's (zh_Hans: "11,318").
FORMAT_MODULE_PATH = ["cccadmin.formats"]
# The language cookie goes where the CSRF cookie goes (the portal's iframe included).
LANGUAGE_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE
LANGUAGE_COOKIE_SECURE = CSRF_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
# Kept a year: Django's default is a session cookie, forgotten each time the browser closes.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
# Times are shown in the deployment's zone, with the zone: CCC runs in China by default.
TIME_ZONE = env.str("CCCADMIN_TIME_ZONE", default="Asia/Shanghai")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (ValueError, zoneinfo.ZoneInfoNotFoundError):
    _FATAL.append(
        f"CCCADMIN_TIME_ZONE={TIME_ZONE!r} is not a time zone: set it to an IANA name such as "
        "Asia/Shanghai or UTC"
    )
    TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = f"{CCCADMIN_BASE_PATH.rstrip('/')}/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# With DEBUG on, static files come straight from the source folders, no collectstatic needed.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG


# -- The CCC OpenAPI. No endpoint means the embedded emulator with its demo data. -------------
CCC_ENDPOINT = env.str("CCC_ENDPOINT", default="")
# Stripped: a value read from a file or a secret store often ends in a line break.
CCC_ACCESS_KEY_ID = env.str("ALIBABA_CLOUD_ACCESS_KEY_ID", default="").strip()
CCC_ACCESS_KEY_SECRET = env.str("ALIBABA_CLOUD_ACCESS_KEY_SECRET", default="").strip()
CCC_SECURITY_TOKEN = env.str("ALIBABA_CLOUD_SECURITY_TOKEN", default="").strip()
CCC_TIMEOUT = env.float("CCC_TIMEOUT", default=10.0)
# One deadline for all the CCC calls and retries of one incoming read request; /readyz has less.
CCC_REQUEST_BUDGET = env.float("CCC_REQUEST_BUDGET", default=10.0)
CCC_READINESS_BUDGET = env.float("CCC_READINESS_BUDGET", default=3.0)
# Each fetched API page of a listing is reused this long (a write invalidates it at once).
CCC_LISTING_CACHE_SECONDS = env.float("CCC_LISTING_CACHE_SECONDS", default=30.0)
# Link/unlink: the numbers one action may take, how many go in one call (a JSON array in
# NumberList) and how many calls are in flight at once, all under one write budget in which
# each call still gets its full CCC_TIMEOUT.
CCCADMIN_MAX_NUMBERS_PER_ACTION = env.int("CCCADMIN_MAX_NUMBERS_PER_ACTION", default=1000)
# A selection is posted as one field per number (to be confirmed), with the query's few.
DATA_UPLOAD_MAX_NUMBER_FIELDS = max(1000, CCCADMIN_MAX_NUMBERS_PER_ACTION + 100)
CCC_WRITE_BATCH_SIZE = env.int("CCC_WRITE_BATCH_SIZE", default=100)
CCC_WRITES_IN_FLIGHT = env.int("CCC_WRITES_IN_FLIGHT", default=4)
CCC_WRITE_BUDGET = env.float("CCC_WRITE_BUDGET", default=120.0)
# Exports: one budget for all the CCC calls of one file (streamed after its request's budget
# ended), and how many API pages of 100 are asked at once, written in order.
CCC_EXPORT_BUDGET = env.float("CCC_EXPORT_BUDGET", default=120.0)
CCC_EXPORT_PAGES_IN_FLIGHT = env.int("CCC_EXPORT_PAGES_IN_FLIGHT", default=8)
# How long a confirmation may wait before it is submitted.
CCCADMIN_CONFIRMATION_SECONDS = env.int("CCCADMIN_CONFIRMATION_SECONDS", default=900)
# Connections to CCC per process: each server thread may run a page's four reads (group,
# listing, status count, contact-flow names) side by side, and waiting for a pooled
# connection counts against the request's budget.
CCC_MAX_CONNECTIONS = env.int("CCC_MAX_CONNECTIONS", default=4 * serving.threads())
# Worker processes gunicorn runs (`make serve`), each with a cache of its own unless CACHE_URL
# names a shared one.
SERVER_WORKERS = serving.workers()
_FATAL.extend(serving.problems())

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # httpx logs every request URL at INFO; our client logs the call with its RequestId instead.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
# Error reports (the DEBUG page, mailed reports) hide the CCC credentials, request signatures
# and the SSO assertion, even in frame variables.
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.error_reports.SecretHidingExceptionReporterFilter"

# -- Refusing to start -------------------------------------------------------------------------
# The problems go to stderr as one block, and SystemExit ends the process without a traceback.
# Its status is 3, gunicorn's "worker failed to boot": the gunicorn master then stops too, where
# a worker exiting with 1 (what SystemExit("message") gives) is respawned, and fails, forever.
if _FATAL:
    sys.stderr.write(
        "cccadmin cannot start; set these variables (in the environment or .env):\n"
        + "".join(f"- {problem}.\n" for problem in _FATAL)
    )
    sys.stderr.flush()
    raise SystemExit(3)
