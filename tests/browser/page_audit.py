"""The page audit's table: which page routes exist, and how each is audited.

A *page route* is one whose view lives in a module listed in `PAGE_MODULES` (the phone
pages, the desk, the WeChat binding and sign-in pages, the certificate check). Every page
route must have an entry in `AUDITS`: the roles that may see it and how to fill its path
from the fixture world, or `skip` with the reason it has no screen of its own (a POST-only
action, a JSON feed, an OAuth return). `unaudited_routes()` lists the page routes without
an entry; tests/pages/test_page_audit_table.py fails on any, so a new page must be added
here. To add a page: one line in `AUDITS` (and, if it needs rows, a few in the world
builder of tests/browser/test_page_audit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from backend.core.links import node_id

PAGE_MODULES = (
    "frontend_api.pages.",
    "frontend_api.desk.",
    "frontend_api.wechat.binding_pages",
    "frontend_api.wechat.signin",
    "frontend_api.certificates.views",
)

ROLES = ("anonymous", "resident", "volunteer", "instructor", "staff", "coordinator")
SIGNED_IN = ROLES[1:]


@dataclass(frozen=True)
class Audit:
    """`roles`: who may see the page; `kwargs(world)`: the path's arguments; `query(world)`:
    a query string (without "?"); `submit_from`: for a page that answers a POST, the route
    (same arguments) whose form posts to it — the audit submits that form; `skip`: why the
    route has no page to audit."""

    roles: tuple[str, ...] = ()
    kwargs: Callable[[object], dict] = field(default=lambda w: {})
    query: Callable[[object], str] = field(default=lambda w: "")
    submit_from: str = ""
    skip: str = ""


def _gid(type_name: str, attr: str, name: str = "id"):
    return lambda w: {name: node_id(type_name, getattr(w, attr).pk)}


AUDITS: dict[str, Audit] = {
    # home, login, the 大字 switch
    "page-home": Audit(ROLES),
    # her data, its download, withdrawing consent
    "page-my-data": Audit(SIGNED_IN),
    "page-my-data-download": Audit(skip="a JSON file download, no screen"),
    "page-consent-withdraw": Audit(skip="POST only: withdraws consent and redirects back"),
    "page-data-deletion-request": Audit(skip="POST only: asks for deletion, redirects back"),
    "page-login": Audit(("anonymous",)),
    "page-logout": Audit(skip="POST only: signs out and redirects to the login page"),
    "page-text-size": Audit(skip="POST only: sets the 大字 cookie and redirects back"),
    # courses and learning
    "page-courses": Audit(SIGNED_IN),
    "page-course-run": Audit(SIGNED_IN, _gid("CourseRun", "run")),
    "page-course-run-cancel": Audit(("resident",), _gid("CourseRun", "run")),
    "page-learn": Audit(("resident",), _gid("Enrollment", "enrollment")),
    "page-lesson": Audit(("resident",), lambda w: {
        "id": node_id("Enrollment", w.enrollment.pk),
        "lesson_id": node_id("Lesson", w.lesson.pk)}),
    "page-quiz": Audit(("resident",), _gid("Enrollment", "enrollment")),
    "page-certificates": Audit(("resident", "volunteer")),
    # check-in and the instructor's pages
    "page-checkin": Audit(("resident",), _gid("ClassSession", "session"),
                          query=lambda w: f"t={w.checkin_token()}"),
    "page-checkin-display": Audit(("instructor", "coordinator"), _gid("ClassSession", "session")),
    "page-checkin-live": Audit(skip="JSON for the projector page's script"),
    "page-teach": Audit(("instructor", "coordinator")),
    "page-teach-run": Audit(("instructor", "coordinator"), _gid("CourseRun", "run")),
    "page-teach-session": Audit(("instructor", "coordinator"), _gid("ClassSession", "session")),
    # WeChat binding and sign-in
    "page-bind": Audit(("anonymous",), lambda w: {"token": w.binding_token}),
    "page-bind-return": Audit(skip="WeChat OAuth return: binds and redirects"),
    "wechat-signin": Audit(skip="WeChat OAuth return: signs in and redirects"),
    "page-wechat-bindings": Audit(("resident",)),
    # the desk of community staff
    "page-desk": Audit(("staff", "coordinator")),
    "page-desk-resident-new": Audit(("staff",)),
    "page-desk-person": Audit(("staff",), _gid("User", "resident", "user_id")),
    "page-desk-qr": Audit(("staff",), _gid("User", "resident", "user_id"),
                          submit_from="page-desk-person"),
    # tutoring: residents book, a tutor (a volunteer with the tutoring skill) publishes
    "page-tutoring": Audit(("resident", "volunteer")),
    "page-tutoring-slot": Audit(("resident", "volunteer"), _gid("TutoringSlot", "open_slot")),
    "page-tutoring-slot-book": Audit(("resident",), _gid("TutoringSlot", "open_slot")),
    "page-bookings": Audit(("resident", "volunteer")),
    "page-booking-cancel": Audit(("resident",), _gid("TutoringBooking", "booking")),
    "page-booking-rate": Audit(("resident",), _gid("TutoringBooking", "attended_booking")),
    "page-volunteer-tutoring": Audit(("volunteer",)),
    "page-volunteer-tutoring-new": Audit(("volunteer",)),
    "page-volunteer-tutoring-bulk": Audit(("volunteer",)),
    "page-volunteer-tutoring-slot-cancel": Audit(("volunteer",),
                                                 _gid("TutoringSlot", "open_slot")),
    # a volunteer's offers, schedule, hours and credentials
    "page-offers": Audit(("volunteer",)),
    "page-offer": Audit(("volunteer",), _gid("Offer", "offer")),
    "page-offer-decline": Audit(("volunteer",), _gid("Offer", "offer")),
    "page-commitments": Audit(("volunteer",)),
    "page-hours": Audit(("volunteer",)),
    "page-availability": Audit(("volunteer",)),
    "page-shifts": Audit(("volunteer",)),
    "page-shift-cancel": Audit(("volunteer",), _gid("ShiftSignUp", "sign_up")),
    "page-credentials": Audit(("volunteer",)),
    "page-offer-phone": Audit(skip="POST only: the resident's phone in the window before a "
                                    "help visit (audited), shown on the offer page"),
    # help requests (便民纸条): residents ask and follow them, staff triage at the desk
    "page-help": Audit(("resident", "volunteer")),
    "page-help-new": Audit(("resident",), lambda w: {"token": w.help_draft.token}),
    "page-help-request": Audit(("resident", "staff", "coordinator"),
                               _gid("ServiceRequest", "help_request")),
    "page-help-rate": Audit(skip="POST only: rates the visit and redirects to its page"),
    "page-desk-help": Audit(("staff", "coordinator")),
    "page-desk-help-request": Audit(("staff", "coordinator"),
                                    _gid("ServiceRequest", "help_request")),
    "page-desk-roster": Audit(("staff", "coordinator")),
    "page-desk-bookings": Audit(("staff", "coordinator")),
    "page-desk-calls": Audit(("staff", "coordinator")),
    "page-desk-call": Audit(skip="POST from a call-list row's 查看电话 (an audited phone read); "
                                 "its arguments are the row's, not the list's"),
    "page-desk-call-handled": Audit(skip="POST only: marks the row handled and redirects"),
    # the public certificate check
    "certificate-verify": Audit(("anonymous",), lambda w: {"code": w.certificate.code}),
}


def _walk(resolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield entry


def page_routes() -> list[str]:
    """The names of every page route in the URLconf (the rule in this module's docstring)."""
    names = []
    for pattern in _walk(get_resolver()):
        module = getattr(pattern.callback, "__module__", "") or ""
        if any(module == prefix.rstrip(".") or module.startswith(prefix)
               for prefix in PAGE_MODULES):
            names.append(pattern.name or f"<unnamed {pattern.pattern}>")
    return sorted(set(names))


def unaudited_routes() -> list[str]:
    return [name for name in page_routes() if name not in AUDITS]


def audits_for(role: str) -> list[tuple[str, Audit]]:
    return [(name, audit) for name, audit in sorted(AUDITS.items())
            if not audit.skip and role in audit.roles]
