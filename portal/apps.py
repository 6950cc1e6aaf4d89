from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal embedding"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
