"""A fake WeChat (official-account API, OAuth page, callbacks) for tests and the demo.

Standard library only: it imports neither Django nor wechatpy. See server.py for the
paths it speaks and control.py for its control API.
"""

from .control import FakeControlError, FakeWeChatControl
from .server import FakeWeChat, signature

__all__ = ["FakeControlError", "FakeWeChat", "FakeWeChatControl", "signature"]
