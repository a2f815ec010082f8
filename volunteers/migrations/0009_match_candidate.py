"""The matching candidate table, filled from the existing roster, and the range indexes
matching reads time off, busy and the daily cap through.

The GiST indexes over tstzrange(starts_at, ends_at) are PostgreSQL-only (RunSQL, like
0003); SQLite answers the same conditions by comparing the ends.
"""

import django.db.models.deletion
from django.db import migrations, models

import volunteers.candidate_models

CREATE_INDEXES = """
CREATE INDEX volunteers_timeoff_span_gist ON volunteers_timeoff
  USING gist (tstzrange(starts_at, ends_at));
CREATE INDEX volunteers_commitment_busy_gist ON volunteers_commitment
  USING gist (tstzrange(starts_at, ends_at)) WHERE status IN ('TENTATIVE', 'CONFIRMED');
CREATE INDEX volunteers_commitment_dispatch_day ON volunteers_commitment (starts_at)
  WHERE kind = 'DISPATCH' AND status IN ('TENTATIVE', 'CONFIRMED', 'COMPLETED');
"""
DROP_INDEXES = """
DROP INDEX IF EXISTS volunteers_timeoff_span_gist;
DROP INDEX IF EXISTS volunteers_commitment_busy_gist;
DROP INDEX IF EXISTS volunteers_commitment_dispatch_day;
"""


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def backfill(apps, schema_editor):
    # The table is derived data: the same code that keeps it current fills it (the current
    # models, not the historical ones), as `manage.py matching_rebuild` does.
    from volunteers import candidates  # noqa: PLC0415 - only when the migration runs

    candidates.rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_api_tokens"),
        ("volunteers", "0008_encrypt_help_text"),
    ]

    operations = [
        migrations.CreateModel(
            name="MatchCandidate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("level", models.PositiveSmallIntegerField()),
                ("active", models.BooleanField()),
                ("credential_state", models.PositiveSmallIntegerField(
                    choices=[(0, "无需资质"), (1, "有效期见字段"), (2, "多份"), (3, "没有")])),
                ("credential_from", models.DateField(null=True)),
                ("credential_until", models.DateField(null=True)),
                ("credential2_from", models.DateField(null=True)),
                ("credential2_until", models.DateField(null=True)),
                ("mask", volunteers.candidate_models.SlotMaskField(max_length=1344)),
                ("mask_exact", models.BooleanField()),
                ("community", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE,
                    related_name="+", to="accounts.community")),
                ("skill", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE,
                    related_name="+", to="volunteers.skill")),
                ("volunteer", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="match_candidates", to="volunteers.volunteer")),
            ],
            options={
                "verbose_name": "匹配候选",
                "verbose_name_plural": "匹配候选",
                "constraints": [models.UniqueConstraint(fields=("skill", "volunteer"),
                                                        name="match_candidate_unique")],
            },
        ),
        PostgresOnlySQL(CREATE_INDEXES, DROP_INDEXES),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
