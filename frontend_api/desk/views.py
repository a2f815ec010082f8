"""The desk of community staff (/desk/): find a resident, register one, print her binding
QR code. Coordinators see it too, for the communities they coordinate. Thin views over the
same selectors and services as GraphQL (residentCreate, wechatBindingLinkCreate).

Templates are self-contained (frontend_api/templates/desk/base.html) until the shared
phone-page base exists.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from graphql_relay import from_global_id

from backend.accounts import permissions, selectors, services
from backend.accounts.error_codes import AccountErrorCode
from backend.core import audit
from backend.core.errors import has_code
from backend.core.links import absolute_url, node_id
from backend.core.masking import mask_name, mask_phone
from backend.wechat import selectors as wechat_selectors
from backend.wechat import services as wechat_services
from frontend_api.wechat.qr import qr_svg


def login_redirect(request) -> HttpResponseRedirect:
    """To the password login, coming back here. The shared /login/ page once it exists."""

    query = "?" + urlencode({"next": request.get_full_path()})
    try:
        return HttpResponseRedirect(reverse("page-login") + query)
    except NoReverseMatch:
        pass
    account = wechat_selectors.district_account()
    if account is not None:
        return HttpResponseRedirect(reverse("wechat-login", kwargs={"slug": account.slug})
                                    + query)
    return HttpResponseRedirect(reverse("admin:login") + query)


def landing_path_for(user) -> str | None:
    """Where a person lands after login when no page was asked for: the desk for staff
    and coordinators (their first screen), None for everyone else."""
    return reverse("page-desk") if permissions.works_a_desk(user) else None


def _desk_user(request):
    """None when the request may use the desk; otherwise the response to give."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    if not permissions.works_a_desk(request.user):
        return render(request, "desk/message.html", {
            "message": _("这个页面只给社区工作人员和协调员使用。"), "level": "error"},
            status=403)
    return None


def _row(viewer, person) -> dict:
    phone = person.phone
    if phone and not permissions.can_view_personal_data(viewer, person):
        phone = mask_phone(phone)
    elif phone:
        audit.personal_data_read(actor=viewer, subject=person, what="phone", why="desk:search")
    return {"user": person, "id": node_id("User", person.pk),
            "name": person.display_name or person.username, "phone": phone,
            "community": person.community}


def _person_or_none(viewer, raw_id: str):
    """The person named by a global id or a bare number, if the viewer may act for her;
    None otherwise (the same answer for someone who does not exist)."""
    try:
        pk = int(raw_id)
    except ValueError:
        try:
            type_name, raw = from_global_id(raw_id)
            pk = int(raw) if type_name == "User" else 0
        except (TypeError, ValueError, UnicodeDecodeError):
            pk = 0
    person = selectors.user_with_unit(pk) if pk > 0 else None
    return person if person is not None and permissions.can_act_for(viewer, person) else None


@require_safe
@never_cache
def desk_home(request):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    query = request.GET.get("q", "").strip()[:64]
    people = selectors.desk_people_search(request.user, query) if query else []
    return render(request, "desk/home.html", {
        "query": query, "results": [_row(request.user, p) for p in people],
        "searched": bool(query),
        "phone_hint": query.isdigit() and len(query) != 11,
        "communities": list(selectors.desk_communities(request.user)[:5]),
    })


FIELDS = ("display_name", "phone", "address", "username", "community_id", "consent_version")


@require_http_methods(["GET", "POST"])
@never_cache
def desk_resident_new(request):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    communities = list(selectors.desk_communities(request.user))
    values = {name: request.POST.get(name, "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        community = next((c for c in communities if str(c.pk) == values["community_id"]),
                         communities[0] if len(communities) == 1 else None)
        if not values["display_name"]:
            errors["display_name"] = _("请填写居民的姓名。")
        if community is None:
            errors["community_id"] = _("请选择居民所在的社区。")
        if request.POST.get("consent") != "yes":
            errors["consent"] = _("请先请居民阅读隐私声明，同意后再勾选。")
        if not errors:
            try:
                person = _register(request.user, values, community)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors[field] = messages[0]
            else:
                return HttpResponseRedirect(reverse("page-desk-person",
                                                    kwargs={"user_id": node_id("User",
                                                                               person.pk)}))
    return render(request, "desk/resident_new.html", {
        "values": values, "errors": errors, "communities": communities,
        "notice_version": settings.PRIVACY_NOTICE_VERSION,
    }, status=400 if errors else 200)


def _register(actor, values: dict, community):
    """residentCreate's service; a resident without a password signs in through WeChat.
    A blank username gets a generated one."""
    username = values["username"]
    for _attempt in range(5):
        try:
            return services.resident_create(
                actor=actor, username=username or f"jm{secrets.randbelow(10**8):08d}",
                password="", display_name=values["display_name"], phone=values["phone"],
                community=community, consent_version=settings.PRIVACY_NOTICE_VERSION,
                address=values["address"])
        except ValidationError as exc:
            if username or not has_code(exc, AccountErrorCode.USERNAME_TAKEN):
                raise
    raise ValidationError({"username": [_("请填写一个用户名。")]})


@require_safe
@never_cache
def desk_person(request, user_id: str):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    person = _person_or_none(request.user, user_id)
    if person is None:
        return render(request, "desk/message.html", {
            "message": _("没有找到这位居民，或者她不在您负责的社区。"), "level": "error"},
            status=404)
    bindings = list(wechat_selectors.bindings_bound_to(person))
    return render(request, "desk/person.html", {
        "person": _row(request.user, person), "address": person.address,
        "bindings": bindings,
        "qr_action": reverse("page-desk-qr", kwargs={"user_id": node_id("User", person.pk)}),
    })


@require_POST
@never_cache
def desk_binding_qr(request, user_id: str):
    """Make a new binding link and show it as a big QR code, ready to print. The raw token
    exists only in this response."""
    refusal = _desk_user(request)
    if refusal:
        return refusal
    person = _person_or_none(request.user, user_id)
    try:
        link, token = wechat_services.binding_link_create(actor=request.user, user=person)
    except (PermissionDenied, ValidationError):
        return render(request, "desk/message.html", {
            "message": _("没有找到这位居民，或者她不在您负责的社区。"), "level": "error"},
            status=404)
    url = absolute_url("page-bind", token=token)
    return render(request, "desk/qr_print.html", {
        "qr": qr_svg(url), "name": mask_name(person.display_name or person.username),
        "account": link.account, "expires_at": link.expires_at,
        "back": reverse("page-desk-person", kwargs={"user_id": node_id("User", person.pk)}),
    })
