from django.apps import AppConfig


class PhoneNumbersConfig(AppConfig):
    name = "phone_numbers"
    verbose_name = "Phone numbers"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
