"""便民纸条 for residents: ask for doorstep help (/help/, with her requests below), confirm a
WeChat draft in one tap (/help/new/<token>). Thin views over volunteers.help's services;
one request's page is in help_request.py.

The form carries an idempotency key; an uploaded photo is remembered in the session under
that key, so a resent form neither stores the photo twice nor creates a second request.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.core.formatting import WEEKDAYS_ZH, date_zh
from backend.core.links import node_id
from frontend_api.accounts.types import PrivacyNoticeType
from volunteers import permissions
from volunteers import selectors as volunteer_selectors
from volunteers import services as volunteer_services
from volunteers.help import page_selectors
from volunteers.help import selectors as help_selectors
from volunteers.help.fields import PartOfDay
from volunteers.help.photos import MAX_UPLOAD_BYTES
from volunteers.help.services import MAX_OPEN_REQUESTS, OPEN_STATUSES

from .common import (
    error_codes,
    field_errors,
    new_form_key,
    page_login_required,
    page_view,
    render_page,
)
from .help_request import photo_url, request_card

DAYS_AHEAD = 14
RECENT_SIZE = 10
NEAR = {0: "今天", 1: "明天", 2: "后天"}
# Service fields -> the form field an error is shown beside.
ERROR_FIELDS = {"skill": "skill", "description": "description", "preferred_date": "preferred_date",
                "part_of_day": "part_of_day", "address": "address", "photo_ids": "photo",
                "file": "photo", "consent_version": "consent_version"}
PHOTO_SESSION_KEY = "help-photo:{key}"


def day_choices(today: date) -> list[tuple[str, str]]:
    """The next two weeks as she says them: 明天（12月2日 周三）."""
    days = []
    for offset in range(DAYS_AHEAD):
        day = today + timedelta(days=offset)
        label = f"{date_zh(day, year=False)} {WEEKDAYS_ZH[day.weekday()]}"
        days.append((day.isoformat(), f"{NEAR[offset]}（{label}）" if offset in NEAR else label))
    return days


def _empty_form(user, **values) -> dict:
    tomorrow = timezone.localdate() + timedelta(days=1)
    return {"skill": "other", "description": "", "preferred_date": tomorrow.isoformat(),
            "part_of_day": PartOfDay.MORNING, "address_choice": "home" if user.address else "other",
            "address": "", "consent_version": "", **values}


def _posted_form(post) -> dict:
    return {name: (post.get(name) or "").strip()[:1000] for name in
            ("skill", "description", "preferred_date", "part_of_day", "address_choice",
             "address", "consent_version")}


def _split_errors(exc: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, found in field_errors(exc).items():
        errors.setdefault(ERROR_FIELDS.get(field, ""), []).extend(found)
    return errors


def _arguments(form: dict, skills: dict) -> tuple[dict, dict]:
    """(service keyword arguments, errors) from the posted form; errors say what to do."""
    errors: dict[str, list[str]] = {}
    skill = form["skill"] if form["skill"] in skills else None
    description = form["description"] or (skills[skill].name if skill else "")
    if not description:
        errors["description"] = ["选了“其他”，请写几句需要帮什么，例如：想理发，出不了门。"]
    try:
        preferred = date.fromisoformat(form["preferred_date"])
    except ValueError:
        preferred = None
        errors["preferred_date"] = ["请选一个日子。"]
    if form["part_of_day"] not in PartOfDay.values:
        errors["part_of_day"] = ["请选上午、下午还是晚上。"]
    address = None
    if form["address_choice"] == "other":
        address = form["address"]
        if not address:
            errors["address"] = ["请写上门地址（几号楼几单元几室），或者选“我家”。"]
    return {"description": description, "skill_code": skill, "preferred_date": preferred,
            "part_of_day": form["part_of_day"], "address": address,
            "consent_version": form["consent_version"] or None}, errors


def _form_context(request, form: dict, errors: dict, **extra) -> dict:
    user = request.user
    notice = PrivacyNoticeType.current()
    general = [m for field, found in errors.items() if field not in ERROR_FIELDS.values()
               for m in found]
    return {"form": form, "errors": errors, "general_errors": general,
            "skills": list(volunteer_selectors.skill_list()), "parts": PartOfDay.choices,
            "days": day_choices(timezone.localdate()), "home_address": user.address,
            "needs_consent": user.consent_version != settings.PRIVACY_NOTICE_VERSION,
            "notice_version": notice.version, "notice_text": notice.text,
            "form_key": extra.pop("form_key", None) or new_form_key(), **extra}


def _photo_from_upload(request, key: str, errors: dict) -> int | None:
    """The photo of this form: stored once per form key (a resend reuses it)."""
    session_key = PHOTO_SESSION_KEY.format(key=key[:64])
    if key and (kept := request.session.get(session_key)):
        return kept
    kept_id = request.POST.get("photo_id", "")
    if kept_id.isdigit():  # uploaded with an earlier try of this form
        return int(kept_id)
    upload = request.FILES.get("photo")
    if upload is None:
        return None
    if upload.size > MAX_UPLOAD_BYTES:
        errors["photo"] = ["照片太大了（不能超过 8 MB）。可以不传照片，或者换一张再试。"]
        return None
    try:
        photo = volunteer_services.help_photo_store(uploader=request.user,
                                                     data=upload.read())
    except ValidationError:
        errors["photo"] = ["这张照片打不开（只收 JPEG 或 PNG）。可以不传照片，或者换一张再试。"]
        return None
    if key:
        request.session[session_key] = photo.pk
    return photo.pk


def _skills() -> dict:
    return {s.code: s for s in volunteer_selectors.skill_list()}


def _list_context(user) -> dict:
    """Her open requests (oldest first), then the last few finished ones."""
    mine = help_selectors.my_help_requests(user=user)
    open_rows = [r for r in reversed(mine) if r.status in OPEN_STATUSES]
    recent = [r for r in mine if r.status not in OPEN_STATUSES][:RECENT_SIZE]
    return {"open_requests": [request_card(r) for r in open_rows],
            "recent_requests": [request_card(r) for r in recent],
            "open_count": len(open_rows), "too_many": len(open_rows) >= MAX_OPEN_REQUESTS}


def _created(request, service_request):
    messages.success(request, "求助已提交！社区工作人员会尽快安排，安排好了会在微信上告诉您。")
    return redirect("page-help-request", id=node_id("ServiceRequest", service_request.pk))


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
def ask(request):
    """Ask for help; her open and recent requests below."""
    user = request.user
    if request.method == "GET":
        return render_page(request, "pages/help/ask.html", {
            **_form_context(request, _empty_form(user), {}), **_list_context(user)})
    form = _posted_form(request.POST)
    key = (request.POST.get("idempotency_key") or "")[:128]
    kwargs, errors = _arguments(form, _skills())
    photo_id = _photo_from_upload(request, key, errors)
    if not errors:
        try:
            created = volunteer_services.help_request_create(
                actor=user, photo_ids=[photo_id] if photo_id else [],
                idempotency_key=key or None, **kwargs)
        except ValidationError as exc:
            errors = _split_errors(exc)
        else:
            return _created(request, created)
    return render_page(request, "pages/help/ask.html", {
        **_form_context(request, form, errors, form_key=key, photo_id=photo_id,
                        photo_src=photo_url(photo_id) if photo_id else ""),
        **_list_context(user)}, status=400)


def _draft_or_404(request, token: str):
    """Her draft (or one she may confirm for the person it is for); 404 for anyone else."""
    draft = page_selectors.help_draft_for_page(token[:64])
    if draft is None:
        raise Http404
    if draft.user_id != request.user.pk and not permissions.can_ask_help_for(request.user,
                                                                             draft.user):
        raise Http404
    return draft


def _gone(request, draft):
    """A used or expired link says so, and where to go instead."""
    if draft.used_at is not None:
        return render_page(request, "pages/help/gone.html", {
            "title": "这个求助已经提交过了",
            "message": "这个链接只能用一次，您已经提交过了，不用再点。",
            "request_id": draft.request_id}, status=410)
    return render_page(request, "pages/help/gone.html", {
        "title": "这个链接已经过期了",
        "message": "链接 24 小时内有效。请在微信里再发一次“求助”，或者点下面的按钮重新写。",
        "request_id": None}, status=410)


def _draft_open(draft) -> bool:
    return draft.used_at is None and draft.expires_at > timezone.now()


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
def confirm_draft(request, token):
    """What a 求助 reply links to: the form pre-filled from her message; one tap confirms."""
    draft = _draft_or_404(request, token)
    if request.method == "POST" and draft.used_at is not None and draft.request_id:
        # A second tap of 确认求助 (or a resend): the request the first one made.
        return redirect("page-help-request", id=node_id("ServiceRequest", draft.request_id))
    if not _draft_open(draft):
        return _gone(request, draft)
    person = draft.user
    photos = [{"url": photo_url(p.pk)} for p in draft.photos.all()]
    if request.method == "GET":
        form = _empty_form(person, description=draft.text or ("请看照片" if photos else ""))
        return render_page(request, "pages/help/new.html", {
            **_form_context(request, form, {}), "draft_photos": photos,
            "home_address": person.address})
    form = _posted_form(request.POST)
    kwargs, errors = _arguments(form, _skills())
    if not errors:
        try:
            created = volunteer_services.help_draft_confirm(actor=request.user, token=draft.token,
                                                       **kwargs)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            if "DRAFT_EXPIRED" in error_codes(exc):  # a second tap of the first
                return _gone(request, page_selectors.help_draft_for_page(draft.token))
            errors = _split_errors(exc)
        else:
            return _created(request, created)
    return render_page(request, "pages/help/new.html", {
        **_form_context(request, form, errors), "draft_photos": photos,
        "home_address": person.address}, status=400)
