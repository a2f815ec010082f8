"""The bundled fake WeChat in tests: a server on a free loopback port, Linli's settings
pointed at it, and its control client.

    def test_x(fake_wechat, account):
        fake_wechat.register(account, followers=[{"openid": "o1"}], templates=["TPL"])
        ...
        assert fake_wechat.control.messages(appid=account.app_id, openid="o1")
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.wechat.fake import FakeWeChat, FakeWeChatControl


@dataclass
class FakeWeChatHandle:
    server: FakeWeChat
    control: FakeWeChatControl

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def register(self, account, *, followers=(), templates=(), callback_url: str = "",
                 **fields) -> dict:
        """Register a Linli WeChatAccount (its app id, secret and token) with the fake."""
        result = self.control.add_account(account.app_id, account.app_secret,
                                          token=account.token, callback_url=callback_url,
                                          **fields)
        if followers:
            self.control.add_followers(account.app_id, [
                f if isinstance(f, dict) else {"openid": f} for f in followers])
        if templates:
            self.control.add_templates(account.app_id, [
                t if isinstance(t, dict) else {"template_id": t} for t in templates])
        return result


@pytest.fixture
def fake_wechat(settings):
    """A fresh fake WeChat per test, with LINLI_WECHAT_API_ORIGIN / _OPEN_ORIGIN on it."""
    server = FakeWeChat()
    server.state.settings["mass_callback_delay"] = 0.05
    server.start()
    settings.LINLI_WECHAT_API_ORIGIN = server.base_url
    settings.LINLI_WECHAT_OPEN_ORIGIN = server.base_url
    try:
        yield FakeWeChatHandle(server=server, control=FakeWeChatControl(server.base_url))
    finally:
        server.stop()
