"""An action's progress while it runs, beside the audit trail (which stays append-only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_skill_group_names"),
        ("phone_numbers", "0003_audit_event_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActionProgress",
            fields=[
                (
                    "attempt",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="progress",
                        serialize=False,
                        to="audit.auditevent",
                    ),
                ),
                ("total", models.PositiveIntegerField()),
                ("done", models.PositiveIntegerField(default=0)),
                ("not_done", models.PositiveIntegerField(default=0)),
                ("unknown", models.PositiveIntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
