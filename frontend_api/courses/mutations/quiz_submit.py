import graphene
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from courses import selectors, services
from courses.error_codes import CourseErrorCode
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..types import CourseErrorCodeEnum, EnrollmentType, QuizAttemptType
from ._common import load

QuizSubmitError = error_type("QuizSubmitError", CourseErrorCodeEnum)
MAX_ANSWERS = 200


class QuizAnswerInput(graphene.InputObjectType):
    question_id = graphene.ID(required=True)
    choice_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)


class QuizSubmit(BaseMutation):
    """Submit answers; graded on the server, the attempt recorded."""

    class Arguments:
        quiz_id = graphene.ID(required=True)
        answers = graphene.List(graphene.NonNull(QuizAnswerInput), required=True)

    attempt = graphene.Field(QuizAttemptType)
    enrollment = graphene.Field(EnrollmentType)
    errors = graphene.List(graphene.NonNull(QuizSubmitError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, quiz_id, answers):
        quiz = load(quiz_id, "Quiz", selectors.quiz_get, field="quiz_id")
        if len(answers) > MAX_ANSWERS or any(len(a.choice_ids) > 50 for a in answers):
            raise validation_error("answers", _("答案太多。"), CourseErrorCode.INVALID)
        parsed = [services.AnswerInput(
            question_id=decode_id(a.question_id, "Question", field="answers"),
            choice_ids=[decode_id(c, "Choice", field="answers") for c in a.choice_ids])
            for a in answers]
        attempt, enrollment = services.quiz_submit(user=user, quiz=quiz, answers=parsed)
        return cls.success(attempt=attempt,
                           enrollment=selectors.enrollment_get_plain(enrollment.pk))
