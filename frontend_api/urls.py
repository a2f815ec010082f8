from django.urls import include, path, re_path

from .certificates.views import certificate_verify_page
from .core.views import LinliGraphQLView
from .desk import help as desk_help
from .desk import lists as desk_lists
from .desk import views as desk_views
from .rest import views as rest_views
from .rest.calendar import calendar_feed
from .rest.certificates import CertificatePdfView
from .rest.uploads import UploadCreateView, UploadDetailView
from .wechat import binding_pages, signin, simulator
from .wechat import views as wechat_views

urlpatterns = [
    path("", include("frontend_api.pages.urls")),
    path("graphql/", LinliGraphQLView.as_view(), name="graphql"),
    path("api/auth/token/", rest_views.TokenObtainView.as_view(), name="api-token"),
    path("healthz", rest_views.healthz, name="healthz"),
    path("api/calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("api/uploads/", UploadCreateView.as_view(), name="api-uploads"),
    path("api/uploads/<str:id>", UploadDetailView.as_view(), name="api-upload"),
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
    path("wechat/<slug:slug>/signin/", signin.signin_return, name="wechat-signin"),
    # Binding without passwords: the desk's QR code, its OAuth return, her own bindings.
    path("bind/return/", binding_pages.bind_return, name="page-bind-return"),
    path("bind/<str:token>", binding_pages.bind_page, name="page-bind"),
    path("me/wechat/", binding_pages.my_bindings, name="page-wechat-bindings"),
    # The desk of community staff.
    path("desk/", desk_views.desk_home, name="page-desk"),
    path("desk/residents/new/", desk_views.desk_resident_new, name="page-desk-resident-new"),
    path("desk/people/<str:user_id>/", desk_views.desk_person, name="page-desk-person"),
    path("desk/roster/", desk_lists.desk_roster, name="page-desk-roster"),
    path("desk/bookings/", desk_lists.desk_bookings, name="page-desk-bookings"),
    path("desk/calls/", desk_lists.desk_call_list, name="page-desk-calls"),
    path("desk/calls/<int:notification_id>/", desk_lists.desk_call, name="page-desk-call"),
    path("desk/calls/<int:notification_id>/handled/", desk_lists.desk_call_handled,
         name="page-desk-call-handled"),
    path("desk/help/", desk_help.desk_help_queue, name="page-desk-help"),
    path("desk/help/<str:id>/", desk_help.desk_help_request, name="page-desk-help-request"),
    path("desk/people/<str:user_id>/qr/", desk_views.desk_binding_qr, name="page-desk-qr"),
    # The WeChat simulator (DEBUG only: every view answers 404 otherwise).
    path("dev/wechat/", simulator.page, name="dev-wechat"),
    path("dev/wechat/api/accounts", simulator.accounts, name="dev-wechat-accounts"),
    path("dev/wechat/api/send", simulator.send, name="dev-wechat-send"),
    path("dev/wechat/api/messages", simulator.messages, name="dev-wechat-messages"),
    path("dev/wechat/open", simulator.open_as, name="dev-wechat-open"),
    path("dev/wechat/api/binding-link", simulator.binding_link, name="dev-wechat-binding-link"),
    re_path(r"^MP_verify_(?P<code>[A-Za-z0-9]{1,64})\.txt$", wechat_views.mp_verify,
            name="wechat-mp-verify"),
]
