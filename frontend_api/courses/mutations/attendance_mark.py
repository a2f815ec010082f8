import graphene

from backend.accounts import selectors as account_selectors
from courses import selectors, services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import AttendanceType, CourseErrorCodeEnum
from ._common import load

AttendanceMarkError = error_type("AttendanceMarkError", CourseErrorCodeEnum)


class AttendanceMark(BaseMutation):
    """The instructor or a coordinator marks or corrects a learner's attendance."""

    class Arguments:
        session_id = graphene.ID(required=True, description="The session; marking opens at "
                                                           "its start (OUTSIDE_SESSION_WINDOW).")
        user_id = graphene.ID(required=True, description="The learner; must hold a seat in "
                                                         "the run (NOT_ENROLLED).")
        present = graphene.Boolean(required=True, description="Whether they were there.")

    attendance = graphene.Field(AttendanceType, description="The attendance as recorded; null "
                                                            "when refused.")
    errors = graphene.List(graphene.NonNull(AttendanceMarkError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, session_id, user_id, present):
        session = load(session_id, "ClassSession", selectors.session_get, field="session_id")
        learner = load(user_id, "User", account_selectors.user_with_unit, field="user_id")
        attendance = services.attendance_mark(actor=user, session=session, user=learner,
                                              present=present)
        return cls.success(attendance=selectors.attendance_get(attendance.pk))
