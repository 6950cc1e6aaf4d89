"""The audit trail is the audit app's now: the model leaves this app's state, its table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("phone_numbers", "0002_audit_event_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
