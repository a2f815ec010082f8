"""The 365 roster: volunteers, skills, credentials, availability, one calendar, dispatch,
shifts and service hours.

The no-overlap rule for a volunteer's active commitments is an exclusion constraint on
PostgreSQL. It is created by migration 0003 with RunSQL only when the database is
PostgreSQL (Meta.constraints cannot depend on the vendor); on SQLite the services keep the
rule with a check inside an IMMEDIATE transaction.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Community
from backend.core.fields import EncryptedTextField, KeyedHashField
from backend.core.models import TimeStampedModel

from .help.fields import HelpRequestFields

# Re-exported: the help models belong to this app and are imported from here.
from .help.models import HelpDraft, HelpEvent, HelpEventKind, HelpPhoto  # noqa: F401

EXPIRING_DAYS = 30
WEEK_HOURS = 7 * 24


class CredentialType(models.Model):
    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    validity_months = models.PositiveIntegerField(_("有效期（月）"), null=True, blank=True)
    granted_by_course_completion = models.BooleanField(_("可由结业证书取得"), default=False)

    class Meta:
        verbose_name = _("资质类型")
        verbose_name_plural = _("资质类型")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Skill(models.Model):
    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    credential_type = models.ForeignKey(
        CredentialType, verbose_name=_("所需资质"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="skills")

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def requires_credential(self) -> bool:
        return self.credential_type_id is not None


class VolunteerStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("在岗")
    PAUSED = "PAUSED", _("暂停")
    ARCHIVED = "ARCHIVED", _("已归档")


def empty_mask() -> str:
    return "0" * WEEK_HOURS


class Volunteer(TimeStampedModel):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"),
                                on_delete=models.PROTECT, related_name="volunteer")
    community = models.ForeignKey(Community, verbose_name=_("所属社区"), on_delete=models.PROTECT,
                                  related_name="volunteers")
    status = models.CharField(_("状态"), max_length=16, choices=VolunteerStatus.choices,
                              default=VolunteerStatus.ACTIVE)
    joined_on = models.DateField(_("加入日期"), default=date.today)
    dispatch_consent = models.BooleanField(_("同意接收派单联系"), default=True)
    # Derived from the availability rules by services.availability_set: character
    # (isoweekday-1)*24+hour is "1" when some rule overlaps that local hour. A cheap
    # necessary condition that matching checks before the exact rule lookup.
    hour_mask = models.CharField(_("每周可服务小时"), max_length=WEEK_HOURS, default=empty_mask,
                                 editable=False)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["id"]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self):
        return str(self.user)


class VolunteerSkill(models.Model):
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE,
                                  related_name="skills")
    skill = models.ForeignKey(Skill, verbose_name=_("技能"), on_delete=models.PROTECT,
                              related_name="volunteer_skills")
    level = models.PositiveSmallIntegerField(_("等级"), default=1)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核验人"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿者技能")
        verbose_name_plural = _("志愿者技能")
        ordering = ["skill_id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "skill"], name="volunteer_skill_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3),
                                   name="volunteer_skill_level_1_3"),
        ]
        # Matching starts from "who holds skill S".
        indexes = [models.Index(fields=["skill", "volunteer"])]

    def __str__(self):
        return f"{self.volunteer} · {self.skill} L{self.level}"

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class CredentialStatus(models.TextChoices):
    VALID = "VALID", _("有效")
    EXPIRING = "EXPIRING", _("即将到期")
    EXPIRED = "EXPIRED", _("已过期")
    REVOKED = "REVOKED", _("已撤销")


class Credential(TimeStampedModel):
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE,
                                  related_name="credentials")
    type = models.ForeignKey(CredentialType, verbose_name=_("类型"), on_delete=models.PROTECT,
                             related_name="credentials")
    # Encrypted at rest; the keyed hash keeps "one number per volunteer and type" unique.
    number = EncryptedTextField(_("证件编号"), max_length=64)
    number_hash = KeyedHashField(_("证件编号摘要"), source="number", purpose="code")
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=128, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核验人"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("资质证件")
        verbose_name_plural = _("资质证件")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "type", "number_hash"],
                                    name="credential_unique_number_hash"),
        ]
        indexes = [models.Index(fields=["volunteer", "type", "valid_until"])]

    def __str__(self):
        return f"{self.type} · {self.volunteer}"

    def status_on(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self.revoked_at is not None:
            return CredentialStatus.REVOKED
        if self.valid_until is None:
            return CredentialStatus.VALID
        if self.valid_until < today:
            return CredentialStatus.EXPIRED
        if self.valid_until <= today + timedelta(days=EXPIRING_DAYS):
            return CredentialStatus.EXPIRING
        return CredentialStatus.VALID

    @property
    def status(self) -> str:
        return self.status_on()


class AvailabilityRule(models.Model):
    """A weekly window in local (Asia/Shanghai) time; weekday is ISO (1 = Monday)."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE,
                                  related_name="availability_rules")
    weekday = models.PositiveSmallIntegerField(_("星期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("可服务时间")
        verbose_name_plural = _("可服务时间")
        ordering = ["weekday", "start_time", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7),
                                   name="availability_weekday_iso"),
            models.CheckConstraint(condition=Q(start_time__lt=models.F("end_time")),
                                   name="availability_start_before_end"),
        ]
        indexes = [models.Index(fields=["volunteer", "weekday"])]

    def __str__(self):
        return f"{self.volunteer} 周{self.weekday} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(TimeStampedModel):
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE,
                                  related_name="time_off")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = _("请假")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")),
                                   name="time_off_start_before_end"),
        ]
        # "Who is off in this window" is computed once per match from the range's end.
        indexes = [models.Index(fields=["volunteer", "starts_at", "ends_at"]),
                   models.Index(fields=["ends_at", "starts_at"], name="time_off_window_idx")]

    def __str__(self):
        return f"{self.volunteer} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class CommitmentKind(models.TextChoices):
    DISPATCH = "DISPATCH", _("派单")
    SHIFT = "SHIFT", _("班次")
    TUTORING = "TUTORING", _("辅导")
    OTHER = "OTHER", _("其他")


