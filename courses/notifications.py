"""What learners are told about their places. Called inside the service's transaction:
the outbox row commits with the change, delivery happens after commit, once per event."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

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
