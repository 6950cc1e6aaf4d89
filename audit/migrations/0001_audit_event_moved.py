"""The audit trail moved here from phone_numbers: the model only. Its table (made by
phone_numbers 0001, with the append-only trigger of 0002) keeps its name and every row."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("phone_numbers", "0002_audit_event_append_only")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("attempt", "Attempt"),
                                    ("outcome", "Outcome"),
                                    ("refusal", "Refusal"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "token",
                            models.CharField(blank=True, max_length=64, null=True, unique=True),
                        ),
                        ("username", models.CharField(max_length=254)),
                        ("email", models.CharField(blank=True, max_length=254)),
                        ("client_address", models.CharField(blank=True, max_length=45)),
                        ("instance_id", models.CharField(max_length=128)),
                        ("skill_group_id", models.CharField(blank=True, max_length=128)),
                        ("skill_group_name", models.CharField(blank=True, max_length=256)),
                        (
                            "action",
                            models.CharField(
                                blank=True,
                                choices=[("link", "Link"), ("unlink", "Unlink")],
                                max_length=16,
                            ),
                        ),
                        ("numbers", models.JSONField(default=list)),
                        ("not_done", models.JSONField(default=list)),
                        ("unknown", models.JSONField(default=list)),
                        (
                            "outcome",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("done", "Done"),
                                    ("partly_done", "Partly done"),
                                    ("failed", "Failed"),
                                    ("unknown", "Unknown"),
                                    ("refused", "Refused"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("request_ids", models.JSONField(default=list)),
                        ("error_code", models.CharField(blank=True, max_length=128)),
                        ("detail", models.TextField(blank=True)),
                        (
                            "attempt",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="outcomes",
                                to="audit.auditevent",
                            ),
                        ),
                        (
                            "undoes",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="undone_by",
                                to="audit.auditevent",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "phone_numbers_auditevent",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["instance_id", "skill_group_id", "-created_at"],
                                name="phone_numbe_instanc_4cbc9e_idx",
                            ),
                            models.Index(
                                fields=["username", "-created_at"],
                                name="phone_numbe_usernam_683746_idx",
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("attempt__isnull", False), ("kind", "outcome")),
                                    models.Q(("kind", "outcome"), _negated=True),
                                    _connector="OR",
                                ),
                                name="audit_outcome_has_attempt",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
