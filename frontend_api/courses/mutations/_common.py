"""Small shared pieces of the course mutations."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from courses.error_codes import CourseErrorCode
from frontend_api.core.ids import decode_id


def load(global_id: str, type_name: str, getter, *, field: str):
    """Decode a Relay ID and load the object, or raise NOT_FOUND on `field`."""
    obj = getter(decode_id(global_id, type_name, field=field))
    if obj is None:
        raise ValidationError({field: ValidationError(
            _("找不到这个%(kind)s，请检查编号。") % {"kind": type_name},
            code=CourseErrorCode.NOT_FOUND.value)})
    return obj
