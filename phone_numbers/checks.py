from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .connection import missing_credential_settings, unusable_ccc_settings


@register()
def ccc_credentials_check(app_configs, **kwargs):
    """A real CCC endpoint needs credentials; say which variable is missing at start-up."""
    return [
        Error(
            f"{name} is not set but CCC_ENDPOINT is ({settings.CCC_ENDPOINT}).",
            hint=f"Set {name}, or unset CCC_ENDPOINT to use the embedded emulator.",
            id="phone_numbers.E001",
        )
        for name in missing_credential_settings()
    ]


@register()
def ccc_settings_check(app_configs, **kwargs):
    """A malformed endpoint or credential would otherwise surface as "CCC unreachable"."""
    return [
        Error(problem, hint="Correct the variable it names.", id="phone_numbers.E002")
        for problem in unusable_ccc_settings()
    ]


@register(Tags.security, deploy=True)
def ccc_endpoint_deploy_check(app_configs, **kwargs):
    """A deployment without CCC_ENDPOINT would show the emulator's demo data as if it were real."""
    if settings.CCC_ENDPOINT:
        return []
    return [
        Warning(
            "CCC_ENDPOINT is not set: the dashboard would show the embedded emulator's demo data.",
            hint="Set CCC_ENDPOINT and the ALIBABA_CLOUD_ACCESS_KEY_* variables.",
            id="phone_numbers.W001",
        )
    ]


@register(Tags.caches, deploy=True)
def shared_cache_deploy_check(app_configs, **kwargs):
    """Several worker processes, each with a cache of its own, show a change late."""
    per_process = settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    if not per_process or settings.SERVER_WORKERS == 1:
        return []
    return [
        Warning(
            "Each worker process caches CCC listings on its own: a change made through one "
            "shows on the others only when their copy expires "
            f"({settings.CCC_LISTING_CACHE_SECONDS:g} s).",
            hint="Set CACHE_URL to a cache all workers and replicas share "
            "(redis://host:6379/0), or run one worker (WEB_CONCURRENCY=1).",
            id="phone_numbers.W002",
        )
    ]
