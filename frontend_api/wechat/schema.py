import graphene

from .mutations.wechat_binding_link_create import WeChatBindingLinkCreate


class WeChatMutation(graphene.ObjectType):
    wechat_binding_link_create = WeChatBindingLinkCreate.Field()
