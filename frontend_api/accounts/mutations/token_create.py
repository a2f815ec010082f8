import graphene

from backend.accounts import services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import AccountErrorCodeEnum, UserType

TokenCreateError = error_type("TokenCreateError", AccountErrorCodeEnum)


class TokenCreate(BaseMutation):
    """Exchange a username and password for an API token (`Authorization: Token <key>`)."""

    class Arguments:
        username = graphene.String(required=True, description="The login name.")
        password = graphene.String(required=True, description="The password.")

    token = graphene.String(description="The key for `Authorization: Token <key>`; a new "
                                        "key each time, earlier ones stay valid until "
                                        "tokenRevoke or LINLI_TOKEN_IDLE_DAYS without use. "
                                        "Null when refused.")
    user = graphene.Field(UserType, description="The account the token is for; null when "
                                                "refused.")
    errors = graphene.List(graphene.NonNull(TokenCreateError), required=True)

    login_required = False
    error_codes = AccountErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, username, password):
        token, account = services.token_create(username=username, password=password)
        return cls.success(token=token.key, user=account)
