"""The access matrix's fixture world: one of each role and one of each object, with known
ids, so every query field and mutation can be called with arguments that exist.

The unit is `community` in `street`; "another street" is `other_community` in
`other_street`. The resident is enrolled in the run, has booked the tutor's slot and holds
a certificate; the volunteer (also the tutor) has an offer, a shift sign-up and a finished
job with pending hours. The resident has asked for help twice (便民纸条): one request still
REQUESTED (her address, a photo; `helpRequestId`) and one COMPLETED, not rated yet
(`completedHelpRequestId`).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone
from graphql_relay import to_global_id
from PIL import Image

from backend.accounts.models import Role
from backend.certificates.models import CertificateKind
from backend.wechat.models import WeChatBinding
from backend.wechat.services import broadcast_create
from courses.models import Enrollment, EnrollmentStatus
from tests.factories.accounts import CommunityFactory, StreetFactory, UserFactory, user_with_role
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import (
    ClassSessionFactory,
    CourseFactory,
    CourseRunFactory,
    LessonFactory,
    QuizFactory,
    VenueFactory,
    book,
    make_tutor,
    publish_slot,
)
from tests.factories.volunteers import (
    ALL_WEEK,
    ShiftFactory,
    VolunteerFactory,
    commitment,
    give_skill,
    set_availability,
)
from tests.factories.wechat import WeChatAccountFactory
from tests.helpers.graphql import token_for
from volunteers import services as volunteer_services
from volunteers.models import CommitmentStatus, ServiceHours, ServiceRequestStatus

HELP_ADDRESS = "张州二路123号2单元301"

# The roles every field is called as, in the table's column order (tests/access/matrix.py).
ROLES = ("anonymous", "resident", "volunteer", "instructor", "community_staff",
         "other_coordinator", "coordinator", "district_admin", "service_account")


@dataclass
class World:
    users: dict[str, Any]
    ids: dict[str, str] = field(default_factory=dict)  # argument name -> global id
    values: dict[str, Any] = field(default_factory=dict)  # other known values (codes …)
    objects: dict[str, Any] = field(default_factory=dict)


def _gid(type_name: str, obj) -> str:
    return to_global_id(type_name, str(obj.pk))


def _next_local(days: int, hour: int):
    local = timezone.localtime() + timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def _help_requests(resident):
    """Her two help requests, asked through the service as she would: one waiting for
    triage (a photo, her doorstep address), one done (marked COMPLETED directly, so the
    tutor's calendar, offers and matching stay as the rest of the table expects)."""
    photo = volunteer_services.help_photo_store(uploader=resident, data=_jpeg())
    ask = {"actor": resident, "part_of_day": "AFTERNOON",
           "preferred_date": timezone.localdate() + timedelta(days=4),
           "consent_version": settings.PRIVACY_NOTICE_VERSION}
    waiting = volunteer_services.help_request_create(
        description="想理发，行动不便", skill_code="haircut", address=HELP_ADDRESS,
        photo_ids=[photo.pk], **ask)
    done = volunteer_services.help_request_create(description="水龙头漏水", address=HELP_ADDRESS,
                                                  **ask)
    type(done).objects.filter(pk=done.pk).update(status=ServiceRequestStatus.COMPLETED,
                                                 completed_at=timezone.now())
    return waiting, done


def build_world() -> World:
    street, other_street = StreetFactory(name="八大关街道"), StreetFactory(name="湛山街道")
    community = CommunityFactory(street=street, name="金口路社区")
    other_community = CommunityFactory(street=other_street, name="湛山第1社区")
    service_account = UserFactory(username="dispatch-bot", community=None)
    service_account.user_permissions.add(Permission.objects.get(codename="dispatch_any"))
    users = {
        "anonymous": None,
        "resident": user_with_role(Role.RESIDENT, community=community, phone="13800138000"),
        "volunteer": user_with_role(Role.VOLUNTEER, community=community, phone="13900139000"),
        "instructor": user_with_role(Role.INSTRUCTOR, community=community, phone="13700137000"),
        "community_staff": user_with_role(Role.COMMUNITY_STAFF, community=community),
        "other_coordinator": user_with_role(Role.STREET_COORDINATOR, street=other_street,
                                            community=other_community),
        "coordinator": user_with_role(Role.STREET_COORDINATOR, street=street,
                                      community=community),
        "district_admin": user_with_role(Role.DISTRICT_ADMIN, community=community),
        "service_account": service_account,
    }
    resident, coordinator = users["resident"], users["coordinator"]

    # Courses: a run in the unit, its session, lesson and quiz; the resident enrolled.
    course = CourseFactory(code="WX01", title="微信入门")
    lesson = LessonFactory(course=course)
    quiz = QuizFactory(course=course)
    venue = VenueFactory(community=community, name="金口路社区活动中心")
    run = CourseRunFactory(course=course, venue=venue, capacity=5)
    run.instructors.add(users["instructor"])
    session = ClassSessionFactory(run=run)
    enrollment = Enrollment.objects.create(user=resident, run=run,
                                           status=EnrollmentStatus.ENROLLED)
    type(run).objects.filter(pk=run.pk).update(enrolled_count=1)
    certificate = CertificateFactory(holder=resident, kind=CertificateKind.COURSE_COMPLETION,
                                     issuer_community=community)

    # Volunteers: the volunteer tutors and cuts hair, free all week.
    tutor = make_tutor(community, user=users["volunteer"])
    give_skill(tutor, "haircut", 2)
    set_availability(tutor, ALL_WEEK)
    slot = publish_slot(tutor, _next_local(3, 10), capacity=3)
    booking = book(slot, resident)
    other_volunteer = VolunteerFactory(community=other_community)
    job = volunteer_services.dispatch_create(
        actor=coordinator, skill_code="haircut", starts_at=_next_local(5, 15),
        duration_minutes=60, community=community, address="金口一路1号", note="请带推子",
        volunteer=tutor)
    offer = job.offers.get()
    shift = ShiftFactory(event__community=community, starts_at=_next_local(6, 9),
                         ends_at=_next_local(6, 11))
    sign_up = volunteer_services.shift_sign_up(actor=users["volunteer"], shift=shift)
    done = commitment(tutor, timezone.now() - timedelta(days=2, hours=2),
                      timezone.now() - timedelta(days=2), status=CommitmentStatus.CONFIRMED)
    hours = ServiceHours.objects.create(commitment=done, volunteer=tutor, hours=Decimal(2),
                                        served_on=done.starts_at, logged_by=users["volunteer"])

    help_request, completed_help = _help_requests(resident)

    # WeChat: the district account and the community's, a planned broadcast.
    WeChatAccountFactory(slug="weishinan", name="微市南")
    local_account = WeChatAccountFactory(slug="jinkoulu", community=community)
    WeChatBinding.objects.create(account=local_account, openid="oMatrixResident", user=resident)
    broadcast = broadcast_create(actor=coordinator, community=community, title="重阳节",
                                 body="社区重阳节服务日")

    for user in users.values():
        if user is not None:
            token_for(user)  # outside the per-call rollback, so every call can sign in

    world = World(users=users)
    world.ids.update({
        "streetId": _gid("Street", street), "communityId": _gid("Community", community),
        "courseId": _gid("Course", course), "runId": _gid("CourseRun", run),
        "venueId": _gid("Venue", venue), "sessionId": _gid("ClassSession", session),
        "lessonId": _gid("Lesson", lesson), "quizId": _gid("Quiz", quiz),
        "enrollmentId": _gid("Enrollment", enrollment), "slotId": _gid("TutoringSlot", slot),
        "bookingId": _gid("TutoringBooking", booking), "volunteerId": _gid("Volunteer", tutor),
        "offerId": _gid("Offer", offer), "serviceRequestId": _gid("ServiceRequest", job),
        "shiftId": _gid("Shift", shift), "signUpId": _gid("ShiftSignUp", sign_up),
        "commitmentId": _gid("Commitment", done), "entryId": _gid("ServiceHoursEntry", hours),
        "broadcastId": _gid("Broadcast", broadcast), "userId": _gid("User", resident),
        "instructorIds": [_gid("User", users["instructor"])],
        "otherVolunteerId": _gid("Volunteer", other_volunteer),
        "helpRequestId": _gid("ServiceRequest", help_request),
        "completedHelpRequestId": _gid("ServiceRequest", completed_help),
    })
    world.values.update({"certificate_code": certificate.code,
                         "job_start": _next_local(8, 14), "run": run})
    world.objects.update({"street": street, "community": community, "tutor": tutor,
                          "other_community": other_community, "offer": offer, "job": job,
                          "help_request": help_request, "completed_help": completed_help})
    return world
