import graphene

from backend.accounts import selectors
from backend.accounts.models import User
from backend.core.services import audit_log_record
from frontend_api.core.selection import selects
from frontend_api.pages.my_data import collect

from .mutations.calendar_token_regenerate import CalendarTokenRegenerate
from .mutations.consent_withdraw import ConsentWithdraw
from .mutations.data_deletion_request import DataDeletionRequest
from .mutations.resident_create import ResidentCreate
from .mutations.token_create import TokenCreate
from .mutations.token_revoke import TokenRevoke
from .types import PrivacyNoticeType, StreetType, UserType


class AccountsQuery(graphene.ObjectType):
    me = graphene.Field(UserType, description="The logged-in user, or null when anonymous.")
    streets = graphene.List(graphene.NonNull(StreetType), required=True,
                            description="Every street of the district with its communities; "
                                        "public.")
    privacy_notice = graphene.Field(PrivacyNoticeType, required=True,
                                    description="The current privacy notice; public.")
    my_data = graphene.JSONString(
        description="Everything Linli keeps about the logged-in person, as a JSON string with "
                    "the content of the /me/data/ download (audit-logged as an export); null "
                    "when anonymous.")

    @staticmethod
    def resolve_me(root, info):
        user = info.context.user
        if not user.is_authenticated:
            return None
        # The request's own user, not a second load (token sign-in joined her unit); a
        # session's user is read without it, so it is loaded with it when selected.
        if selects(info, "community") and not User.community.is_cached(user):
            return selectors.user_with_unit(user.pk)
        return user

    @staticmethod
    def resolve_my_data(root, info):
        user = info.context.user
        if not user.is_authenticated:
            return None
        audit_log_record(actor=user, action="account.data_export", obj=user,
                         detail={"via": "graphql"})
        return collect(user)  # plain JSON values: collect() gives dates as strings

    @staticmethod
    def resolve_streets(root, info):
        return selectors.street_list()

    @staticmethod
    def resolve_privacy_notice(root, info):
        return PrivacyNoticeType.current()


class AccountsMutation(graphene.ObjectType):
    token_create = TokenCreate.Field()
    token_revoke = TokenRevoke.Field()
    resident_create = ResidentCreate.Field()
    calendar_token_regenerate = CalendarTokenRegenerate.Field()
    data_deletion_request = DataDeletionRequest.Field()
    consent_withdraw = ConsentWithdraw.Field()
