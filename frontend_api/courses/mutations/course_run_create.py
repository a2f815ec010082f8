import graphene
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from courses import permissions, selectors, services
from courses.error_codes import CourseErrorCode
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..types import CourseErrorCodeEnum, CourseRunType
from ._common import load

CourseRunCreateError = error_type("CourseRunCreateError", CourseErrorCodeEnum)
MAX_SESSIONS = 100


class CourseSessionInput(graphene.InputObjectType):
    """One session of a new run; it must lie within the run and end after it starts."""

    starts_at = graphene.DateTime(required=True, description="When the session starts.")
    ends_at = graphene.DateTime(required=True, description="When the session ends.")


class CourseCompletionRuleInput(graphene.InputObjectType):
    """What a learner must do to complete the run; omitted parts take the defaults."""

    min_attendance_rate = graphene.Float(description="0-1; default 0.8.")
    require_quiz = graphene.Boolean(description="Default true.")


class CourseRunCreate(BaseMutation):
    """A coordinator schedules a run at a venue of their unit; the run gets a short code
    (e.g. WX2612-03) for WeChat."""

    class Arguments:
        course_id = graphene.ID(required=True, description="The course to run.")
        venue_id = graphene.ID(required=True,
                               description="A venue in a unit you coordinate (OUTSIDE_YOUR_UNIT).")
        starts_at = graphene.DateTime(required=True, description="When the run starts.")
        ends_at = graphene.DateTime(required=True, description="When it ends; after startsAt.")
        capacity = graphene.Int(required=True, description="Seats; at least 1.")
        enrollment_opens_at = graphene.DateTime(required=True,
                                                description="When enrolment opens.")
        enrollment_closes_at = graphene.DateTime(
            required=True, description="When enrolment closes; after it opens, not after endsAt.")
        sessions = graphene.List(graphene.NonNull(CourseSessionInput), required=True,
                                 description="The sessions, each within the run.")
        completion_rule = CourseCompletionRuleInput(description="Optional; the defaults apply "
                                                                "when omitted.")
        instructor_ids = graphene.List(graphene.NonNull(graphene.ID),
                                       description="User IDs of the instructors; optional.")

    run = graphene.Field(CourseRunType, description="The new run with its code; null when "
                                                    "refused.")
    errors = graphene.List(graphene.NonNull(CourseRunCreateError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, course_id, venue_id, sessions, completion_rule=None,
                instructor_ids=None, **data):
        if not permissions.can_create_runs(user):
            raise PermissionDenied
        course = load(course_id, "Course", lambda pk: selectors.course_get(user=user, pk=pk),
                      field="course_id")
        venue = load(venue_id, "Venue", selectors.venue_get, field="venue_id")
        if len(sessions) > MAX_SESSIONS or len(instructor_ids or []) > 20:
            raise validation_error("sessions", _("课次或讲师太多。"), CourseErrorCode.INVALID)
        rule = completion_rule or {}
        rate = rule.get("min_attendance_rate")
        require_quiz = rule.get("require_quiz")
        instructor_pks = [decode_id(i, "User", field="instructor_ids")
                          for i in instructor_ids or []]
        instructors = selectors.users_by_ids(instructor_pks)
        if len(instructors) != len(set(instructor_pks)):
            raise validation_error("instructor_ids", _("找不到指定的讲师。"),
                                   CourseErrorCode.NOT_FOUND)
        run = services.run_create(
            actor=user, course=course, venue=venue,
            sessions=[services.SessionInput(starts_at=s.starts_at, ends_at=s.ends_at)
                      for s in sessions],
            min_attendance_rate=0.8 if rate is None else rate,
            require_quiz=True if require_quiz is None else require_quiz,
            instructors=instructors, **data)
        return cls.success(run=selectors.run_get(user=user, pk=run.pk))
