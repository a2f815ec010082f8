"""Service hours (log hours for a finished job, my hours and totals, my service-hours
certificates) and my credentials with when they expire."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.core.formatting import hours_zh
from volunteers import selectors, services
from volunteers.models import CredentialStatus

from ..common import (
    decode_page_id,
    field_errors,
    new_form_key,
    page_login_required,
    page_view,
    render_page,
)
from .common import my_volunteer, not_a_volunteer

ENTRIES_SHOWN = 50


def _log(request, volunteer) -> dict:
    """Log the hours the form names through service_hours_log; errors by field."""
    raw = request.POST.get("commitment_id", "")
    try:
        pk = decode_page_id(raw, "Commitment")
    except Http404:
        pk = None
    commitment = selectors.commitment_get(pk) if pk else None
    if commitment is None or commitment.volunteer_id != volunteer.pk:
        return {"commitment_id": ["请选一次已经结束的服务。"]}
    try:
        services.service_hours_log(
            actor=request.user, commitment=commitment, hours=request.POST.get("hours", ""),
            note=request.POST.get("note", "").strip(),
            idempotency_key=request.POST.get("idempotency_key") or None)
    except ValidationError as exc:
        return field_errors(exc)
    return {}


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
def hours(request):
    volunteer = my_volunteer(request)
    if volunteer is None:
        return not_a_volunteer(request)
    errors: dict = {}
    if request.method == "POST":
        errors = _log(request, volunteer)
        if not errors:
            messages.success(request, "已登记，等协调员审核。审核后会通知您。")
            return redirect("page-hours")
    totals = {status: hours_zh(value)
              for status, value in selectors.volunteer_hours_totals(volunteer).items()}
    entries = list(selectors.volunteer_hours_entries(volunteer)[:ENTRIES_SHOWN])
    for entry in entries:
        entry.hours_text = hours_zh(entry.hours)
    loggable = list(selectors.loggable_commitments(volunteer))
    for commitment in loggable:
        commitment.max_hours = hours_zh(services.max_hours_for(commitment))
    return render_page(request, "pages/volunteers/hours.html", {
        "loggable": loggable, "entries": entries, "totals": totals,
        "certificates": volunteer.user.service_hours_certificates,
        "chosen": request.POST.get("commitment_id") or request.GET.get("commitment", ""),
        "form_key": (request.POST.get("idempotency_key") if errors else None) or new_form_key(),
        "post": request.POST if errors else {}, "errors": errors,
        "general_errors": [m for field, found in errors.items()
                           if field not in ("commitment_id", "hours") for m in found]},
        status=400 if errors else 200)


@never_cache
@page_view
@page_login_required
def credentials(request):
    """Where the "credential expiring" notice links."""
    volunteer = my_volunteer(request)
    if volunteer is None:
        return not_a_volunteer(request)
    return render_page(request, "pages/volunteers/credentials.html", {
        "credentials": list(volunteer.credentials.all()),
        "skills": list(volunteer.skills.all()),
        "expiring": CredentialStatus.EXPIRING, "expired": CredentialStatus.EXPIRED,
        "revoked": CredentialStatus.REVOKED})
