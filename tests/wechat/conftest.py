import pytest
from django.core.cache import cache

from tests.factories.wechat import (
    SafeWeChatAccountFactory,
    WeChatAccountFactory,
    WeChatBindingFactory,
)
from tests.helpers.fake_wechat import fake_wechat  # noqa: F401 (a fixture)

from . import wire


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Nonces and access tokens live in the cache; each test starts without them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def account(db, street):
    return WeChatAccountFactory(slug="weishinan", name="微市南", app_id="wxlinlidemo0000000",
                                token="linlidemotoken")


@pytest.fixture
def safe_account(db):
    return SafeWeChatAccountFactory(slug="jinkoulu", name="金口路社区")


@pytest.fixture
def bound(account, resident):
    """The resident, following the account and bound."""
    return WeChatBindingFactory(account=account, openid="oResident0001", user=resident)


@pytest.fixture
def send(client):
    """POST a plain-mode message the way WeChat does; returns the response."""
    def _send(account, xml, *, params=None):
        params = params or wire.query(account.token)
        qs = "&".join(f"{k}={v}" for k, v in params.items())
        return client.post(f"/wechat/{account.slug}/?{qs}", data=xml.encode(),
                           content_type="text/xml")
    return _send


@pytest.fixture
def say(send):
    """A follower sends text; returns the reply's text ('' for an empty reply)."""
    def _say(account, openid, text):
        response = send(account, wire.text_xml(from_user=openid, content=text))
        assert response.status_code == 200, response.content
        if response.content == b"success":
            return ""
        return wire.reply_content(response.content)
    return _say
