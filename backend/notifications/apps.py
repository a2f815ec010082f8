from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "backend.notifications"
    label = "notifications"
    verbose_name = _("消息通知")

    def ready(self):
        from . import checks  # noqa: F401, PLC0415 - registers the checks (they read models)
