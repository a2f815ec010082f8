from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel

# Tutoring's models live in courses/tutoring/ but belong to this app (label `courses`, its
# migrations 0002 and 0003): Django registers an app's models from its `models` module, so
# they are imported here.
from .tutoring.models import TutoringBooking, TutoringSlot  # noqa: F401


class Audience(models.TextChoices):
    STAFF = "STAFF", _("社区工作人员")
    RESIDENT = "RESIDENT", _("居民")
    ALL = "ALL", _("所有人")


class Course(TimeStampedModel):
    """A course in the catalogue (课程)."""

    code = models.CharField(_("课程代码"), max_length=16, unique=True,
                            help_text=_("字母开头，例如 WX03；班期编号取其字母前缀。"))
    title = models.CharField(_("标题"), max_length=128)
    summary = models.TextField(_("简介"), blank=True)
    audience = models.CharField(_("面向"), max_length=16, choices=Audience.choices,
                                default=Audience.ALL)
    published = models.BooleanField(_("已发布"), default=False)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=Decimal("0"))
    # A plain code (e.g. "new_media_training"): other parts read it; no FK across domains.
    grants_credential_type = models.CharField(_("结业后获得的资质类型代码"), max_length=64,
                                              blank=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.title}"


class Lesson(TimeStampedModel):
    """One unit of content (课时), ordered within its course."""

    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.CASCADE,
                               related_name="lessons")
    order = models.PositiveIntegerField(_("顺序"), default=1)
    title = models.CharField(_("标题"), max_length=128)
    body = models.TextField(_("内容（Markdown）"), blank=True)
    video_url = models.URLField(_("视频链接"), blank=True)
    attachment = models.FileField(_("附件"), upload_to="lessons/%Y/%m/", blank=True)
    required = models.BooleanField(_("必修"), default=True)

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")
        ordering = ["course", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "order"], name="lesson_order_unique"),
        ]

    def __str__(self):
        return f"{self.order}. {self.title}"


class Venue(TimeStampedModel):
    """Where classes meet; its community decides which coordinators run it."""

    name = models.CharField(_("名称"), max_length=128)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    community = models.ForeignKey("accounts.Community", verbose_name=_("社区"),
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("场地")
        verbose_name_plural = _("场地")
        ordering = ["community", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="venue_name_unique"),
        ]

    def __str__(self):
        return self.name


class CourseRun(TimeStampedModel):
    """One offering of a course (班期)."""

    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.PROTECT,
                               related_name="runs")
    venue = models.ForeignKey(Venue, verbose_name=_("场地"), on_delete=models.PROTECT,
                              related_name="runs")
    code = models.CharField(_("班期编号"), max_length=16, unique=True,
                            help_text=_("例如 WX2612-03，居民在微信里发“报名 WX2612-03”。"))
    instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("讲师"),
                                         blank=True, related_name="taught_runs")
    # The owning unit: the street always, the community when a community runs it.
    street = models.ForeignKey("accounts.Street", verbose_name=_("主办街道"),
                               on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("accounts.Community", verbose_name=_("主办社区"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    capacity = models.PositiveIntegerField(_("名额"))
    # Seats held (ENROLLED + COMPLETED); changed only by conditional UPDATEs in services.
    enrolled_count = models.PositiveIntegerField(_("已报名"), default=0, editable=False)
    # Monotonic counter handing out waitlist sequence numbers (first come, first served).
    waitlist_counter = models.PositiveIntegerField(default=0, editable=False)
    enrollment_opens_at = models.DateTimeField(_("报名开始"))
    enrollment_closes_at = models.DateTimeField(_("报名截止"))
    starts_at = models.DateTimeField(_("开班时间"))
    ends_at = models.DateTimeField(_("结班时间"))
    min_attendance_rate = models.DecimalField(
        _("最低出勤率"), max_digits=4, decimal_places=3, default=Decimal("0.800"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("0 到 1 之间，例如 0.8 表示八成课次。"))
    require_quiz = models.BooleanField(_("须通过测验"), default=True)

    class Meta:
        verbose_name = _("班期")
        verbose_name_plural = _("班期")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="courserun_capacity_positive",
                                   condition=Q(capacity__gt=0)),
            # The last line of defence against overbooking.
            models.CheckConstraint(name="courserun_not_overbooked",
                                   condition=Q(enrolled_count__lte=F("capacity"))),
            models.CheckConstraint(name="courserun_dates_ordered",
                                   condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(name="courserun_window_ordered",
                                   condition=Q(enrollment_closes_at__gt=F("enrollment_opens_at"))),
            models.CheckConstraint(
                name="courserun_min_attendance_rate_range",
                condition=Q(min_attendance_rate__gte=0, min_attendance_rate__lte=1)),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self):
        return f"{self.code} {self.course.title}"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.enrolled_count, 0)


class ClassSession(TimeStampedModel):
    """One meeting of a run (课次)."""

    run = models.ForeignKey(CourseRun, verbose_name=_("班期"), on_delete=models.CASCADE,
                            related_name="sessions")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))

    class Meta:
        verbose_name = _("课次")
        verbose_name_plural = _("课次")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="classsession_dates_ordered",
                                   condition=Q(ends_at__gt=F("starts_at"))),
        ]

    def __str__(self):
        return f"{self.run.code} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "ENROLLED", _("已报名")
    WAITLISTED = "WAITLISTED", _("候补")
    CANCELLED = "CANCELLED", _("已取消")
    COMPLETED = "COMPLETED", _("已结业")


SEAT_HOLDING = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED)


