"""System checks (`manage.py check`) for settings that are wrong but do not stop the process.

What must stop it (no secret key, no or an unknown sign-in mode, the mode's own settings,
unreadable instance scoping) is refused while the settings load, before any check runs.

Ids: portal.E001 is retired (it reported the authenticator's settings, now refused at start);
portal.E002 no group has a role; portal.E003 CCCADMIN_COOKIE_SAMESITE; portal.E004
CSRF_TRUSTED_ORIGINS.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

SAMESITE_VALUES = ("Lax", "Strict", "None")


def _problem(message: str, hint: str, check_id: str) -> list[Error]:
    return [Error(message, hint=hint, id=check_id)]


@register()
def sign_in_check(app_configs, **kwargs):
    """Fail `check` (and so `make serve`) when nobody could use the dashboard."""
    if settings.CCCADMIN_AUTH_MODE == "dev" or (
        settings.CCCADMIN_VIEWER_GROUPS or settings.CCCADMIN_EDITOR_GROUPS
    ):
        return []
    return _problem(
        "Nobody could use cccadmin: neither CCCADMIN_VIEWER_GROUPS nor CCCADMIN_EDITOR_GROUPS "
        "gives a group a role.",
        "Set CCCADMIN_VIEWER_GROUPS and/or CCCADMIN_EDITOR_GROUPS to the SSO groups "
        "(comma-separated) whose members may view or edit.",
        "portal.E002",
    )


@register(Tags.security)
def cookie_samesite_check(app_configs, **kwargs):
    """An unknown SameSite value; until it is fixed the settings use Lax."""
    value = settings.CCCADMIN_COOKIE_SAMESITE
    if value in SAMESITE_VALUES:
        return []
    return _problem(
        f"CCCADMIN_COOKIE_SAMESITE is {value!r}, not Lax, Strict or None; the cookies use Lax "
        "until it is corrected.",
        "Set CCCADMIN_COOKIE_SAMESITE to Lax (the default), Strict, or None (when the portal "
        "frames cccadmin from another site).",
        "portal.E003",
    )


@register(Tags.security)
def csrf_trusted_origins_check(app_configs, **kwargs):
    """A plain-HTTP origin trusted for CSRF could be forged by anyone on the network path."""
    insecure = [o for o in settings.CSRF_TRUSTED_ORIGINS if not o.startswith("https://")]
    if not insecure:
        return []
    return _problem(
        f"CSRF_TRUSTED_ORIGINS lists {', '.join(map(repr, insecure))}: only https:// origins "
        "may be trusted.",
        "Set CSRF_TRUSTED_ORIGINS to https:// origins only, comma-separated "
        "(e.g. https://cccadmin.example.com).",
        "portal.E004",
    )
