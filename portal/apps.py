from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal embedding"

    def ready(self) -> None:
        from django.urls import register_converter

        from . import checks  # noqa: F401 - registers the system checks
        from .exports import ExportFormat

        # Every list's exports end their address in `export.<export_format:file_format>`.
        register_converter(ExportFormat, "export_format")
