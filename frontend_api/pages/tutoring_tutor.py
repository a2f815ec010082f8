"""Tutoring for tutors (volunteers with the WeChat-tutoring skill): my slots with who booked
them (and, for a doorstep slot, where to go), publish one slot, publish from my weekly
availability, cancel a slot on a page of its own. The tutoring services decide."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from backend.core.formatting import WEEKDAYS_ZH, clock_zh, date_zh, day_zh
from courses.tutoring import permissions, selectors
from courses.tutoring import services as tutoring
from courses.tutoring.models import TutoringBookingStatus, TutoringSlotStatus
from volunteers import selectors as volunteer_selectors

from .common import field_errors, page_ids, page_login_required, page_view, render_page

DAYS_AHEAD = 28
DURATIONS = (30, 45, 60, 90, 120)
WEEKS = (1, 2, 4, 8)


def _volunteer(request):
    volunteer = volunteer_selectors.volunteer_for_user(request.user)
    if volunteer is None:
        raise PermissionDenied
    return volunteer


@never_cache
@require_GET
@page_view
@page_login_required
def my_slots(request):
    volunteer = _volunteer(request)
    now = timezone.now()
    slots = list(selectors.my_tutoring_slots(user=request.user, since=now)[:50])
    for slot in slots:
        slot.live_bookings = [b for b in slot.booking_list
                              if b.status != TutoringBookingStatus.CANCELLED]
        for booking in slot.live_bookings:
            booking.slot = slot  # the permission reads booking.slot.tutor: no query per row
            booking.shown_address = (booking.address if permissions.can_see_booking_address(
                request.user, booking) else "")
        slot.can_cancel = slot.status == TutoringSlotStatus.OPEN and now < slot.starts_at
    return render_page(request, "pages/tutoring/tutor_slots.html", {
        "volunteer": volunteer, "slots": slots})


def _day_choices(today: date) -> list[tuple[str, str]]:
    days = [today + timedelta(days=n) for n in range(1, DAYS_AHEAD + 1)]
    return [(day.isoformat(), f"{day_zh(day, today=today)} {date_zh(day, year=False)}"
             if (day - today).days <= 2 else day_zh(day, today=today)) for day in days]


def _time_choices() -> list[tuple[str, str]]:
    today = timezone.localdate()
    return [(f"{h:02d}:{m:02d}", clock_zh(timezone.make_aware(datetime.combine(today, time(h, m)))))
            for h in range(8, 21) for m in (0, 30)]


def _starts_at(post) -> datetime | None:
    try:
        day = date.fromisoformat(post.get("day", ""))
        at = time.fromisoformat(post.get("time", ""))
    except ValueError:
        return None
    return timezone.make_aware(datetime.combine(day, at))


def _int(value, default: int) -> int:
    return int(value) if str(value).isdigit() else default


def _form_context(request, errors, **extra):
    return {"errors": errors, "form": request.POST if request.method == "POST" else {},
            "days": _day_choices(timezone.localdate()), "times": _time_choices(),
            "durations": DURATIONS, "weeks_choices": WEEKS, **extra}


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
def slot_new(request):
    volunteer = _volunteer(request)
    errors = {}
    if request.method == "POST":
        starts_at = _starts_at(request.POST)
        if starts_at is None:
            errors = {"starts_at": ["请选好日期和时间。"]}
        else:
            try:
                tutoring.tutoring_slot_publish(
                    actor=request.user, volunteer=volunteer, starts_at=starts_at,
                    duration_minutes=_int(request.POST.get("duration_minutes"), 60),
                    topic=request.POST.get("topic", "")[:128],
                    place_text=request.POST.get("place", "")[:128],
                    capacity=_int(request.POST.get("capacity"), 1),
                    doorstep=request.POST.get("doorstep") == "1")
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                messages.success(request, "发布好了，居民现在可以预约这个时段。")
                return redirect("page-volunteer-tutoring")
    return render_page(request, "pages/tutoring/tutor_slot_new.html",
                       _form_context(request, errors), status=400 if errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
def slots_from_availability(request):
    volunteer = _volunteer(request)
    errors = {}
    if request.method == "POST":
        try:
            result = tutoring.tutoring_slots_publish_from_availability(
                actor=request.user, volunteer=volunteer,
                weeks=_int(request.POST.get("weeks"), 0),
                duration_minutes=_int(request.POST.get("duration_minutes"), 60),
                topic=request.POST.get("topic", "")[:128],
                place_text=request.POST.get("place", "")[:128],
                doorstep=request.POST.get("doorstep") == "1")
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            skipped = (result.skipped_existing + result.skipped_overlap
                       + result.skipped_time_off)
            text = f"发布了{len(result.created)}个时段。"
            if skipped:
                text += f"有{skipped}个时间已经发布过、和别的日程冲突或在您请假的时间里，没有发布。"
            messages.success(request, text)
            return redirect("page-volunteer-tutoring")
    return render_page(request, "pages/tutoring/tutor_bulk.html", _form_context(
        request, errors, rules=[
            f"{WEEKDAYS_ZH[r.weekday - 1]} {r.start_time:%H:%M}到{r.end_time:%H:%M}"
            for r in volunteer.availability_rules.all()]),
        status=400 if errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="TutoringSlot")
def slot_cancel(request, id):
    """Withdrawing a slot asks once, on a page of its own; the residents who booked are told."""
    slot = selectors.slot_get(id)
    if slot is None or not permissions.is_tutor_of(request.user, slot):
        raise Http404
    errors = {}
    if request.method == "POST":
        try:
            tutoring.tutoring_slot_cancel(actor=request.user, slot_id=slot.pk)
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, "已取消这个时段，预约了的居民会收到通知。")
            return redirect("page-volunteer-tutoring")
    return render_page(request, "pages/tutoring/tutor_slot_cancel.html", {
        "slot": slot, "errors": errors}, status=400 if errors else 200)
