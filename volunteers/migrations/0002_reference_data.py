"""Skills and credential types are reference data: load them from the district data file
so they exist in production and in every test database, not only after seed_demo."""

import json
from pathlib import Path

from django.db import migrations

DATA_FILE = (Path(__file__).resolve().parents[2] / "backend" / "core" / "demo_data"
             / "shinan.json")


def load(apps, schema_editor):
    CredentialType = apps.get_model("volunteers", "CredentialType")
    Skill = apps.get_model("volunteers", "Skill")
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    types = {}
    for row in data["credential_types"]:
        types[row["code"]], _ = CredentialType.objects.update_or_create(
            code=row["code"], defaults={
                "name": row["name"], "validity_months": row.get("validity_months"),
                "granted_by_course_completion": bool(row.get("granted_by_course_completion")),
            })
    for row in data["skills"]:
        Skill.objects.update_or_create(code=row["code"], defaults={
            "name": row["name"],
            "credential_type": types.get(row.get("requires_credential") or ""),
        })


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