class Enrollment(TimeStampedModel):
    """A person's place in a run (报名). Never deleted: only its status changes."""

    run = models.ForeignKey(CourseRun, verbose_name=_("班期"), on_delete=models.PROTECT,
                            related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("学员"),
                             on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(_("状态"), max_length=16, choices=EnrollmentStatus.choices)
    # Order on the waitlist, from CourseRun.waitlist_counter; null when never waitlisted.
    waitlist_seq = models.PositiveIntegerField(_("候补序号"), null=True, blank=True)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代报名人"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("结业时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "run"], name="enrollment_one_per_user_run"),
            models.CheckConstraint(
                name="enrollment_waitlisted_has_seq",
                condition=~Q(status="WAITLISTED") | Q(waitlist_seq__isnull=False)),
        ]
        indexes = [models.Index(fields=["run", "status", "waitlist_seq"])]

    def __str__(self):
        return f"{self.user} · {self.run.code} · {self.get_status_display()}"


class AttendanceMethod(models.TextChoices):
    QR = "QR", _("扫码签到")
    INSTRUCTOR = "INSTRUCTOR", _("讲师标记")


class Attendance(TimeStampedModel):
    """Presence at a session (签到); every change is also written to the audit log."""

    enrollment = models.ForeignKey(Enrollment, verbose_name=_("报名"),
                                   on_delete=models.PROTECT, related_name="attendances")
    session = models.ForeignKey(ClassSession, verbose_name=_("课次"),
                                on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField(_("出席"), default=True)
    method = models.CharField(_("方式"), max_length=16, choices=AttendanceMethod.choices)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("标记人"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField(_("标记时间"))

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "session"],
                                    name="attendance_one_per_enrollment_session"),
        ]

    def __str__(self):
        return f"{self.enrollment_id}@{self.session_id}: {self.present}"


class LessonProgress(TimeStampedModel):
    enrollment = models.ForeignKey(Enrollment, verbose_name=_("报名"), on_delete=models.PROTECT,
                                   related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, verbose_name=_("课时"), on_delete=models.CASCADE,
                               related_name="+")
    completed_at = models.DateTimeField(_("完成时间"))

    class Meta:
        verbose_name = _("学习进度")
        verbose_name_plural = _("学习进度")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"],
                                    name="lessonprogress_unique"),
        ]

    def __str__(self):
        return f"{self.enrollment_id}: {self.lesson_id}"


class LessonOpening(models.Model):
    """When a lesson's body was first served to a person (the reader page, or the API's
    `Lesson.body`): lessonComplete needs it at least LESSON_READ_SECONDS earlier."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("学员"),
                             on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, verbose_name=_("课时"), on_delete=models.CASCADE,
                               related_name="+")
    opened_at = models.DateTimeField(_("首次打开时间"))

    class Meta:
        verbose_name = _("课时打开记录")
        verbose_name_plural = _("课时打开记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lessonopening_unique"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.lesson_id}"


class Quiz(TimeStampedModel):
    course = models.OneToOneField(Course, verbose_name=_("课程"), on_delete=models.CASCADE,
                                  related_name="quiz")
    title = models.CharField(_("标题"), max_length=128)
    pass_mark = models.PositiveSmallIntegerField(
        _("及格分"), default=60, validators=[MaxValueValidator(100)],
        help_text=_("百分制。"))
    max_attempts = models.PositiveSmallIntegerField(_("最多作答次数"), default=3)

    class Meta:
        verbose_name = _("测验")
        verbose_name_plural = _("测验")
        constraints = [
            models.CheckConstraint(name="quiz_pass_mark_range", condition=Q(pass_mark__lte=100)),
            models.CheckConstraint(name="quiz_max_attempts_positive",
                                   condition=Q(max_attempts__gt=0)),
        ]

    def __str__(self):
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "SINGLE", _("单选")
    MULTIPLE = "MULTIPLE", _("多选")


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, verbose_name=_("测验"), on_delete=models.CASCADE,
                             related_name="questions")
    order = models.PositiveIntegerField(_("顺序"), default=1)
    text = models.TextField(_("题目"))
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices,
                            default=QuestionKind.SINGLE)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["quiz", "order", "id"]

    def __str__(self):
        return self.text[:40]


class Choice(models.Model):
    question = models.ForeignKey(Question, verbose_name=_("题目"), on_delete=models.CASCADE,
                                 related_name="choices")
    order = models.PositiveIntegerField(_("顺序"), default=1)
    text = models.CharField(_("选项"), max_length=255)
    # Never exposed through the API: grading happens on the server.
    is_correct = models.BooleanField(_("正确"), default=False)

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question", "order", "id"]

    def __str__(self):
        return self.text


class QuizAttempt(TimeStampedModel):
    enrollment = models.ForeignKey(Enrollment, verbose_name=_("报名"), on_delete=models.PROTECT,
                                   related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, verbose_name=_("测验"), on_delete=models.CASCADE,
                             related_name="attempts")
    number = models.PositiveSmallIntegerField(_("第几次"))
    score = models.PositiveSmallIntegerField(_("得分"))
    passed = models.BooleanField(_("通过"))
    answers = models.JSONField(_("作答"), default=dict)

    class Meta:
        verbose_name = _("测验作答")
        verbose_name_plural = _("测验作答")
        ordering = ["enrollment", "number"]
        constraints = [
            # Two simultaneous submissions cannot both be attempt N.
            models.UniqueConstraint(fields=["enrollment", "quiz", "number"],
                                    name="quizattempt_number_unique"),
        ]

    def __str__(self):
        return f"{self.enrollment_id} #{self.number}: {self.score}"
