from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "backend.accounts"
    label = "accounts"
    verbose_name = _("账户与组织")

    def ready(self):
        from . import ratelimit  # noqa: F401, PLC0415 - connects the sign-in failure counter
