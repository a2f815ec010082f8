"""The volunteer's one calendar: commitments from dispatch, shifts and tutoring, the overlap
rule and the daily job cap. `courses` (tutoring) books through these functions."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error

from .. import matching
from ..error_codes import VolunteerErrorCode as Code
from ..models import (
    ACTIVE_COMMITMENT_STATUSES,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Volunteer,
)


def _overlap_error() -> ValidationError:
    return validation_error("starts_at", _("该时段与志愿者的其他日程冲突。"),
                            Code.OVERLAPS_COMMITMENT)


def commitment_create(
    *, volunteer: Volunteer, starts_at: datetime, ends_at: datetime, kind: str,
    source_key: str, title: str = "", status: str = CommitmentStatus.CONFIRMED,
    travel_buffer_minutes: int = 0,
) -> Commitment:
    """Put something in the volunteer's calendar; raises OVERLAPS_COMMITMENT when an active
    commitment overlaps [starts_at - buffer, ends_at + buffer).

    The volunteer row is locked first (PostgreSQL), so concurrent bookings of one person
    queue and the loser gets the typed error; SQLite's IMMEDIATE transaction serialises the
    check and the insert. On PostgreSQL the exclusion constraint is the last word, and its
    violation is translated to the same error. A DISPATCH commitment also keeps the daily
    job cap under the same lock (DAILY_CAP_REACHED).
    """
    if starts_at >= ends_at:
        raise validation_error("ends_at", _("结束时间须晚于开始时间。"), Code.INVALID_WINDOW)
    if status not in ACTIVE_COMMITMENT_STATUSES:
        raise validation_error("status", _("新日程只能是待确认或已确认。"), Code.INVALID)
    if kind not in CommitmentKind.values:
        raise validation_error("kind", _("日程类型不正确。"), Code.INVALID)
    buffer = timedelta(minutes=travel_buffer_minutes or 0)
    with transaction.atomic():
        list(Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk"))
        if Commitment.objects.filter(
                volunteer_id=volunteer.pk, status__in=ACTIVE_COMMITMENT_STATUSES,
                starts_at__lt=ends_at + buffer, ends_at__gt=starts_at - buffer).exists():
            raise _overlap_error()
        if kind == CommitmentKind.DISPATCH and _daily_jobs(volunteer.pk, starts_at) \
                >= matching.DAILY_JOB_CAP:
            # Checked here, under the volunteer's lock, because matching's cap rule is a
            # read made before it: two dispatches racing for one volunteer both passed it.
            raise validation_error("starts_at", _("该志愿者当日派单已达上限（%(n)d单）。")
                                   % {"n": matching.DAILY_JOB_CAP}, Code.DAILY_CAP_REACHED)
        try:
            with transaction.atomic():
                return Commitment.objects.create(
                    volunteer_id=volunteer.pk, starts_at=starts_at, ends_at=ends_at, kind=kind,
                    status=status, source_key=source_key, title=title[:200])
        except IntegrityError:
            if Commitment.objects.filter(source_key=source_key).exists():
                raise validation_error("source_key", _("该来源的日程已存在。"),
                                       Code.INVALID) from None
            raise _overlap_error() from None


def _daily_jobs(volunteer_id: int, starts_at: datetime) -> int:
    """Dispatched jobs (held, confirmed or done) starting on the local day of `starts_at`:
    the same count as matching's DAILY_CAP rule."""
    day_start, day_end = matching.local_day_bounds(starts_at)
    return Commitment.objects.filter(
        volunteer_id=volunteer_id, kind=CommitmentKind.DISPATCH,
        status__in=[*ACTIVE_COMMITMENT_STATUSES, CommitmentStatus.COMPLETED],
        starts_at__gte=day_start, starts_at__lt=day_end).count()


def commitment_cancel(*, commitment: Commitment) -> Commitment:
    """Idempotent: a cancelled or completed commitment stays as it is."""
    if commitment.status in ACTIVE_COMMITMENT_STATUSES:
        Commitment.objects.filter(pk=commitment.pk, status__in=ACTIVE_COMMITMENT_STATUSES) \
            .update(status=CommitmentStatus.CANCELLED, updated_at=timezone.now())
        commitment.refresh_from_db()
    return commitment


def commitment_confirm(*, commitment: Commitment) -> Commitment:
    if commitment.status == CommitmentStatus.TENTATIVE:
        commitment.status = CommitmentStatus.CONFIRMED
        commitment.save(update_fields=["status", "updated_at"])
    return commitment


def commitment_complete(*, commitment: Commitment) -> Commitment:
    if commitment.status == CommitmentStatus.COMPLETED:
        return commitment
    if commitment.status != CommitmentStatus.CONFIRMED:
        raise validation_error(None, _("只有已确认的日程才能标记完成。"), Code.INVALID)
    commitment.status = CommitmentStatus.COMPLETED
    commitment.save(update_fields=["status", "updated_at"])
    return commitment
