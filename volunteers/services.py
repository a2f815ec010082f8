"""Roster writes. Every write is here: GraphQL, admin, tasks, demo and other apps (tutoring
in `courses`) call these functions. Public API used across apps keeps its signature:
commitment_create / commitment_cancel / commitment_complete, service_hours_log,
credential_grant.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts import services as account_services
from backend.accounts.models import Community, Role, User
from backend.certificates import services as certificate_services
from backend.certificates.models import Certificate, CertificateKind
from backend.core.services import audit_log_record, idempotent_call
from backend.notifications import services as notification_services
from backend.notifications.models import NotificationKind

from . import matching, permissions
from . import notifications as volunteer_notifications
from .error_codes import VolunteerErrorCode as Code
from .models import (
    ACTIVE_COMMITMENT_STATUSES,
    WEEK_HOURS,
    AvailabilityRule,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Credential,
    CredentialType,
    Event,
    HoursStatus,
    Offer,
    OfferStatus,
    ServiceHours,
    ServiceRequest,
    ServiceRequestStatus,
    Shift,
    ShiftSignUp,
    SignUpStatus,
    Skill,
    TimeOff,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
)

logger = logging.getLogger(__name__)

MAX_AVAILABILITY_RULES = 50
MAX_JOB_MINUTES = 12 * 60


def _error(field: str | None, message: str, code: Code) -> ValidationError:
    if field is None:
        return ValidationError(message, code=code.value)
    return ValidationError({field: ValidationError(message, code=code.value)})


def _has_code(exc: ValidationError, code: Code) -> bool:
    if hasattr(exc, "error_dict"):
        errors = [e for items in exc.error_dict.values() for e in items]
    else:
        errors = exc.error_list
    return any(e.code == code.value for e in errors)


# --- Reference data ----------------------------------------------------------------------------
def reference_data_load() -> None:
    """Skills and credential types from the district data file (what migration 0002 does;
    also for test databases flushed by transactional tests). Idempotent."""
    from backend.core.demo import load_district_data

    data = load_district_data()
    types = {}
    for row in data["credential_types"]:
        types[row["code"]], _created = CredentialType.objects.update_or_create(
            code=row["code"], defaults={
                "name": row["name"], "validity_months": row.get("validity_months"),
                "granted_by_course_completion": bool(row.get("granted_by_course_completion")),
            })
    for row in data["skills"]:
        Skill.objects.update_or_create(code=row["code"], defaults={
            "name": row["name"],
            "credential_type": types.get(row.get("requires_credential") or ""),
        })


# --- Roster ------------------------------------------------------------------------------------
@transaction.atomic
def volunteer_create(
    *, user: User, community: Community, status: str = VolunteerStatus.ACTIVE,
    joined_on: date | None = None, dispatch_consent: bool = True, actor=None,
) -> Volunteer:
    if Volunteer.objects.filter(user=user).exists():
        raise _error("user", _("该用户已是志愿者。"), Code.ALREADY_VOLUNTEER)
    volunteer = Volunteer.objects.create(
        user=user, community=community, status=status,
        joined_on=joined_on or timezone.localdate(), dispatch_consent=dispatch_consent)
    account_services.role_assign(user=user, role=Role.VOLUNTEER)
    if actor is not None:
        audit_log_record(actor=actor, action="volunteer.create", obj=volunteer)
    return volunteer


def volunteer_skill_set(*, volunteer: Volunteer, skill_code: str, level: int = 1,
                        verified_by: User | None = None) -> VolunteerSkill:
    skill = Skill.objects.filter(code=skill_code).first()
    if skill is None:
        raise _error("skill", _("没有这项技能：%(code)s。") % {"code": skill_code}, Code.NOT_FOUND)
    if not 1 <= int(level) <= 3:
        raise _error("level", _("技能等级应为1到3。"), Code.INVALID)
    entry, _created = VolunteerSkill.objects.update_or_create(
        volunteer=volunteer, skill=skill,
        defaults={"level": level, "verified_by": verified_by,
                  "verified_at": timezone.now() if verified_by else None})
    return entry


# --- Credentials ---------------------------------------------------------------------------------
@transaction.atomic
def credential_grant(*, volunteer: Volunteer, type_code: str, number: str, valid_from: date,
                     valid_until: date | None, source: str = "",
                     verified_by: User | None = None) -> Credential:
    """Idempotent per volunteer + type + number (a course certificate issued twice grants
    one credential)."""
    ctype = CredentialType.objects.filter(code=type_code).first()
    if ctype is None:
        raise _error("type_code", _("没有这种资质类型：%(code)s。") % {"code": type_code},
                     Code.NOT_FOUND)
    number = (number or "").strip()
    if not number:
        raise _error("number", _("请填写证件编号。"), Code.REQUIRED)
    if valid_until is not None and valid_until < valid_from:
        raise _error("valid_until", _("有效期不能早于生效日期。"), Code.INVALID_WINDOW)
    existing = Credential.objects.filter(volunteer=volunteer, type=ctype, number=number).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Credential.objects.create(
                volunteer=volunteer, type=ctype, number=number, valid_from=valid_from,
                valid_until=valid_until, source=source, verified_by=verified_by,
                verified_at=timezone.now() if verified_by else None)
    except IntegrityError:
        return Credential.objects.get(volunteer=volunteer, type=ctype, number=number)


def credential_add(*, actor, volunteer: Volunteer, type_code: str, number: str,
                   valid_until: date | None, valid_from: date | None = None) -> Credential:
    if not permissions.can_manage_credentials(actor, volunteer):
        raise PermissionDenied
    credential = credential_grant(
        volunteer=volunteer, type_code=type_code, number=number,
        valid_from=valid_from or timezone.localdate(), valid_until=valid_until,
        source="coordinator", verified_by=actor)
    audit_log_record(actor=actor, action="credential.add", obj=credential,
                     detail={"volunteer_id": volunteer.pk, "type": type_code})
    return credential


# Alert stages: (dedup suffix, first and last day before expiry it covers). A stage covers
# a range, not one day, so a day the beat missed is caught up the next day; the dedup key
# keeps it to one alert per credential and stage.
CREDENTIAL_ALERT_STAGES = (("30d", 8, 30), ("7d", 0, 7))


def credential_expiry_notify(*, today: date | None = None) -> int:
    """Tell volunteers their credential expires in 30 and again in 7 days; run daily,
    safe to run any number of times. Returns how many notifications were created."""
    from backend.notifications.selectors import existing_dedup_keys

    from . import selectors

    today = today or timezone.localdate()
    created = 0
    for suffix, first, last in CREDENTIAL_ALERT_STAGES:
        credentials = list(selectors.credentials_expiring_between(
            today + timedelta(days=first), today + timedelta(days=last)))
        done = existing_dedup_keys(f"credential:{c.pk}:{suffix}" for c in credentials)
        for credential in credentials:
            key = f"credential:{credential.pk}:{suffix}"
            if key in done:
                continue
            left = (credential.valid_until - today).days
            until = _fmt_day(credential.valid_until)
            notification_services.notify(
                user=credential.volunteer.user, kind=NotificationKind.CREDENTIAL_EXPIRING,
                dedup_key=key, title=_("您的%(type)s即将到期") % {"type": credential.type.name},
                body=(_("您的%(type)s将于%(until)s到期（还有%(left)d天），"
                        "请及时办理续期并交给协调员登记。")
                      % {"type": credential.type.name, "until": until, "left": left}),
                data={"keywords": [credential.type.name, until], "credential_id": credential.pk,
                      "days_left": left})
            created += 1
    return created


# --- Availability and time off -------------------------------------------------------------------
def hour_mask(rules) -> str:
    """Character (weekday-1)*24+h is "1" when some rule overlaps local hour h."""
    bits = ["0"] * WEEK_HOURS
    for rule in rules:
        start = rule.start_time.hour
        end_hour = rule.end_time.hour
        last = end_hour if (rule.end_time.minute or rule.end_time.second) else end_hour - 1
        for hour in range(start, last + 1):
            bits[(rule.weekday - 1) * 24 + hour] = "1"
    return "".join(bits)


def _parse_time(value) -> time:
    if isinstance(value, time):
        return value
    return time.fromisoformat(str(value))


@transaction.atomic
def availability_set(*, actor, volunteer: Volunteer, rules: list[dict]) -> Volunteer:
    """Replace the volunteer's weekly rules at once (nothing half-replaced)."""
    if not permissions.can_manage_availability(actor, volunteer):
        raise PermissionDenied
    if len(rules) > MAX_AVAILABILITY_RULES:
        raise _error("rules", _("可服务时间最多%(n)d条。") % {"n": MAX_AVAILABILITY_RULES},
                     Code.INVALID)
    new_rules = []
    for index, raw in enumerate(rules):
        try:
            weekday = int(raw["weekday"])
            start, end = _parse_time(raw["start_time"]), _parse_time(raw["end_time"])
        except (KeyError, TypeError, ValueError):
            raise _error("rules", _("第%(n)d条可服务时间格式不正确。") % {"n": index + 1},
                         Code.INVALID) from None
        if not 1 <= weekday <= 7:
            raise _error("rules", _("星期应为1（周一）到7（周日）。"), Code.INVALID_WINDOW)
        if start >= end:
            raise _error("rules", _("第%(n)d条：开始时间须早于结束时间。") % {"n": index + 1},
                         Code.INVALID_WINDOW)
        new_rules.append(AvailabilityRule(
            volunteer=volunteer, weekday=weekday, start_time=start, end_time=end,
            valid_from=raw.get("valid_from"), valid_until=raw.get("valid_until")))
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    AvailabilityRule.objects.filter(volunteer=volunteer).delete()
    AvailabilityRule.objects.bulk_create(new_rules)
    volunteer.hour_mask = hour_mask(new_rules)
    volunteer.save(update_fields=["hour_mask", "updated_at"])
    return volunteer


