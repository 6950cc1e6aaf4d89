"""Actions made of parts (a skill group and its numbers each). Adding the columns rewrites no
row: the trigger that refuses UPDATE never fires, and older rows read as one part."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_event_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="parts",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="skill_group_ids",
            field=models.TextField(blank=True),
        ),
    ]
