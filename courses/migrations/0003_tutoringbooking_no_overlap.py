"""PostgreSQL only: a resident never holds two overlapping BOOKED tutoring bookings.

An exclusion constraint over (user_id WITH =, tstzrange(starts_at, ends_at) WITH &&) for
BOOKED rows (btree_gist, as volunteers' commitment constraint). Meta.constraints cannot be
vendor-conditional; on SQLite the booking service checks inside its IMMEDIATE transaction.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE courses_tutoringbooking ADD CONSTRAINT tutoringbooking_no_overlap
  EXCLUDE USING gist (user_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
  WHERE (status = 'BOOKED');
"""
DROP = "ALTER TABLE courses_tutoringbooking DROP CONSTRAINT IF EXISTS tutoringbooking_no_overlap;"


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_tutoring")]

    operations = [PostgresOnlySQL(CREATE, DROP)]
