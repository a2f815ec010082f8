"""Classes near me and one class: enrol (or join the waitlist), my place, cancel it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.core.links import node_id
from courses import learner_selectors, permissions, selectors, services
from courses.models import EnrollmentStatus

from .common import (
    field_errors,
    new_form_key,
    page_ids,
    page_login_required,
    page_view,
    render_page,
)

PAGE_SIZE = 30


@never_cache
@page_view
@page_login_required
def course_list(request):
    runs = list(learner_selectors.runs_open_for_enrolment(user=request.user)[:PAGE_SIZE])
    return render_page(request, "pages/courses.html", {"runs": runs})


def _mine(run):
    mine = run.my_enrollments[0] if run.my_enrollments else None
    if mine is not None and mine.status == EnrollmentStatus.CANCELLED:
        return None
    return mine


def _run_context(request, run, **extra):
    now = timezone.now()
    mine = _mine(run)
    open_now = run.enrollment_opens_at <= now < run.enrollment_closes_at
    return {
        "run": run,
        "mine": mine,
        "waitlist_place": (mine.waitlist_ahead + 1
                           if mine and mine.status == EnrollmentStatus.WAITLISTED else None),
        "open_now": open_now,
        "not_yet_open": now < run.enrollment_opens_at,
        "in_audience": permissions.in_audience(request.user, run.course),
        "full": run.seats_left == 0,
        "form_key": new_form_key(),
        "errors": {},
        **extra,
    }


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="CourseRun")
def course_run(request, id):
    run = selectors.run_get(user=request.user, pk=id)
    if run is None:
        raise Http404
    if request.method == "GET":
        return render_page(request, "pages/course_run.html", _run_context(request, run))
    try:
        pk = services.enrollment_create(
            actor=request.user, user=request.user, run_id=run.pk,
            idempotency_key=request.POST.get("idempotency_key") or None).pk
    except ValidationError as exc:
        run = selectors.run_get(user=request.user, pk=id)
        return render_page(request, "pages/course_run.html", _run_context(
            request, run, errors=field_errors(exc)), status=400)
    enrollment = selectors.enrollment_get_plain(pk)
    if enrollment.status == EnrollmentStatus.WAITLISTED:
        place = selectors.enrollment_waitlist_position(enrollment)
        messages.success(request,
                         f"名额已满，您已加入候补，现在是候补第{place}位。有空位会通知您。")
    else:
        messages.success(request, "报名成功！开课前一天会提醒您。")
    return redirect("page-course-run", id=node_id("CourseRun", run.pk))


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="CourseRun")
def course_run_cancel(request, id):
    """Cancelling asks once, on a page of its own (never a browser dialog)."""
    run = selectors.run_get(user=request.user, pk=id)
    if run is None:
        raise Http404
    mine = _mine(run)
    back = redirect("page-course-run", id=node_id("CourseRun", run.pk))
    if mine is None or mine.status == EnrollmentStatus.COMPLETED:
        messages.info(request, "您现在没有可以取消的报名。")
        return back
    if not permissions.can_cancel_enrollment(request.user, mine):
        raise PermissionDenied
    errors = {}
    if request.method == "POST":
        try:
            services.enrollment_cancel(actor=request.user, enrollment_id=mine.pk)
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, "已取消报名。")
            return back
    return render_page(request, "pages/course_run_cancel.html", {
        "run": run, "mine": mine, "errors": errors}, status=400 if errors else 200)
