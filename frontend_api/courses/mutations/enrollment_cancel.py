import graphene

from courses import selectors, services
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..types import CourseErrorCodeEnum, EnrollmentType

EnrollmentCancelError = error_type("EnrollmentCancelError", CourseErrorCodeEnum)


class EnrollmentCancel(BaseMutation):
    """Cancel a place (the learner, or staff who may enrol on their behalf). A freed seat
    goes to the first waitlisted person, returned as `promoted`."""

    class Arguments:
        enrollment_id = graphene.ID(required=True, description="The enrolment to cancel.")

    enrollment = graphene.Field(EnrollmentType, description="The enrolment, now CANCELLED; null "
                                                            "when refused.")
    promoted = graphene.Field(EnrollmentType, description="The waitlisted enrolment that got "
                                                          "the freed seat, or null.")
    errors = graphene.List(graphene.NonNull(EnrollmentCancelError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, enrollment_id):
        pk = decode_id(enrollment_id, "Enrollment", field="enrollment_id")
        enrollment, promoted = services.enrollment_cancel(actor=user, enrollment_id=pk)
        return cls.success(
            enrollment=selectors.enrollment_get_plain(enrollment.pk),
            promoted=selectors.enrollment_get_plain(promoted.pk) if promoted else None)
