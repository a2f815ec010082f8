"""Configuration problems surface as system checks, not as silently skipped messages."""

from django.conf import settings
from django.core import checks

from .models import NotificationKind


@checks.register(checks.Tags.compatibility)
def check_template_ids(app_configs=None, **kwargs):
    mapping = getattr(settings, "LINLI_WECHAT_TEMPLATE_IDS", None)
    if mapping is None:
        return []
    hint = '{"<account slug or *>": {"<NOTIFICATION KIND>": "<template id>"}}'
    if not isinstance(mapping, dict) or not all(isinstance(v, dict) for v in mapping.values()):
        return [checks.Error("LINLI_WECHAT_TEMPLATE_IDS must map account slugs to dicts.",
                             hint=hint, id="notifications.E001")]
    unknown = sorted({kind for kinds in mapping.values() for kind in kinds}
                     - set(NotificationKind.values))
    if unknown:
        return [checks.Warning(
            f"LINLI_WECHAT_TEMPLATE_IDS names unknown notification kinds: {', '.join(unknown)}.",
            hint=hint, id="notifications.W001")]
    return []
