import graphene

from courses import selectors
from courses.tutoring import selectors as tutoring_selectors
from frontend_api.core.connection import LinliConnectionField
from frontend_api.core.fields import login_required
from frontend_api.core.ids import decode_id_or_none

from .mutations.attendance_mark import AttendanceMark
from .mutations.course_enroll import CourseEnroll
from .mutations.course_run_create import CourseRunCreate
from .mutations.enrollment_cancel import EnrollmentCancel
from .mutations.lesson_complete import LessonComplete
from .mutations.quiz_submit import QuizSubmit
from .mutations.session_check_in import SessionCheckIn
from .mutations.session_check_in_code import SessionCheckInCode
from .mutations.tutoring_book import TutoringBook
from .mutations.tutoring_booking_mark import TutoringBookingMark
from .mutations.tutoring_cancel import TutoringCancel
from .mutations.tutoring_rate import TutoringRate
from .mutations.tutoring_slot_cancel import TutoringSlotCancel
from .mutations.tutoring_slot_publish import TutoringSlotPublish
from .mutations.tutoring_slots_publish_from_availability import (
    TutoringSlotsPublishFromAvailability,
)
from .mutations.tutoring_tutor_no_show import TutoringTutorNoShow
from .tutoring.types import TutoringBookingType, TutoringSlotType
from .types import AudienceEnum, CourseRunType, CourseType, EnrollmentType, VenueType


class CoursesQuery(graphene.ObjectType):
    courses = LinliConnectionField(
        CourseType, required=True,
        audience=AudienceEnum(description="Only courses for this audience."),
        search=graphene.String(description="Words in the title or summary, or an exact course "
                                           "code (any case)."),
        description="The catalogue by course code; public (unpublished courses only for "
                    "coordinators and admins).")
    course = graphene.Field(CourseType, id=graphene.ID(required=True, description="Course ID."),
                            description="One course, or null if unknown or not visible.")
    venues = graphene.List(graphene.NonNull(VenueType), required=True,
                           community_id=graphene.ID(description="Only this community's venues."),
                           description="Venues by street and community; public.")
    course_run = graphene.Field(CourseRunType,
                                id=graphene.ID(required=True, description="CourseRun ID."),
                                description="One run, or null if unknown or not visible.")
    course_runs = LinliConnectionField(
        CourseRunType, required=True,
        course_id=graphene.ID(description="Only runs of this course."),
        community_id=graphene.ID(description="Only runs at venues of this community."),
        starts_after=graphene.DateTime(description="Only runs starting at or after this time."),
        description="Runs by start time; public (runs of unpublished courses only for "
                    "coordinators and admins).")
    my_enrollments = graphene.List(graphene.NonNull(EnrollmentType), required=True,
                                   description="The logged-in person's enrolments, latest run "
                                               "first, cancelled ones included. Login required.")
    tutoring_slots = LinliConnectionField(
        TutoringSlotType, required=True,
        starts_after=graphene.DateTime(description="Only slots starting at or after this time."),
        starts_before=graphene.DateTime(description="Only slots starting before this time."),
        community_id=graphene.ID(description="Only slots of this community."),
        description="Bookable slots (open, a seat left, before the booking cutoff); public. For "
                    "a logged-in person: their community first, then their street, then the "
                    "rest, each by time.")
    my_tutoring_bookings = graphene.List(graphene.NonNull(TutoringBookingType), required=True,
                                         description="The logged-in person's tutoring bookings, "
                                                     "latest first. Login required.")
    my_tutoring_slots = graphene.List(
        graphene.NonNull(TutoringSlotType), required=True,
        description="The logged-in tutor's slots from a week ago on, with their bookings.")

    @staticmethod
    def resolve_courses(root, info, audience=None, search=None, **kwargs):
        return selectors.course_list(user=info.context.user, audience=audience, search=search)

    @staticmethod
    def resolve_course(root, info, id):
        pk = decode_id_or_none(id, "Course")
        return selectors.course_get(user=info.context.user, pk=pk)

    @staticmethod
    def resolve_venues(root, info, community_id=None):
        return selectors.venue_list(community_id=decode_id_or_none(community_id, "Community"))

    @staticmethod
    def resolve_course_run(root, info, id):
        return selectors.run_get(user=info.context.user, pk=decode_id_or_none(id, "CourseRun"))

    @staticmethod
    def resolve_course_runs(root, info, course_id=None, community_id=None, starts_after=None,
                            **kwargs):
        return selectors.run_list(
            user=info.context.user, course_id=decode_id_or_none(course_id, "Course"),
            community_id=decode_id_or_none(community_id, "Community"),
            starts_after=starts_after)

    @staticmethod
    @login_required
    def resolve_my_enrollments(root, info):
        return selectors.my_enrollments(user=info.context.user)

    @staticmethod
    def resolve_tutoring_slots(root, info, starts_after=None, starts_before=None,
                               community_id=None, **kwargs):
        return tutoring_selectors.slot_list(
            user=info.context.user, starts_after=starts_after, starts_before=starts_before,
            community_id=decode_id_or_none(community_id, "Community"))

    @staticmethod
    @login_required
    def resolve_my_tutoring_bookings(root, info):
        return tutoring_selectors.my_tutoring_bookings(user=info.context.user)

    @staticmethod
    @login_required
    def resolve_my_tutoring_slots(root, info):
        return tutoring_selectors.my_tutoring_slots(user=info.context.user)


class CoursesMutation(graphene.ObjectType):
    course_run_create = CourseRunCreate.Field()
    course_enroll = CourseEnroll.Field()
    enrollment_cancel = EnrollmentCancel.Field()
    session_check_in_code = SessionCheckInCode.Field()
    session_check_in = SessionCheckIn.Field()
    attendance_mark = AttendanceMark.Field()
    lesson_complete = LessonComplete.Field()
    quiz_submit = QuizSubmit.Field()
    tutoring_slot_publish = TutoringSlotPublish.Field()
    tutoring_slots_publish_from_availability = TutoringSlotsPublishFromAvailability.Field()
    tutoring_slot_cancel = TutoringSlotCancel.Field()
    tutoring_book = TutoringBook.Field()
    tutoring_cancel = TutoringCancel.Field()
    tutoring_booking_mark = TutoringBookingMark.Field()
    tutoring_tutor_no_show = TutoringTutorNoShow.Field()
    tutoring_rate = TutoringRate.Field()
