"""Check-in by QR (API.md "Check-in by QR"): the learner's landing page, and the projector
page with its live JSON.

The landing page records the scan (token and time) in her session before anything else,
so a slow login — password or WeChat's OAuth — still checks her in: back on the page, the
remembered scan is used (`services.session_checkin(scanned_at=…)`, valid for 5 minutes)
even if the code on the screen has rotated since. Signed in, one tap on 签到 checks her in;
returning from login completes it without a second tap."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from backend.core.formatting import when_zh
from backend.core.links import node_id
from backend.core.masking import mask_name
from courses import instructor_selectors, learner_selectors, permissions, services
from courses import selectors as course_selectors
from courses.error_codes import CourseErrorCode as Code
from frontend_api.wechat import signin
from frontend_api.wechat.qr import qr_svg

from .common import (
    error_codes,
    login_redirect,
    page_ids,
    page_login_required,
    page_view,
    render_page,
)

SCAN_SESSION_KEY = "checkin_scan:{pk}"
# The projector page asks for a new code this often (the token rotates every 30 s and
# stays valid for the next step too).
LIVE_POLL_SECONDS = 5


def _session_or_404(pk: int):
    session = instructor_selectors.session_for_teaching(pk)
    if session is None:
        raise Http404
    return session


def _remember_scan(request, session_pk: int, token: str) -> None:
    """Keep the newest scan; a return to the same URL (after login) keeps the first time."""
    key = SCAN_SESSION_KEY.format(pk=session_pk)
    scan = request.session.get(key)
    if scan and scan.get("t") == token:
        return
    request.session[key] = {"t": token, "at": timezone.now().isoformat(),
                            "anonymous": not request.user.is_authenticated}


def _remembered_scan(request, session_pk: int) -> dict | None:
    scan = request.session.get(SCAN_SESSION_KEY.format(pk=session_pk))
    if not scan or not scan.get("t"):
        return None
    try:
        return {**scan, "at_time": datetime.fromisoformat(scan["at"])}
    except (KeyError, TypeError, ValueError):
        return None


def _problem(code: set[str], session) -> dict:
    """What she reads when check-in says no, and what to do about it."""
    if Code.NOT_ENROLLED in code:
        return {"kind": "not-enrolled", "title": "您没有报名这个班",
                "message": "签到只对报了名的学员开放。如果您已经在教室，请告诉讲师，"
                           "讲师可以帮您记考勤；想上这门课，可以先报名。"}
    if Code.OUTSIDE_SESSION_WINDOW in code:
        if timezone.now() < session.starts_at:
            opens = session.starts_at - services.CHECKIN_GRACE
            return {"kind": "too-early", "title": "还没到签到时间",
                    "message": f"这节课{when_zh(session.starts_at)}开始，"
                               f"{when_zh(opens)}起可以签到。到时候请再扫一次讲师屏幕上的二维码。"}
        return {"kind": "over", "title": "这节课已经结束了",
                "message": "下课后不能再扫码签到。如果您来上课了，请告诉讲师，讲师可以帮您补记。"}
    if Code.TOKEN_EXPIRED in code:
        return {"kind": "expired", "title": "二维码已经过期",
                "message": "屏幕上的二维码每半分钟换一次。请再扫一次讲师屏幕上最新的二维码。"}
    return {"kind": "invalid", "title": "这个二维码不对",
            "message": "请扫描这节课讲师屏幕上的二维码。"}


def _check_in(request, session, scan):
    """Check in with the remembered scan; the page to show."""
    request.session.pop(SCAN_SESSION_KEY.format(pk=session.pk), None)
    try:
        services.session_checkin(user=request.user, session=session, token=scan["t"],
                                 scanned_at=scan["at_time"])
    except ValidationError as exc:
        return _page(request, session, problem=_problem(error_codes(exc), session), status=400)
    url = reverse("page-checkin", kwargs={"id": node_id("ClassSession", session.pk)})
    return redirect(f"{url}?done=1")


def _page(request, session, *, problem=None, status=200, scan=None):
    enrollment = None
    if request.user.is_authenticated:
        enrollment = course_selectors.my_enrollment_in_run(user=request.user, run=session.run)
        if enrollment is not None and not learner_selectors.holds_seat(enrollment):
            enrollment = None
    attended = (enrollment is not None
                and session.pk in learner_selectors.attended_session_ids(enrollment))
    return render_page(request, "pages/checkin/checkin.html", {
        "session": session,
        "run": session.run,
        "enrollment": enrollment,
        "attended": attended,
        "problem": problem,
        "scan": scan,
        "runs_sessions": permissions.can_run_sessions(request.user, session.run),
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_ids(id="ClassSession")
def checkin(request, id):
    session = _session_or_404(id)
    token = request.GET.get("t", "").strip()[:64]
    if request.method == "GET" and token:
        _remember_scan(request, session.pk, token)
    if not request.user.is_authenticated:
        # Inside WeChat: its OAuth (the sign-in middleware skips this page so that the scan
        # is recorded first); elsewhere the password login.
        return signin.signin_redirect(request) or login_redirect(request)
    scan = _remembered_scan(request, session.pk)
    if request.method == "POST" or (scan and scan.get("anonymous")):
        if scan is None:
            return _page(request, session, problem=_problem({Code.TOKEN_EXPIRED}, session),
                         status=400)
        return _check_in(request, session, scan)
    return _page(request, session, scan=scan)


# --- The projector page ----------------------------------------------------------------------
def _session_to_run(request, pk: int):
    session = _session_or_404(pk)
    if not permissions.can_run_sessions(request.user, session.run):
        raise PermissionDenied
    return session


def _live(request, session) -> dict:
    code = services.session_checkin_code(actor=request.user, session=session)
    present = instructor_selectors.session_checked_in(session)
    return {
        "token": code.token,
        "expires_at": code.expires_at.isoformat(),
        "url": code.check_in_url,
        "qr_svg": qr_svg(code.check_in_url),
        "count": len(present),
        "names": [mask_name(a.enrollment.user.display_name or a.enrollment.user.username)
                  for a in present],
    }


@never_cache
@require_safe
@page_view
@page_login_required
@page_ids(id="ClassSession")
def display(request, id):
    session = _session_to_run(request, id)
    enrolled = len(instructor_selectors.session_roster(session))
    return render_page(request, "pages/checkin/display.html", {
        "session": session, "run": session.run, "live": _live(request, session),
        "enrolled": enrolled, "poll_seconds": LIVE_POLL_SECONDS,
        "live_url": reverse("page-checkin-live", kwargs={"id": node_id("ClassSession",
                                                                         session.pk)}),
    })


@never_cache
@require_safe
@page_view
@page_login_required
@page_ids(id="ClassSession")
def display_live(request, id):
    """The projector page's small JSON: the current code (and its QR) and who is in."""
    session = _session_to_run(request, id)
    return JsonResponse(_live(request, session))
