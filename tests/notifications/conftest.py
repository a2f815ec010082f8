import pytest
import responses
from django.core.cache import cache

from backend.notifications.models import NotificationKind
from tests.factories.wechat import WeChatAccountFactory, WeChatBindingFactory

TOKEN_URL = "https://api.weixin.qq.com/cgi-bin/stable_token"
SEND_URL = "https://api.weixin.qq.com/cgi-bin/message/template/send"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # WeChat access tokens live in the cache; each test starts without one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def templates(settings):
    """Every kind has a template on every account unless a test says otherwise."""
    settings.LINLI_WECHAT_TEMPLATE_IDS = {"*": {k: f"TPL_{k}" for k in NotificationKind.values}}
    return settings.LINLI_WECHAT_TEMPLATE_IDS


@pytest.fixture
def account(db):
    return WeChatAccountFactory(slug="weishinan", name="微市南", app_id="wxlinlidemo0000000",
                                app_secret="demo-secret")


@pytest.fixture
def bound_user(account, user_factory):
    """A person following 微市南 and bound to their Linli account."""
    user = user_factory()
    WeChatBindingFactory(account=account, openid="oBound0001", user=user)
    return user


@pytest.fixture
def wechat():
    """responses stubbing api.weixin.qq.com; unregistered URLs fail the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, TOKEN_URL, json={"access_token": "TOKEN", "expires_in": 7200})
        yield mock


def sends(mock) -> list:
    return [c for c in mock.calls if c.request.url.startswith(SEND_URL)]


def ok(mock, msgid=1000):
    mock.add(responses.POST, SEND_URL, json={"errcode": 0, "errmsg": "ok", "msgid": msgid})


def fail(mock, errcode):
    mock.add(responses.POST, SEND_URL, json={"errcode": errcode, "errmsg": "no"})
