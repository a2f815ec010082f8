import graphene

from backend.accounts import selectors as account_selectors
from backend.wechat import services
from backend.wechat.error_codes import BroadcastErrorCode
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id, not_found
from frontend_api.core.mutations import BaseMutation

from ..types import BroadcastErrorCodeEnum, BroadcastType

BroadcastCreateError = error_type("BroadcastCreateError", BroadcastErrorCodeEnum)


class BroadcastCreate(BaseMutation):
    """Plan a broadcast to the followers of a community, a street or the district: counts
    the recipients (each person once) and splits them into chunks of at most 10,000.
    Nothing is sent until broadcastSend. For coordinators of the unit and admins."""

    class Arguments:
        community_id = graphene.ID(description="A community: its account's followers.")
        street_id = graphene.ID(description="A street: its own account's followers, else "
                                            "those of each community account in it.")
        district = graphene.Boolean(description="True: the district account's followers. "
                                                "Give exactly one of communityId, streetId, "
                                                "district.")
        title = graphene.String(required=True, description="The headline, up to 64 "
                                                            "characters.")
        body = graphene.String(required=True, description="The text, up to 600 characters.")
        url = graphene.String(description="The Linli page to link: a path (/courses/...) or "
                                          "an address on PUBLIC_BASE_URL; the home page when "
                                          "omitted.")
        idempotency_key = graphene.String(description="A retry with the same key returns the "
                                                      "same broadcast.")

    broadcast = graphene.Field(BroadcastType, description="The PLANNED broadcast; null when "
                                                          "refused.")
    errors = graphene.List(graphene.NonNull(BroadcastCreateError), required=True)

    error_codes = BroadcastErrorCodeEnum

    class Meta:
        name = "BroadcastCreatePayload"

    @classmethod
    def perform(cls, info, user, *, community_id=None, street_id=None, district=None,
                idempotency_key=None, **data):
        community = street = None
        if community_id:
            community = account_selectors.community_get(
                decode_id(community_id, "Community", field="community_id"))
            if community is None:
                raise not_found("community_id", "Community", BroadcastErrorCode.NOT_FOUND)
        if street_id:
            street = account_selectors.street_list().filter(
                pk=decode_id(street_id, "Street", field="street_id")).first()
            if street is None:
                raise not_found("street_id", "Street", BroadcastErrorCode.NOT_FOUND)
        broadcast = services.broadcast_create(actor=user, community=community, street=street,
                                              district=bool(district),
                                              idempotency_key=idempotency_key, **data)
        return cls.success(broadcast=broadcast)
