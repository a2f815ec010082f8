from datetime import timedelta
from decimal import Decimal

import factory
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
from tests.factories.accounts import CommunityFactory


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
