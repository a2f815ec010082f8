"""My calendar: upcoming jobs, shifts and tutoring; open shifts to sign up for and
cancelling a sign-up; weekly availability and time off."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.core.formatting import WEEKDAYS_ZH
from volunteers import permissions, selectors, services
from volunteers.models import CommitmentKind, CommitmentStatus, SignUpStatus

from ..common import (
    consent_notice,
    decode_page_id,
    field_errors,
    page_ids,
    page_login_required,
    page_view,
    render_page,
)
from .common import my_volunteer, not_a_volunteer


@never_cache
@page_view
@page_login_required
def commitments(request):
    volunteer = my_volunteer(request)
    if volunteer is None:
        return not_a_volunteer(request)
    rows = []
    for c in selectors.my_commitments(user=request.user):
        offer = getattr(c, "offer", None)
        signup = getattr(c, "shift_signup", None)
        active_signup = (signup if signup is not None
                         and signup.status == SignUpStatus.SIGNED_UP else None)
        title = c.title or CommitmentKind(c.kind).label
        if signup is not None:
            shift = signup.shift
            title = f"{shift.event.title} · {shift.title}" if shift.title else shift.event.title
        rows.append({
            "c": c, "title": title, "place": selectors.commitment_place(c),
            "kind": CommitmentKind(c.kind).label,
            "offer": offer, "waiting": c.status == CommitmentStatus.TENTATIVE,
            "note": (offer.request.note if offer is not None and offer.status == "ACCEPTED"
                     else ""),
            "signup": active_signup,
        })
    return render_page(request, "pages/volunteers/commitments.html", {"rows": rows})


# --- Shifts ------------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
def shifts(request):
    volunteer = my_volunteer(request)
    if volunteer is None:
        return not_a_volunteer(request)
    errors: dict = {}
    if request.method == "POST":
        shift = selectors.shift_get(decode_page_id(request.POST.get("shift_id", ""), "Shift"))
        if shift is None:
            raise Http404
        try:
            services.shift_sign_up(
                actor=request.user, shift=shift,
                consent_version=request.POST.get("consent_version", "")[:32] or None)
        except ValidationError as exc:
            errors = {shift.pk: [m for found in field_errors(exc).values() for m in found]}
        else:
            messages.success(request, "报名成功！已放进您的日程。")
            return redirect("page-shifts")
    return render_page(request, "pages/volunteers/shifts.html", {
        "shifts": selectors.open_shifts(volunteer), "errors": errors,
        "consent": consent_notice(request.user)},
        status=400 if errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="ShiftSignUp")
def shift_cancel(request, id):
    """Cancelling a shift place asks once, on a page of its own."""
    sign_up = selectors.shift_sign_up_get(id)
    if sign_up is None or not permissions.is_own(request.user, sign_up.volunteer):
        raise Http404
    if sign_up.status != SignUpStatus.SIGNED_UP:
        messages.info(request, "这个班次报名已经取消了。")
        return redirect("page-commitments")
    errors: dict = {}
    if request.method == "POST":
        try:
            services.shift_sign_up_cancel(actor=request.user, sign_up=sign_up,
                                          reason=request.POST.get("reason", "").strip())
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, "已取消这个班次的报名，名额让给别人了。")
            return redirect("page-commitments")
    return render_page(request, "pages/volunteers/shift_cancel.html", {
        "sign_up": sign_up, "shift": sign_up.shift, "errors": errors},
        status=400 if errors else 200)


# --- Availability and time off --------------------------------------------------------------------
# The weekly grid: parts of the day a volunteer ticks, each one availability rule.
BLOCKS = (("am", "上午", time(8), time(12)), ("pm", "下午", time(13), time(18)),
          ("eve", "晚上", time(18), time(21)))


def _ticked(rules) -> set[str]:
    """Grid cells ("<weekday>-<block>") that the current rules cover fully."""
    return {f"{r.weekday}-{code}" for r in rules for code, _label, start, end in BLOCKS
            if r.start_time <= start and r.end_time >= end}


def _grid(ticked: set[str]) -> list[dict]:
    return [{"weekday": w, "name": WEEKDAYS_ZH[w - 1],
             "cells": [{"key": f"{w}-{code}", "label": label, "on": f"{w}-{code}" in ticked}
                       for code, label, _start, _end in BLOCKS]} for w in range(1, 8)]


def _rules_from(keys) -> list[dict]:
    blocks = {code: (start, end) for code, _label, start, end in BLOCKS}
    rules = []
    for key in sorted(set(keys)):
        weekday, _sep, code = key.partition("-")
        if weekday.isdigit() and 1 <= int(weekday) <= 7 and code in blocks:
            start, end = blocks[code]
            rules.append({"weekday": int(weekday), "start_time": start, "end_time": end})
    return rules


def _parse_day(value: str):
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None


def _time_off_add(request, volunteer) -> dict:
    first, last = _parse_day(request.POST.get("first_day")), _parse_day(
        request.POST.get("last_day"))
    errors: dict = {}
    if first is None:
        errors["first_day"] = ["请选开始的日期。"]
    if last is None:
        errors["last_day"] = ["请选结束的日期。"]
    elif first is not None and last < first:
        errors["last_day"] = ["结束的日期不能早于开始的日期。"]
    if errors:
        return errors
    starts_at = timezone.make_aware(datetime.combine(first, time.min))
    ends_at = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    try:
        services.time_off_add(actor=request.user, volunteer=volunteer, starts_at=starts_at,
                              ends_at=ends_at, reason=request.POST.get("reason", "").strip())
    except ValidationError as exc:
        return {"last_day" if k == "ends_at" else k: v for k, v in field_errors(exc).items()}
    return {}


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
def availability(request):
    volunteer = my_volunteer(request)
    if volunteer is None:
        return not_a_volunteer(request)
    errors: dict = {}
    if request.method == "POST":
        if request.POST.get("form") == "time_off":
            errors = _time_off_add(request, volunteer)
            done = "已记下您请假的日子，这段时间不会给您派单。"
        else:
            try:
                services.availability_set(actor=request.user, volunteer=volunteer,
                                          rules=_rules_from(request.POST.getlist("cell")))
            except ValidationError as exc:
                errors = field_errors(exc)
            done = "已保存您每周可以服务的时间。"
        if not errors:
            messages.success(request, done)
            return redirect("page-availability")
    rules = list(volunteer.availability_rules.all())
    return render_page(request, "pages/volunteers/availability.html", {
        "grid": _grid(_ticked(rules)),
        "rules": [f"{WEEKDAYS_ZH[r.weekday - 1]} {r.start_time:%H:%M}–{r.end_time:%H:%M}"
                  for r in rules],
        "time_off": list(selectors.volunteer_upcoming_time_off(volunteer)),
        "errors": errors, "post": request.POST if errors else {}},
        status=400 if errors else 200)
