"""`Authorization: Token <key>` against our own tokens (backend.accounts.models.ApiToken).

Keys issued before ApiToken existed (rest_framework.authtoken) were copied over by the
migration, so existing clients keep working."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .models import ApiToken

# last_used is written at most this often, so most requests cost one SELECT only.
_TOUCH_EVERY = timedelta(hours=1)


class ApiTokenAuthentication(TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key):
        # The person's unit comes along: `me` and most permission checks read it.
        token = (ApiToken.objects.select_related("user__community__street")
                 .filter(key=key).first())
        if token is None or token.revoked_at is not None:
            raise AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.last_used < now - timedelta(days=settings.LINLI_TOKEN_IDLE_DAYS):
            raise AuthenticationFailed("Token expired: sign in again (tokenCreate).")
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        if token.last_used < now - _TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token
