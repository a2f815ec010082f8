import graphene

from backend.wechat import services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import BroadcastErrorCodeEnum, BroadcastType
from .broadcast_send import broadcast_for

BroadcastCancelError = error_type("BroadcastCancelError", BroadcastErrorCodeEnum)


class BroadcastCancel(BaseMutation):
    """Stop a PLANNED or SENDING broadcast: chunks not yet handed to WeChat are not sent;
    those already handed over still report their counts. For coordinators of the unit and
    admins."""

    class Arguments:
        broadcast_id = graphene.ID(required=True, description="The broadcast to stop.")

    broadcast = graphene.Field(BroadcastType, description="The CANCELLED broadcast; null "
                                                          "when refused.")
    errors = graphene.List(graphene.NonNull(BroadcastCancelError), required=True)

    error_codes = BroadcastErrorCodeEnum

    class Meta:
        name = "BroadcastCancelPayload"

    @classmethod
    def perform(cls, info, user, *, broadcast_id):
        broadcast = services.broadcast_cancel(actor=user,
                                              broadcast=broadcast_for(user, broadcast_id))
        return cls.success(broadcast=broadcast)
