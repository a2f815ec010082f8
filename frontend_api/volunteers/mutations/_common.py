"""Lookups shared by this domain's mutations: unknown ids are typed NOT_FOUND errors."""

from frontend_api.core.ids import decode_id, not_found
from volunteers.error_codes import VolunteerErrorCode


def load(getter, global_id: str, type_name: str, *, field: str):
    obj = getter(decode_id(global_id, type_name, field=field))
    if obj is None:
        raise not_found(field, type_name, VolunteerErrorCode.NOT_FOUND)
    return obj
