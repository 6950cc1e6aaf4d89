from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .auth import AUTHENTICATORS


@register()
def sign_in_check(app_configs, **kwargs):
    """Fail `check` (and so `make serve`) on an authentication set-up that cannot work."""
    errors = []
    try:
        AUTHENTICATORS[settings.CCCADMIN_AUTH_MODE]()
    except ImproperlyConfigured as error:
        errors.append(Error(str(error), id="cccadmin.E001"))
    if settings.CCCADMIN_AUTH_MODE != "dev" and not (
        settings.CCCADMIN_VIEWER_GROUPS or settings.CCCADMIN_EDITOR_GROUPS
    ):
        errors.append(
            Error(
                "Nobody could use cccadmin: no group is given a role.",
                hint="Set CCCADMIN_VIEWER_GROUPS and/or CCCADMIN_EDITOR_GROUPS.",
                id="cccadmin.E002",
            )
        )
    return errors
