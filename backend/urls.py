from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect

from backend.accounts import ratelimit

admin.site.site_header = _("邻里 · 管理后台")
admin.site.site_title = _("邻里")
admin.site.index_title = _("社区政务微信联盟")


@csrf_protect
def admin_login(request, extra_context=None):
    """The admin's login behind the one sign-in limiter (HTTP 429 with Retry-After)."""
    if request.method == "POST":
        wait = ratelimit.retry_after(request.POST.get("username"), request)
        if wait:
            return ratelimit.limited_response(wait)
    return admin.site.login(request, extra_context)


urlpatterns = [
    # Before the admin's own URLs, whose catch-all would answer 404.
    path("admin/dashboard/", include("frontend_api.stats.urls")),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("frontend_api.urls")),
]
