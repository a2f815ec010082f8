"""The desk's help queue (/desk/help/): REQUESTED help requests of the communities the
staff member (or street coordinator) works, oldest first with how long each has waited;
one request (/desk/help/<id>/): set the service, time and length and dispatch it — to the
best candidate or a chosen volunteer — through help_request_triage (the matching and offer
flow of dispatchCreate), decline it with a reason she is told, merge a duplicate, or mark an
accepted visit done. A triage that finds nobody changes nothing and says why."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from backend.core.links import node_id
from backend.core.masking import mask_phone
from frontend_api.pages.common import field_errors, page_ids, page_view, render_page
from frontend_api.pages.help_request import request_view
from volunteers import permissions
from volunteers import selectors as volunteer_selectors
from volunteers import services as volunteer_services
from volunteers.admin_board import EXCLUSION_LABELS
from volunteers.help import notify as help_notify
from volunteers.help import page_selectors
from volunteers.help import selectors as help_selectors
from volunteers.help.fields import PartOfDay
from volunteers.models import ServiceRequestStatus

from .views import _desk_user

S = ServiceRequestStatus
DURATIONS = (30, 60, 90, 120, 180)
QUEUE_SIZE = 200
PART_STARTS = {PartOfDay.MORNING: time(9), PartOfDay.AFTERNOON: time(14),
               PartOfDay.EVENING: time(18, 30)}


def waited(since, now) -> str:
    """等了 3 天 / 2 小时 / 15 分钟."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes >= 24 * 60:
        return f"{minutes // (24 * 60)} 天"
    if minutes >= 60:
        return f"{minutes // 60} 小时 {minutes % 60} 分钟"
    return f"{minutes} 分钟" if minutes else "不到 1 分钟"


@require_safe
@never_cache
@page_view
def desk_help_queue(request):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    now = timezone.now()
    rows = [{"r": r, "id": node_id("ServiceRequest", r.pk), "what": help_notify.what(r),
             "wanted": help_notify.wanted_when(r), "waited": waited(r.created_at, now),
             "name": r.requester.display_name or r.requester.username}
            for r in help_selectors.help_queue(user=request.user)[:QUEUE_SIZE]]
    return render_page(request, "desk/help_queue.html", {"rows": rows})


def _triage_request_or_404(request, pk: int):
    service_request = page_selectors.help_request_for_page(pk)
    if service_request is None or not permissions.can_triage_help(request.user,
                                                                  service_request.community):
        raise Http404
    return service_request


def _default_start(service_request) -> datetime:
    day = service_request.preferred_date or timezone.localdate() + timedelta(days=1)
    start = PART_STARTS.get(service_request.part_of_day, time(9))
    return timezone.make_aware(datetime.combine(day, start))


def _plan(service_request, data) -> dict:
    """The dispatch form's values: posted (or asked for with 查看有空的志愿者), else the
    request's own skill and the start of the part of day she asked for."""
    default = timezone.localtime(_default_start(service_request))
    duration = data.get("duration_minutes", "")
    plan = {"skill": data.get("skill") or (service_request.skill.code
                                           if service_request.skill_id else ""),
            "date": data.get("date") or default.date().isoformat(),
            "time": data.get("time") or default.strftime("%H:%M"),
            "duration_minutes": int(duration) if duration.isdigit() else 60,
            "volunteer": data.get("volunteer", "")}
    try:
        naive = datetime.fromisoformat(f"{plan['date']}T{plan['time']}")
        plan["starts_at"] = timezone.make_aware(naive)
    except ValueError:
        plan["starts_at"] = None
    return plan


