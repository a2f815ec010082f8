import graphene

from backend.accounts import services
from backend.accounts.error_codes import AccountErrorCode
from backend.accounts.models import ApiToken
from backend.core.errors import validation_error
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import AccountErrorCodeEnum

TokenRevokeError = error_type("TokenRevokeError", AccountErrorCodeEnum)


class TokenRevoke(BaseMutation):
    """End an API token of the logged-in user: the one given, or else the one this request
    carries. Requests with it are then UNAUTHENTICATED (HTTP 401); other tokens stay valid."""

    class Arguments:
        token = graphene.String(description="The key to end; default: the key of this "
                                            "request's `Authorization: Token` header.")

    revoked = graphene.Boolean(description="True when the token was ended; null when refused.")
    errors = graphene.List(graphene.NonNull(TokenRevokeError), required=True)

    error_codes = AccountErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, token=None):
        current = getattr(info.context, "auth", None)
        key = token or (current.key if isinstance(current, ApiToken) else None)
        if not key or not services.token_revoke(user=user, key=key):
            raise validation_error("token", "没有找到这个令牌。", AccountErrorCode.NOT_FOUND)
        return cls.success(revoked=True)
