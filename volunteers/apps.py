from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("365便民服务队")

    def ready(self):
        # The candidate table follows every roster write (see volunteers.candidates).
        from . import candidates, privacy  # noqa: PLC0415 - models are ready only now

        candidates.connect()
        # What she wrote goes when her account is anonymised (backend.accounts.anonymise).
        privacy.connect()
