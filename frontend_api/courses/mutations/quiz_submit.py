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
    """The choices picked for one question."""

    question_id = graphene.ID(required=True, description="The question answered.")
    choice_ids = graphene.List(graphene.NonNull(graphene.ID), required=True,
                               description="The choices picked; at most one for a SINGLE "
                                           "question.")


class QuizSubmit(BaseMutation):
    """Submit answers; graded on the server, the attempt recorded."""

    class Arguments:
        quiz_id = graphene.ID(required=True, description="The quiz.")
        answers = graphene.List(graphene.NonNull(QuizAnswerInput), required=True,
                                description="One answer per question; a missing one counts as "
                                            "wrong.")

    attempt = graphene.Field(QuizAttemptType, description="The graded attempt; null when "
                                                          "refused.")
    enrollment = graphene.Field(EnrollmentType, description="The learner's enrolment, COMPLETED "
                                                            "if this pass completed it.")
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
