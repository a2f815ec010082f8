import graphene

from backend.accounts import services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import AccountErrorCodeEnum, calendar_url

CalendarTokenRegenerateError = error_type("CalendarTokenRegenerateError", AccountErrorCodeEnum)


class CalendarTokenRegenerate(BaseMutation):
    """Replace the secret in the logged-in user's calendar feed URL (the old one stops)."""

    calendar_url = graphene.String(description="The new feed URL (secret; treat it like a "
                                               "password).")
    errors = graphene.List(graphene.NonNull(CalendarTokenRegenerateError), required=True)

    error_codes = AccountErrorCodeEnum

    @classmethod
    def perform(cls, info, user):
        return cls.success(calendar_url=calendar_url(services.calendar_token_regenerate(user=user)))
