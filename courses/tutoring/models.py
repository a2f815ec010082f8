"""Tutoring models (辅导预约): a tutor's bookable slots and residents' bookings.

They belong to the `courses` app (imported by courses/models.py), so their table names,
app label and migrations are the ones they always had."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core.fields import EncryptedTextField
from backend.core.models import TimeStampedModel

HOME_VISIT = "上门"


class TutoringSlotStatus(models.TextChoices):
    OPEN = "OPEN", _("可预约")
    CANCELLED = "CANCELLED", _("已取消")
    DONE = "DONE", _("已结束")


class TutoringSlot(TimeStampedModel):
    """A volunteer tutor's bookable time. It is also a commitment in the tutor's calendar
    (source_key "tutoring_slot:<id>"), created in the same transaction."""

    tutor = models.ForeignKey("volunteers.Volunteer", verbose_name=_("辅导志愿者"),
                              on_delete=models.PROTECT, related_name="tutoring_slots")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    venue = models.ForeignKey("courses.Venue", verbose_name=_("场地"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="tutoring_slots")
    place_text = models.CharField(_("地点说明"), max_length=128, blank=True,
                                  help_text=_("无场地时填写，例如“上门”。"))
    # A doorstep slot: the tutor comes to the resident, who gives an address when booking;
    # bookable only by residents of the tutor's street.
    doorstep = models.BooleanField(_("上门辅导"), default=False)
    # Where the session happens (the venue's community, else the tutor's): filtering and
    # "nearest community first" read it without joins through the tutor.
    community = models.ForeignKey("accounts.Community", verbose_name=_("社区"),
                                  on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("辅导内容"), max_length=128)
    capacity = models.PositiveIntegerField(_("名额"), default=1)
    # Seats held by BOOKED/ATTENDED/NO_SHOW bookings; moved only by conditional UPDATEs.
    booked_count = models.PositiveIntegerField(_("已预约"), default=0, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=TutoringSlotStatus.choices,
                              default=TutoringSlotStatus.OPEN)
    commitment = models.OneToOneField("volunteers.Commitment", verbose_name=_("日程"),
                                      null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="tutoring_slot")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    hours_logged_at = models.DateTimeField(_("服务时长登记时间"), null=True, blank=True)

    class Meta:
        app_label = "courses"
        verbose_name = _("辅导时段")
        verbose_name_plural = _("辅导时段")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="tutoringslot_capacity_positive",
                                   condition=Q(capacity__gt=0)),
            models.CheckConstraint(name="tutoringslot_not_overbooked",
                                   condition=Q(booked_count__lte=F("capacity"))),
            models.CheckConstraint(name="tutoringslot_dates_ordered",
                                   condition=Q(ends_at__gt=F("starts_at"))),
            # Bulk publishing twice cannot create the same slot twice.
            models.UniqueConstraint(fields=["tutor", "starts_at"],
                                    condition=~Q(status="CANCELLED"),
                                    name="tutoringslot_one_per_tutor_start"),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return f"{self.topic} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def place(self) -> str:
        if self.doorstep:
            return HOME_VISIT
        if self.venue is not None:
            return self.venue.name
        return self.place_text or HOME_VISIT


class TutoringBookingStatus(models.TextChoices):
    BOOKED = "BOOKED", _("已预约")
    CANCELLED = "CANCELLED", _("已取消")
    ATTENDED = "ATTENDED", _("已到场")
    NO_SHOW = "NO_SHOW", _("未到场")


class TutoringBooking(TimeStampedModel):
    """A resident's booking of a slot. Never deleted: only its status changes."""

    slot = models.ForeignKey(TutoringSlot, verbose_name=_("辅导时段"), on_delete=models.PROTECT,
                             related_name="bookings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("居民"),
                             on_delete=models.PROTECT, related_name="tutoring_bookings")
    # Copied from the slot so "no two overlapping BOOKED bookings" is a row-level rule
    # (an exclusion constraint on PostgreSQL, migration 0003).
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    status = models.CharField(_("状态"), max_length=16, choices=TutoringBookingStatus.choices,
                              default=TutoringBookingStatus.BOOKED)
    # Free text (may hold a phone number) and the doorstep address: encrypted at rest.
    note = EncryptedTextField(_("备注"), max_length=200, blank=True)
    # Where a doorstep session happens (personal data): shown to the resident and, once
    # booked, to the tutor; empty for slots at a venue.
    address = EncryptedTextField(_("上门地址"), max_length=200, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代预约人"),
                                  null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("取消人"),
                                     null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    marked_at = models.DateTimeField(_("签到标记时间"), null=True, blank=True)
    tutor_no_show = models.BooleanField(_("志愿者未到场"), default=False)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True,
                                              validators=[MinValueValidator(1),
                                                          MaxValueValidator(5)])
    comment = models.CharField(_("评价"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        app_label = "courses"
        verbose_name = _("辅导预约")
        verbose_name_plural = _("辅导预约")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="tutoringbooking_rating_range",
                                   condition=Q(rating__isnull=True)
                                   | Q(rating__gte=1, rating__lte=5)),
            models.CheckConstraint(name="tutoringbooking_dates_ordered",
                                   condition=Q(ends_at__gt=F("starts_at"))),
            models.UniqueConstraint(fields=["slot", "user"], condition=~Q(status="CANCELLED"),
                                    name="tutoringbooking_one_per_slot_user"),
        ]
        indexes = [models.Index(fields=["user", "status", "starts_at"])]

    def __str__(self):
        return f"{self.user} · {self.slot_id} · {self.get_status_display()}"
