"""The references, served by the benchmark's gunicorn next to Linli's own endpoints so that
both sides pay the same HTTP stack: plain Django views of one `.values()` query over the
same rows the GraphQL query returns, a static JSON response, the hand-tuned matching SQL,
an empty ReportLab page, a keyset read of a broadcast's audience, the stats selector alone.
Also the two operations that have no HTTP endpoint of their own (certificate rendering,
broadcast planning), so they are timed through the same stack as their references."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from backend.accounts.models import ApiToken, Community, Street, User
from backend.certificates.codes import display_code, generate_code
from backend.certificates.renderer import render_certificate_pdf
from backend.wechat.models import Broadcast, WeChatAccount
from bench import reference_match
from bench.broadcast import plan, reference_read
from bench.certificates import empty_page, snapshot
from courses.models import Course, CourseRun, Enrollment
from courses.tutoring.models import TutoringSlot, TutoringSlotStatus
from frontend_api.stats.aggregate import district_stats
from volunteers.models import Skill

STATIC = {"data": {"me": {"id": "VXNlcjox", "username": "bench", "displayName": "基准",
                          "roles": ["RESIDENT"]}}}
_counter = itertools.count()


def _user_id(request) -> int | None:
    """The caller's user id from `Authorization: Token …`: one indexed lookup."""
    header = request.headers.get("Authorization", "")
    key = header.removeprefix("Token ").strip()
    if not key:
        return None
    return ApiToken.objects.filter(key=key, revoked_at__isnull=True).values_list(
        "user_id", flat=True).first()


def static_json(request):
    return JsonResponse(STATIC)


def courses_values(request):
    rows = list(Course.objects.filter(published=True).order_by("code").values(
        "id", "code", "title", "summary", "audience", "hours")[:50])
    return JsonResponse({"data": rows})


def course_runs_values(request):
    rows = list(CourseRun.objects.order_by("starts_at", "id").values(
        "id", "code", "capacity", "enrolled_count", "starts_at", "ends_at", "course__title",
        "venue__name")[:50])
    return JsonResponse({"data": rows})


def my_enrollments_values(request):
    rows = list(Enrollment.objects.filter(user_id=_user_id(request))
                .order_by("-run__starts_at", "-id").values(
                    "id", "status", "created_at", "completed_at", "run__code",
                    "run__starts_at", "run__course__title"))
    return JsonResponse({"data": rows})


def tutoring_slots_values(request):
    rows = list(TutoringSlot.objects.filter(
        status=TutoringSlotStatus.OPEN, booked_count__lt=F("capacity"),
        starts_at__gt=timezone.now() + timedelta(hours=2))
        .order_by("starts_at", "id").values(
            "id", "starts_at", "ends_at", "topic", "place_text", "doorstep",
            "community__name", "tutor__user__display_name")[:50])
    return JsonResponse({"data": rows})


def match_reference(request):
    skill = Skill.objects.values("id").get(code=request.GET["skill"])
    community = Community.objects.values("id", "street_id").get(pk=request.GET["community"])
    result = reference_match.match(
        skill_id=skill["id"], community_id=community["id"], street_id=community["street_id"],
        starts_at=datetime.fromisoformat(request.GET["start"]),
        minutes=int(request.GET.get("minutes", 60)))
    return JsonResponse(result)


def certificate_render(request):
    i = next(_counter)
    code = generate_code()
    pdf = render_certificate_pdf(snapshot(i), display_code(code),
                                 f"https://linli.example.cn/verify/{code}")
    return HttpResponse(pdf, content_type="application/pdf")


def certificate_empty(request):
    return HttpResponse(empty_page(), content_type="application/pdf")


def _street_accounts(request):
    street = Street.objects.get(pk=request.GET["street"])
    return street, list(WeChatAccount.objects.filter(community__street=street).order_by("id"))


def broadcast_plan(request):
    """Plan a street broadcast (the service the admin action's task calls), then drop it."""
    street, accounts = _street_accounts(request)
    broadcast_id = plan(street, accounts)
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    planned, chunks = broadcast.planned, broadcast.chunks.count()
    broadcast.delete()
    return JsonResponse({"planned": planned, "chunks": chunks})


def broadcast_reference(request):
    _street, accounts = _street_accounts(request)
    return JsonResponse({"rows": reference_read(accounts)})


def stats_selector(request):
    """The dashboard's selector alone, for the admin (the numbers, no page, no GraphQL)."""
    user = User.objects.get(pk=_user_id(request))
    today = timezone.localdate()
    stats = district_stats(user, date_from=today - timedelta(days=365), date_to=today)
    return JsonResponse({"enrollments": stats.enrollments, "dispatches": stats.dispatches,
                         "hours": float(stats.volunteer_hours)})
