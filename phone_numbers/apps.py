from django.apps import AppConfig


class PhoneNumbersConfig(AppConfig):
    name = "phone_numbers"
    verbose_name = "Phone numbers"

    def ready(self) -> None:
        from portal.auth import access_denied

        from . import checks  # noqa: F401 - registers the system checks
        from .services import refused_write_record

        access_denied.connect(refused_write_record, dispatch_uid="phone_numbers.refused_write")
