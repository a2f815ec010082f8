import graphene

from .mutations.broadcast_cancel import BroadcastCancel
from .mutations.broadcast_create import BroadcastCreate
from .mutations.broadcast_send import BroadcastSend
from .mutations.wechat_binding_link_create import WeChatBindingLinkCreate


class WeChatMutation(graphene.ObjectType):
    wechat_binding_link_create = WeChatBindingLinkCreate.Field()
    broadcast_create = BroadcastCreate.Field()
    broadcast_send = BroadcastSend.Field()
    broadcast_cancel = BroadcastCancel.Field()
