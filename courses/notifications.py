"""What learners are told about their places. Called inside the service's transaction:
the outbox row commits with the change, delivery happens after commit, once per event."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.links import absolute_url, node_id
from backend.notifications.models import NotificationKind
from backend.notifications.services import notify

from .models import Enrollment


def _when(run) -> str:
    return f"{timezone.localtime(run.starts_at):%Y年%-m月%-d日 %H:%M}"


def _event_stamp(enrollment: Enrollment) -> str:
    # A place can be cancelled and taken again (same row): each taking is its own event.
    return f"{enrollment.updated_at.timestamp():.6f}"


def enrollment_confirmed(enrollment: Enrollment) -> None:
    run = enrollment.run
    notify(
        user=enrollment.user, kind=NotificationKind.ENROLLMENT_CONFIRMED,
        dedup_key=f"enrollment:{enrollment.pk}:enrolled:{_event_stamp(enrollment)}",
        title=_("报名成功"),
        body=_("您已报名“%(course)s”（班期 %(code)s），%(when)s 在%(venue)s开课。") % {
            "course": run.course.title, "code": run.code, "when": _when(run),
            "venue": run.venue.name},
        url=f"{settings.PUBLIC_BASE_URL}/graphql/",
        data={"keywords": [run.course.title, run.code, _when(run)]},
    )


def waitlist_promoted(enrollment: Enrollment) -> None:
    run = enrollment.run
    notify(
        user=enrollment.user, kind=NotificationKind.WAITLIST_PROMOTED,
        dedup_key=f"enrollment:{enrollment.pk}:promoted:{_event_stamp(enrollment)}",
        title=_("候补转正：您已获得名额"),
        body=_("有人取消了报名，您在“%(course)s”（班期 %(code)s）的候补已转为正式报名，"
               "%(when)s 开课。") % {"course": run.course.title, "code": run.code,
                                  "when": _when(run)},
        data={"keywords": [run.course.title, run.code, _when(run)]},
    )


def enrollment_waitlisted(enrollment: Enrollment) -> None:
    """The class was full: she is on the waitlist (no-op for any other status)."""
    from .models import EnrollmentStatus

    if enrollment.status != EnrollmentStatus.WAITLISTED:
        return
    run = enrollment.run
    notify(
        user=enrollment.user, kind=NotificationKind.ENROLLMENT_WAITLISTED,
        dedup_key=f"enrollment:{enrollment.pk}:waitlisted:{_event_stamp(enrollment)}",
        title=_("已进入候补名单"),
        body=_("“%(course)s”（班期 %(code)s）已满，您已进入候补名单；有人取消时会按顺序为您"
               "转为正式报名并通知您。") % {"course": run.course.title, "code": run.code},
        url=absolute_url("page-course-run", id=node_id("CourseRun", run.pk)),
        data={"keywords": [run.course.title, run.code, _when(run)]},
    )


def _slot_when(slot) -> str:
    return f"{timezone.localtime(slot.starts_at):%-m月%-d日 %H:%M}"


def tutoring_booked(booking) -> None:
    """Her booking is confirmed (she booked, or staff booked for her at the counter)."""
    slot = booking.slot
    notify(
        user=booking.user, kind=NotificationKind.TUTORING_BOOKED,
        dedup_key=f"tutoring-booked:{booking.pk}",
        title=_("辅导预约成功"),
        body=_("您已预约“%(topic)s”，时间：%(when)s，地点：%(place)s。") % {
            "topic": slot.topic, "when": _slot_when(slot), "place": slot.place},
        url=absolute_url("page-bookings"),
        data={"keywords": [slot.topic, _slot_when(slot), slot.place],
              "booking_id": booking.pk},
    )


def tutoring_cancelled(booking) -> None:
    slot = booking.slot
    notify(
        user=booking.user, kind=NotificationKind.TUTORING_CANCELLED,
        dedup_key=f"tutoring-cancelled:{booking.pk}",
        title=_("辅导预约已取消"),
        body=_("您预约的“%(topic)s”（%(when)s）已被取消，可以在“辅导”里另约时间。") % {
            "topic": slot.topic, "when": _slot_when(slot)},
        data={"keywords": [slot.topic, _slot_when(slot), _("辅导志愿者取消")]},
    )


def tutoring_cancelled_by_resident(booking, role: str | None) -> None:
    """The other side of a cancellation: the resident (or staff for her) cancelled, so the
    tutor is told. No-op when the tutor or a coordinator cancelled (she is told instead)."""
    if role != "resident":
        return
    slot = booking.slot
    notify(
        user=slot.tutor.user, kind=NotificationKind.TUTORING_CANCELLED,
        dedup_key=f"tutoring-cancelled:{booking.pk}:tutor",
        title=_("有居民取消了辅导预约"),
        body=_("“%(topic)s”（%(when)s）有一位居民取消了预约。") % {
            "topic": slot.topic, "when": _slot_when(slot)},
        url=absolute_url("page-commitments"),
        data={"keywords": [slot.topic, _slot_when(slot), _("居民取消")]},
    )


def reminders_for_day(day) -> int:
    """Tell everyone with a class session or a tutoring booking on `day` (local date).
    Keyed per session and person, so a re-run of the daily task sends nothing twice."""
    from datetime import datetime, time, timedelta

    from .models import ClassSession, EnrollmentStatus, TutoringBooking, TutoringBookingStatus

    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = start + timedelta(days=1)
    sent = 0
    sessions = (ClassSession.objects.filter(starts_at__gte=start, starts_at__lt=end)
                .select_related("run__course", "run__venue"))
    for session in sessions:
        learners = (Enrollment.objects.filter(run_id=session.run_id,
                                              status=EnrollmentStatus.ENROLLED)
                    .select_related("user"))
        when = f"{timezone.localtime(session.starts_at):%-m月%-d日 %H:%M}"
        for enrollment in learners:
            notify(user=enrollment.user, kind=NotificationKind.CLASS_REMINDER,
                   dedup_key=f"class-reminder:{session.pk}:{enrollment.user_id}",
                   title=_("明天上课提醒"),
                   body=_("明天 %(when)s 在%(venue)s上“%(course)s”，请准时到场扫码签到。") % {
                       "when": when, "venue": session.run.venue.name,
                       "course": session.run.course.title},
                   data={"keywords": [session.run.course.title, when,
                                      session.run.venue.name]})
            sent += 1
    bookings = (TutoringBooking.objects
                .filter(starts_at__gte=start, starts_at__lt=end,
                        status=TutoringBookingStatus.BOOKED)
                .select_related("user", "slot__venue"))
    for booking in bookings:
        notify(user=booking.user, kind=NotificationKind.TUTORING_REMINDER,
               dedup_key=f"tutoring-reminder:{booking.pk}",
               title=_("明天辅导提醒"),
               body=_("明天 %(when)s 有微信辅导“%(topic)s”，地点：%(place)s。") % {
                   "when": f"{timezone.localtime(booking.starts_at):%H:%M}",
                   "topic": booking.slot.topic, "place": booking.slot.place},
               data={"keywords": [booking.slot.topic, _slot_when(booking.slot),
                                  booking.slot.place]})
        sent += 1
    return sent
