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
from frontend_api.core.descriptions import COMMON_ERROR_CODES, enum_description, field_descriptions

LESSONS_SERVED = "_linli_lessons_served"

AudienceEnum = graphene.Enum.from_enum(Audience, name="Audience", description=enum_description(
    "Whom a course is for; enrolment checks it (NOT_IN_AUDIENCE).", {
        "STAFF": "Community staff, instructors, coordinators and admins.",
        "RESIDENT": "Residents, and anyone without a staff role.",
        "ALL": "Everyone.",
    }))
EnrollmentStatusEnum = graphene.Enum.from_enum(
    EnrollmentStatus, name="EnrollmentStatus", description=enum_description(
        "Where an enrolment stands.", {
            "ENROLLED": "Holds a seat.",
            "WAITLISTED": "Waiting for a seat; promoted first come, first served when one "
                          "frees.",
            "CANCELLED": "Cancelled by the learner or staff; the seat went to the waitlist.",
            "COMPLETED": "Met the run's completion rule; a certificate is issued.",
        }))
AttendanceMethodEnum = graphene.Enum.from_enum(
    AttendanceMethod, name="AttendanceMethod", description=enum_description(
        "How an attendance was recorded.", {
            "QR": "The learner scanned the session's rotating QR code.",
            "INSTRUCTOR": "Marked or corrected by the instructor or a coordinator.",
        }))
QuestionKindEnum = graphene.Enum.from_enum(
    QuestionKind, name="QuestionKind", description=enum_description(
        "How many choices a quiz question takes.", {
            "SINGLE": "Exactly one choice is correct.",
            "MULTIPLE": "One or more choices are correct; all of them must be chosen.",
        }))
CourseErrorCodeEnum = graphene.Enum.from_enum(
    CourseErrorCode, name="CourseErrorCode", description=enum_description(
        "Why a course or tutoring mutation refused.", {
            **COMMON_ERROR_CODES,
            "INVALID_WINDOW": "A time window is empty or out of order (e.g. ends before it "
                              "starts, enrolment closing after the run ends).",
            "OUTSIDE_YOUR_UNIT": "The venue or community is not in a unit you coordinate.",
            "ENROLLMENT_CLOSED": "The run is outside its enrolment window.",
            "ALREADY_ENROLLED": "The person already holds a place (or a waitlist place) in "
                                "this run.",
            "NOT_IN_AUDIENCE": "The course is not for the person's audience.",
            "ALREADY_CANCELLED": "The enrolment, slot or booking is already cancelled.",
            "ALREADY_COMPLETED": "A completed enrolment cannot be cancelled.",
            "TOKEN_INVALID": "The check-in token is not this session's.",
            "TOKEN_EXPIRED": "The check-in token has rotated; scan the current QR code.",
            "NOT_ENROLLED": "The person holds no seat in the run.",
            "OUTSIDE_SESSION_WINDOW": "Check-in outside the session's check-in window.",
            "NO_ATTEMPTS_LEFT": "The quiz's maxAttempts are used up.",
            "LESSON_NOT_OPENED": "The lesson was not opened (its reader page or its `body` "
                                 "served to the learner) at least 20 s earlier.",
            "NOT_A_TUTOR": "Only volunteers with a valid WeChat-tutoring skill publish slots.",
            "OVERLAPS_COMMITMENT": "The time overlaps another commitment in the tutor's "
                                   "calendar.",
            "SLOT_FULL": "No seat left in the tutoring slot.",
            "BOOKING_CLOSED": "The slot is cancelled, over, or past its booking cutoff.",
            "OVERLAPS_BOOKING": "The resident already has a tutoring booking at that time.",
            "BOOKING_LIMIT_REACHED": "The resident holds the most open bookings allowed.",
            "CANCELLATION_CLOSED": "Too close to the start for the resident to cancel.",
            "SESSION_NOT_STARTED": "Attendance can be marked only after the start.",
            "NOT_ATTENDED": "Only an ATTENDED booking can be rated.",
            "ALREADY_RATED": "The booking was rated before; a rating is given once.",
            "ALREADY_MARKED": "The booking's attendance is already marked.",
            "OUTSIDE_SERVICE_AREA": "A doorstep slot is booked only by residents whose "
                                    "community is in the tutor's street.",
            "ADDRESS_REQUIRED": "A doorstep slot needs an address, and the resident has no "
                                "registered one.",
            "CONSENT_REQUIRED": "The person has not consented to the current privacyNotice; "
                                "pass its version as consentVersion.",
        }))


