"""The desk's lists (/desk/...): the community's volunteer roster, its residents' upcoming
bookings, and the call list — people a notification could not reach, to be phoned.

A phone number on the call list is shown masked; staff tap "查看电话" to read it, and that
read (a POST, because it writes an audit entry) shows it whole on the call page, where
"已电话告知" marks the row handled so it leaves the list.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from backend.accounts import permissions
from backend.core import audit
from backend.core.masking import mask_phone
from backend.notifications import selectors as notification_selectors
from backend.notifications import services as notification_services
from courses import desk_selectors as course_desk
from frontend_api.pages.common import not_found, page_view, render_page
from volunteers import desk_selectors as volunteer_desk

from .views import _desk_user

CALL_LIST_LIMIT = 100


def _name(person) -> str:
    return person.display_name or person.username


def _shown_phone(viewer, person) -> str:
    if person.phone and not permissions.can_view_personal_data(viewer, person):
        return mask_phone(person.phone)
    if person.phone:
        audit.personal_data_read(actor=viewer, subject=person, what="phone", why="desk:roster")
    return person.phone


@require_safe
@never_cache
@page_view
def desk_roster(request):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    rows = [{"volunteer": v, "name": _name(v.user), "phone": _shown_phone(request.user, v.user),
             "skills": [s.skill.name for s in v.skills.all()]}
            for v in volunteer_desk.desk_roster(request.user)]
    return render_page(request, "desk/roster.html", {"rows": rows})


@require_safe
@never_cache
@page_view
def desk_bookings(request):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    bookings = [{"booking": b, "name": _name(b.user)}
                for b in course_desk.desk_upcoming_bookings(request.user)]
    enrollments = [{"enrollment": e, "name": _name(e.user)}
                   for e in course_desk.desk_upcoming_enrollments(request.user)]
    return render_page(request, "desk/bookings.html", {
        "bookings": bookings, "enrollments": enrollments})


@require_safe
@never_cache
@page_view
def desk_call_list(request):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    rows = [{"notification": n, "name": _name(n.user),
             "phone": mask_phone(n.user.phone) if n.user.phone else ""}
            for n in notification_selectors.call_list(request.user)[:CALL_LIST_LIMIT]]
    return render_page(request, "desk/calls.html", {"rows": rows})


def _call_row(request, notification_id: int):
    return notification_selectors.call_list_row(request.user, notification_id)


@require_POST
@never_cache
@page_view
def desk_call(request, notification_id: int):
    """Read the person's phone for this call (audited) and offer "已电话告知"."""
    refusal = _desk_user(request)
    if refusal:
        return refusal
    notification = _call_row(request, notification_id)
    if notification is None:
        return not_found(request, "这条记录不在您负责的社区。")
    phone = notification_services.call_list_phone_read(actor=request.user,
                                                       notification=notification)
    return render_page(request, "desk/call.html", {
        "notification": notification, "name": _name(notification.user), "phone": phone})


@require_POST
@never_cache
@page_view
def desk_call_handled(request, notification_id: int):
    refusal = _desk_user(request)
    if refusal:
        return refusal
    notification = _call_row(request, notification_id)
    if notification is None:
        raise PermissionDenied
    notification_services.call_list_mark_handled(actor=request.user, notification=notification)
    messages.success(request, f"已记下：已电话告知{_name(notification.user)}。")
    return HttpResponseRedirect(reverse("page-desk-calls"))
