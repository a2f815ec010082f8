"""Lookups shared by this domain's mutations: unknown ids are typed NOT_FOUND errors."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from frontend_api.core.ids import decode_id
from volunteers.error_codes import VolunteerErrorCode


def not_found(field: str, what: str) -> ValidationError:
    return ValidationError({field: ValidationError(
        _("找不到这个%(what)s。") % {"what": what}, code=VolunteerErrorCode.NOT_FOUND.value)})


def load(getter, global_id: str, type_name: str, *, field: str, what: str):
    obj = getter(decode_id(global_id, type_name, field=field))
    if obj is None:
        raise not_found(field, what)
    return obj
