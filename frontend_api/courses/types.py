"""Course types. Every computed field reads an annotation or a prefetch that
courses.selectors put there; the fallbacks exist for single objects only."""

import graphene
from django.utils import timezone
from graphene_django import DjangoObjectType

from backend.certificates import permissions as certificate_permissions
from backend.certificates import selectors as certificate_selectors
from courses import selectors
from courses.completion import certificate_source_key
from courses.error_codes import CourseErrorCode
from courses.models import (
    Attendance,
    AttendanceMethod,
    Audience,
    Choice,
    ClassSession,
    Course,
    CourseRun,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    Question,
    QuestionKind,
    Quiz,
    QuizAttempt,
    Venue,
)
from frontend_api.accounts.types import UserType
from frontend_api.certificates.types import CertificateType

AudienceEnum = graphene.Enum.from_enum(Audience, name="Audience")
EnrollmentStatusEnum = graphene.Enum.from_enum(EnrollmentStatus, name="EnrollmentStatus")
AttendanceMethodEnum = graphene.Enum.from_enum(AttendanceMethod, name="AttendanceMethod")
QuestionKindEnum = graphene.Enum.from_enum(QuestionKind, name="QuestionKind")
CourseErrorCodeEnum = graphene.Enum.from_enum(CourseErrorCode, name="CourseErrorCode")


class LessonType(DjangoObjectType):
    order = graphene.Int(required=True)
    attachment_url = graphene.String()

    class Meta:
        model = Lesson
        name = "Lesson"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "title", "order", "body", "video_url", "required")

    @staticmethod
    def resolve_attachment_url(lesson, info):
        return lesson.attachment.url if lesson.attachment else None


class ChoiceType(DjangoObjectType):
    """A quiz option. Whether it is correct never leaves the server."""

    class Meta:
        model = Choice
        name = "Choice"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "text", "order")


class QuestionType(DjangoObjectType):
    kind = QuestionKindEnum(required=True)
    choices = graphene.List(graphene.NonNull(ChoiceType), required=True)

    class Meta:
        model = Question
        name = "Question"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "text", "order", "kind", "choices")

    @staticmethod
    def resolve_choices(question, info):
        return question.choices.all()  # prefetched with the quiz


class QuizType(DjangoObjectType):
    questions = graphene.List(graphene.NonNull(QuestionType), required=True)

    class Meta:
        model = Quiz
        name = "Quiz"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "title", "pass_mark", "max_attempts", "questions")

    @staticmethod
    def resolve_questions(quiz, info):
        return quiz.questions.all()


class VenueType(DjangoObjectType):
    class Meta:
        model = Venue
        name = "Venue"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "address", "community")


class ClassSessionType(DjangoObjectType):
    class Meta:
        model = ClassSession
        name = "ClassSession"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "starts_at", "ends_at")


class CourseRunType(DjangoObjectType):
    enrolled_count = graphene.Int(required=True)
    seats_left = graphene.Int(required=True)
    waitlist_count = graphene.Int(required=True)
    sessions = graphene.List(graphene.NonNull(ClassSessionType), required=True)
    instructors = graphene.List(graphene.NonNull(UserType), required=True)
    my_enrollment = graphene.Field(lambda: EnrollmentType,
                                   description="The viewer's enrolment in this run, if any.")
    min_attendance_rate = graphene.Float(required=True)

    class Meta:
        model = CourseRun
        name = "CourseRun"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "code", "course", "venue", "starts_at", "ends_at", "capacity",
                  "enrolled_count", "enrollment_opens_at", "enrollment_closes_at", "sessions",
                  "instructors", "require_quiz")

    @staticmethod
    def resolve_seats_left(run, info):
        return run.seats_left

    @staticmethod
    def resolve_waitlist_count(run, info):
        count = getattr(run, "waitlist_count", None)
        # A single run reached without the list selector counts on its own.
        return selectors.run_waitlist_count(run) if count is None else count

    @staticmethod
    def resolve_sessions(run, info):
        return run.sessions.all()

    @staticmethod
    def resolve_instructors(run, info):
        return run.instructors.all()

    @staticmethod
    def resolve_min_attendance_rate(run, info):
        return float(run.min_attendance_rate)

    @staticmethod
    def resolve_my_enrollment(run, info):
        user = info.context.user
        if not user.is_authenticated:
            return None
        mine = getattr(run, "my_enrollments", None)
        if mine is None:
            return selectors.my_enrollment_in_run(user=user, run=run)
        return mine[0] if mine else None


