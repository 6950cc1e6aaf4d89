from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from portal.auth import access_denied
        from portal.errors import csrf_refused

        from .recording import csrf_refusal_record, refused_write_record

        access_denied.connect(refused_write_record, dispatch_uid="audit.refused_write")
        csrf_refused.connect(csrf_refusal_record, dispatch_uid="audit.csrf_refusal")
