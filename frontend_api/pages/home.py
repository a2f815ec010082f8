"""Login, logout, the larger-text switch and the home page (`/`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from backend.accounts import ratelimit
from backend.core.links import path_for
from courses import learner_selectors
from courses import permissions as course_permissions
from courses.tutoring import selectors as tutoring_selectors
from frontend_api.rest.views import index as landing
from volunteers import selectors as volunteer_selectors

from .common import (
    LARGE_TEXT_COOKIE,
    LARGE_TEXT_MAX_AGE,
    large_text,
    page_view,
    render_page,
    safe_next,
)


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
def login_page(request):
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url)
    errors: dict[str, str] = {}
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        if not username:
            errors["username"] = "请填写用户名。"
        if not password:
            errors["password"] = "请填写密码。"
        wait = ratelimit.retry_after(username, request) if not errors else 0
        if wait:
            response = render_page(request, "pages/login.html", {
                "errors": {"password": ratelimit.MESSAGE}, "username": username,
                "next": next_url}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if not errors:
            user = authenticate(request, username=username, password=password)
            if user is None:
                errors["password"] = "用户名或密码不对，请再试一次。忘了密码请找社区工作人员。"
            else:
                login(request, user)
                return HttpResponseRedirect(next_url)
    return render_page(request, "pages/login.html", {
        "errors": errors, "username": username, "next": next_url},
        status=400 if errors else 200)


@require_POST
def logout_page(request):
    logout(request)
    messages.success(request, "您已退出登录。")
    return redirect("page-login")


@require_POST
def text_size(request):
    """The 大字 switch: a cookie, so it works without JavaScript and before login."""
    response = HttpResponseRedirect(safe_next(request, request.POST.get("next")))
    if large_text(request):
        response.delete_cookie(LARGE_TEXT_COOKIE)
    else:
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=LARGE_TEXT_MAX_AGE,
                            samesite="Lax", httponly=True, secure=request.is_secure())
    return response


@never_cache
@page_view
def home(request):
    """Signed in: my next class, my next tutoring, my classes, what waits for me.
    Anonymous: the landing page."""
    if not request.user.is_authenticated:
        return landing(request)
    user = request.user
    now = timezone.now()
    next_booking = (tutoring_selectors.my_tutoring_bookings(user=user)
                    .filter(status="BOOKED", starts_at__gte=now).order_by("starts_at", "id")
                    .first())
    volunteer = volunteer_selectors.volunteer_for_user(user)
    waiting_offers = (volunteer_selectors.volunteer_open_offers(volunteer, now=now).count()
                      if volunteer else 0)
    return render_page(request, "pages/home.html", {
        "next_class": learner_selectors.my_next_class(user=user, now=now),
        "next_booking": next_booking,
        "enrollments": list(learner_selectors.my_current_enrollments(user=user)),
        "bookings_url": path_for("page-bookings"),
        "commitments_url": path_for("page-commitments") if volunteer else "",
        "waiting_offers": waiting_offers,
        "teach_url": path_for("page-teach") if course_permissions.can_teach_somewhere(user) else "",
    })