@field_descriptions(
    title="The lesson's title.",
    body="The lesson's text, in Markdown.",
    video_url="A video link, or an empty string.",
    required="Whether the lesson counts towards progressPercent and completion.")
class LessonType(DjangoObjectType):
    """One lesson of a course's online material."""

    order = graphene.Int(required=True, description="Position in the course, from 1.")
    attachment_url = graphene.String(description="Absolute URL of the attached file; null if "
                                                 "none.")

    class Meta:
        model = Lesson
        name = "Lesson"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "title", "order", "body", "video_url", "required")

    @staticmethod
    def resolve_body(lesson, info):
        # Serving the body opens the lesson (lessonComplete's LESSON_NOT_OPENED); the view
        # records every lesson served in the request with one INSERT after execution.
        info.context.__dict__.setdefault(LESSONS_SERVED, set()).add(lesson.pk)
        return lesson.body

    @staticmethod
    def resolve_attachment_url(lesson, info):
        return lesson.attachment.url if lesson.attachment else None


@field_descriptions(text="The option's text.", order="Position in the question, from 1.")
class ChoiceType(DjangoObjectType):
    """A quiz option. Whether it is correct never leaves the server."""

    class Meta:
        model = Choice
        name = "Choice"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "text", "order")


@field_descriptions(text="The question.", order="Position in the quiz, from 1.")
class QuestionType(DjangoObjectType):
    """A quiz question with its options."""

    kind = QuestionKindEnum(required=True, description="Single or multiple choice.")
    choices = graphene.List(graphene.NonNull(ChoiceType), required=True,
                            description="The options, in order.")

    class Meta:
        model = Question
        name = "Question"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "text", "order", "kind", "choices")

    @staticmethod
    def resolve_choices(question, info):
        return question.choices.all()  # prefetched with the quiz


@field_descriptions(
    title="The quiz's title.",
    pass_mark="The score needed to pass, out of 100.",
    max_attempts="How many times a learner may submit.")
class QuizType(DjangoObjectType):
    """A course's end-of-course quiz, graded on the server (quizSubmit)."""

    questions = graphene.List(graphene.NonNull(QuestionType), required=True,
                              description="The questions, in order.")

    class Meta:
        model = Quiz
        name = "Quiz"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "title", "pass_mark", "max_attempts", "questions")

    @staticmethod
    def resolve_questions(quiz, info):
        return quiz.questions.all()


@field_descriptions(name="The venue's name.", address="The street address, or an empty "
                                                             "string.",
                    community="The community the venue belongs to.")
class VenueType(DjangoObjectType):
    """A place where classes (and some tutoring) are held; public."""

    class Meta:
        model = Venue
        name = "Venue"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "address", "community")


@field_descriptions(starts_at="When the session starts.", ends_at="When the session ends.")
class ClassSessionType(DjangoObjectType):
    """One meeting of a course run; attendance and check-in are per session."""

    class Meta:
        model = ClassSession
        name = "ClassSession"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "starts_at", "ends_at")


@field_descriptions(
    code="The run's short code, e.g. WX2612-03; residents send 报名 WX2612-03 on WeChat.",
    course="The course taught.",
    venue="Where the classes are held.",
    starts_at="When the run starts.",
    ends_at="When the run ends.",
    capacity="Seats in total.",
    enrollment_opens_at="When enrolment opens.",
    enrollment_closes_at="When enrolment closes.",
    require_quiz="Whether completion needs a passed quiz.")
