from datetime import timedelta
from decimal import Decimal

import factory
from django.db import models
from django.utils import timezone
from factory.django import DjangoModelFactory

from courses.models import (
    Audience,
    Choice,
    ClassSession,
    Course,
    CourseRun,
    Lesson,
    Question,
    QuestionKind,
    Quiz,
)
from courses.tutoring import services as tutoring
from courses.tutoring.models import TutoringBooking, TutoringSlot
from tests.factories.accounts import CommunityFactory
from tests.factories.volunteers import VolunteerFactory, give_skill


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"WX{n:03d}")
    title = factory.Sequence(lambda n: f"如何运营微信 第{n}期")
    summary = "学会编辑和发布公众号文章。"
    audience = Audience.ALL
    published = True
    hours = Decimal("6.0")


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"第{n}课")
    body = "# 标题\n\n正文"
    required = True


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = "courses.Venue"

    name = factory.Sequence(lambda n: f"社区活动室{n}")
    address = "金口二路 1 号"
    community = factory.SubFactory(CommunityFactory)


class CourseRunFactory(DjangoModelFactory):
    """An upcoming run with its enrolment window open now."""

    class Meta:
        model = CourseRun

    course = factory.SubFactory(CourseFactory)
    venue = factory.SubFactory(VenueFactory)
    code = factory.Sequence(lambda n: f"T{n:05d}")
    street = factory.LazyAttribute(lambda o: o.venue.community.street)
    community = factory.LazyAttribute(lambda o: o.venue.community)
    capacity = 5
    enrollment_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    enrollment_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    min_attendance_rate = Decimal("0.5")
    require_quiz = True


class ClassSessionFactory(DjangoModelFactory):
    class Meta:
        model = ClassSession

    run = factory.SubFactory(CourseRunFactory)
    starts_at = factory.LazyAttribute(lambda o: o.run.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))


class QuizFactory(DjangoModelFactory):
    class Meta:
        model = Quiz

    course = factory.SubFactory(CourseFactory)
    title = "结业测验"
    pass_mark = 60
    max_attempts = 2


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = "公众号文章如何发布？"
    kind = QuestionKind.SINGLE


class ChoiceFactory(DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"选项{n}")
    is_correct = False


# --- Tutoring -------------------------------------------------------------------------------
def make_tutor(community, *, user=None, credential: bool = True, valid_until=None):
    """A volunteer in `community` holding wechat_tutoring, with a valid new-media credential
    unless told otherwise."""
    kwargs = {"community": community}
    if user is not None:
        kwargs["user"] = user
    volunteer = VolunteerFactory(**kwargs)
    give_skill(volunteer, "wechat_tutoring", 2, credential=credential, valid_until=valid_until)
    return volunteer


def publish_slot(tutor, starts_at=None, *, minutes: int = 60, capacity: int = 1, venue=None,
                 topic: str = "微信视频通话"):
    """A slot and its commitment, through the service (as the tutor)."""
    starts_at = starts_at or timezone.now() + timedelta(days=2)
    return tutoring.tutoring_slot_publish(
        actor=tutor.user, volunteer=tutor, starts_at=starts_at, duration_minutes=minutes,
        topic=topic, venue=venue, place_text="" if venue else "上门", capacity=capacity)


class TutoringSlotFactory(DjangoModelFactory):
    """A bare slot row (no commitment): for list and query-count tests."""

    class Meta:
        model = "courses.TutoringSlot"

    tutor = None  # required: pass a Volunteer
    community = factory.LazyAttribute(lambda o: o.tutor.community)
    starts_at = factory.Sequence(lambda n: timezone.now() + timedelta(days=1, hours=n))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    place_text = "上门"
    topic = "微信支付与防诈骗"
    capacity = 1


def book(slot, user, *, status="BOOKED"):
    """Put a booking straight into a state (bypassing the service) for arranging tests."""
    if status != "CANCELLED":
        TutoringSlot.objects.filter(pk=slot.pk).update(booked_count=models.F("booked_count") + 1)
    return TutoringBooking.objects.create(slot=slot, user=user, starts_at=slot.starts_at,
                                          ends_at=slot.ends_at, status=status)
