"""The parts' skill group names, for the trail's filter by name. Adding the column rewrites no
row: the trigger that refuses UPDATE never fires; older rows are found by their one group's
name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_action_parts"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="skill_group_names",
            field=models.TextField(blank=True),
        ),
    ]
