"""On PostgreSQL the audit table refuses UPDATE and DELETE, whoever sends them (a trigger), so
the trail stays what was written even past the application. SQLite (`make run`) has the ORM's
refusal only."""

from django.db import migrations

FUNCTION = "phone_numbers_auditevent_append_only"
TRIGGER = "phone_numbers_auditevent_append_only"

CREATE = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER {TRIGGER}
    BEFORE UPDATE OR DELETE ON phone_numbers_auditevent
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON phone_numbers_auditevent;
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # No parameters (None, not the default ()): the driver then leaves the `%` in RAISE's
        # format alone instead of reading it as a placeholder.
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("phone_numbers", "0001_audit_event")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
