import graphene

from backend.accounts import services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import AccountErrorCodeEnum

ConsentWithdrawError = error_type("ConsentWithdrawError", AccountErrorCodeEnum)


class ConsentWithdraw(BaseMutation):
    """The logged-in person withdraws her consent to the privacy notice (API.md "Consent"):
    what needs it answers CONSENT_REQUIRED until she consents again; what she has stays."""

    withdrawn = graphene.Boolean(description="True when done; null when refused.")
    errors = graphene.List(graphene.NonNull(ConsentWithdrawError), required=True)

    error_codes = AccountErrorCodeEnum

    @classmethod
    def perform(cls, info, user):
        services.consent_withdraw(user=user)
        return cls.success(withdrawn=True)
