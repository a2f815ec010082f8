import graphene

from backend.accounts import services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import AccountErrorCodeEnum, UserType

TokenCreateError = error_type("TokenCreateError", AccountErrorCodeEnum)


class TokenCreate(BaseMutation):
    """Exchange a username and password for an API token (`Authorization: Token <key>`)."""

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)

    token = graphene.String()
    user = graphene.Field(UserType)
    errors = graphene.List(graphene.NonNull(TokenCreateError), required=True)

    login_required = False
    error_codes = AccountErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, username, password):
        token, account = services.token_create(username=username, password=password)
        return cls.success(token=token.key, user=account)
