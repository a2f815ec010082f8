import graphene

from backend.wechat import selectors, services
from backend.wechat.error_codes import BroadcastErrorCode
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id, not_found
from frontend_api.core.mutations import BaseMutation

from ..types import BroadcastErrorCodeEnum, BroadcastType

BroadcastSendError = error_type("BroadcastSendError", BroadcastErrorCodeEnum)


def broadcast_for(user, broadcast_id):
    """The broadcast if the user may see it; NOT_FOUND otherwise (outside the unit too)."""
    pk = decode_id(broadcast_id, "Broadcast", field="broadcast_id")
    broadcast = selectors.broadcasts_visible_to(user).filter(pk=pk).first()
    if broadcast is None:
        raise not_found("broadcast_id", "Broadcast", BroadcastErrorCode.NOT_FOUND)
    return broadcast


class BroadcastSend(BaseMutation):
    """Send a PLANNED broadcast: each chunk goes to WeChat in the background, at the
    accounts' shared rate; sent and failed fill in as WeChat reports. For coordinators of
    the unit and admins."""

    class Arguments:
        broadcast_id = graphene.ID(required=True, description="The PLANNED broadcast.")

    broadcast = graphene.Field(BroadcastType, description="The broadcast, now SENDING (or "
                                                          "already finished); null when "
                                                          "refused.")
    errors = graphene.List(graphene.NonNull(BroadcastSendError), required=True)

    error_codes = BroadcastErrorCodeEnum

    class Meta:
        name = "BroadcastSendPayload"

    @classmethod
    def perform(cls, info, user, *, broadcast_id):
        broadcast = services.broadcast_send(actor=user,
                                            broadcast=broadcast_for(user, broadcast_id))
        return cls.success(broadcast=broadcast)