class CourseRunType(DjangoObjectType):
    """A scheduled offering of a course at a venue, with seats, sessions and instructors.
    Runs of unpublished courses are visible only to coordinators and admins."""

    enrolled_count = graphene.Int(required=True, description="Seats taken (ENROLLED).")
    seats_left = graphene.Int(required=True, description="capacity - enrolledCount, never "
                                                          "negative.")
    waitlist_count = graphene.Int(required=True, description="People WAITLISTED.")
    sessions = graphene.List(graphene.NonNull(ClassSessionType), required=True,
                             description="The sessions, by start time.")
    instructors = graphene.List(graphene.NonNull(UserType), required=True,
                                description="Who teaches the run.")
    my_enrollment = graphene.Field(lambda: EnrollmentType,
                                   description="The viewer's enrolment in this run, if any.")
    min_attendance_rate = graphene.Float(
        required=True, description="Share of sessions a learner must attend to complete, 0-1.")

    # myEnrollment reads the selector's `my_enrollments` list: what is selected under it is
    # prefetched through that list (frontend_api/core/selection.py).
    selection_lookups = {"my_enrollment": ("my_enrollments",)}

    @staticmethod
    def selection_queryset():
        # Runs prefetched under another list (a course's runs) keep their waitlist count.
        return selectors.run_rows()

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


@field_descriptions(
    code="The course's code, starting with letters (e.g. WX03); its runs' codes start with "
         "those letters.",
    title="The course's title.",
    summary="A short description, or an empty string.",
    grants_credential_type="The code of the credential type completing it grants (see "
                           "Skill.credentialType), or an empty string.")
class CourseType(DjangoObjectType):
    """A course in the catalogue. Anyone sees published courses; coordinators and admins
    also unpublished ones."""

    audience = AudienceEnum(required=True, description="Whom the course is for.")
    hours = graphene.Float(required=True, description="Study hours (学时) it is worth.")
    lessons = graphene.List(graphene.NonNull(LessonType), required=True,
                            description="The online lessons, in order.")
    runs = graphene.List(graphene.NonNull(CourseRunType), required=True,
                         description="The course's runs, by start time.",
                         upcoming=graphene.Boolean(
                             description="Only runs that have not started yet."))
    quiz = graphene.Field(QuizType, description="The course's quiz; null if it has none.")

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


@field_descriptions(
    run="The run enrolled in.",
    created_at="When the person enrolled (or joined the waitlist).",
    completed_at="When the enrolment was completed; null until COMPLETED.",
    cancelled_at="When it was cancelled; null unless CANCELLED.")
class EnrollmentType(DjangoObjectType):
    """A person's place (or waitlist place) in a course run; seen by the learner and staff
    of the run's unit."""

    status = EnrollmentStatusEnum(required=True, description="Where the enrolment stands.")
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


@field_descriptions(
    session="The session attended (or missed).",
    present="Whether the learner was there.",
    marked_by="Who marked it; null for a QR check-in.",
    marked_at="When it was recorded.")
class AttendanceType(DjangoObjectType):
    """A learner's attendance at one session."""

    method = AttendanceMethodEnum(required=True, description="How it was recorded.")

    class Meta:
        model = Attendance
        name = "Attendance"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "session", "present", "method", "marked_by", "marked_at")


@field_descriptions(
    number="Which attempt this is, from 1.",
    score="The score, out of 100.",
    passed="Whether the score reached the quiz's passMark.",
    created_at="When it was submitted.")
class QuizAttemptType(DjangoObjectType):
    """One graded submission of a quiz."""

    class Meta:
        model = QuizAttempt
        name = "QuizAttempt"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "number", "score", "passed", "created_at")

