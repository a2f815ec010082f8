import graphene
from graphene_django.fields import DjangoConnectionField

from courses import selectors
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
from .types import AudienceEnum, CourseRunType, CourseType, EnrollmentType, VenueType


class CoursesQuery(graphene.ObjectType):
    courses = DjangoConnectionField(CourseType, required=True, audience=AudienceEnum(),
                                    search=graphene.String())
    course = graphene.Field(CourseType, id=graphene.ID(required=True))
    venues = graphene.List(graphene.NonNull(VenueType), required=True,
                           community_id=graphene.ID())
    course_run = graphene.Field(CourseRunType, id=graphene.ID(required=True))
    course_runs = DjangoConnectionField(CourseRunType, required=True, course_id=graphene.ID(),
                                        community_id=graphene.ID(),
                                        starts_after=graphene.DateTime())
    my_enrollments = graphene.List(graphene.NonNull(EnrollmentType), required=True)

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


class CoursesMutation(graphene.ObjectType):
    course_run_create = CourseRunCreate.Field()
    course_enroll = CourseEnroll.Field()
    enrollment_cancel = EnrollmentCancel.Field()
    session_check_in_code = SessionCheckInCode.Field()
    session_check_in = SessionCheckIn.Field()
    attendance_mark = AttendanceMark.Field()
    lesson_complete = LessonComplete.Field()
    quiz_submit = QuizSubmit.Field()
