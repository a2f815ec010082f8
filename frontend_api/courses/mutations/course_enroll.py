import graphene

from courses import selectors, services
from frontend_api.core.acting import person_to_act_for
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..types import CourseErrorCodeEnum, EnrollmentType

CourseEnrollError = error_type("CourseEnrollError", CourseErrorCodeEnum)


class CourseEnroll(BaseMutation):
    """Enrol in a run: ENROLLED while seats are left, else WAITLISTED with a position.
    Staff of a person's community, coordinators of her unit and admins may enrol her
    (`userId`), e.g. at the counter; anyone else, or an unknown id, gets PERMISSION_DENIED."""

    class Arguments:
        run_id = graphene.ID(required=True, description="The run to enrol in.")
        idempotency_key = graphene.String(description="Optional; repeating it returns the "
                                                      "first result (see the API docs).")
        user_id = graphene.ID(description="Enrol this person instead of yourself "
                                          "(staff of their community, coordinators of their unit, "
                                          "admins).")

    enrollment = graphene.Field(EnrollmentType,
                                description="The enrolment, ENROLLED or WAITLISTED; null when "
                                            "refused.")
    errors = graphene.List(graphene.NonNull(CourseEnrollError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, run_id, idempotency_key=None, user_id=None):
        learner = user
        if user_id is not None:
            learner = person_to_act_for(user, user_id)
        # The service locks the run and answers NOT_FOUND for an unknown one: no read here.
        run_pk = decode_id(run_id, "CourseRun", field="run_id")
        enrollment = services.enrollment_create(actor=user, user=learner, run_id=run_pk,
                                                idempotency_key=idempotency_key)
        return cls.success(enrollment=selectors.enrollment_get_counted(enrollment.pk))
