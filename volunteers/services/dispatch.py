"""Doorstep jobs: create a request, offer it to the best candidate, answer, expire, sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import Community
from backend.core.errors import has_code, validation_error
from backend.core.formatting import datetime_zh, time_zh
from backend.core.links import absolute_url, node_id
from backend.core.services import audit_log_record, enqueue_on_commit, idempotent_call
from backend.notifications import services as notification_services
from backend.notifications.models import NotificationKind

from .. import matching, permissions
from .. import notifications as volunteer_notifications
from ..error_codes import VolunteerErrorCode as Code
from ..help import lifecycle as help_lifecycle
from ..models import (
    CommitmentKind,
    CommitmentStatus,
    Offer,
    OfferStatus,
    ServiceRequest,
    ServiceRequestStatus,
    Skill,
    Volunteer,
)
from ..tasks import offer_expire_task
from .calendar import commitment_cancel, commitment_confirm, commitment_create

MAX_JOB_MINUTES = 12 * 60
MIN_OFFER_MINUTES, MAX_OFFER_MINUTES = 1, 24 * 60


def _skill_name(request) -> str:
    # A job being dispatched always has its skill (a help request gets one at triage).
    return request.skill.name if request.skill is not None else ""


def offer_ttl() -> timedelta:
    # Read at call time so tests and operators can change it without a restart.
    return timedelta(minutes=getattr(settings, "VOLUNTEER_OFFER_TTL_MINUTES", 30))


def _schedule_expiry(offer: Offer) -> None:
    # Robust like every after-commit enqueue: with the broker down the dispatch still
    # commits and answers; offers_sweep (beat) expires the offer instead.
    seconds = max(int((offer.expires_at - timezone.now()).total_seconds()), 0) + 1
    enqueue_on_commit(offer_expire_task, offer.pk, countdown=seconds)


def _try_offer(request: ServiceRequest, candidate, ttl: timedelta | None = None
               ) -> Offer | None:
    """Hold the candidate's time with a TENTATIVE commitment; None if someone was faster."""
    ttl = ttl or offer_ttl()
    try:
        with transaction.atomic():
            offer = Offer.objects.create(
                request=request, volunteer=candidate.volunteer, score=candidate.score,
                expires_at=timezone.now() + ttl)
            offer.commitment = commitment_create(
                volunteer=candidate.volunteer, starts_at=request.starts_at,
                ends_at=request.ends_at, kind=CommitmentKind.DISPATCH,
                source_key=f"offer:{offer.pk}",
                title=_("上门服务：%(skill)s") % {"skill": _skill_name(request)},
                status=CommitmentStatus.TENTATIVE,
                travel_buffer_minutes=matching.DEFAULT_TRAVEL_BUFFER_MINUTES)
            offer.save(update_fields=["commitment", "updated_at"])
    except ValidationError as exc:
        if has_code(exc, Code.OVERLAPS_COMMITMENT) or has_code(exc, Code.DAILY_CAP_REACHED):
            return None
        raise
    request.status = ServiceRequestStatus.OFFERED
    request.save(update_fields=["status", "updated_at"])
    _schedule_expiry(offer)
    _notify_offer(request, offer, candidate.volunteer, ttl)
    return offer


def offer_respond_url(offer: Offer) -> str:
    """Where the volunteer answers the offer (the WeChat page for offerRespond)."""
    return absolute_url("page-offer", id=node_id("Offer", offer.pk))


