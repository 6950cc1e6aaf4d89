from django.apps import AppConfig


class CccadminConfig(AppConfig):
    name = "cccadmin"
    verbose_name = "cccadmin"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
