"""Data migrations that encrypt columns already holding clear text (and fill their hashes).

Raw SQL on purpose: the historical model's field already decrypts on read, and the rows
still hold clear text at that point. Values that already are Fernet tokens are left alone,
so running it twice is harmless; the reverse decrypts back to clear text.
"""

from django.db import migrations

from . import crypto
from .fields import NORMALISERS


def _rows(schema_editor, table, pk, columns):
    q = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        # Names come from the model's own metadata, quoted; no value is interpolated.
        cursor.execute(f"SELECT {q(pk)}, {', '.join(q(c) for c in columns)} "  # noqa: S608
                       f"FROM {q(table)}")
        return cursor.fetchall()


def _update(schema_editor, table, pk, values: dict, row_id):
    q = schema_editor.quote_name
    sets = ", ".join(f"{q(c)} = %s" for c in values)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {q(table)} SET {sets} WHERE {q(pk)} = %s",  # noqa: S608
                       [*values.values(), row_id])


def encrypt_columns(app_label: str, model_name: str, columns: list[str],
                    hashes: dict[str, tuple[str, str]] | None = None) -> migrations.RunPython:
    """`columns`: the encrypted columns; `hashes`: {hash column: (source column, purpose)}."""
    hashes = hashes or {}

    def forward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        table, pk = model._meta.db_table, model._meta.pk.column
        for row_id, *values in _rows(schema_editor, table, pk, columns):
            clear = {c: (crypto.decrypt(v) if v and crypto.is_token(v) else (v or ""))
                     for c, v in zip(columns, values, strict=True)}
            changes = {c: crypto.encrypt(clear[c]) for c, v in zip(columns, values, strict=True)
                       if v and not crypto.is_token(v)}
            for hash_column, (source, purpose) in hashes.items():
                changes[hash_column] = crypto.keyed_hash(NORMALISERS[purpose](clear[source]),
                                                         purpose=purpose)
            if changes:
                _update(schema_editor, table, pk, changes, row_id)

    def backward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        table, pk = model._meta.db_table, model._meta.pk.column
        for row_id, *values in _rows(schema_editor, table, pk, columns):
            changes = {c: crypto.decrypt(v) for c, v in zip(columns, values, strict=True)
                       if v and crypto.is_token(v)}
            if changes:
                _update(schema_editor, table, pk, changes, row_id)

    return migrations.RunPython(forward, backward, elidable=False)