def _notify_offer(request: ServiceRequest, offer: Offer, volunteer: Volunteer,
                  ttl: timedelta) -> None:
    # Inside the dispatch transaction: no message for an offer that rolled back.
    when = f"{datetime_zh(request.starts_at, year=False)}–{time_zh(request.ends_at)}"
    notification_services.notify(
        user=volunteer.user, kind=NotificationKind.JOB_OFFERED, dedup_key=f"offer:{offer.pk}",
        title=_("您有一个新的上门服务派单"),
        body=_("服务：%(skill)s；时间：%(when)s；社区：%(community)s。请在%(minutes)d分钟内答复。")
        % {"skill": _skill_name(request), "when": when, "community": request.community.name,
           "minutes": int(ttl.total_seconds() // 60)},
        url=offer_respond_url(offer),
        data={"keywords": [_skill_name(request), when, request.community.name],
              "offer_id": offer.pk, "service_request_id": request.pk,
              "expires_at": offer.expires_at.isoformat()})


def _visible_for(request: ServiceRequest):
    if request.requester_id is not None:
        # A help request goes to its unit's volunteers whoever triaged it (desk staff too).
        return permissions.help_volunteers_visible(request)
    return (permissions.volunteers_visible_to(request.created_by)
            if request.created_by_id else None)


def _offer_next(request: ServiceRequest, ttl: timedelta | None = None) -> Offer | None:
    """Offer the request to the best volunteer not yet asked; escalate when none is left."""
    tried = set(request.offers.values_list("volunteer_id", flat=True))
    visible = _visible_for(request)
    for _round in range(5):
        result = matching.match_volunteers(
            skill=request.skill, starts_at=request.starts_at,  # type: ignore[arg-type]
            ends_at=request.ends_at,
            community=request.community, min_level=request.min_level, limit=10,
            visible=visible, exclude_volunteer_ids=tried)
        if not result.candidates:
            break
        for candidate in result.candidates:
            offer = _try_offer(request, candidate, ttl)
            if offer is not None:
                return offer
            tried.add(candidate.volunteer.pk)
    request.status = ServiceRequestStatus.ESCALATED
    request.save(update_fields=["status", "updated_at"])
    help_lifecycle.on_escalated(request)
    return None


def dispatch_create(
    *, actor, skill_code: str, starts_at: datetime, duration_minutes: int, community: Community,
    address: str = "", note: str = "", external_ref: str = "", volunteer: Volunteer | None = None,
    min_level: int = 1, idempotency_key: str | None = None,
    offer_expires_in_minutes: int | None = None,
) -> ServiceRequest:
    """Create a doorstep job and offer it. With no candidate left the request is kept as
    ESCALATED for the coordinator (the caller reports NO_CANDIDATE); a named volunteer who
    is not eligible is VOLUNTEER_UNAVAILABLE and nothing is created."""
    if not permissions.can_dispatch(actor, community):
        raise PermissionDenied
    skill = Skill.objects.filter(code=skill_code).first()
    if skill is None:
        raise validation_error("skill", _("没有这项技能：%(code)s。") % {"code": skill_code},
                               Code.NOT_FOUND)
    if not 1 <= int(duration_minutes) <= MAX_JOB_MINUTES:
        raise validation_error("duration_minutes", _("服务时长应在1分钟到12小时之间。"),
                               Code.INVALID_WINDOW)
    if starts_at <= timezone.now():
        raise validation_error("starts_at", _("服务时间须在将来。"), Code.INVALID_WINDOW)
    if offer_expires_in_minutes is not None and not (
            MIN_OFFER_MINUTES <= int(offer_expires_in_minutes) <= MAX_OFFER_MINUTES):
        raise validation_error("offer_expires_in_minutes",
                               _("答复时限应在1到1440分钟之间。"), Code.INVALID)
    ttl = timedelta(minutes=int(offer_expires_in_minutes)) if offer_expires_in_minutes else None
    payload = {"skill": skill_code, "starts_at": starts_at.isoformat(),
               "duration": duration_minutes, "community": community.pk, "address": address,
               "note": note, "external_ref": external_ref,
               "volunteer": volunteer.pk if volunteer else None,
               "offer_expires_in_minutes": offer_expires_in_minutes}

    def action():
        return _dispatch(actor=actor, skill=skill, starts_at=starts_at,
                         ends_at=starts_at + timedelta(minutes=int(duration_minutes)),
                         community=community, address=address, note=note,
                         external_ref=external_ref, volunteer=volunteer, min_level=min_level,
                         ttl=ttl)

    return idempotent_call(
        user=actor, scope="volunteers.dispatchCreate", key=idempotency_key, payload=payload,
        action=action, dump=lambda r: r.pk, load=lambda pk: ServiceRequest.objects.get(pk=pk))


@transaction.atomic
def _dispatch(*, actor, skill, starts_at, ends_at, community, address, note, external_ref,
              volunteer, min_level, ttl=None) -> ServiceRequest:
    request = ServiceRequest.objects.create(
        skill=skill, min_level=min_level, starts_at=starts_at, ends_at=ends_at,
        community=community, address=(address or "")[:200], note=note or "",
        external_ref=(external_ref or "")[:128], created_by=actor, requested_volunteer=volunteer)
    if volunteer is None:
        _offer_next(request, ttl)
    else:
        result = matching.match_volunteers(
            skill=skill, starts_at=starts_at, ends_at=ends_at, community=community,
            min_level=min_level, visible=permissions.volunteers_visible_to(actor),
            only_volunteer_id=volunteer.pk, limit=1)
        offer = _try_offer(request, result.candidates[0], ttl) if result.candidates else None
        if offer is None:
            raise validation_error("volunteer_id", _("指定的志愿者在该时段不能接单。"),
                                   Code.VOLUNTEER_UNAVAILABLE)
    audit_log_record(actor=actor, action="dispatch.create", obj=request,
                     detail={"skill": skill.code, "status": request.status})
    return request


def offer_expire(*, offer_id: int, now: datetime | None = None) -> Offer | None:
    """Expire an unanswered offer whose time is up and move on; safe to run twice and
    harmless when run early (the eager test mode runs countdown tasks at once)."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = Offer.objects.filter(pk=offer_id).only("request_id").first()
        if offer is None:
            return None
        request = ServiceRequest.objects.select_for_update(of=("self",)).select_related(
            "skill", "community", "created_by").get(pk=offer.request_id)
        offer = Offer.objects.select_related("commitment").get(pk=offer_id)
        if offer.status != OfferStatus.OFFERED or offer.expires_at > now:
            return offer
        offer.status = OfferStatus.EXPIRED
        offer.save(update_fields=["status", "updated_at"])
        volunteer_notifications.offer_expired(offer, request)
        if offer.commitment is not None:
            commitment_cancel(commitment=offer.commitment)
        _offer_next(request)
        return offer


def offers_sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Expire every overdue offer: recovers requests whose expiry task was lost."""
    now = now or timezone.now()
    ids = list(Offer.objects.filter(status=OfferStatus.OFFERED, expires_at__lte=now)
               .order_by("expires_at").values_list("pk", flat=True)[:batch])
    for offer_id in ids:
        offer_expire(offer_id=offer_id, now=now)
    return len(ids)


def offer_respond(*, actor, offer: Offer, accept: bool, reason: str = "") -> Offer:
    if not permissions.can_respond_to_offer(actor, offer):
        raise PermissionDenied
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update(of=("self",)).select_related(
            "skill", "community", "created_by").get(pk=offer.request_id)
        offer = Offer.objects.select_related("commitment").get(pk=offer.pk)
        if offer.status == OfferStatus.EXPIRED or (
                offer.status == OfferStatus.OFFERED and offer.expires_at <= timezone.now()):
            raise validation_error("offer_id", _("这个派单邀请已超时。"), Code.OFFER_EXPIRED)
        if offer.status != OfferStatus.OFFERED:
            raise validation_error("offer_id", _("这个派单邀请已经答复过了。"),
                                   Code.ALREADY_ANSWERED)
        offer.responded_at = timezone.now()
        offer.reason = (reason or "")[:200]
        if accept:
            offer.status = OfferStatus.ACCEPTED
            offer.save(update_fields=["status", "responded_at", "reason", "updated_at"])
            if offer.commitment is not None:
                commitment_confirm(commitment=offer.commitment)
            request.status = ServiceRequestStatus.ACCEPTED
            request.save(update_fields=["status", "updated_at"])
            help_lifecycle.on_accepted(request, offer)
        else:
            offer.status = OfferStatus.DECLINED
            offer.save(update_fields=["status", "responded_at", "reason", "updated_at"])
            if offer.commitment is not None:
                commitment_cancel(commitment=offer.commitment)
            _offer_next(request)
        offer.request = request
        return offer