class CourseType(DjangoObjectType):
    audience = AudienceEnum(required=True)
    hours = graphene.Float(required=True)
    lessons = graphene.List(graphene.NonNull(LessonType), required=True)
    runs = graphene.List(graphene.NonNull(CourseRunType), required=True,
                         upcoming=graphene.Boolean(
                             description="Only runs that have not started yet."))
    quiz = graphene.Field(QuizType)

    class Meta:
        model = Course
        name = "Course"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "code", "title", "summary", "audience", "hours", "lessons", "runs",
                  "grants_credential_type")

    @staticmethod
    def resolve_hours(course, info):
        return float(course.hours)

    @staticmethod
    def resolve_lessons(course, info):
        return course.lessons.all()

    @staticmethod
    def resolve_runs(course, info, upcoming=None):
        runs = course.runs.all()  # prefetched by courses.selectors
        if upcoming:
            now = timezone.now()
            return [run for run in runs if run.starts_at >= now]
        return runs

    @staticmethod
    def resolve_quiz(course, info):
        try:
            return course.quiz
        except Quiz.DoesNotExist:
            return None


class EnrollmentType(DjangoObjectType):
    status = EnrollmentStatusEnum(required=True)
    waitlist_position = graphene.Int(description="1-based, while WAITLISTED.")
    progress_percent = graphene.Int(required=True, description="Lessons done, 0-100.")
    attendance_rate = graphene.Float(required=True,
                                     description="Sessions attended / sessions, 0-1.")
    certificate = graphene.Field(
        CertificateType, description="The completion certificate once issued; only for the "
                                     "learner and those who may download it.")

    class Meta:
        model = Enrollment
        name = "Enrollment"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "run", "status", "created_at", "completed_at", "cancelled_at")

    # Lists come annotated from courses.selectors.enrollment_queryset; a single enrolment
    # returned by a mutation is counted here instead (one small query per field).
    @staticmethod
    def resolve_waitlist_position(enrollment, info):
        if enrollment.status != EnrollmentStatus.WAITLISTED:
            return None
        ahead = getattr(enrollment, "waitlist_ahead", None)
        if ahead is None:
            return selectors.enrollment_waitlist_position(enrollment)
        return ahead + 1

    @staticmethod
    def resolve_progress_percent(enrollment, info):
        total = getattr(enrollment, "lessons_total", None)
        done = getattr(enrollment, "lessons_done", None)
        if total is None or done is None:
            total, done = selectors.enrollment_progress(enrollment)
        return round(100 * done / total) if total else 0

    @staticmethod
    def resolve_certificate(enrollment, info):
        if enrollment.status != EnrollmentStatus.COMPLETED:
            return None
        # Per-request cache: one query per holder, however many enrolments are listed.
        cache = info.context.__dict__.setdefault("_linli_certificates_by_holder", {})
        if enrollment.user_id not in cache:
            cache[enrollment.user_id] = certificate_selectors.certificates_of_holder_by_source_key(
                enrollment.user_id)
        certificate = cache[enrollment.user_id].get(certificate_source_key(enrollment.pk))
        if certificate is None or not certificate_permissions.can_download_certificate(
                info.context.user, certificate):
            return None
        return certificate

    @staticmethod
    def resolve_attendance_rate(enrollment, info):
        total = getattr(enrollment, "sessions_total", None)
        attended = getattr(enrollment, "sessions_attended", None)
        if total is None or attended is None:
            total, attended = selectors.enrollment_attendance(enrollment)
        return round(attended / total, 4) if total else 0.0


class AttendanceType(DjangoObjectType):
    method = AttendanceMethodEnum(required=True)

    class Meta:
        model = Attendance
        name = "Attendance"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "session", "present", "method", "marked_by", "marked_at")


class QuizAttemptType(DjangoObjectType):
    class Meta:
        model = QuizAttempt
        name = "QuizAttempt"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "number", "score", "passed", "created_at")

