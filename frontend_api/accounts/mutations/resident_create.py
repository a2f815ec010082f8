import graphene

from backend.accounts import selectors, services
from backend.accounts.error_codes import AccountErrorCode
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id, not_found
from frontend_api.core.mutations import BaseMutation

from ..types import AccountErrorCodeEnum, UserType

ResidentCreateError = error_type("ResidentCreateError", AccountErrorCodeEnum)


class ResidentCreate(BaseMutation):
    """Register a resident at the counter, recording the privacy notice they agreed to."""

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)
        display_name = graphene.String(required=True)
        phone = graphene.String()
        community_id = graphene.ID(required=True)
        consent_version = graphene.String(required=True,
                                          description="The privacyNotice version agreed to.")

    user = graphene.Field(UserType)
    errors = graphene.List(graphene.NonNull(ResidentCreateError), required=True)

    error_codes = AccountErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, community_id, phone=None, **data):
        community = selectors.community_get(decode_id(community_id, "Community",
                                                      field="community_id"))
        if community is None:
            raise not_found("community_id", "Community", AccountErrorCode.NOT_FOUND)
        resident = services.resident_create(actor=user, community=community, phone=phone or "",
                                            **data)
        return cls.success(user=resident)
