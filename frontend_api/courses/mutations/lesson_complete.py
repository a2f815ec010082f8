import graphene

from courses import selectors, services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import CourseErrorCodeEnum, EnrollmentType
from ._common import load

LessonCompleteError = error_type("LessonCompleteError", CourseErrorCodeEnum)


class LessonComplete(BaseMutation):
    """Mark a lesson done for the learner's enrolment in the lesson's course."""

    class Arguments:
        lesson_id = graphene.ID(required=True, description="The lesson done.")

    enrollment = graphene.Field(EnrollmentType, description="The learner's enrolment with its "
                                                            "new progress; null when refused.")
    errors = graphene.List(graphene.NonNull(LessonCompleteError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, lesson_id):
        lesson = load(lesson_id, "Lesson", selectors.lesson_get, field="lesson_id")
        enrollment = services.lesson_complete(user=user, lesson=lesson)
        return cls.success(enrollment=selectors.enrollment_get_plain(enrollment.pk))
