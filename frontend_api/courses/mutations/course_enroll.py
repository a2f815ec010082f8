import graphene
from django.core.exceptions import PermissionDenied

from backend.accounts import selectors as account_selectors
from courses import permissions, selectors, services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import CourseErrorCodeEnum, EnrollmentType
from ._common import load

CourseEnrollError = error_type("CourseEnrollError", CourseErrorCodeEnum)


class CourseEnroll(BaseMutation):
    """Enrol in a run: ENROLLED while seats are left, else WAITLISTED with a position.
    Coordinators and community staff may enrol someone else (`userId`), e.g. at the counter."""

    class Arguments:
        run_id = graphene.ID(required=True, description="The run to enrol in.")
        idempotency_key = graphene.String(description="Optional; repeating it returns the "
                                                      "first result (see the API docs).")
        user_id = graphene.ID(description="Enrol this person instead of yourself "
                                          "(coordinators and community staff of the run's unit).")

    enrollment = graphene.Field(EnrollmentType,
                                description="The enrolment, ENROLLED or WAITLISTED; null when "
                                            "refused.")
    errors = graphene.List(graphene.NonNull(CourseEnrollError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, run_id, idempotency_key=None, user_id=None):
        learner = user
        if user_id is not None:
            if not permissions.can_enroll_on_behalf_somewhere(user):
                raise PermissionDenied
            learner = load(user_id, "User", account_selectors.user_with_unit, field="user_id")
        run = load(run_id, "CourseRun", selectors.run_for_update_checks, field="run_id")
        enrollment = services.enrollment_create(actor=user, user=learner, run_id=run.pk,
                                                idempotency_key=idempotency_key)
        return cls.success(enrollment=selectors.enrollment_get_counted(enrollment.pk))
