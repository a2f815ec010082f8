"""Job offers: my offers, one offer (what, when, roughly where; the exact address and the
resident's note only once accepted — for a help request also what she wrote, her photos and
the visit code, and her phone in the window before the visit: offer_help.py), accept,
decline with a reason on a second screen."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.core.links import node_id
from volunteers import permissions, selectors, services
from volunteers.models import OfferStatus

from ..common import field_errors, page_ids, page_login_required, page_view, render_page
from .common import my_volunteer, not_a_volunteer
from .offer_help import offer_help_facts

LIST_SIZE = 30

# Plain reasons to pick from; "other" takes the free text alone.
DECLINE_REASONS = (
    ("busy", "那个时间我没空"),
    ("far", "离我太远了"),
    ("skill", "这项服务我做不了"),
    ("health", "身体不舒服"),
    ("other", "其他原因"),
)


def offer_state(offer, now=None) -> str:
    """OFFERED only while it can still be answered; an unanswered offer past its time is
    EXPIRED here even before the sweep has marked it."""
    now = now or timezone.now()
    if offer.status == OfferStatus.OFFERED and offer.expires_at <= now:
        return OfferStatus.EXPIRED
    return offer.status


def _offer_context(request, offer, **extra):
    state = offer_state(offer)
    return {
        "offer": offer,
        "job": offer.request,
        "state": state,
        # The address rule is the API's (permissions.can_see_job_details).
        "show_details": permissions.can_see_job_details(
            request.user, offer.request, offer.request.offers.all()),
        "help": offer_help_facts(request.user, offer.request, state),
        "errors": {},
        **extra,
    }


def _my_offer(request, pk: int):
    offer = selectors.my_offer_get(user=request.user, pk=pk)
    if offer is None:
        raise Http404
    return offer


def _back(offer):
    return redirect("page-offer", id=node_id("Offer", offer.pk))


@never_cache
@page_view
@page_login_required
def offer_list(request):
    volunteer = my_volunteer(request)
    if volunteer is None:
        return not_a_volunteer(request)
    now = timezone.now()
    rows = [(o, offer_state(o, now))
            for o in selectors.my_offers(user=request.user, limit=LIST_SIZE)]
    return render_page(request, "pages/volunteers/offers.html", {
        "waiting": [o for o, state in rows if state == OfferStatus.OFFERED],
        "answered": [(o, state) for o, state in rows if state != OfferStatus.OFFERED],
    })


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="Offer")
def offer(request, id):
    """What the job-offer notification opens. POST accepts (through offer_respond, the
    service offerRespond calls)."""
    offer = _my_offer(request, id)
    if request.method == "GET":
        return render_page(request, "pages/volunteers/offer.html",
                           _offer_context(request, offer))
    try:
        services.offer_respond(actor=request.user, offer=offer, accept=True)
    except ValidationError as exc:
        offer = _my_offer(request, id)
        return render_page(request, "pages/volunteers/offer.html", _offer_context(
            request, offer, errors=field_errors(exc)), status=400)
    messages.success(request, "您已接受这个派单，谢谢您！地址和备注在下面，请按时上门。")
    return _back(offer)


def _decline_reason(request) -> tuple[str, dict]:
    choice = request.POST.get("reason_choice", "")
    text = request.POST.get("reason_text", "").strip()
    labels = dict(DECLINE_REASONS)
    if choice not in labels:
        return "", {"reason_choice": ["请选一个原因。"]}
    if choice == "other":
        if not text:
            return "", {"reason_text": ["请写一下原因。"]}
        return text[:200], {}
    return (f"{labels[choice]}；{text}" if text else labels[choice])[:200], {}


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="Offer")
def offer_decline(request, id):
    """The second screen of a decline: pick a reason (or write one), then 拒绝."""
    offer = _my_offer(request, id)
    if offer_state(offer) != OfferStatus.OFFERED:
        return _back(offer)
    errors: dict = {}
    if request.method == "POST":
        reason, errors = _decline_reason(request)
        if not errors:
            try:
                services.offer_respond(actor=request.user, offer=offer, accept=False,
                                       reason=reason)
            except ValidationError as exc:
                messages.error(request, " ".join(
                    m for found in field_errors(exc).values() for m in found))
                return _back(offer)
            messages.success(request, "您已拒绝这个派单，我们会请其他志愿者去。")
            return _back(offer)
    return render_page(request, "pages/volunteers/offer_decline.html", _offer_context(
        request, offer, reasons=DECLINE_REASONS, errors=errors,
        chosen=request.POST.get("reason_choice", ""),
        reason_text=request.POST.get("reason_text", "")),
        status=400 if errors else 200)


@never_cache
@require_http_methods(["POST"])
@page_view
@page_login_required
@page_ids(id="Offer")
def offer_phone(request, id):
    """查看居民电话: the resident's phone, for the accepted volunteer of a help request from
    two hours before the visit until it ends; each reveal audited by the service."""
    offer = _my_offer(request, id)
    try:
        phone = services.help_request_phone_reveal(actor=request.user,
                                                        service_request=offer.request)
    except PermissionDenied:
        messages.info(request, "上门前 2 小时到服务结束之间，才能在这里查看居民电话。")
        return _back(offer)
    context = _offer_context(request, offer)
    context["help"] = offer_help_facts(request.user, offer.request, context["state"],
                                       phone=phone or "没有登记电话，请联系社区工作人员")
    return render_page(request, "pages/volunteers/offer.html", context)
