import graphene

from courses import selectors, services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import AttendanceType, CourseErrorCodeEnum
from ._common import load

SessionCheckInError = error_type("SessionCheckInError", CourseErrorCodeEnum)


class SessionCheckIn(BaseMutation):
    """An enrolled learner scans the session's QR code."""

    class Arguments:
        session_id = graphene.ID(required=True, description="The session, from the QR code.")
        token = graphene.String(required=True, description="The token, from the QR code.")

    attendance = graphene.Field(AttendanceType, description="The learner's attendance (QR); "
                                                            "null when refused.")
    errors = graphene.List(graphene.NonNull(SessionCheckInError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, session_id, token):
        session = load(session_id, "ClassSession", selectors.session_get, field="session_id")
        attendance = services.session_checkin(user=user, session=session, token=token)
        return cls.success(attendance=selectors.attendance_get(attendance.pk))