class CommitmentStatus(models.TextChoices):
    TENTATIVE = "TENTATIVE", _("待确认")
    CONFIRMED = "CONFIRMED", _("已确认")
    COMPLETED = "COMPLETED", _("已完成")
    CANCELLED = "CANCELLED", _("已取消")


ACTIVE_COMMITMENT_STATUSES = (CommitmentStatus.TENTATIVE, CommitmentStatus.CONFIRMED)


class Commitment(TimeStampedModel):
    """Anything that takes a volunteer's time. Active ones never overlap (see module doc)."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT,
                                  related_name="commitments")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    kind = models.CharField(_("类型"), max_length=16, choices=CommitmentKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=CommitmentStatus.choices,
                              default=CommitmentStatus.CONFIRMED)
    # What created it, e.g. "offer:12", "shift_signup:3", "tutoring_slot:5".
    source_key = models.CharField(_("来源"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("日程")
        verbose_name_plural = _("日程")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")),
                                   name="commitment_start_before_end"),
        ]
        indexes = [models.Index(fields=["volunteer", "starts_at", "ends_at"]),
                   # "Who is busy in this window": once per match, from the range's end.
                   models.Index(fields=["ends_at", "starts_at"], name="commitment_window_idx")]

    def __str__(self):
        return f"{self.volunteer} · {self.title or self.get_kind_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_COMMITMENT_STATUSES


class ServiceRequestStatus(models.TextChoices):
    REQUESTED = "REQUESTED", _("待处理")
    OFFERED = "OFFERED", _("已派出")
    ACCEPTED = "ACCEPTED", _("已接单")
    ESCALATED = "ESCALATED", _("待协调员处理")
    COMPLETED = "COMPLETED", _("已完成")
    CANCELLED = "CANCELLED", _("已取消")
    UNFULFILLED = "UNFULFILLED", _("未能满足")
    DECLINED = "DECLINED", _("未受理")


class ServiceRequest(HelpRequestFields, TimeStampedModel):
    """A doorstep job. A help request (help/fields.py) is one with a requester: it starts
    REQUESTED, possibly without a skill ("other"), until staff triage it."""

    skill = models.ForeignKey(Skill, verbose_name=_("技能"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    min_level = models.PositiveSmallIntegerField(_("最低等级"), default=1)
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    community = models.ForeignKey(Community, verbose_name=_("社区"), on_delete=models.PROTECT,
                                  related_name="+")
    # The doorstep address and free text (may hold a phone number): encrypted at rest.
    address = EncryptedTextField(_("地址"), max_length=200, blank=True)
    note = EncryptedTextField(_("备注"), blank=True)
    external_ref = models.CharField(_("外部编号"), max_length=128, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=ServiceRequestStatus.choices,
                              default=ServiceRequestStatus.OFFERED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("派单人"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_volunteer = models.ForeignKey(Volunteer, verbose_name=_("指定志愿者"), null=True,
                                            blank=True, on_delete=models.SET_NULL,
                                            related_name="+")

    class Meta:
        verbose_name = _("派单")
        verbose_name_plural = _("派单")
        ordering = ["-created_at", "-id"]
        permissions = [("dispatch_any", _("可通过接口在全区派单（服务账号）"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="service_request_rating_1_to_5"),
            # Only a help request still waiting for triage may lack a skill.
            models.CheckConstraint(
                condition=Q(skill__isnull=False) | Q(requester__isnull=False),
                name="service_request_skill_unless_help"),
        ]
        indexes = [models.Index(fields=["requester", "status"],
                                name="service_request_requester")]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.skill} @ {self.community} {local:%Y-%m-%d %H:%M}"


class OfferStatus(models.TextChoices):
    OFFERED = "OFFERED", _("待答复")
    ACCEPTED = "ACCEPTED", _("已接受")
    DECLINED = "DECLINED", _("已拒绝")
    EXPIRED = "EXPIRED", _("已超时")
    WITHDRAWN = "WITHDRAWN", _("已撤回")


class Offer(TimeStampedModel):
    request = models.ForeignKey(ServiceRequest, verbose_name=_("派单"), on_delete=models.CASCADE,
                                related_name="offers")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT,
                                  related_name="offers")
    status = models.CharField(_("状态"), max_length=16, choices=OfferStatus.choices,
                              default=OfferStatus.OFFERED)
    expires_at = models.DateTimeField(_("答复截止"), db_index=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    score = models.FloatField(_("匹配得分"), null=True, blank=True)
    commitment = models.OneToOneField(Commitment, verbose_name=_("日程"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="offer")

    class Meta:
        verbose_name = _("派单邀请")
        verbose_name_plural = _("派单邀请")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "volunteer"], name="offer_once_per_request"),
            # At most one live offer per request.
            models.UniqueConstraint(fields=["request"], condition=Q(status__in=["OFFERED",
                                                                               "ACCEPTED"]),
                                    name="offer_one_live_per_request"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return f"{self.request_id} → {self.volunteer}"


class Event(TimeStampedModel):
    title = models.CharField(_("名称"), max_length=200)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    community = models.ForeignKey(Community, verbose_name=_("组织社区"), on_delete=models.PROTECT,
                                  related_name="+")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["starts_at", "id"]

    def __str__(self):
        return self.title


class Shift(models.Model):
    event = models.ForeignKey(Event, verbose_name=_("活动"), on_delete=models.CASCADE,
                              related_name="shifts")
    title = models.CharField(_("名称"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    required_skill = models.ForeignKey(Skill, verbose_name=_("所需技能"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    capacity = models.PositiveIntegerField(_("名额"))
    taken = models.PositiveIntegerField(_("已报名"), default=0)
    signup_opens_at = models.DateTimeField(_("报名开始"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(_("报名截止"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(taken__lte=models.F("capacity")),
                                   name="shift_taken_within_capacity"),
        ]

    def __str__(self):
        return f"{self.event} · {self.title or f'{timezone.localtime(self.starts_at):%m-%d %H:%M}'}"


class SignUpStatus(models.TextChoices):
    SIGNED_UP = "SIGNED_UP", _("已报名")
    CANCELLED = "CANCELLED", _("已取消")


class ShiftSignUp(TimeStampedModel):
    shift = models.ForeignKey(Shift, verbose_name=_("班次"), on_delete=models.CASCADE,
                              related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT,
                                  related_name="shift_signups")
    status = models.CharField(_("状态"), max_length=16, choices=SignUpStatus.choices,
                              default=SignUpStatus.SIGNED_UP)
    commitment = models.OneToOneField(Commitment, verbose_name=_("日程"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="shift_signup")

    class Meta:
        verbose_name = _("班次报名")
        verbose_name_plural = _("班次报名")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "volunteer"],
                                    condition=Q(status="SIGNED_UP"),
                                    name="shift_signup_once_active"),
        ]

    def __str__(self):
        return f"{self.shift} · {self.volunteer}"


class HoursStatus(models.TextChoices):
    PENDING = "PENDING", _("待审核")
    APPROVED = "APPROVED", _("已通过")
    DECLINED = "DECLINED", _("未通过")


class ServiceHours(TimeStampedModel):
    commitment = models.ForeignKey(Commitment, verbose_name=_("日程"), on_delete=models.PROTECT,
                                   related_name="hours_entries")
    # Denormalised from the commitment: totals and the 30-day term sum by volunteer.
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT,
                                  related_name="hours_entries")
    hours = models.DecimalField(_("时长（小时）"), max_digits=5, decimal_places=2)
    served_on = models.DateTimeField(_("服务时间"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=HoursStatus.choices,
                              default=HoursStatus.PENDING)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.CharField(_("审核意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("服务时长")
        verbose_name_plural = _("服务时长")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["commitment"], condition=~Q(status="DECLINED"),
                                    name="service_hours_once_per_commitment"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="service_hours_positive"),
        ]
        indexes = [models.Index(fields=["volunteer", "status", "served_on"])]

    def __str__(self):
        return f"{self.volunteer} {self.hours}h"


# Registered from here so Django finds it; defined apart to keep this module short.
from .candidate_models import MatchCandidate  # noqa: E402, F401
