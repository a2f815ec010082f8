"""Tutoring for residents: slots near me, one slot (预约 → 确认预约, with the address for a
doorstep slot), my bookings with cancel (on a page of its own, before the cutoff) and a
rating afterwards. The rules are the tutoring services'; these views only show them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from backend.core.links import node_id
from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from courses.tutoring.models import TutoringBookingStatus, TutoringSlotStatus
from courses.tutoring.rules import (
    booking_cutoff,
    cancellation_closed_message,
    cancellation_cutoff,
    in_service_area,
)

from .common import (
    consent_notice,
    field_errors,
    new_form_key,
    page_ids,
    page_login_required,
    page_view,
    render_page,
)

PAGE_SIZE = 30
EARLIER_SIZE = 20


@never_cache
@require_GET
@page_view
@page_login_required
def slot_list(request):
    slots = list(selectors.slot_list(user=request.user)[:PAGE_SIZE])
    return render_page(request, "pages/tutoring/slots.html", {"slots": slots})


def _bookable(slot) -> bool:
    return (slot.status == TutoringSlotStatus.OPEN and slot.seats_left_n > 0
            and timezone.now() < slot.starts_at - booking_cutoff())


def _slot_or_404(pk: int):
    slot = selectors.slot_get(pk)
    if slot is None:
        raise Http404
    return slot


@never_cache
@require_GET
@page_view
@page_login_required
@page_ids(id="TutoringSlot")
def slot_detail(request, id):
    slot = _slot_or_404(id)
    mine = selectors.my_booking_for_slot(user=request.user, slot_id=slot.pk)
    community = request.user.community
    return render_page(request, "pages/tutoring/slot.html", {
        "slot": slot, "mine": mine, "bookable": _bookable(slot),
        "in_area": in_service_area(slot, street_id=community.street_id if community else None),
        "own_slot": slot.tutor.user_id == request.user.pk})


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="TutoringSlot")
def slot_book(request, id):
    """The confirmation: one tap on 确认预约 books; the form's key makes a second tap (or a
    resend) return the same booking."""
    slot = _slot_or_404(id)
    back = redirect("page-tutoring-slot", id=node_id("TutoringSlot", slot.pk))
    if selectors.my_booking_for_slot(user=request.user, slot_id=slot.pk) is not None \
            and request.method == "GET":
        return back
    errors, address = {}, request.user.address
    if request.method == "POST":
        address = request.POST.get("address", "")[:200]
        try:
            tutoring.tutoring_book(
                actor=request.user, user=request.user, slot_id=slot.pk,
                note=request.POST.get("note", "")[:200], address=address,
                idempotency_key=(request.POST.get("idempotency_key") or "")[:128] or None,
                consent_version=request.POST.get("consent_version", "")[:32] or None)
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, "预约成功！开始前会提醒您。")
            return redirect("page-bookings")
    return render_page(request, "pages/tutoring/book.html", {
        "slot": slot, "address": address, "note": request.POST.get("note", ""),
        "errors": errors, "form_key": new_form_key(), "consent": consent_notice(request.user)},
        status=400 if errors else 200)


def _booking_row(booking, now):
    booking.can_cancel = (booking.status == TutoringBookingStatus.BOOKED
                          and now < booking.starts_at - cancellation_cutoff())
    booking.cancel_closed = (booking.status == TutoringBookingStatus.BOOKED
                             and not booking.can_cancel and now < booking.ends_at)
    booking.can_rate = (booking.status == TutoringBookingStatus.ATTENDED
                        and booking.rating is None)
    return booking


@never_cache
@require_GET
@page_view
@page_login_required
def bookings(request):
    now = timezone.now()
    upcoming = [_booking_row(b, now) for b in
                selectors.my_upcoming_tutoring_bookings(user=request.user, now=now)]
    earlier = [_booking_row(b, now) for b in
               selectors.my_earlier_tutoring_bookings(user=request.user, now=now)
               [:EARLIER_SIZE]]
    return render_page(request, "pages/tutoring/bookings.html", {
        "upcoming": upcoming, "earlier": earlier,
        "cancel_closed_reason": cancellation_closed_message()})


def _my_booking_or_404(request, pk: int):
    """Another person's booking is a 404 like a missing one: nothing about it leaks."""
    booking = selectors.booking_get(pk)
    if booking is None or booking.user_id != request.user.pk:
        raise Http404
    return _booking_row(booking, timezone.now())


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="TutoringBooking")
def booking_cancel(request, id):
    """Cancelling asks once, on a page of its own (never a browser dialog)."""
    booking = _my_booking_or_404(request, id)
    if booking.status != TutoringBookingStatus.BOOKED:
        messages.info(request, "这个预约现在不能取消了。")
        return redirect("page-bookings")
    errors = {}
    if request.method == "POST":
        try:
            tutoring.tutoring_booking_cancel(actor=request.user, booking_id=booking.pk)
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, "已取消预约。")
            return redirect("page-bookings")
    return render_page(request, "pages/tutoring/booking_cancel.html", {
        "booking": booking, "errors": errors,
        "cancel_closed_reason": cancellation_closed_message()}, status=400 if errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="TutoringBooking")
def booking_rate(request, id):
    """A rating (1–5) once the tutor marked her present; given once."""
    booking = _my_booking_or_404(request, id)
    if not booking.can_rate:
        messages.info(request, "您已经评价过了。" if booking.rating else
                      "辅导结束、志愿者登记到场后才能评价。")
        return redirect("page-bookings")
    errors = {}
    if request.method == "POST":
        rating = request.POST.get("rating", "")
        if not rating.isdigit():
            errors = {"rating": ["请选一个分数（1到5）。"]}
        else:
            try:
                tutoring.tutoring_booking_rate(actor=request.user, booking_id=booking.pk,
                                               rating=int(rating),
                                               comment=request.POST.get("comment", "")[:500])
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                messages.success(request, "谢谢您的评价！")
                return redirect("page-bookings")
    return render_page(request, "pages/tutoring/booking_rate.html", {
        "booking": booking, "errors": errors, "scores": range(5, 0, -1)},
        status=400 if errors else 200)
