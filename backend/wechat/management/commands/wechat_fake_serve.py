"""`make run`'s fake WeChat: the bundled fake in this process, the demo registered with it
once it listens (what `wechat_fake_sync` does), then served until SIGTERM or Ctrl-C.

The runner (scripts/run_procfile.py) picks the port and gives every process
LINLI_WECHAT_API_ORIGIN and LINLI_WECHAT_OPEN_ORIGIN pointing at it; the state (accounts,
followers, the messages each follower received) is kept in a file under var/, so a restart
keeps the simulator's conversations.
"""

import os
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backend.wechat.demo import demo_followers_register
from backend.wechat.fake import FakeControlError, FakeWeChat, FakeWeChatControl


def default_state_file() -> Path:
    return Path(os.environ.get("LINLI_FAKE_WECHAT_STATE_FILE")
                or Path(settings.BASE_DIR) / "var" / "fake-wechat" / "state.json")


class Command(BaseCommand):
    help = ("Serve the bundled fake WeChat (for `make run`) with Linli's accounts and the demo "
            "followers registered, until SIGTERM or Ctrl-C.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int,
                            default=int(os.environ.get("LINLI_FAKE_WECHAT_PORT") or 0),
                            help="0 = any free port (default: LINLI_FAKE_WECHAT_PORT)")
        parser.add_argument("--state-file", default=None,
                            help="JSON state file (default: var/fake-wechat/state.json, or "
                                 "LINLI_FAKE_WECHAT_STATE_FILE)")

    def handle(self, *args, **options):
        state_file = Path(options["state_file"] or default_state_file())
        state_file.parent.mkdir(parents=True, exist_ok=True)
        done = threading.Event()
        # Handlers first: a Ctrl-C during registration still stops the fake cleanly.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: done.set())
        try:
            fake = FakeWeChat(host=options["host"], port=options["port"],
                              state_file=str(state_file)).start()
        except OSError as exc:
            raise CommandError(f"模拟微信无法在端口 {options['port']} 上启动：{exc}") from exc
        try:
            origin = settings.LINLI_WECHAT_API_ORIGIN
            if origin != fake.base_url:
                self.stderr.write(f"注意：LINLI_WECHAT_API_ORIGIN 是 {origin}，"
                                  f"不是这个模拟微信（{fake.base_url}）。")
            try:
                counts = demo_followers_register(control=FakeWeChatControl(fake.base_url))
            except (FakeControlError, OSError) as exc:
                raise CommandError(f"模拟微信注册失败：{exc}") from exc
            base = settings.PUBLIC_BASE_URL.rstrip("/")
            self.stdout.write(self.style.SUCCESS(
                f"模拟微信在 {fake.base_url}：公众号 {counts['accounts']} 个，"
                f"关注者 {counts['followers']} 个，本次绑定 {counts['bound']} 个。"))
            self.stdout.write(f"微信模拟器：{base}/dev/wechat/")
            self.stdout.flush()
            done.wait()
        finally:
            fake.stop()
