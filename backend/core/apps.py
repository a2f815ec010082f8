from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(sender, using="default", verbosity=1, **kwargs):
    # Without Redis the cache is a table every process shares; `migrate` alone makes it.
    call_command("createcachetable", database=using, verbosity=verbosity)


class CoreConfig(AppConfig):
    name = "backend.core"
    label = "core"
    verbose_name = _("平台核心")

    def ready(self):
        from . import after_response, checks  # noqa: F401, PLC0415 - checks read models

        after_response.connect()

        post_migrate.connect(_create_cache_table, sender=self,
                             dispatch_uid="linli.create_cache_table")
