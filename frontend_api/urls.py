from django.urls import path

from .certificates.views import certificate_verify_page
from .core.views import LinliGraphQLView
from .rest import views as rest_views
from .rest.calendar import calendar_feed
from .rest.certificates import CertificatePdfView

urlpatterns = [
    path("graphql/", LinliGraphQLView.as_view(), name="graphql"),
    path("api/auth/token/", rest_views.TokenObtainView.as_view(), name="api-token"),
    path("healthz", rest_views.healthz, name="healthz"),
    path("api/calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("api/certificates/<str:code>.pdf", CertificatePdfView.as_view(),
         name="certificate-pdf"),
    path("verify/<str:code>", certificate_verify_page, name="certificate-verify"),
]
