from django.urls import path

from .core.views import LinliGraphQLView
from .rest import views as rest_views

urlpatterns = [
    path("graphql/", LinliGraphQLView.as_view(), name="graphql"),
    path("api/auth/token/", rest_views.TokenObtainView.as_view(), name="api-token"),
    path("healthz", rest_views.healthz, name="healthz"),
]
