"""Staff triage a help request: set the service, time and length and dispatch it through
the same matching and offer flow as dispatchCreate — or decline it with a reason she is
told, or merge a duplicate. A triage that finds nobody changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from .. import matching, permissions
from ..error_codes import VolunteerErrorCode as Code
from ..models import ServiceRequest, ServiceRequestStatus, Skill, Volunteer
from ..services.dispatch import MAX_JOB_MINUTES, _offer_next, _try_offer
from . import notify
from .models import HelpEvent, HelpEventKind

S = ServiceRequestStatus


def _event(request, kind, actor, note=""):
    HelpEvent.objects.create(request=request, kind=kind, actor=actor, note=(note or "")[:200])


def _lock_requested(actor, service_request: ServiceRequest) -> ServiceRequest:
    if not permissions.can_triage_help(actor, service_request.community):
        raise PermissionDenied
    request = ServiceRequest.objects.select_for_update(of=("self",)).select_related(
        "skill", "community", "requester").get(pk=service_request.pk)
    if request.requester_id is None or request.status != S.REQUESTED:
        raise validation_error("service_request_id", _("这条求助已处理过了。"),
                               Code.INVALID_STATE)
    return request


def _check_triage_input(skill_code: str, starts_at: datetime, duration_minutes: int) -> Skill:
    skill = Skill.objects.filter(code=skill_code or "").first()
    if skill is None:
        raise validation_error("skill", _("没有这项技能：%(code)s。") % {"code": skill_code},
                               Code.NOT_FOUND)
    if not 1 <= int(duration_minutes) <= MAX_JOB_MINUTES:
        raise validation_error("duration_minutes", _("服务时长应在1分钟到12小时之间。"),
                               Code.INVALID_WINDOW)
    if starts_at <= timezone.now():
        raise validation_error("starts_at", _("服务时间须在将来。"), Code.INVALID_WINDOW)
    return skill


def help_request_triage(*, actor, service_request: ServiceRequest, skill_code: str,
                        starts_at: datetime, duration_minutes: int,
                        volunteer: Volunteer | None = None) -> ServiceRequest:
    """Dispatch a REQUESTED help request: offered to the best candidate of its unit (or the
    named volunteer). NO_CANDIDATE / VOLUNTEER_UNAVAILABLE roll everything back: the
    request stays REQUESTED with its old skill and time."""
    if not permissions.can_triage_help(actor, service_request.community):
        raise PermissionDenied
    skill = _check_triage_input(skill_code, starts_at, duration_minutes)
    with transaction.atomic():
        request = _lock_requested(actor, service_request)
        request.skill, request.starts_at = skill, starts_at
        request.ends_at = starts_at + timedelta(minutes=int(duration_minutes))
        request.created_by, request.dispatched_at = actor, timezone.now()
        request.save(update_fields=["skill", "starts_at", "ends_at", "created_by",
                                    "dispatched_at", "updated_at"])
        if volunteer is None:
            if _offer_next(request) is None:
                raise validation_error(None, _("该时段暂时没有符合条件的志愿者（技能、时间、"
                                               "距离或日上限），请换个时间再试。"),
                                       Code.NO_CANDIDATE)
        else:
            result = matching.match_volunteers(
                skill=skill, starts_at=request.starts_at, ends_at=request.ends_at,
                community=request.community, min_level=request.min_level,
                visible=permissions.help_volunteers_visible(request),
                only_volunteer_id=volunteer.pk, limit=1)
            offer = _try_offer(request, result.candidates[0]) if result.candidates else None
            if offer is None:
                raise validation_error("volunteer_id", _("指定的志愿者在该时段不能接单。"),
                                       Code.VOLUNTEER_UNAVAILABLE)
        _event(request, HelpEventKind.TRIAGED, actor)
        audit_log_record(actor=actor, action="help.triage", obj=request,
                         detail={"skill": skill.code, "status": request.status})
        return request


def help_request_decline(*, actor, service_request: ServiceRequest,
                         reason: str) -> ServiceRequest:
    """Not something the alliance can do: DECLINED, and she is told why."""
    reason = (reason or "").strip()[:200]
    if not permissions.can_triage_help(actor, service_request.community):
        raise PermissionDenied
    if not reason:
        raise validation_error("reason", _("请写明原因，居民会收到。"), Code.REQUIRED)
    with transaction.atomic():
        request = _lock_requested(actor, service_request)
        request.status, request.decline_reason = S.DECLINED, reason
        request.save(update_fields=["status", "decline_reason", "updated_at"])
        _event(request, HelpEventKind.DECLINED, actor, reason)
        notify.declined(request)
        audit_log_record(actor=actor, action="help.decline", obj=request,
                         detail={"reason": reason})
        return request


def help_request_merge(*, actor, service_request: ServiceRequest,
                       into: ServiceRequest) -> ServiceRequest:
    """A duplicate (she asked twice, or her daughter did too): closed as CANCELLED and
    pointing at the request that stays. Both must be the same person's."""
    if not permissions.can_triage_help(actor, service_request.community):
        raise PermissionDenied
    with transaction.atomic():
        request = _lock_requested(actor, service_request)
        target = ServiceRequest.objects.filter(pk=into.pk).first()
        if (target is None or target.pk == request.pk
                or target.requester_id != request.requester_id
                or target.merged_into_id is not None):
            raise validation_error("into_id", _("只能合并同一位居民的另一条求助。"),
                                   Code.INVALID)
        request.status, request.merged_into = S.CANCELLED, target
        request.save(update_fields=["status", "merged_into", "updated_at"])
        _event(request, HelpEventKind.MERGED, actor, _("与另一条求助合并"))
        audit_log_record(actor=actor, action="help.merge", obj=request,
                         detail={"into": target.pk})
        return request
