from django.core.management.base import BaseCommand, CommandError

from backend.wechat.demo import demo_followers_register
from backend.wechat.fake import FakeControlError


class Command(BaseCommand):
    help = ("Register Linli's WeChat accounts and the demo followers with the bundled fake "
            "WeChat at LINLI_WECHAT_API_ORIGIN (idempotent; `make run` calls it after the "
            "fake starts).")

    def handle(self, *args, **options):
        try:
            counts = demo_followers_register()
        except (RuntimeError, FakeControlError, OSError) as exc:
            raise CommandError(f"模拟微信注册失败：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"模拟微信：公众号 {counts['accounts']} 个，关注者 {counts['followers']} 个，"
            f"本次绑定 {counts['bound']} 个。"))
