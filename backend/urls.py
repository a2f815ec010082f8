from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("邻里 · 管理后台")
admin.site.site_title = _("邻里")
admin.site.index_title = _("社区政务微信联盟")

urlpatterns = [
    # Before the admin's own URLs, whose catch-all would answer 404.
    path("admin/dashboard/", include("frontend_api.stats.urls")),
    path("admin/", admin.site.urls),
    path("", include("frontend_api.urls")),
]
