"""The instructor's pages (also open to coordinators of the run's unit): my classes, one
run's sessions and each learner's progress, and one session's attendance by hand
(到 / 未到, through `attendanceMark`'s service, from the session's start)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.core.links import node_id
from courses import instructor_selectors, permissions, rules, services

from .common import (
    decode_page_id,
    field_errors,
    page_ids,
    page_login_required,
    page_view,
    render_page,
)


@never_cache
@page_view
@page_login_required
def teach(request):
    runs = instructor_selectors.runs_taught(user=request.user)
    now = timezone.now()
    items = []
    for run in runs:
        sessions = list(run.sessions.all())
        upcoming = next((s for s in sessions if s.ends_at >= now), None)
        items.append({"run": run, "next_session": upcoming, "sessions": len(sessions)})
    return render_page(request, "pages/instructors/teach.html", {"items": items})


@never_cache
@page_view
@page_login_required
@page_ids(id="CourseRun")
def teach_run(request, id):
    run = instructor_selectors.run_for_teaching(id)
    if run is None:
        raise Http404
    if not permissions.can_run_sessions(request.user, run):
        raise PermissionDenied
    enrollments, lessons_required, sessions_total = instructor_selectors.run_progress(run)
    needed = rules.sessions_required(run.min_attendance_rate, sessions_total)
    now = timezone.now()
    return render_page(request, "pages/instructors/run.html", {
        "run": run,
        "sessions": [{"session": s, "started": s.starts_at <= now} for s in run.sessions.all()],
        "learners": enrollments,
        "lessons_required": lessons_required,
        "sessions_total": sessions_total,
        "sessions_needed": needed,
    })


def _mark(request, session) -> dict[str, list[str]]:
    """One 到 / 未到 tap; errors for the page, or {} when it was recorded."""
    try:
        learner_pk = decode_page_id(request.POST.get("user", ""), "User")
    except Http404:
        return {"": ["没有找到这位学员，请刷新页面再试。"]}
    roster = {e.user_id: e for e in instructor_selectors.session_roster(session)}
    enrollment = roster.get(learner_pk)
    if enrollment is None:
        return {"": ["这位学员没有报名这个班期。"]}
    present = request.POST.get("present") == "1"
    try:
        services.attendance_mark(actor=request.user, session=session, user=enrollment.user,
                                 present=present)
    except ValidationError as exc:
        return field_errors(exc)
    name = enrollment.user.display_name or enrollment.user.username
    messages.success(request, f"已记下：{name}{'到了' if present else '没到'}。")
    return {}


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="ClassSession")
def teach_session(request, id):
    session = instructor_selectors.session_for_teaching(id)
    if session is None:
        raise Http404
    if not permissions.can_run_sessions(request.user, session.run):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        errors = _mark(request, session)
        if not errors:
            return redirect("page-teach-session", id=node_id("ClassSession", session.pk))
    roster = instructor_selectors.session_roster(session)
    return render_page(request, "pages/instructors/session.html", {
        "session": session,
        "run": session.run,
        "roster": roster,
        "present": sum(1 for e in roster if e.attendance and e.attendance.present),
        "started": session.starts_at <= timezone.now(),
        "errors": [m for items in errors.values() for m in items],
    }, status=400 if errors else 200)
