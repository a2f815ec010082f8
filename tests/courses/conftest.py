from datetime import timedelta

import pytest
from django.utils import timezone

from backend.accounts.models import Role
from courses.models import Enrollment, EnrollmentStatus
from tests.factories.accounts import user_with_role
from tests.factories.courses import (
    ClassSessionFactory,
    CourseFactory,
    CourseRunFactory,
    VenueFactory,
    make_tutor,
    publish_slot,
)


@pytest.fixture
def venue(community):
    return VenueFactory(community=community, name="金口路社区活动中心")


@pytest.fixture
def course(db):
    return CourseFactory(code="WX03", title="如何运营微信")


@pytest.fixture
def run(course, venue):
    """Open for enrolment now, 5 seats, in the coordinator's street."""
    return CourseRunFactory(course=course, venue=venue, capacity=5)


@pytest.fixture
def instructor(community, run):
    user = user_with_role(Role.INSTRUCTOR, community=community)
    run.instructors.add(user)
    return user


@pytest.fixture
def session(run):
    return ClassSessionFactory(run=run)


@pytest.fixture
def current_session(run):
    """A session happening now."""
    now = timezone.now()
    return ClassSessionFactory(run=run, starts_at=now - timedelta(minutes=10),
                               ends_at=now + timedelta(hours=1))


@pytest.fixture
def enroll():
    """Put a user straight into a state (bypassing the service) for arranging tests."""

    def make(user, run, status=EnrollmentStatus.ENROLLED, seq=None):
        if status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED):
            type(run).objects.filter(pk=run.pk).update(enrolled_count=run.enrolled_count + 1)
            run.refresh_from_db()
        if status == EnrollmentStatus.WAITLISTED and seq is None:
            type(run).objects.filter(pk=run.pk).update(waitlist_counter=run.waitlist_counter + 1)
            run.refresh_from_db()
            seq = run.waitlist_counter
        return Enrollment.objects.create(user=user, run=run, status=status, waitlist_seq=seq)

    return make


# --- Tutoring -------------------------------------------------------------------------------
@pytest.fixture
def tutor(community, volunteer_user):
    """The role matrix's `volunteer` user as a qualified tutor in `community`."""
    return make_tutor(community, user=volunteer_user)


@pytest.fixture
def slot(tutor):
    """A home-visit slot, capacity 1, two days ahead."""
    return publish_slot(tutor)
