"""The coordinators' dispatch board, an admin page: a period's doorstep jobs in columns by
status, a create form with a live preview of the ranked candidates, one button per action,
each job's offer timeline, a partial that the page polls to refresh itself, and the hours
and dispatch CSV exports. Registered through ServiceRequestAdmin.get_urls; every change
goes through the services."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.accounts import selectors as account_selectors

from . import board, permissions, selectors, services

EXCLUSION_LABELS = {
    "NOT_ACTIVE": "未在岗", "LEVEL_TOO_LOW": "等级不够", "CREDENTIAL_MISSING": "缺少有效资质",
    "NOT_AVAILABLE": "该时段不可服务", "TIME_OFF": "请假", "BUSY": "已有日程",
    "DAILY_CAP": "当日派单已满",
}
ACTIONS = {
    "reoffer": services.service_request_reoffer,
    "escalate": services.service_request_escalate,
    "cancel": services.service_request_cancel,
    "complete": services.service_request_complete,
}
DONE_MESSAGES = {
    "reoffer": gettext_lazy("已改派。"), "escalate": gettext_lazy("已上报，由您另行安排。"),
    "cancel": gettext_lazy("已取消。"),
    "complete": gettext_lazy("已标记完成，已提醒志愿者登记服务时长。"),
    "offer_to": gettext_lazy("已派给指定志愿者。"),
}


def board_urls(model_admin) -> list:
    site = model_admin.admin_site

    def view(func):
        return site.admin_view(partial(func, model_admin))

    return [
        path("board/", view(board_view), name="volunteers_board"),
        path("board/columns/", view(columns_view), name="volunteers_board_columns"),
        path("board/candidates/", view(candidates_view), name="volunteers_board_candidates"),
        path("board/create/", view(create_view), name="volunteers_board_create"),
        path("board/export/", view(export_view), name="volunteers_board_export"),
        path("board/<int:pk>/<str:action>/", view(action_view),
             name="volunteers_board_action"),
    ]


def _check(request) -> None:
    if not permissions.can_use_dispatch_board(request.user):
        raise PermissionDenied


def _filters(request) -> dict:
    range_name = request.GET.get("range", "week")
    return {"range_name": range_name if range_name in board.RANGES else "week",
            "closed": request.GET.get("closed") == "1"}


def _columns_html(request, filters) -> str:
    columns = board.board_columns(user=request.user, **filters)
    return render_to_string("admin/volunteers/board_columns.html", {
        "columns": columns, "closed": filters["closed"],
        "return_query": request.GET.urlencode()}, request=request)


def board_view(model_admin, request):
    _check(request)
    filters = _filters(request)
    today = timezone.localdate()
    default_start = timezone.localtime(timezone.now() + timedelta(hours=2)).replace(
        minute=0, second=0, microsecond=0)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta, "title": _("派单看板"),
        "columns": board.board_columns(user=request.user, **filters),
        "closed": filters["closed"],
        "ranges": [(key, label) for key, (label, _days) in board.RANGES.items()],
        "filters": filters, "return_query": request.GET.urlencode(),
        "skills": board.board_skills(), "communities": board.board_communities(request.user),
        "default_start": request.GET.get("starts_at") or default_start.strftime("%Y-%m-%dT%H:%M"),
        # The availability search's 派单 link fills the create form in.
        "prefill": {"skill": request.GET.get("skill", ""),
                    "duration": _int(request.GET.get("duration"), 60),
                    "community": _int(request.GET.get("community"), 0),
                    "volunteer": _int(request.GET.get("volunteer"), 0)},
        "idempotency_key": uuid.uuid4().hex,
        "export_start": today.replace(day=1).isoformat(), "export_end": today.isoformat(),
        "exclusion_labels": EXCLUSION_LABELS,
    }
    return TemplateResponse(request, "admin/volunteers/board.html", context)


def columns_view(model_admin, request):
    _check(request)
    return HttpResponse(_columns_html(request, _filters(request)))


def _parse_start(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _candidate_json(candidate) -> dict:
    volunteer = candidate.volunteer
    return {"id": volunteer.pk, "name": str(volunteer), "community": volunteer.community.name,
            "score": round(candidate.score, 1), "level": candidate.level,
            "reasons": [reason.detail for reason in candidate.reasons]}


def candidates_view(model_admin, request):
    """The ranked candidates, from the same selector as the volunteerMatches query: for the
    create form's values, or (?request=<id>) for an existing job, without those already
    offered it."""
    _check(request)
    tried: set[int] = set()
    job = None
    if request.GET.get("request"):
        job = selectors.service_request_get(user=request.user,
                                            pk=_int(request.GET["request"], 0))
        if job is None:
            return JsonResponse({"error": _("找不到这个派单。")}, status=404)
        tried = {offer.volunteer_id for offer in job.offers.all()}
        skill_code = job.skill.code if job.skill_id else request.GET.get("skill", "")
        starts_at, community = job.starts_at, job.community
        minutes = int((job.ends_at - job.starts_at).total_seconds() // 60)
    else:
        skill_code = request.GET.get("skill", "")
        starts_at = _parse_start(request.GET.get("starts_at", ""))
        minutes = _int(request.GET.get("duration"), 60)
        community = account_selectors.community_get(_int(request.GET.get("community"), 0))
    if starts_at is None or community is None or not 1 <= minutes <= 24 * 60:
        return JsonResponse({"error": _("请填写技能、时间、时长和社区。")}, status=400)
    try:
        result = selectors.volunteer_matches(
            user=request.user, skill_code=skill_code, starts_at=starts_at,
            duration_minutes=minutes, community=community, limit=10 + len(tried))
    except PermissionDenied:
        return JsonResponse({"error": _("不在您管辖的范围内。")}, status=403)
    if result is None:
        return JsonResponse({"error": _("没有这项技能。")}, status=400)
    candidates = [c for c in result.candidates if c.volunteer.pk not in tried][:10]
    return JsonResponse({
        "candidates": [_candidate_json(c) for c in candidates],
        "excluded": [{"reason": EXCLUSION_LABELS.get(code, code), "count": count}
                     for code, count in result.excluded if count]})


def _back(request):
    query = request.POST.get("return_query", "")
    url = reverse("admin:volunteers_board")
    return redirect(f"{url}?{query}" if query else url)


def _report(request, exc: PermissionDenied | ValidationError) -> None:
    if isinstance(exc, PermissionDenied):
        messages.error(request, _("不在您管辖的范围内。"))
    else:
        messages.error(request, "；".join(exc.messages))


def create_view(model_admin, request):
    _check(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    data = request.POST
    community = account_selectors.community_get(_int(data.get("community"), 0))
    starts_at = _parse_start(data.get("starts_at", ""))
    if community is None or starts_at is None:
        messages.error(request, _("请填写服务时间和社区。"))
        return _back(request)
    volunteer = None
    if data.get("volunteer_id"):
        volunteer = selectors.volunteer_lookup(_int(data["volunteer_id"], 0))
    try:
        job = services.dispatch_create(
            actor=request.user, skill_code=data.get("skill", ""), starts_at=starts_at,
            duration_minutes=_int(data.get("duration"), 60), community=community,
            address=data.get("address", ""), note=data.get("note", ""), volunteer=volunteer,
            offer_expires_in_minutes=_int(data.get("offer_minutes"), 30),
            idempotency_key=data.get("idempotency_key") or None)
    except (PermissionDenied, ValidationError) as exc:
        _report(request, exc)
        return _back(request)
    if job.status == "ESCALATED":
        messages.warning(request, _("暂无符合条件的志愿者，已放入“已上报”由您处理。"))
    else:
        messages.success(request, _("已派单，等待志愿者答复。"))
    return _back(request)


def action_view(model_admin, request, pk: int, action: str):
    _check(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if action not in (*ACTIONS, "offer_to"):
        raise PermissionDenied
    job = selectors.service_request_lookup(pk)
    if job is None:
        messages.error(request, _("找不到这个派单。"))
        return _back(request)
    reason = request.POST.get("reason", "")
    try:
        if action == "offer_to":
            volunteer = selectors.volunteer_lookup(_int(request.POST.get("volunteer_id"), 0))
            if volunteer is None:
                raise ValidationError(_("请选择志愿者。"))
            services.service_request_offer_to(actor=request.user, service_request=job,
                                              volunteer=volunteer)
        elif action == "complete":
            services.service_request_complete(actor=request.user, service_request=job)
        else:
            ACTIONS[action](actor=request.user, service_request=job,  # type: ignore[call-arg]
                            reason=reason)
    except (PermissionDenied, ValidationError) as exc:
        _report(request, exc)
        return _back(request)
    messages.success(request, DONE_MESSAGES[action])
    return _back(request)


def _date(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return default


def csv_response(content: str, filename: str) -> HttpResponse:
    # The BOM makes Excel on Chinese Windows read the file as UTF-8.
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_view(model_admin, request):
    _check(request)
    today = timezone.localdate()
    start = _date(request.GET.get("start", ""), today.replace(day=1))
    end = _date(request.GET.get("end", ""), today)
    if end < start:
        start, end = end, start
    kind = request.GET.get("kind")
    export = {"hours": services.service_hours_export_csv,
              "dispatches": services.dispatches_export_csv}.get(kind)
    if export is None:
        raise PermissionDenied
    content = export(actor=request.user, period_start=start, period_end=end)
    return csv_response(content, f"{kind}-{start:%Y%m%d}-{end:%Y%m%d}.csv")
