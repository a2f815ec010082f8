"""Asking for help: a resident's request (or staff's on her behalf), WeChat drafts and their
one-tap confirmation, rating the visit, and the volunteer's time-boxed view of her phone."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.services import act_for_check, consent_ensure
from backend.core.errors import validation_error
from backend.core.services import audit_log_record, idempotent_call

from .. import permissions
from ..error_codes import VolunteerErrorCode as Code
from ..models import Offer, OfferStatus, ServiceRequest, ServiceRequestStatus, Skill
from . import notify
from .fields import PartOfDay
from .models import HelpDraft, HelpEvent, HelpEventKind
from .photos import help_photo_store, usable_photos

S = ServiceRequestStatus
OPEN_STATUSES = (S.REQUESTED, S.OFFERED, S.ACCEPTED, S.ESCALATED)
MAX_OPEN_REQUESTS = 3
MAX_AHEAD_DAYS = 60
DRAFT_TTL = timedelta(hours=24)
# The placeholder visit window of a request not yet triaged: its preferred part of day.
PART_WINDOWS = {PartOfDay.MORNING: (time(9), time(12)),
                PartOfDay.AFTERNOON: (time(14), time(17)),
                PartOfDay.EVENING: (time(18), time(20))}


def event_add(request: ServiceRequest, kind: str, *, actor=None, note: str = "") -> HelpEvent:
    return HelpEvent.objects.create(request=request, kind=kind, note=(note or "")[:200],
                                    actor=actor if getattr(actor, "pk", None) else None)


def _window(preferred_date: date, part_of_day: str) -> tuple[datetime, datetime]:
    start, end = PART_WINDOWS[PartOfDay(part_of_day)]
    return (timezone.make_aware(datetime.combine(preferred_date, start)),
            timezone.make_aware(datetime.combine(preferred_date, end)))


def _check_input(*, description: str, preferred_date: date, part_of_day: str,
                 skill_code: str | None) -> Skill | None:
    if not (description or "").strip():
        raise validation_error("description", _("请说说需要什么帮助。"), Code.REQUIRED)
    if len(description) > 1000:
        raise validation_error("description", _("内容太长了（最多1000字）。"), Code.INVALID)
    if part_of_day not in PartOfDay.values:
        raise validation_error("part_of_day", _("请选择上午、下午或晚上。"), Code.INVALID)
    today = timezone.localdate()
    if not today <= preferred_date <= today + timedelta(days=MAX_AHEAD_DAYS):
        raise validation_error("preferred_date", _("日期应在今天到60天之内。"),
                               Code.INVALID_WINDOW)
    if not skill_code:
        return None
    skill = Skill.objects.filter(code=skill_code).first()
    if skill is None:
        raise validation_error("skill", _("没有这项服务：%(code)s。") % {"code": skill_code},
                               Code.NOT_FOUND)
    return skill


def help_request_create(
    *, actor, description: str, preferred_date: date, part_of_day: str,
    skill_code: str | None = None, address: str | None = None, photo_ids=(),
    consent_version: str | None = None, idempotency_key: str | None = None,
    person: User | None = None, on_behalf: bool = False,
) -> ServiceRequest:
    """A resident asks for doorstep help (status REQUESTED). `person`: whom it is for when
    staff ask on her behalf (`on_behalf=True`; None = not found, refused like a stranger);
    otherwise the actor herself. `address` None/blank = her registered address."""
    person = person if on_behalf else actor
    # First, before anything about her is read: a refusal says nothing about her.
    act_for_check(actor=actor, person=person)
    if person is None:
        raise PermissionDenied
    if person.community_id is None:
        raise validation_error("user_id", _("请先登记所属社区。"), Code.INVALID)
    skill = _check_input(description=description, preferred_date=preferred_date,
                         part_of_day=part_of_day, skill_code=skill_code)
    payload = {"person": person.pk, "description": description, "skill": skill_code,
               "date": preferred_date.isoformat(), "part": part_of_day, "address": address,
               "photos": sorted(str(p) for p in photo_ids or ())}

    def action():
        return _create(actor=actor, person=person, description=description.strip(),
                       preferred_date=preferred_date, part_of_day=part_of_day, skill=skill,
                       address=address, photo_ids=photo_ids, consent_version=consent_version)

    return idempotent_call(
        user=actor, scope="volunteers.helpRequestCreate", key=idempotency_key,
        payload=payload, action=action, dump=lambda r: r.pk,
        load=lambda pk: ServiceRequest.objects.get(pk=pk))


@transaction.atomic
def _create(*, actor, person, description, preferred_date, part_of_day, skill, address,
            photo_ids, consent_version, draft: HelpDraft | None = None) -> ServiceRequest:
    # Her row locked: concurrent asks for one person queue here, so the open-request cap
    # holds (PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers).
    person = User.objects.select_for_update().get(pk=person.pk)
    consent_ensure(actor=actor, user=person, consent_version=consent_version)
    where = (address or "").strip() or person.address.strip()
    if not where:
        raise validation_error("address", _("请填写上门地址。"), Code.ADDRESS_REQUIRED)
    if ServiceRequest.objects.filter(requester=person,
                                     status__in=OPEN_STATUSES).count() >= MAX_OPEN_REQUESTS:
        raise validation_error(
            None, _("您已有%(n)d条求助正在处理，请等处理完再提交。") % {"n": MAX_OPEN_REQUESTS},
            Code.TOO_MANY_OPEN_REQUESTS)
    photos = usable_photos(uploader=actor, photo_ids=photo_ids)
    starts_at, ends_at = _window(preferred_date, part_of_day)
    request = ServiceRequest.objects.create(
        requester=person, skill=skill, description=description, preferred_date=preferred_date,
        part_of_day=part_of_day, starts_at=starts_at, ends_at=ends_at,
        community_id=person.community_id, address=where[:200], status=S.REQUESTED,
        consent_version=person.consent_version, visit_code=f"{secrets.randbelow(10000):04d}")
    for photo in photos:
        photo.request = request
        photo.save(update_fields=["request"])
    if draft is not None:
        draft.photos.filter(request__isnull=True, deleted_at__isnull=True).update(
            request=request)
    event_add(request, HelpEventKind.RECEIVED, actor=actor,
              note="" if actor.pk == person.pk else _("工作人员代为提交"))
    notify.received(request)
    audit_log_record(actor=actor, action="help.create", obj=request,
                     detail={"person": person.pk, "photos": len(photos)})
    return request


# --- WeChat drafts ---------------------------------------------------------------------------
def help_draft_create(*, user: User, text: str = "", photo_data: bytes | None = None,
                      account=None, openid: str = "", msg_id: str = "") -> HelpDraft:
    """`求助 …` or an image message from a bound follower: a draft answered with its
    /help/new/<token> link (notify.help_draft_url). The same WeChat message (openid,
    msg_id) retried gives the first draft back and stores nothing new."""
    msg_id, openid = (msg_id or "")[:64], (openid or "")[:64]
    if msg_id:
        existing = HelpDraft.objects.filter(openid=openid, msg_id=msg_id).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            draft = HelpDraft.objects.create(
                token=secrets.token_urlsafe(24), user=user, account=account, openid=openid,
                msg_id=msg_id, text=(text or "").strip()[:1000],
                expires_at=timezone.now() + DRAFT_TTL)
            if photo_data is not None:
                help_photo_store(uploader=user, data=photo_data, draft=draft)
    except IntegrityError:
        if not msg_id:
            raise
        return HelpDraft.objects.get(openid=openid, msg_id=msg_id)  # the retry lost a race
    return draft


def help_draft_usable(token: str) -> HelpDraft | None:
    """The draft behind a link, if it can still be confirmed."""
    draft = HelpDraft.objects.select_related("user").filter(token=token or "").first()
    if draft is None or draft.used_at is not None or draft.expires_at <= timezone.now():
        return None
    return draft


def help_draft_confirm(
    *, actor, token: str, description: str, preferred_date: date, part_of_day: str,
    skill_code: str | None = None, address: str | None = None, photo_ids=(),
    consent_version: str | None = None,
) -> ServiceRequest:
    """Turn a draft into a request, once: DRAFT_EXPIRED when used, expired or unknown.
    The draft's photos come along; `photo_ids` may add the actor's own uploads."""
    with transaction.atomic():
        draft = HelpDraft.objects.select_for_update().filter(token=token or "").first()
        if draft is None or draft.used_at is not None or draft.expires_at <= timezone.now():
            raise validation_error("token", _("这个链接已失效，请重新发送“求助”。"),
                                   Code.DRAFT_EXPIRED)
        person = User.objects.get(pk=draft.user_id)
        if not permissions.can_ask_help_for(actor, person):
            raise PermissionDenied
        skill = _check_input(description=description, preferred_date=preferred_date,
                             part_of_day=part_of_day, skill_code=skill_code)
        request = _create(actor=actor, person=person, description=description.strip(),
                          preferred_date=preferred_date, part_of_day=part_of_day, skill=skill,
                          address=address, photo_ids=photo_ids,
                          consent_version=consent_version, draft=draft)
        draft.used_at, draft.request = timezone.now(), request
        draft.save(update_fields=["used_at", "request", "updated_at"])
        return request


# --- After the visit ----------------------------------------------------------------------------
def help_request_rate(*, actor, service_request: ServiceRequest, rating: int,
                      comment: str = "") -> ServiceRequest:
    """She rates a COMPLETED visit once (1–5); 2 or less reaches the unit's coordinators."""
    if not permissions.can_rate_help(actor, service_request):
        raise PermissionDenied
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise validation_error("rating", _("评分应为1到5分。"), Code.INVALID)
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update(of=("self",)).select_related(
            "skill", "community", "requester").get(pk=service_request.pk)
        if request.rated_at is not None:
            raise validation_error("service_request_id", _("这次服务已经评价过了。"),
                                   Code.ALREADY_RATED)
        if request.status != S.COMPLETED:
            raise validation_error("service_request_id", _("服务完成后才能评价。"),
                                   Code.INVALID_STATE)
        request.rating, request.rating_comment = rating, (comment or "").strip()[:500]
        request.rated_at = timezone.now()
        request.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
        event_add(request, HelpEventKind.RATED, actor=actor, note=f"{rating}★")
        if rating <= 2:
            notify.low_rating(request)
        return request


def help_request_phone_reveal(*, actor, service_request: ServiceRequest,
                              now: datetime | None = None) -> str:
    """The resident's phone for the accepted volunteer, from two hours before the visit
    until it ends; every reveal is audited. PermissionDenied otherwise."""
    now = now or timezone.now()
    offers = list(Offer.objects.select_related("volunteer").filter(
        request_id=service_request.pk, status=OfferStatus.ACCEPTED))
    request = ServiceRequest.objects.select_related("requester").get(pk=service_request.pk)
    if request.requester_id is None or not permissions.can_reveal_requester_phone(
            actor, request, offers, now):
        raise PermissionDenied
    audit_log_record(actor=actor, action="help.phone_reveal", obj=request,
                     detail={"requester": request.requester_id})
    return request.requester.phone if request.requester is not None else ""
