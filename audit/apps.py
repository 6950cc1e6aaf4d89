from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from portal.auth import access_denied

        from .recording import refused_write_record

        access_denied.connect(refused_write_record, dispatch_uid="audit.refused_write")
