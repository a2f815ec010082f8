"""PostgreSQL only: active commitments of one volunteer never overlap.

An exclusion constraint over (volunteer_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
for rows whose status is TENTATIVE or CONFIRMED, which needs btree_gist. Model
Meta.constraints cannot be vendor-conditional, so it lives here; on SQLite the services
check overlaps inside an IMMEDIATE (write-locked) transaction instead.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE volunteers_commitment ADD CONSTRAINT commitment_no_overlap
  EXCLUDE USING gist (volunteer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
  WHERE (status IN ('TENTATIVE', 'CONFIRMED'));
"""
DROP = "ALTER TABLE volunteers_commitment DROP CONSTRAINT IF EXISTS commitment_no_overlap;"


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_reference_data")]

    operations = [PostgresOnlySQL(CREATE, DROP)]
