from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from courses.models import Enrollment, EnrollmentStatus, LessonOpening
from tests.factories.accounts import PASSWORD
from tests.factories.courses import (
    ClassSessionFactory,
    CourseFactory,
    CourseRunFactory,
    LessonFactory,
    VenueFactory,
)
from tests.helpers.fake_wechat import fake_wechat  # noqa: F401 (a fixture)


@pytest.fixture
def venue(community):
    return VenueFactory(community=community, name="金口路社区活动中心")


@pytest.fixture
def course(db):
    return CourseFactory(code="WX03", title="如何用微信视频通话")


@pytest.fixture
def run(course, venue):
    return CourseRunFactory(course=course, venue=venue, capacity=2)


@pytest.fixture
def sessions(run):
    return [ClassSessionFactory(run=run, starts_at=run.starts_at + timedelta(days=i))
            for i in range(3)]


@pytest.fixture
def lessons(course):
    return [LessonFactory(course=course, order=1, title="打开微信",
                          body="# 第一步\n\n点**绿色**图标。"),
            LessonFactory(course=course, order=2, title="找到视频通话", body="正文")]


@pytest.fixture
def enroll():
    def make(user, run, status=EnrollmentStatus.ENROLLED):
        seq = None
        if status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED):
            type(run).objects.filter(pk=run.pk).update(enrolled_count=run.enrolled_count + 1)
        if status == EnrollmentStatus.WAITLISTED:
            type(run).objects.filter(pk=run.pk).update(waitlist_counter=run.waitlist_counter + 1)
        run.refresh_from_db()
        if status == EnrollmentStatus.WAITLISTED:
            seq = run.waitlist_counter
        return Enrollment.objects.create(user=user, run=run, status=status, waitlist_seq=seq)
    return make


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        if user is not None:
            assert client.login(username=user.username, password=PASSWORD)
        return client
    return make


def opened_earlier(user, lesson, seconds=60):
    LessonOpening.objects.update_or_create(
        user=user, lesson=lesson,
        defaults={"opened_at": timezone.now() - timedelta(seconds=seconds)})
