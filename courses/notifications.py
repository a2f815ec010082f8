"""What learners are told about their places. Called inside the service's transaction:
the outbox row commits with the change, delivery happens after commit, once per event."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.formatting import datetime_zh
from backend.core.links import absolute_url, node_id
from backend.notifications.models import NotificationKind
from backend.notifications.services import notify

from .models import ClassSession, Enrollment, EnrollmentStatus


def _learn_url(enrollment_id: int) -> str:
    return absolute_url("page-learn", id=node_id("Enrollment", enrollment_id))


def _event_stamp(enrollment: Enrollment) -> str:
    # A place can be cancelled and taken again (same row): each taking is its own event.
    return f"{enrollment.updated_at.timestamp():.6f}"


def enrollment_confirmed(enrollment: Enrollment) -> None:
    run = enrollment.run
    when = datetime_zh(run.starts_at)
    notify(
        user=enrollment.user, kind=NotificationKind.ENROLLMENT_CONFIRMED,
        dedup_key=f"enrollment:{enrollment.pk}:enrolled:{_event_stamp(enrollment)}",
        title=_("报名成功"),
        body=_("您已报名“%(course)s”（班期 %(code)s），%(when)s 在%(venue)s开课。") % {
            "course": run.course.title, "code": run.code, "when": when,
            "venue": run.venue.name},
        url=_learn_url(enrollment.pk),
        data={"keywords": [run.course.title, run.code, when]},
    )


def waitlist_promoted(enrollment: Enrollment) -> None:
    run = enrollment.run
    when = datetime_zh(run.starts_at)
    notify(
        user=enrollment.user, kind=NotificationKind.WAITLIST_PROMOTED,
        dedup_key=f"enrollment:{enrollment.pk}:promoted:{_event_stamp(enrollment)}",
        title=_("候补转正：您已获得名额"),
        body=_("有人取消了报名，您在“%(course)s”（班期 %(code)s）的候补已转为正式报名，"
               "%(when)s 开课。") % {"course": run.course.title, "code": run.code,
                                  "when": when},
        url=_learn_url(enrollment.pk),
        data={"keywords": [run.course.title, run.code, when]},
    )


def enrollment_waitlisted(enrollment: Enrollment) -> None:
    """The class was full: she is on the waitlist (no-op for any other status)."""
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        return
    run = enrollment.run
    when = datetime_zh(run.starts_at)
    notify(
        user=enrollment.user, kind=NotificationKind.ENROLLMENT_WAITLISTED,
        dedup_key=f"enrollment:{enrollment.pk}:waitlisted:{_event_stamp(enrollment)}",
        title=_("已进入候补名单"),
        body=_("“%(course)s”（班期 %(code)s）已满，您已进入候补名单；有人取消时会按顺序为您"
               "转为正式报名并通知您。") % {"course": run.course.title, "code": run.code},
        url=absolute_url("page-course-run", id=node_id("CourseRun", run.pk)),
        data={"keywords": [run.course.title, run.code, when]},
    )


@transaction.atomic
def reminders_for_day(day) -> int:
    """Tell everyone with a class session on `day` (local date). Keyed per session and
    person, so a re-run of the daily task sends nothing twice."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    end = start + timedelta(days=1)
    sent = 0
    sessions = (ClassSession.objects.filter(starts_at__gte=start, starts_at__lt=end)
                .select_related("run__course", "run__venue"))
    for session in sessions:
        learners = (Enrollment.objects.filter(run_id=session.run_id,
                                              status=EnrollmentStatus.ENROLLED)
                    .select_related("user"))
        when = datetime_zh(session.starts_at, year=False)
        for enrollment in learners:
            notify(user=enrollment.user, kind=NotificationKind.CLASS_REMINDER,
                   dedup_key=f"class-reminder:{session.pk}:{enrollment.user_id}",
                   title=_("明天上课提醒"),
                   body=_("明天 %(when)s 在%(venue)s上“%(course)s”，请准时到场扫码签到。") % {
                       "when": when, "venue": session.run.venue.name,
                       "course": session.run.course.title},
                   url=_learn_url(enrollment.pk),
                   data={"keywords": [session.run.course.title, when,
                                      session.run.venue.name]})
            sent += 1
    return sent