def _candidates(service_request, plan) -> dict:
    skill = volunteer_selectors.skill_get(plan["skill"]) if plan["skill"] else None
    if skill is None or plan["starts_at"] is None:
        return {"candidates": [], "excluded": []}
    result = page_selectors.help_candidates(
        service_request, skill=skill, starts_at=plan["starts_at"],
        ends_at=plan["starts_at"] + timedelta(minutes=plan["duration_minutes"]))
    return {"candidates": [{"id": c.volunteer.pk,
                            "name": c.volunteer.user.display_name or c.volunteer.user.username,
                            "community": c.volunteer.community.name, "level": c.level}
                           for c in result.candidates],
            "excluded": [{"reason": EXCLUSION_LABELS.get(code, code), "count": count}
                         for code, count in result.excluded if count]}


def _page(request, service_request, *, plan=None, errors=None, status=200):
    offers = list(service_request.offers.all())
    plan = plan or _plan(service_request, request.GET)
    requester = service_request.requester
    return render_page(request, "desk/help_request.html", {
        "r": service_request, "id": node_id("ServiceRequest", service_request.pk),
        "view": request_view(request.user, service_request, offers),
        "requester_name": requester.display_name or requester.username,
        "requester_phone": mask_phone(requester.phone),
        "plan": plan, "skills": list(volunteer_selectors.skill_list()),
        "durations": DURATIONS, **_candidates(service_request, plan),
        "duplicates": [{"id": d.pk, "what": help_notify.what(d),
                        "wanted": help_notify.wanted_when(d)}
                       for d in page_selectors.help_duplicates_of(service_request)],
        "errors": errors or {}, "is_requested": service_request.status == S.REQUESTED,
        "can_complete": service_request.status == S.ACCEPTED}, status=status)


def _dispatch(request, service_request) -> tuple[str, dict]:
    plan = _plan(service_request, request.POST)
    if plan["starts_at"] is None:
        return "", {"starts_at": ["请填好日期和时间。"]}
    volunteer = None
    if plan["volunteer"].isdigit():
        volunteer = volunteer_selectors.volunteer_lookup(int(plan["volunteer"]))
        if volunteer is None:
            return "", {"volunteer_id": ["没有这位志愿者，请重新选择。"]}
    done = volunteer_services.help_request_triage(
        actor=request.user, service_request=service_request, skill_code=plan["skill"],
        starts_at=plan["starts_at"], duration_minutes=plan["duration_minutes"],
        volunteer=volunteer)
    offer = next((o for o in done.offers.select_related("volunteer__user")
                  if o.status == "OFFERED"), None)
    name = (offer.volunteer.user.display_name or offer.volunteer.user.username) if offer else ""
    return f"已派单给{name}，等志愿者答复。答应后居民会收到微信通知。", {}


def _act(request, service_request, action: str) -> tuple[str, dict]:
    if action == "dispatch":
        return _dispatch(request, service_request)
    if action == "decline":
        volunteer_services.help_request_decline(actor=request.user, service_request=service_request,
                                    reason=request.POST.get("reason", ""))
        return "已标为不受理，居民会收到原因。", {}
    if action == "merge":
        into_id = request.POST.get("into", "")
        into = page_selectors.help_request_for_page(int(into_id)) if into_id.isdigit() else None
        if into is None:
            return "", {"into_id": ["请选要合并到哪一条求助。"]}
        volunteer_services.help_request_merge(actor=request.user, service_request=service_request,
                                  into=into)
        return "已合并到这位居民的另一条求助。", {}
    if action == "complete":
        volunteer_services.service_request_complete(actor=request.user,
                                                    service_request=service_request)
        return "已标记完成，居民可以评价了。", {}
    return "", {"": ["请从页面上的按钮操作。"]}


@require_http_methods(["GET", "POST"])
@never_cache
@page_view
@page_ids(id="ServiceRequest")
def desk_help_request(request, id):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    service_request = _triage_request_or_404(request, id)
    if request.method == "GET":
        return _page(request, service_request)
    try:
        done, errors = _act(request, service_request, request.POST.get("action", ""))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        done, errors = "", field_errors(exc)
    if errors:
        service_request = _triage_request_or_404(request, id)  # nothing changed: reload
        return _page(request, service_request, plan=_plan(service_request, request.POST),
                     errors=errors, status=400)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("page-desk-help"))
