from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("新媒体培训")

    def ready(self):
        # Tutoring's admin pages are registered by their own module, which the admin's
        # autodiscovery (it imports courses/admin.py only) would not find.
        from . import privacy  # noqa: PLC0415 - models only once apps are loaded
        from .tutoring import admin  # noqa: F401, PLC0415 - models only once apps are loaded

        # Her free text goes when her account is anonymised (backend.accounts.anonymise).
        privacy.connect()
