"""One-statement "insert unless it exists": INSERT … ON CONFLICT DO NOTHING RETURNING (on
SQLite INSERT OR IGNORE … RETURNING). A duplicate on a unique constraint costs no savepoint
and cannot break the caller's transaction; on PostgreSQL a concurrent uncommitted insert of
the same key makes the statement wait for that transaction, so exactly one of them inserts.
Django's bulk_create(ignore_conflicts=True) runs the same statement but cannot say whether
the row went in, hence this small helper over the same machinery."""

from django.db import router
from django.db.models.constants import OnConflict


def insert_unless_conflict(obj) -> bool:
    """Insert `obj`; True (and `obj.pk` set) when it went in, False when a row with the same
    unique key already exists (nothing written). Other constraint violations still raise."""
    model = type(obj)
    meta = model._meta
    using = router.db_for_write(model, instance=obj)
    obj._prepare_related_fields_for_save(operation_name="insert_unless_conflict")
    fields = [f for f in meta.local_concrete_fields
              if not f.generated and not (f.primary_key and getattr(obj, f.attname) is None)]
    rows = model._base_manager.using(using)._insert(
        [obj], fields=fields, using=using, on_conflict=OnConflict.IGNORE,
        returning_fields=meta.db_returning_fields)
    # One object: the compiler fetches one row, None when the conflict skipped it.
    if not rows or rows[0] is None:
        return False
    for value, field in zip(rows[0], meta.db_returning_fields, strict=False):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using
    return True
