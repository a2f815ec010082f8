from django.urls import path, re_path

from .certificates.views import certificate_verify_page
from .core.views import LinliGraphQLView
from .rest import views as rest_views
from .rest.calendar import calendar_feed
from .rest.certificates import CertificatePdfView
from .wechat import views as wechat_views

urlpatterns = [
    path("", rest_views.index, name="index"),
    path("graphql/", LinliGraphQLView.as_view(), name="graphql"),
    path("api/auth/token/", rest_views.TokenObtainView.as_view(), name="api-token"),
    path("healthz", rest_views.healthz, name="healthz"),
    path("api/calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("api/certificates/<str:code>.pdf", CertificatePdfView.as_view(),
         name="certificate-pdf"),
    path("verify/<str:code>", certificate_verify_page, name="certificate-verify"),
    path("wechat/<slug:slug>/", wechat_views.callback, name="wechat-callback"),
    path("wechat/<slug:slug>/bind", wechat_views.bind_start, name="wechat-bind"),
    path("wechat/<slug:slug>/oauth/", wechat_views.oauth_callback, name="wechat-oauth"),
    path("wechat/<slug:slug>/login/", wechat_views.login_page, name="wechat-login"),
    path("wechat/<slug:slug>/bind/done", wechat_views.bind_done, name="wechat-bind-done"),
    path("wechat/<slug:slug>/tutoring/<int:slot_id>", wechat_views.tutoring_book_page,
         name="wechat-tutoring"),
    re_path(r"^MP_verify_(?P<code>[A-Za-z0-9]{1,64})\.txt$", wechat_views.mp_verify,
            name="wechat-mp-verify"),
]
