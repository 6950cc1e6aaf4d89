from django.conf import settings
from django.core.checks import Error, register

from .services import missing_credential_settings


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
