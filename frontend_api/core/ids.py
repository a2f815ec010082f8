"""Relay global IDs: decoding that answers bad input with a typed error, never a 500."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from graphql_relay import from_global_id

from backend.core.error_codes import CoreErrorCode


def decode_id(global_id: str, expected_type: str, *, field: str = "id") -> int:
    """`expected_type` is the GraphQL type name; raises ValidationError(NOT_FOUND)."""
    try:
        type_name, raw = from_global_id(global_id or "")
        pk = int(raw)
    except (TypeError, ValueError, UnicodeDecodeError):
        type_name, pk = None, None
    if type_name != expected_type or pk is None or pk <= 0:
        raise ValidationError({field: ValidationError(
            _("找不到这个%(kind)s，请检查编号。") % {"kind": expected_type},
            code=CoreErrorCode.NOT_FOUND.value)})
    return pk


def decode_id_or_none(global_id: str | None, expected_type: str) -> int | None:
    """For query arguments: an unknown or malformed ID simply matches nothing."""
    if not global_id:
        return None
    try:
        return decode_id(global_id, expected_type)
    except ValidationError:
        return -1
