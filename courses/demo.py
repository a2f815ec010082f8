"""Demo catalogue: the four topic courses with lessons and a quiz, venues in several
streets, upcoming runs (one nearly full) taught partly by the demo `instructor`.
Idempotent: everything is looked up by a natural key before it is created."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from backend.accounts import services as account_services
from backend.accounts.models import Community, Role, User
from backend.certificates.models import Certificate
from backend.certificates.services import DEMO_SOURCE_PREFIX
from backend.core.demo import DemoContext

from . import services
from .demo_history import seed_history
from .models import (
    Audience,
    ClassSession,
    Course,
    CourseRun,
    Enrollment,
    Lesson,
    Question,
    QuestionKind,
    Quiz,
    Venue,
)
from .tutoring import demo as tutoring_demo

# code, audience, hours, credential granted on completion
COURSE_META = [
    ("WX01", Audience.ALL, Decimal("4"), ""),
    ("WX02", Audience.RESIDENT, Decimal("4"), ""),
    ("WX03", Audience.STAFF, Decimal("8"), "new_media_training"),
    ("XM04", Audience.STAFF, Decimal("8"), "new_media_training"),
]
LESSONS = {
    "WX01": ["认识微信：下载、注册和登录", "加好友、发消息、语音和视频通话", "朋友圈和公众号"],
    "WX02": ["用微信挂号、缴费和查社保", "微信支付与防诈骗", "关注社区公众号，参加活动报名"],
    "WX03": ["公众号后台与排版", "写一篇好的社区推文", "图片、视频和直播", "数据分析与粉丝互动"],
    "XM04": ["“便民纸条”的受理和回复", "用新媒体组织志愿服务", "舆情与隐私保护"],
}
QUIZ = [
    ("收到陌生人发来的转账链接，应该怎么做？", QuestionKind.SINGLE,
     [("立即点开领取", False), ("不点开，向家人或社区核实", True), ("转发给朋友", False)]),
    ("以下哪些是社区公众号可以办理的事情？", QuestionKind.MULTIPLE,
     [("活动报名", True), ("便民纸条求助", True), ("替别人改密码", False)]),
    ("发布推文前最后一步应该做什么？", QuestionKind.SINGLE,
     [("预览并校对", True), ("直接群发", False)]),
]
# street index, community index within it, venue name, address
VENUES = [
    (0, 0, "金口路社区党群服务中心", "金口二路 1 号"),
    (1, 0, "团岛路社区活动室", "团岛路 12 号"),
    (3, 0, "珠海路街道会议室", "珠海路 8 号"),
    (5, 0, "中山路街道市民学校", "中山路 100 号"),
    (9, 0, "湛山街道新媒体教室", "湛山二路 3 号"),
]


def _courses(ctx: DemoContext) -> list[Course]:
    courses, created = [], 0
    for title, (code, audience, hours, credential) in zip(
            ctx.data["course_topics"], COURSE_META, strict=True):
        course, was_created = Course.objects.get_or_create(code=code, defaults={
            "title": title, "summary": f"新媒体培训进社区：{title}。",
            "audience": audience, "hours": hours, "published": True,
            "grants_credential_type": credential})
        created += was_created
        for order, lesson_title in enumerate(LESSONS[code], start=1):
            Lesson.objects.get_or_create(course=course, order=order, defaults={
                "title": lesson_title, "required": order < len(LESSONS[code]) or code != "WX01",
                "body": f"## {lesson_title}\n\n本课时讲解{lesson_title}，课后请完成练习。"})
        quiz, quiz_created = Quiz.objects.get_or_create(course=course, defaults={
            "title": f"{title} · 结业测验", "pass_mark": 60, "max_attempts": 3})
        if quiz_created:
            for q_order, (text, kind, choices) in enumerate(QUIZ, start=1):
                question = Question.objects.create(quiz=quiz, order=q_order, text=text,
                                                   kind=kind)
                for c_order, (choice_text, correct) in enumerate(choices, start=1):
                    question.choices.create(order=c_order, text=choice_text,
                                            is_correct=correct)
        courses.append(course)
    ctx.count("课程", created, Course.objects.count())
    return courses


def _venues(ctx: DemoContext) -> list[Venue]:
    streets = ctx.data["streets"]
    venues, created = [], 0
    for street_index, community_index, name, address in VENUES:
        street = streets[street_index]
        community = (Community.objects.filter(street__name=street["name"])
                     .order_by("sort_order", "id")[community_index])
        venue, was_created = Venue.objects.get_or_create(
            community=community, name=name, defaults={"address": address})
        created += was_created
        venues.append(venue)
    ctx.count("场地", created, Venue.objects.count())
    return venues


def _first_monday_after(day) -> datetime:
    day = day + timedelta(days=(7 - day.weekday()) % 7 or 7)
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


def _runs(ctx: DemoContext, courses: list[Course], venues: list[Venue]) -> list[CourseRun]:
    rng = random.Random(3)  # noqa: S311 - deterministic demo data, not secrets
    instructor = User.objects.filter(username="instructor").first()
    base = _first_monday_after(timezone.localdate())
    runs, created = [], 0
    for index, venue in enumerate(venues):
        for offset, course in enumerate(courses[index % 2::2][:2]):
            # One demo run per (course, venue): found again on a second seed.
            run = CourseRun.objects.filter(course=course, venue=venue).first()
            if run is None:
                starts_at = base + timedelta(days=7 * offset + rng.randint(0, 4))
                sessions = [services.SessionInput(starts_at=starts_at + timedelta(days=7 * i),
                                                  ends_at=starts_at + timedelta(days=7 * i,
                                                                                hours=2))
                            for i in range(3)]
                run = CourseRun(
                    course=course, venue=venue, street_id=venue.community.street_id,
                    community=venue.community, capacity=rng.choice([12, 15, 20]),
                    starts_at=starts_at, ends_at=sessions[-1].ends_at,
                    enrollment_opens_at=timezone.now() - timedelta(days=3),
                    enrollment_closes_at=starts_at - timedelta(hours=12),
                    min_attendance_rate=Decimal("0.67"), require_quiz=True,
                    code=services.next_run_code(services.run_code_prefix(course, starts_at)))
                run.save()
                ClassSession.objects.bulk_create([
                    ClassSession(run=run, starts_at=s.starts_at, ends_at=s.ends_at)
                    for s in sessions])
                created += 1
            if instructor is not None and index % 2 == 0:
                run.instructors.add(instructor)
            runs.append(run)
    ctx.count("班期", created, CourseRun.objects.count())
    return runs


def _fill_nearly(ctx: DemoContext, run: CourseRun) -> None:
    """Make the first run at the demo community nearly full: 7 of 8 seats taken."""
    if run.capacity != 8 and not Enrollment.objects.filter(run=run).exists():
        CourseRun.objects.filter(pk=run.pk).update(capacity=8)
        run.refresh_from_db()
    learners = list(User.objects.filter(username__in=["resident", "volunteer"]))
    for n in range(1, 6):
        username = f"demo_learner{n:02d}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.user_create(
                username=username, password=None, display_name=f"学员{n:02d}",
                community=run.venue.community)
        account_services.role_assign(user=user, role=Role.RESIDENT)
        learners.append(user)
    created = 0
    for user in learners:
        if not Enrollment.objects.filter(run=run, user=user).exists():
            services.enrollment_create(actor=user, user=user, run_id=run.pk)
            created += 1
    ctx.count("报名", created, Enrollment.objects.count())


def seed(ctx: DemoContext) -> None:
    courses = _courses(ctx)
    venues = _venues(ctx)
    runs = _runs(ctx, courses, venues)
    # courses[0] (WX01, for everyone) at the demo community's venue
    _fill_nearly(ctx, runs[0])
    past_runs, certificates = seed_history()
    ctx.count("往期班期（含签到、结业）", past_runs, CourseRun.objects.filter(
        ends_at__lt=timezone.now()).count())
    ctx.count("结业证书", certificates, Certificate.objects.filter(
        source_key__startswith=f"{DEMO_SOURCE_PREFIX}enrollment:").count())

    tutoring_demo.seed(ctx)  # after the runs: tutors may use the demo venues