def time_off_add(*, actor, volunteer: Volunteer, starts_at: datetime, ends_at: datetime,
                 reason: str = "") -> TimeOff:
    if not permissions.can_manage_availability(actor, volunteer):
        raise PermissionDenied
    if starts_at >= ends_at:
        raise _error("ends_at", _("结束时间须晚于开始时间。"), Code.INVALID_WINDOW)
    return TimeOff.objects.create(volunteer=volunteer, starts_at=starts_at, ends_at=ends_at,
                                  reason=(reason or "")[:200])


# --- One calendar --------------------------------------------------------------------------------
def _overlap_error() -> ValidationError:
    return _error("starts_at", _("该时段与志愿者的其他日程冲突。"), Code.OVERLAPS_COMMITMENT)


def commitment_create(
    *, volunteer: Volunteer, starts_at: datetime, ends_at: datetime, kind: str,
    source_key: str, title: str = "", status: str = CommitmentStatus.CONFIRMED,
    travel_buffer_minutes: int = 0,
) -> Commitment:
    """Put something in the volunteer's calendar; raises OVERLAPS_COMMITMENT when an active
    commitment overlaps [starts_at - buffer, ends_at + buffer).

    The volunteer row is locked first (PostgreSQL), so concurrent bookings of one person
    queue and the loser gets the typed error; SQLite's IMMEDIATE transaction serialises the
    check and the insert. On PostgreSQL the exclusion constraint is the last word, and its
    violation is translated to the same error. A DISPATCH commitment also keeps the daily
    job cap under the same lock (DAILY_CAP_REACHED).
    """
    if starts_at >= ends_at:
        raise _error("ends_at", _("结束时间须晚于开始时间。"), Code.INVALID_WINDOW)
    if status not in ACTIVE_COMMITMENT_STATUSES:
        raise _error("status", _("新日程只能是待确认或已确认。"), Code.INVALID)
    if kind not in CommitmentKind.values:
        raise _error("kind", _("日程类型不正确。"), Code.INVALID)
    buffer = timedelta(minutes=travel_buffer_minutes or 0)
    with transaction.atomic():
        list(Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk"))
        if Commitment.objects.filter(
                volunteer_id=volunteer.pk, status__in=ACTIVE_COMMITMENT_STATUSES,
                starts_at__lt=ends_at + buffer, ends_at__gt=starts_at - buffer).exists():
            raise _overlap_error()
        if kind == CommitmentKind.DISPATCH and _daily_jobs(volunteer.pk, starts_at) \
                >= matching.DAILY_JOB_CAP:
            # Checked here, under the volunteer's lock, because matching's cap rule is a
            # read made before it: two dispatches racing for one volunteer both passed it.
            raise _error("starts_at", _("该志愿者当日派单已达上限（%(n)d单）。")
                         % {"n": matching.DAILY_JOB_CAP}, Code.DAILY_CAP_REACHED)
        try:
            with transaction.atomic():
                return Commitment.objects.create(
                    volunteer_id=volunteer.pk, starts_at=starts_at, ends_at=ends_at, kind=kind,
                    status=status, source_key=source_key, title=title[:200])
        except IntegrityError:
            if Commitment.objects.filter(source_key=source_key).exists():
                raise _error("source_key", _("该来源的日程已存在。"), Code.INVALID) from None
            raise _overlap_error() from None


def _daily_jobs(volunteer_id: int, starts_at: datetime) -> int:
    """Dispatched jobs (held, confirmed or done) starting on the local day of `starts_at`:
    the same count as matching's DAILY_CAP rule."""
    day_start, day_end = matching.local_day_bounds(starts_at)
    return Commitment.objects.filter(
        volunteer_id=volunteer_id, kind=CommitmentKind.DISPATCH,
        status__in=[*ACTIVE_COMMITMENT_STATUSES, CommitmentStatus.COMPLETED],
        starts_at__gte=day_start, starts_at__lt=day_end).count()


def commitment_cancel(*, commitment: Commitment) -> Commitment:
    """Idempotent: a cancelled or completed commitment stays as it is."""
    if commitment.status in ACTIVE_COMMITMENT_STATUSES:
        Commitment.objects.filter(pk=commitment.pk, status__in=ACTIVE_COMMITMENT_STATUSES) \
            .update(status=CommitmentStatus.CANCELLED, updated_at=timezone.now())
        commitment.refresh_from_db()
    return commitment


def commitment_confirm(*, commitment: Commitment) -> Commitment:
    if commitment.status == CommitmentStatus.TENTATIVE:
        commitment.status = CommitmentStatus.CONFIRMED
        commitment.save(update_fields=["status", "updated_at"])
    return commitment


def commitment_complete(*, commitment: Commitment) -> Commitment:
    if commitment.status == CommitmentStatus.COMPLETED:
        return commitment
    if commitment.status != CommitmentStatus.CONFIRMED:
        raise _error(None, _("只有已确认的日程才能标记完成。"), Code.INVALID)
    commitment.status = CommitmentStatus.COMPLETED
    commitment.save(update_fields=["status", "updated_at"])
    return commitment


# --- Dispatch ------------------------------------------------------------------------------------
def offer_ttl() -> timedelta:
    # Read at call time so tests and operators can change it without a restart.
    return timedelta(minutes=getattr(settings, "VOLUNTEER_OFFER_TTL_MINUTES", 30))


def _schedule_expiry(offer: Offer) -> None:
    from .tasks import offer_expire

    seconds = max(int((offer.expires_at - timezone.now()).total_seconds()), 0) + 1
    transaction.on_commit(lambda: offer_expire.apply_async((offer.pk,), countdown=seconds))


def _try_offer(request: ServiceRequest, candidate) -> Offer | None:
    """Hold the candidate's time with a TENTATIVE commitment; None if someone was faster."""
    try:
        with transaction.atomic():
            offer = Offer.objects.create(
                request=request, volunteer=candidate.volunteer, score=candidate.score,
                expires_at=timezone.now() + offer_ttl())
            offer.commitment = commitment_create(
                volunteer=candidate.volunteer, starts_at=request.starts_at,
                ends_at=request.ends_at, kind=CommitmentKind.DISPATCH,
                source_key=f"offer:{offer.pk}",
                title=_("上门服务：%(skill)s") % {"skill": request.skill.name},
                status=CommitmentStatus.TENTATIVE,
                travel_buffer_minutes=matching.DEFAULT_TRAVEL_BUFFER_MINUTES)
            offer.save(update_fields=["commitment", "updated_at"])
    except ValidationError as exc:
        if _has_code(exc, Code.OVERLAPS_COMMITMENT) or _has_code(exc, Code.DAILY_CAP_REACHED):
            return None
        raise
    request.status = ServiceRequestStatus.OFFERED
    request.save(update_fields=["status", "updated_at"])
    _schedule_expiry(offer)
    _notify_offer(request, offer, candidate.volunteer)
    return offer


def offer_respond_url(offer: Offer) -> str:
    """Where the volunteer answers the offer (the WeChat page for offerRespond)."""
    return f"{settings.PUBLIC_BASE_URL}/volunteer/offers/{offer.pk}"


def _fmt_window(starts_at: datetime, ends_at: datetime) -> str:
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return f"{start.month}月{start.day}日 {start:%H:%M}–{end:%H:%M}"


def _notify_offer(request: ServiceRequest, offer: Offer, volunteer: Volunteer) -> None:
    # Inside the dispatch transaction: no message for an offer that rolled back.
    when = _fmt_window(request.starts_at, request.ends_at)
    notification_services.notify(
        user=volunteer.user, kind=NotificationKind.JOB_OFFERED, dedup_key=f"offer:{offer.pk}",
        title=_("您有一个新的上门服务派单"),
        body=_("服务：%(skill)s；时间：%(when)s；社区：%(community)s。请在%(minutes)d分钟内答复。")
        % {"skill": request.skill.name, "when": when, "community": request.community.name,
           "minutes": int(offer_ttl().total_seconds() // 60)},
        url=offer_respond_url(offer),
        data={"keywords": [request.skill.name, when, request.community.name],
              "offer_id": offer.pk, "service_request_id": request.pk,
              "expires_at": offer.expires_at.isoformat()})


def _visible_for(request: ServiceRequest):
    return (permissions.volunteers_visible_to(request.created_by)
            if request.created_by_id else None)


def _offer_next(request: ServiceRequest) -> Offer | None:
    """Offer the request to the best volunteer not yet asked; escalate when none is left."""
    tried = set(request.offers.values_list("volunteer_id", flat=True))
    visible = _visible_for(request)
    for _round in range(5):
        result = matching.match_volunteers(
            skill=request.skill, starts_at=request.starts_at, ends_at=request.ends_at,
            community=request.community, min_level=request.min_level, limit=10,
            visible=visible, exclude_volunteer_ids=tried)
        if not result.candidates:
            break
        for candidate in result.candidates:
            offer = _try_offer(request, candidate)
            if offer is not None:
                return offer
            tried.add(candidate.volunteer.pk)
    request.status = ServiceRequestStatus.ESCALATED
    request.save(update_fields=["status", "updated_at"])
    return None


def dispatch_create(
    *, actor, skill_code: str, starts_at: datetime, duration_minutes: int, community: Community,
    address: str = "", note: str = "", external_ref: str = "", volunteer: Volunteer | None = None,
    min_level: int = 1, idempotency_key: str | None = None,
) -> ServiceRequest:
    """Create a doorstep job and offer it. With no candidate left the request is kept as
    ESCALATED for the coordinator (the caller reports NO_CANDIDATE); a named volunteer who
    is not eligible is VOLUNTEER_UNAVAILABLE and nothing is created."""
    if not permissions.can_dispatch(actor, community):
        raise PermissionDenied
    skill = Skill.objects.filter(code=skill_code).first()
    if skill is None:
        raise _error("skill", _("没有这项技能：%(code)s。") % {"code": skill_code}, Code.NOT_FOUND)
    if not 1 <= int(duration_minutes) <= MAX_JOB_MINUTES:
        raise _error("duration_minutes", _("服务时长应在1分钟到12小时之间。"),
                     Code.INVALID_WINDOW)
    if starts_at <= timezone.now():
        raise _error("starts_at", _("服务时间须在将来。"), Code.INVALID_WINDOW)
    payload = {"skill": skill_code, "starts_at": starts_at.isoformat(),
               "duration": duration_minutes, "community": community.pk, "address": address,
               "note": note, "external_ref": external_ref,
               "volunteer": volunteer.pk if volunteer else None}

    def action():
        return _dispatch(actor=actor, skill=skill, starts_at=starts_at,
                         ends_at=starts_at + timedelta(minutes=int(duration_minutes)),
                         community=community, address=address, note=note,
                         external_ref=external_ref, volunteer=volunteer, min_level=min_level)

    return idempotent_call(
        user=actor, scope="volunteers.dispatchCreate", key=idempotency_key, payload=payload,
        action=action, dump=lambda r: r.pk, load=lambda pk: ServiceRequest.objects.get(pk=pk))


@transaction.atomic
def _dispatch(*, actor, skill, starts_at, ends_at, community, address, note, external_ref,
              volunteer, min_level) -> ServiceRequest:
    request = ServiceRequest.objects.create(
        skill=skill, min_level=min_level, starts_at=starts_at, ends_at=ends_at,
        community=community, address=(address or "")[:200], note=note or "",
        external_ref=(external_ref or "")[:128], created_by=actor, requested_volunteer=volunteer)
    if volunteer is None:
        _offer_next(request)
    else:
        result = matching.match_volunteers(
            skill=skill, starts_at=starts_at, ends_at=ends_at, community=community,
            min_level=min_level, visible=permissions.volunteers_visible_to(actor),
            only_volunteer_id=volunteer.pk, limit=1)
        offer = _try_offer(request, result.candidates[0]) if result.candidates else None
        if offer is None:
            raise _error("volunteer_id", _("指定的志愿者在该时段不能接单。"),
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
            raise _error("offer_id", _("这个派单邀请已超时。"), Code.OFFER_EXPIRED)
        if offer.status != OfferStatus.OFFERED:
            raise _error("offer_id", _("这个派单邀请已经答复过了。"), Code.ALREADY_ANSWERED)
        offer.responded_at = timezone.now()
        offer.reason = (reason or "")[:200]
        if accept:
            offer.status = OfferStatus.ACCEPTED
            offer.save(update_fields=["status", "responded_at", "reason", "updated_at"])
            commitment_confirm(commitment=offer.commitment)
            request.status = ServiceRequestStatus.ACCEPTED
            request.save(update_fields=["status", "updated_at"])
        else:
            offer.status = OfferStatus.DECLINED
            offer.save(update_fields=["status", "responded_at", "reason", "updated_at"])
            commitment_cancel(commitment=offer.commitment)
            _offer_next(request)
        offer.request = request
        return offer


# --- Shifts --------------------------------------------------------------------------------------
def event_create(*, actor, title: str, community: Community, starts_at: datetime,
                 ends_at: datetime, place: str = "", description: str = "") -> Event:
    if not permissions.can_manage_roster(actor, community):
        raise PermissionDenied
    if starts_at >= ends_at:
        raise _error("ends_at", _("结束时间须晚于开始时间。"), Code.INVALID_WINDOW)
    return Event.objects.create(title=title, community=community, starts_at=starts_at,
                                ends_at=ends_at, place=place, description=description)


def shift_create(*, actor, event: Event, starts_at: datetime, ends_at: datetime, capacity: int,
                 title: str = "", required_skill_code: str | None = None,
                 signup_opens_at: datetime | None = None,
                 signup_closes_at: datetime | None = None) -> Shift:
    if not permissions.can_manage_roster(actor, event.community):
        raise PermissionDenied
    if starts_at >= ends_at:
        raise _error("ends_at", _("结束时间须晚于开始时间。"), Code.INVALID_WINDOW)
    if capacity < 1:
        raise _error("capacity", _("名额至少为1。"), Code.INVALID)
    skill = None
    if required_skill_code:
        skill = Skill.objects.filter(code=required_skill_code).first()
        if skill is None:
            raise _error("required_skill", _("没有这项技能。"), Code.NOT_FOUND)
    return Shift.objects.create(event=event, title=title, starts_at=starts_at, ends_at=ends_at,
                                capacity=capacity, required_skill=skill,
                                signup_opens_at=signup_opens_at,
                                signup_closes_at=signup_closes_at)


def shift_sign_up(*, actor, shift: Shift) -> ShiftSignUp:
    """Take a place (conditional UPDATE ... WHERE taken < capacity) and put the shift in
    the volunteer's calendar; both or neither."""
    from .selectors import volunteer_for_user, volunteer_holds_skill

    volunteer = volunteer_for_user(actor)
    if volunteer is None:
        raise PermissionDenied
    now = timezone.now()
    if ((shift.signup_opens_at and now < shift.signup_opens_at)
            or (shift.signup_closes_at and now > shift.signup_closes_at)
            or now >= shift.starts_at):
        raise _error("shift_id", _("该班次不在报名时间内。"), Code.SIGNUP_CLOSED)
    if shift.required_skill_id and not volunteer_holds_skill(
            volunteer, shift.required_skill.code, at=shift.starts_at):
        raise _error("shift_id", _("该班次需要“%(skill)s”技能及有效资质。")
                     % {"skill": shift.required_skill.name}, Code.LACKS_SKILL)
    with transaction.atomic():
        if ShiftSignUp.objects.filter(shift=shift, volunteer=volunteer,
                                      status=SignUpStatus.SIGNED_UP).exists():
            raise _error("shift_id", _("您已报名这个班次。"), Code.ALREADY_SIGNED_UP)
        taken = Shift.objects.filter(pk=shift.pk, taken__lt=F("capacity")) \
            .update(taken=F("taken") + 1)
        if not taken:
            raise _error("shift_id", _("这个班次已经满员。"), Code.SHIFT_FULL)
        try:
            with transaction.atomic():
                signup = ShiftSignUp.objects.create(shift=shift, volunteer=volunteer)
        except IntegrityError:
            raise _error("shift_id", _("您已报名这个班次。"), Code.ALREADY_SIGNED_UP) from None
        signup.commitment = commitment_create(
            volunteer=volunteer, starts_at=shift.starts_at, ends_at=shift.ends_at,
            kind=CommitmentKind.SHIFT, source_key=f"shift_signup:{signup.pk}",
            title=str(shift)[:200])
        signup.save(update_fields=["commitment", "updated_at"])
        shift.refresh_from_db(fields=["taken"])
        signup.shift = shift
        return signup


# --- Service hours -------------------------------------------------------------------------------
def _parse_hours(hours) -> Decimal:
    try:
        value = Decimal(str(hours)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise _error("hours", _("时长格式不正确。"), Code.INVALID) from None
    if not Decimal("0") < value <= Decimal("24"):
        raise _error("hours", _("时长应大于0且不超过24小时。"), Code.INVALID)
    return value


def service_hours_log(*, actor, commitment: Commitment, hours, note: str = "",
                      idempotency_key: str | None = None) -> ServiceHours:
    """The volunteer or a coordinator logs hours for a finished commitment (PENDING)."""
    if not permissions.can_log_hours(actor, commitment):
        raise PermissionDenied
    value = _parse_hours(hours)

    def action():
        with transaction.atomic():
            current = Commitment.objects.get(pk=commitment.pk)
            if current.status == CommitmentStatus.CONFIRMED and current.ends_at <= timezone.now():
                commitment_complete(commitment=current)
            if current.status != CommitmentStatus.COMPLETED:
                raise _error("commitment_id", _("日程完成后才能登记服务时长。"),
                             Code.NOT_COMPLETED)
            if ServiceHours.objects.filter(commitment=current).exclude(
                    status=HoursStatus.DECLINED).exists():
                raise _error("commitment_id", _("这次服务的时长已经登记过了。"),
                             Code.ALREADY_LOGGED)
            try:
                with transaction.atomic():
                    return ServiceHours.objects.create(
                        commitment=current, volunteer_id=current.volunteer_id, hours=value,
                        served_on=current.starts_at, note=(note or "")[:200], logged_by=actor)
            except IntegrityError:
                raise _error("commitment_id", _("这次服务的时长已经登记过了。"),
                             Code.ALREADY_LOGGED) from None

    return idempotent_call(
        user=actor, scope="volunteers.serviceHoursLog", key=idempotency_key,
        payload={"commitment": commitment.pk, "hours": str(value), "note": note},
        action=action, dump=lambda e: e.pk, load=lambda pk: ServiceHours.objects.get(pk=pk))


def service_hours_review(*, actor, entry: ServiceHours, approve: bool,
                         reason: str = "") -> ServiceHours:
    if not permissions.can_review_hours(actor, entry):
        raise PermissionDenied
    if not approve and not (reason or "").strip():
        raise _error("reason", _("不通过时请填写原因。"), Code.REQUIRED)
    with transaction.atomic():
        updated = ServiceHours.objects.filter(pk=entry.pk, status=HoursStatus.PENDING).update(
            status=HoursStatus.APPROVED if approve else HoursStatus.DECLINED,
            reviewed_by=actor, reviewed_at=timezone.now(), review_reason=(reason or "")[:200],
            updated_at=timezone.now())
        if not updated:
            raise _error("entry_id", _("这条服务时长已经审核过了。"), Code.ALREADY_REVIEWED)
        entry.refresh_from_db()
        audit_log_record(actor=actor, action="service_hours.review", obj=entry,
                         detail={"approve": bool(approve)})
        _notify_hours_reviewed(entry)
        return entry


def _notify_hours_reviewed(entry: ServiceHours) -> None:
    approved = entry.status == HoursStatus.APPROVED
    day = _fmt_day(timezone.localdate(entry.served_on))
    hours = _fmt_number(entry.hours)
    if approved:
        title = _("您的服务时长已审核通过")
        body = _("%(day)s的服务时长%(hours)s小时已审核通过，计入您的志愿服务总时长。") % {
            "day": day, "hours": hours}
    else:
        title = _("您的服务时长未通过审核")
        body = _("%(day)s的服务时长%(hours)s小时未通过审核。原因：%(reason)s") % {
            "day": day, "hours": hours, "reason": entry.review_reason}
    user = Volunteer.objects.select_related("user").get(pk=entry.volunteer_id).user
    notification_services.notify(
        user=user, kind=NotificationKind.HOURS_REVIEWED, dedup_key=f"hours:{entry.pk}:reviewed",
        title=title, body=body,
        data={"keywords": [day, hours, str(entry.get_status_display())],
              "service_hours_id": entry.pk, "approved": approved})


# --- Service-hours certificates -----------------------------------------------------------------
SERVICE_HOURS_CERTIFICATE_TITLE = "邻里365便民服务队"
MAX_CERTIFICATE_PERIOD_DAYS = 366 * 5


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _fmt_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _fmt_number(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _service_item(entry: ServiceHours) -> str:
    """What was served, in Chinese: the skill for a doorstep job, the event for a shift,
    otherwise the kind of commitment."""
    commitment = entry.commitment
    if commitment.kind == CommitmentKind.DISPATCH:
        offer = getattr(commitment, "offer", None)
        if offer is not None:
            return _("上门服务·%(skill)s") % {"skill": offer.request.skill.name}
        return _("上门服务")
    if commitment.kind == CommitmentKind.SHIFT:
        signup = getattr(commitment, "shift_signup", None)
        if signup is not None:
            return _("活动值守·%(event)s") % {"event": signup.shift.event.title}
        return _("活动值守")
    if commitment.kind == CommitmentKind.TUTORING:
        return _("微信一对一辅导")
    return commitment.title or str(CommitmentKind(commitment.kind).label)


def service_hours_summary(*, volunteer: Volunteer, period_start: date, period_end: date
                          ) -> tuple[Decimal, list[str]]:
    """Approved hours served in [period_start, period_end] (local dates, inclusive) and the
    service content, e.g. ["上门服务·理发 3次 6小时", ...], largest first. One query."""
    entries = (ServiceHours.objects
               .filter(volunteer_id=volunteer.pk, status=HoursStatus.APPROVED,
                       served_on__gte=_local_midnight(period_start),
                       served_on__lt=_local_midnight(period_end + timedelta(days=1)))
               .select_related("commitment__offer__request__skill",
                               "commitment__shift_signup__shift__event")
               .order_by("served_on", "id"))
    total = Decimal("0")
    items: dict[str, list] = {}
    for entry in entries:
        total += entry.hours
        item = items.setdefault(_service_item(entry), [0, Decimal("0")])
        item[0] += 1
        item[1] += entry.hours
    ordered = sorted(items.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    content = [_("%(item)s %(n)d次 %(hours)s小时") % {
        "item": name, "n": n, "hours": _fmt_number(hours)} for name, (n, hours) in ordered]
    return total, content


def service_hours_certificate_issue(*, actor, volunteer: Volunteer, period_start: date,
                                    period_end: date) -> Certificate:
    """Issue the 志愿服务证明 for the volunteer's APPROVED hours in the period.

    "谁记录谁证明": the unit whose coordinators approve the hours — the street of the
    volunteer's home community — issues it, and its coordinators (or an admin) may do so.
    The source key names volunteer and period, so asking twice returns the first
    certificate (later approvals in that period do not change a printed certificate).
    Rendered synchronously: one page, tens of milliseconds.
    """
    if not permissions.can_issue_service_hours_certificate(actor, volunteer):
        raise PermissionDenied
    today = timezone.localdate()
    if period_start > period_end:
        raise _error("period_end", _("证明期间的结束日期不能早于开始日期。"), Code.INVALID_WINDOW)
    if period_start > today:
        raise _error("period_start", _("证明期间不能从将来开始。"), Code.INVALID_WINDOW)
    if (period_end - period_start).days > MAX_CERTIFICATE_PERIOD_DAYS:
        raise _error("period_end", _("证明期间最长五年。"), Code.INVALID_WINDOW)
    total, content = service_hours_summary(volunteer=volunteer, period_start=period_start,
                                           period_end=period_end)
    if total <= 0:
        raise _error("period_start", _("该期间内没有已审核通过的服务时长。"),
                     Code.NO_APPROVED_HOURS)
    user = volunteer.user
    street = volunteer.community.street
    snapshot = {
        "holder_name": user.display_name or user.username,
        "title": SERVICE_HOURS_CERTIFICATE_TITLE,
        "hours": float(total),
        "period": _("%(start)s至%(end)s") % {"start": _fmt_day(period_start),
                                             "end": _fmt_day(period_end)},
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "content": content,
        "community_name": volunteer.community.name,
    }
    certificate, created = certificate_services.certificate_issue(
        kind=CertificateKind.SERVICE_HOURS, holder=user,
        source_key=f"service_hours:{volunteer.pk}:{period_start.isoformat()}:"
                   f"{period_end.isoformat()}",
        snapshot=snapshot, issuer_street=street)
    if created:
        audit_log_record(actor=actor, action="service_hours_certificate.issue", obj=certificate,
                         detail={"volunteer_id": volunteer.pk, "hours": str(total),
                                 "period": [period_start.isoformat(), period_end.isoformat()]})
    return certificate


# --- CSV import / export (admin) -----------------------------------------------------------------
CSV_COLUMNS = ["username", "display_name", "phone", "community", "skills", "status"]


def _parse_skills(text: str, known: dict[str, Skill]) -> list[tuple[Skill, int]]:
    result = []
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        code, _sep, level = part.partition(":")
        skill = known.get(code.strip())
        if skill is None:
            raise ValueError(_("未知技能“%(code)s”") % {"code": code})
        level_value = int(level or 1)
        if not 1 <= level_value <= 3:
            raise ValueError(_("技能等级应为1到3"))
        result.append((skill, level_value))
    return result


def volunteers_import_csv(*, actor, content: str) -> dict:
    """Validate every row, then import all of them or none. Returns
    {"created": n, "rejected": [(line, message), ...]}."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return {"created": 0, "rejected": [(1, _("缺少列：%(cols)s") % {
            "cols": ", ".join(missing)})]}
    communities = {c.name: c for c in Community.objects.select_related("street")}
    skills = {s.code: s for s in Skill.objects.all()}
    existing = {u.lower() for u in User.objects.values_list("username", flat=True)}
    seen: set[str] = set()
    parsed, rejected = [], []
    for line, row in enumerate(reader, start=2):
        try:
            username = (row["username"] or "").strip()
            if not username:
                raise ValueError(_("缺少用户名"))
            if username.lower() in existing or username.lower() in seen:
                raise ValueError(_("用户名已存在"))
            community = communities.get((row["community"] or "").strip())
            if community is None:
                raise ValueError(_("未知社区"))
            if not permissions.can_manage_roster(actor, community):
                raise ValueError(_("不在您管辖的范围内"))
            status = (row["status"] or VolunteerStatus.ACTIVE).strip().upper()
            if status not in VolunteerStatus.values:
                raise ValueError(_("状态不正确"))
            phone = (row["phone"] or "").strip()
            if phone:
                account_services._validate_phone(phone)
            parsed.append((username, (row["display_name"] or "").strip(), phone, community,
                           status, _parse_skills(row["skills"], skills)))
            seen.add(username.lower())
        except ValidationError:
            rejected.append((line, _("手机号格式不正确")))
        except ValueError as exc:
            rejected.append((line, str(exc)))
    if rejected:
        return {"created": 0, "rejected": rejected}
    with transaction.atomic():
        for username, display_name, phone, community, status, skill_levels in parsed:
            user = account_services.user_create(
                username=username, password=None, display_name=display_name, phone=phone,
                community=community)
            volunteer = volunteer_create(user=user, community=community, status=status)
            VolunteerSkill.objects.bulk_create([
                VolunteerSkill(volunteer=volunteer, skill=skill, level=level)
                for skill, level in skill_levels])
        audit_log_record(actor=actor, action="volunteer.import",
                         object_type="volunteers.volunteer", detail={"created": len(parsed)})
    return {"created": len(parsed), "rejected": []}


def volunteers_export_csv(*, actor, queryset) -> str:
    """Export with masked phones; the export itself is recorded in the audit log."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "username", "display_name", "phone", "community", "street", "status",
                     "skills"])
    rows = 0
    for v in queryset.select_related("user", "community__street").prefetch_related(
            "skills__skill"):
        writer.writerow([v.pk, v.user.username, v.user.display_name, v.user.phone_masked,
                         v.community.name, v.community.street.name, v.status,
                         ";".join(f"{s.skill.code}:{s.level}" for s in v.skills.all())])
        rows += 1
    audit_log_record(actor=actor, action="volunteer.export", object_type="volunteers.volunteer",
                     detail={"rows": rows})
    return out.getvalue()
