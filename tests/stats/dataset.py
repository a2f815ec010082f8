"""A random but seeded district for the stats tests: three streets, two communities each."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from courses.models import Attendance, ClassSession, Enrollment
from courses.tutoring.models import TutoringBooking, TutoringSlot
from tests.factories.accounts import CommunityFactory, StreetFactory, UserFactory
from tests.factories.courses import CourseRunFactory, VenueFactory
from tests.factories.volunteers import VolunteerFactory, commitment, give_credential, skill
from volunteers.models import (
    CommitmentKind,
    Offer,
    ServiceHours,
    ServiceRequest,
    ServiceRequestStatus,
)

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
SPAN_DAYS = 240  # rows land from mid-December to mid-August: some outside the period
ENROLMENT_STATUSES = ["ENROLLED", "ENROLLED", "COMPLETED", "CANCELLED", "WAITLISTED"]
REQUEST_STATUSES = [s for s, _ in ServiceRequestStatus.choices]


@dataclass
class District:
    streets: list = field(default_factory=list)
    communities: list = field(default_factory=list)


def _moment(rng: random.Random) -> datetime:
    day = date(2025, 12, 15) + timedelta(days=rng.randrange(SPAN_DAYS))
    local = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)))
    return timezone.make_aware(local)


def build(seed: int = 20261130) -> District:
    rng = random.Random(seed)
    district = District()
    for s in range(3):
        street = StreetFactory(name=f"统计第{s}街道")
        district.streets.append(street)
        for c in range(2):
            district.communities.append(CommunityFactory(street=street, name=f"统计{s}-{c}社区"))
    people = [UserFactory(community=rng.choice(district.communities)) for _ in range(12)]
    _courses(rng, district, people)
    _tutoring(rng, district, people)
    _volunteering(rng, district)
    return district


def _courses(rng, district, people):
    for community in district.communities:
        run = CourseRunFactory(venue=VenueFactory(community=community))
        session = ClassSession.objects.create(run=run, starts_at=run.starts_at,
                                              ends_at=run.starts_at + timedelta(hours=2))
        for seq, user in enumerate(rng.sample(people, 7), start=1):
            status = rng.choice(ENROLMENT_STATUSES)
            enrollment = Enrollment.objects.create(
                run=run, user=user, status=status,
                waitlist_seq=seq if status == "WAITLISTED" else None,
                completed_at=_moment(rng) if status == "COMPLETED" else None)
            Enrollment.objects.filter(pk=enrollment.pk).update(created_at=_moment(rng))
            if status in ("ENROLLED", "COMPLETED") and rng.random() < 0.6:
                Attendance.objects.create(enrollment=enrollment, session=session, method="QR",
                                          marked_at=timezone.now())


def _tutoring(rng, district, people):
    for community in district.communities:
        tutor = VolunteerFactory(community=community)
        for _ in range(3):
            starts = _moment(rng)
            slot = TutoringSlot.objects.create(
                tutor=tutor, community=community, starts_at=starts,
                ends_at=starts + timedelta(hours=1), place_text="上门", topic="微信", capacity=5)
            for user in rng.sample(people, 3):
                TutoringBooking.objects.create(
                    slot=slot, user=user, starts_at=slot.starts_at, ends_at=slot.ends_at,
                    status=rng.choice(["BOOKED", "CANCELLED", "ATTENDED", "NO_SHOW"]))


def _volunteering(rng, district):
    haircut, today = skill("haircut"), timezone.localdate()
    for community in district.communities:
        volunteers = [VolunteerFactory(community=community) for _ in range(2)]
        for volunteer in volunteers:
            give_credential(volunteer, "health_certificate",
                            valid_until=today + timedelta(days=rng.randrange(-10, 120)))
            for _ in range(4):
                starts = _moment(rng)
                entry = commitment(volunteer, starts, starts + timedelta(hours=2),
                                   kind=rng.choice([CommitmentKind.OTHER,
                                                    CommitmentKind.TUTORING]))
                ServiceHours.objects.create(
                    commitment=entry, volunteer=volunteer, served_on=starts,
                    hours=Decimal(rng.randrange(1, 9)) / 2,
                    status=rng.choice(["APPROVED", "APPROVED", "PENDING", "DECLINED"]))
        for _ in range(4):
            created = _moment(rng)
            request = ServiceRequest.objects.create(
                skill=haircut, community=community, starts_at=created + timedelta(days=2),
                ends_at=created + timedelta(days=2, hours=1),
                status=rng.choice(REQUEST_STATUSES))
            ServiceRequest.objects.filter(pk=request.pk).update(created_at=created)
            if rng.random() < 0.6:
                Offer.objects.create(request=request, volunteer=volunteers[0], status="ACCEPTED",
                                     expires_at=created + timedelta(hours=1),
                                     responded_at=created + timedelta(
                                         minutes=rng.randrange(5, 300)))
