"""Re-encrypting personal data with the newest field key, and recomputing lookup hashes.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run
`manage.py rotate_field_keys`, then drop the old keys. A changed FIELD_HASH_KEY needs
`--rehash`. Raw SQL so rows are rewritten without touching `updated_at` or signals; each
table is rewritten in one transaction.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction

from . import crypto
from .fields import EncryptedTextField, KeyedHashField


@dataclass
class RotationReport:
    rows: dict[str, int] = field(default_factory=dict)  # model label -> rows rewritten

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def encrypted_models():
    """(model, encrypted fields, hash fields) for every model with an encrypted field."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        encrypted = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if encrypted:
            hashes = [f for f in model._meta.concrete_fields if isinstance(f, KeyedHashField)]
            yield model, encrypted, hashes


def _rewrite_row(row, encrypted, hashes, rehash):
    values = dict(zip([f.column for f in encrypted], row, strict=True))
    changes = {column: crypto.rotate(token) for column, token in values.items() if token}
    if rehash:
        by_name = {f.name: f.column for f in encrypted}
        for hash_field in hashes:
            token = values.get(by_name[hash_field.source]) or ""
            changes[hash_field.column] = hash_field.hash_of(crypto.decrypt(token))
    return changes


def rotate_field_keys(*, rehash: bool = False) -> RotationReport:
    report = RotationReport()
    q = connection.ops.quote_name
    for model, encrypted, hashes in encrypted_models():
        table, pk = q(model._meta.db_table), q(model._meta.pk.column)
        columns = ", ".join(q(f.column) for f in encrypted)
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            # Names from the model's metadata, quoted; values are parameters.
            cursor.execute(f"SELECT {pk}, {columns} FROM {table}")  # noqa: S608
            for row_id, *row in cursor.fetchall():
                changes = _rewrite_row(row, encrypted, hashes, rehash)
                if not changes:
                    continue
                sets = ", ".join(f"{q(c)} = %s" for c in changes)
                cursor.execute(f"UPDATE {table} SET {sets} WHERE {pk} = %s",  # noqa: S608
                               [*changes.values(), row_id])
                count += 1
        report.rows[model._meta.label] = count
    return report
