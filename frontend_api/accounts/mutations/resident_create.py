import graphene

from backend.accounts import selectors, services
from backend.accounts.error_codes import AccountErrorCode
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id, not_found
from frontend_api.core.mutations import BaseMutation

from ..types import AccountErrorCodeEnum, UserType

ResidentCreateError = error_type("ResidentCreateError", AccountErrorCodeEnum)


class ResidentCreate(BaseMutation):
    """Register a resident at the counter (community staff and coordinators of the
    community), recording the privacy notice they agreed to."""

    class Arguments:
        username = graphene.String(required=True, description="The new login name; unique.")
        password = graphene.String(required=True,
                                   description="The initial password; Django's validators "
                                               "apply (WEAK_PASSWORD).")
        display_name = graphene.String(required=True, description="The name to show.")
        phone = graphene.String(description="An 11-digit mobile number, optional; shown "
                                            "masked to anyone but the person and their "
                                            "unit's coordinators.")
        community_id = graphene.ID(required=True,
                                   description="The resident's community; one you are staff or "
                                               "coordinator of.")
        consent_version = graphene.String(required=True,
                                          description="The privacyNotice version agreed to.")
        address = graphene.String(description="The resident's registered address (personal "
                                              "data), optional; where doorstep help goes "
                                              "unless a request names another.")

    user = graphene.Field(UserType, description="The new resident; null when refused.")
    errors = graphene.List(graphene.NonNull(ResidentCreateError), required=True)

    error_codes = AccountErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, community_id, phone=None, address=None, **data):
        community = selectors.community_get(decode_id(community_id, "Community",
                                                      field="community_id"))
        if community is None:
            raise not_found("community_id", "Community", AccountErrorCode.NOT_FOUND)
        resident = services.resident_create(actor=user, community=community, phone=phone or "",
                                            address=address or "", **data)
        return cls.success(user=resident)
