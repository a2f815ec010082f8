"""Small shared pieces of the course mutations."""

from courses.error_codes import CourseErrorCode
from frontend_api.core.ids import decode_id, not_found


def load(global_id: str, type_name: str, getter, *, field: str):
    """Decode a Relay ID and load the object, or raise NOT_FOUND on `field`."""
    obj = getter(decode_id(global_id, type_name, field=field))
    if obj is None:
        raise not_found(field, type_name, CourseErrorCode.NOT_FOUND)
    return obj
