from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatConfig(AppConfig):
    name = "backend.wechat"
    label = "wechat"
    verbose_name = _("微信公众号")

    def ready(self):
        # Her data here goes when her account is anonymised (backend.accounts.anonymise).
        from . import privacy  # noqa: PLC0415 - models are ready only now

        privacy.connect()
