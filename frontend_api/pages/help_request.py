"""One help request's page (/help/<id>/): status, who is coming (masked name, time window,
visit code — never the volunteer's phone), what she asked, the timeline, and a rating once
it is done. Seen by whoever volunteers.permissions lets see it; anyone else gets a 404,
as for a request that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from backend.core.formatting import when_range_zh, when_zh
from backend.core.links import node_id, path_for
from backend.core.masking import mask_name
from volunteers import permissions
from volunteers import services as volunteer_services
from volunteers.help import notify as help_notify
from volunteers.help import page_selectors
from volunteers.help.models import HelpEventKind
from volunteers.models import OfferStatus, ServiceRequestStatus

from .common import field_errors, page_ids, page_login_required, page_view, render_page

S = ServiceRequestStatus
STATUS_TEXT = {
    S.REQUESTED: ("已收到，等社区安排", "status-wait",
                  "社区工作人员会尽快安排志愿者，安排好了会在微信上告诉您。"),
    S.OFFERED: ("正在联系志愿者", "status-wait",
                "志愿者答应以后，会告诉您是谁、什么时候来。"),
    S.ESCALATED: ("正在联系志愿者", "status-wait",
                  "社区工作人员正在另找志愿者，安排好了会告诉您。"),
    S.ACCEPTED: ("志愿者会上门", "status-ok", "请按约好的时间在家等候。"),
    S.COMPLETED: ("已经办好了", "status-ok", "谢谢您的信任。有需要可以再找我们。"),
    S.DECLINED: ("这次没法安排", "", ""),
    S.CANCELLED: ("已取消", "", "这个求助不用再办了。"),
    S.UNFULFILLED: ("这次没能安排上", "", "很抱歉，没找到合适的志愿者。请联系社区工作人员。"),
}


def photo_url(photo_id) -> str:
    """Where a help photo is served to those allowed (GET /api/uploads/<id>)."""
    return path_for("api-upload", id=node_id("HelpPhoto", photo_id))


def request_card(service_request) -> dict:
    """What a list of requests shows: what, when she wanted it, where it stands."""
    return {"pk": service_request.pk, "what": help_notify.what(service_request),
            "wanted": help_notify.wanted_when(service_request),
            "status": service_request.status,
            "status_text": STATUS_TEXT.get(service_request.status, ("",))[0]}


def _accepted_offer(offers):
    return next((o for o in offers if o.status == OfferStatus.ACCEPTED), None)


def _status(service_request) -> tuple[str, str, str]:
    text, css, hint = STATUS_TEXT.get(service_request.status, ("", "", ""))
    if service_request.status == S.DECLINED:
        hint = f"原因：{service_request.decline_reason}。如有需要请联系社区工作人员。"
    elif service_request.status == S.CANCELLED and service_request.merged_into_id:
        text, hint = "已和您的另一条求助合并", "工作人员会按那一条来安排，这一条不用再管。"
    elif service_request.status == S.ACCEPTED:
        hint = f"{when_range_zh(service_request.starts_at, service_request.ends_at)}，" + hint
    return text, css, hint


# Steps as the resident reads them (staff's words for the rest).
STEP_TEXT = {HelpEventKind.RECEIVED: "求助已收到",
             HelpEventKind.TRIAGED: "社区已安排，正在联系志愿者",
             HelpEventKind.ACCEPTED: "志愿者答应上门", HelpEventKind.COMPLETED: "上门服务完成",
             HelpEventKind.RATED: "您评价了这次服务"}


def _timeline(service_request) -> list[dict]:
    steps = []
    for event in service_request.help_events.all():
        text = STEP_TEXT.get(event.kind) or HelpEventKind(event.kind).label
        if event.kind in (HelpEventKind.DECLINED, HelpEventKind.CHANGED,
                          HelpEventKind.CANCELLED) and event.note:
            text = f"{text}：{event.note}"
        steps.append({"when": when_zh(event.created_at), "text": text})
    return steps


def _coming(service_request, offers) -> dict | None:
    offer = _accepted_offer(offers)
    if offer is None or service_request.status not in (S.ACCEPTED, S.COMPLETED):
        return None
    person = offer.volunteer.user
    done = service_request.status == S.COMPLETED
    return {"name": mask_name(person.display_name or person.username),
            "window": when_range_zh(service_request.starts_at, service_request.ends_at),
            "title": "上门的志愿者" if done else "谁来上门",
            # Said at the door: no use once the visit is over.
            "visit_code": "" if done else service_request.visit_code}


def request_view(user, service_request, offers) -> dict:
    """The page's facts for this viewer: the details (address, photos, visit code) only
    for those permissions.can_view_help_details lets see them."""
    details = permissions.can_view_help_details(user, service_request, offers)
    text, css, hint = _status(service_request)
    can_triage = permissions.can_triage_help(user, service_request.community)
    return {
        "what": help_notify.what(service_request), "wanted": help_notify.wanted_when(
            service_request) or "—",
        "status_text": text, "status_class": css, "status_hint": hint,
        "coming": _coming(service_request, offers) if details else None,
        "description": service_request.description if details else "",
        "address": service_request.address if details else "",
        "photos": [photo_url(p.pk) for p in service_request.photos.all()] if details else [],
        "timeline": _timeline(service_request),
        "can_rate": (service_request.status == S.COMPLETED and service_request.rated_at is None
                     and permissions.can_rate_help(user, service_request)),
        "rating": service_request.rating, "rating_comment": service_request.rating_comment,
        "is_requester": service_request.requester_id == user.pk,
        "desk_url": (path_for("page-desk-help-request",
                              id=node_id("ServiceRequest", service_request.pk))
                     if can_triage else ""),
    }


def _visible_or_404(request, pk: int):
    service_request = page_selectors.help_request_for_page(pk)
    if service_request is None:
        raise Http404
    offers = list(service_request.offers.all())
    if not permissions.can_view_help_request(request.user, service_request, offers):
        raise Http404
    return service_request, offers


def _render(request, service_request, offers, errors=None, status=200):
    return render_page(request, "pages/help/request.html", {
        "r": service_request, "view": request_view(request.user, service_request, offers),
        "errors": errors or {}, "scores": range(5, 0, -1)}, status=status)


@never_cache
@require_GET
@page_view
@page_login_required
@page_ids(id="ServiceRequest")
def help_request(request, id):
    service_request, offers = _visible_or_404(request, id)
    return _render(request, service_request, offers)


@never_cache
@require_POST
@page_view
@page_login_required
@page_ids(id="ServiceRequest")
def help_request_rate(request, id):
    """Her rating (1–5) and thanks, once, after the visit."""
    service_request, offers = _visible_or_404(request, id)
    back = redirect("page-help-request", id=node_id("ServiceRequest", service_request.pk))
    rating = request.POST.get("rating", "")
    errors: dict = {}
    if not (rating.isdigit() and 1 <= int(rating) <= 5):
        errors = {"rating": ["请选一个分数（1到5分，5分最好）。"]}
    else:
        try:
            volunteer_services.help_request_rate(
                actor=request.user, service_request=service_request, rating=int(rating),
                comment=request.POST.get("comment", "")[:500])
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            found = field_errors(exc)
            messages.info(request, " ".join(m for ms in found.values() for m in ms))
            return back
        messages.success(request, "谢谢您的评价！")
        return back
    return _render(request, service_request, offers, errors=errors, status=400)
