"""What volunteers are told about jobs and shifts. Called inside the service's
transaction: the outbox row commits with the change, delivery happens after commit, once
per event."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.links import absolute_url
from backend.notifications.models import NotificationKind
from backend.notifications.services import notify


def _window(starts_at, ends_at) -> str:
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return f"{start.month}月{start.day}日 {start:%H:%M}–{end:%H:%M}"


def offer_expired(offer, request) -> None:
    """Her offer timed out unanswered: the job went to someone else (or to the
    coordinator), and her held time is free again."""
    when = _window(request.starts_at, request.ends_at)
    notify(
        user=offer.volunteer.user, kind=NotificationKind.JOB_OFFER_EXPIRED,
        dedup_key=f"offer:{offer.pk}:expired",
        title=_("派单邀请已超时"),
        body=_("“%(skill)s”（%(when)s，%(community)s）的派单邀请未在时限内答复，已转给其他"
               "志愿者，您这段时间的日程已释放。") % {
            "skill": request.skill.name, "when": when, "community": request.community.name},
        url=absolute_url("page-commitments"),
        data={"keywords": [request.skill.name, when, request.community.name],
              "offer_id": offer.pk, "service_request_id": request.pk})


def offer_withdrawn(offer, request, reason: str = "") -> None:
    """The job was called off (or given to someone else) while her offer stood. For the
    service that withdraws offers (a request cancelled by staff)."""
    when = _window(request.starts_at, request.ends_at)
    notify(
        user=offer.volunteer.user, kind=NotificationKind.JOB_OFFER_WITHDRAWN,
        dedup_key=f"offer:{offer.pk}:withdrawn",
        title=_("派单已撤回"),
        body=_("“%(skill)s”（%(when)s，%(community)s）的派单已撤回，无需前往。%(reason)s") % {
            "skill": request.skill.name, "when": when, "community": request.community.name,
            "reason": reason},
        url=absolute_url("page-commitments"),
        data={"keywords": [request.skill.name, when, reason or _("服务已取消")],
              "offer_id": offer.pk, "service_request_id": request.pk})


def shift_changed(sign_up, *, version: str) -> None:
    """A shift she signed up for moved (time or place). `version` names this change (e.g.
    the shift's updated_at), so each change is told once."""
    shift = sign_up.shift
    when = _window(shift.starts_at, shift.ends_at)
    notify(
        user=sign_up.volunteer.user, kind=NotificationKind.SHIFT_CHANGED,
        dedup_key=f"shift:{shift.pk}:signup:{sign_up.pk}:changed:{version}"[:128],
        title=_("排班有变动"),
        body=_("您报名的“%(title)s”现在的时间是 %(when)s。") % {
            "title": shift.title or shift.event.title, "when": when},
        url=absolute_url("page-commitments"),
        data={"keywords": [shift.title or shift.event.title, when,
                           shift.event.community.name]})


def shift_cancelled(sign_up, reason: str = "") -> None:
    """A shift she signed up for was cancelled."""
    shift = sign_up.shift
    when = _window(shift.starts_at, shift.ends_at)
    notify(
        user=sign_up.volunteer.user, kind=NotificationKind.SHIFT_CANCELLED,
        dedup_key=f"shift:{shift.pk}:signup:{sign_up.pk}:cancelled",
        title=_("排班已取消"),
        body=_("您报名的“%(title)s”（%(when)s）已取消。%(reason)s") % {
            "title": shift.title or shift.event.title, "when": when, "reason": reason},
        url=absolute_url("page-commitments"),
        data={"keywords": [shift.title or shift.event.title, when, reason or _("活动取消")]})


def job_completed(offer, request) -> None:
    """The coordinator marked her job done: ask her to log the hours she served."""
    when = _window(request.starts_at, request.ends_at)
    notify(
        user=offer.volunteer.user, kind=NotificationKind.JOB_COMPLETED,
        dedup_key=f"service_request:{request.pk}:completed",
        title=_("上门服务已完成，请登记服务时长"),
        body=_("“%(skill)s”（%(when)s，%(community)s）已标记完成，谢谢您！请打开链接登记这次的"
               "服务时长。") % {
            "skill": request.skill.name, "when": when, "community": request.community.name},
        url=absolute_url("page-hours"),
        data={"keywords": [request.skill.name, when, _("请登记服务时长")],
              "offer_id": offer.pk, "service_request_id": request.pk,
              "commitment_id": offer.commitment_id})
