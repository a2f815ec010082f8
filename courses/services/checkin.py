"""Check-in: the rotating QR token and attendance, by scan or by the instructor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.links import absolute_url, node_id
from backend.core.services import audit_log_record

from .. import permissions
from ..error_codes import CourseErrorCode as Code
from ..models import (
    SEAT_HOLDING,
    Attendance,
    AttendanceMethod,
    ClassSession,
    Enrollment,
)
from .progress import enrollment_check_completion

CHECKIN_SALT = "linli.courses.checkin"
CHECKIN_GRACE = timedelta(minutes=30)
# A scan remembered by the landing page counts this long (through a slow login).
SCAN_KEEP = timedelta(minutes=5)


# --- Check-in -------------------------------------------------------------------------------
def _step_seconds() -> int:
    return int(getattr(settings, "COURSES_CHECKIN_TOKEN_SECONDS", 30))


def _time_step(now: datetime) -> int:
    return int(now.timestamp()) // _step_seconds()


def _token_mac(session_id: int, step: int) -> str:
    return salted_hmac(CHECKIN_SALT, f"{session_id}:{step}").hexdigest()[:20]


def checkin_token(session_id: int, step: int) -> str:
    return f"{step}.{_token_mac(session_id, step)}"


@dataclass(frozen=True)
class CheckInCode:
    token: str
    expires_at: datetime
    check_in_url: str


def session_checkin_code(*, actor, session: ClassSession) -> CheckInCode:
    """The rotating token an instructor shows as a QR code: valid in its time step and
    the next one, so a code shown at a step boundary still works."""
    if not permissions.can_run_sessions(actor, session.run):
        raise PermissionDenied
    step = _time_step(timezone.now())
    token = checkin_token(session.pk, step)
    expires_at = datetime.fromtimestamp((step + 2) * _step_seconds(), tz=UTC)
    url = absolute_url("page-checkin", id=node_id("ClassSession", session.pk),
                       query={"t": token})
    return CheckInCode(token=token, expires_at=expires_at, check_in_url=url)


def _check_token(session_id: int, token: str, now: datetime) -> None:
    step_text, _sep, mac = (token or "").partition(".")
    if not step_text.isdigit() or not constant_time_compare(
            mac, _token_mac(session_id, int(step_text))):
        raise validation_error("token", _("签到码无效，请扫描本课次的二维码。"),
                               Code.TOKEN_INVALID)
    step, current = int(step_text), _time_step(now)
    if step > current:
        raise validation_error("token", _("签到码无效，请扫描本课次的二维码。"),
                               Code.TOKEN_INVALID)
    if step < current - 1:
        raise validation_error("token", _("签到码已过期，请扫描最新的二维码。"),
                               Code.TOKEN_EXPIRED)


def _seat_holding_enrollment(*, user, run_id: int) -> Enrollment | None:
    return Enrollment.objects.filter(run_id=run_id, user_id=user.pk,
                                     status__in=SEAT_HOLDING).first()


def _attendance_set(*, enrollment: Enrollment, session: ClassSession, present: bool,
                    method: str, actor) -> Attendance:
    now = timezone.now()
    attendance = (Attendance.objects.select_for_update()
                  .filter(enrollment=enrollment, session=session).first())
    created, previous = False, None
    if attendance is None:
        try:
            # Two simultaneous scans: the unique constraint lets one insert win.
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    enrollment=enrollment, session=session, present=present, method=method,
                    marked_by=actor, marked_at=now)
            created = True
        except IntegrityError:
            attendance = Attendance.objects.select_for_update().get(enrollment=enrollment,
                                                                    session=session)
    if not created:
        if method == AttendanceMethod.QR and attendance.present:
            return attendance  # scanning twice changes nothing
        previous = {"present": attendance.present, "method": attendance.method,
                    "marked_by_id": attendance.marked_by_id}
        attendance.present = present
        attendance.method = method
        attendance.marked_by = actor
        attendance.marked_at = now
        attendance.save(update_fields=["present", "method", "marked_by", "marked_at",
                                       "updated_at"])
    audit_log_record(actor=actor, action="attendance.mark", obj=attendance,
                     detail={"session_id": session.pk, "enrollment_id": enrollment.pk,
                             "present": present, "method": method, "previous": previous})
    if present:
        enrollment_check_completion(enrollment_id=enrollment.pk)
    return attendance


@transaction.atomic
def session_checkin(*, user, session: ClassSession, token: str,
                    scanned_at: datetime | None = None) -> Attendance:
    """Check in with the QR token. `scanned_at`: when the landing page recorded the scan
    (server-side, in her session): the token and the window are judged at that moment, so a
    slow login still checks her in — within SCAN_KEEP of the scan (API.md "Check-in by QR")."""
    now = timezone.now()
    if scanned_at is not None:
        if not (now - SCAN_KEEP <= scanned_at <= now):
            raise validation_error("token", _("签到码已过期，请扫描最新的二维码。"),
                                   Code.TOKEN_EXPIRED)
        now = scanned_at
    _check_token(session.pk, token, now)
    enrollment = _seat_holding_enrollment(user=user, run_id=session.run_id)
    if enrollment is None:
        raise validation_error("session_id", _("您没有报名这个班期。"), Code.NOT_ENROLLED)
    if not (session.starts_at - CHECKIN_GRACE <= now <= session.ends_at):
        raise validation_error("session_id", _("现在不在本课次的签到时间内。"),
                               Code.OUTSIDE_SESSION_WINDOW)
    return _attendance_set(enrollment=enrollment, session=session, present=True,
                           method=AttendanceMethod.QR, actor=user)


@transaction.atomic
def attendance_mark(*, actor, session: ClassSession, user, present: bool) -> Attendance:
    if not permissions.can_run_sessions(actor, session.run):
        raise PermissionDenied
    enrollment = _seat_holding_enrollment(user=user, run_id=session.run_id)
    if enrollment is None:
        raise validation_error("user_id", _("这位学员没有报名这个班期。"), Code.NOT_ENROLLED)
    if timezone.now() < session.starts_at:
        raise validation_error("session_id", _("这节课还没开始，开始后才能记考勤。"),
                               Code.OUTSIDE_SESSION_WINDOW)
    return _attendance_set(enrollment=enrollment, session=session, present=present,
                           method=AttendanceMethod.INSTRUCTOR, actor=actor)
