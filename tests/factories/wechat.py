import base64
import os

import factory
from factory.django import DjangoModelFactory

from backend.wechat.models import AccountMode, WeChatAccount, WeChatBinding


def generate_aes_key() -> str:
    """A 43-character EncodingAESKey, as WeChat's console generates one."""
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


class WeChatAccountFactory(DjangoModelFactory):
    class Meta:
        model = WeChatAccount
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"account{n}")
    name = factory.Sequence(lambda n: f"测试公众号{n}")
    app_id = factory.Sequence(lambda n: f"wxtest{n:012d}")
    app_secret = factory.Sequence(lambda n: f"secret{n:026d}")
    token = factory.Sequence(lambda n: f"token{n}")
    mode = AccountMode.PLAIN
    encoding_aes_key = None


class SafeWeChatAccountFactory(WeChatAccountFactory):
    mode = AccountMode.SAFE
    encoding_aes_key = factory.LazyFunction(generate_aes_key)


class WeChatBindingFactory(DjangoModelFactory):
    class Meta:
        model = WeChatBinding

    account = factory.SubFactory(WeChatAccountFactory)
    openid = factory.Sequence(lambda n: f"oTEST{n:023d}")
    user = None
    subscribed = True
