"""GET /api/calendar/<token>.ics — a person's classes, tutoring and volunteer commitments."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backend.accounts.models import User
from backend.core.calendar import build_ics

from .calendar_sources import calendar_sources


@require_GET
def calendar_feed(request, token: str):
    user = User.objects.filter(calendar_token=token, is_active=True).first() if token else None
    if user is None:
        raise Http404(_("日历订阅链接无效或已更换。"))
    items = [item for source in calendar_sources() for item in source(user)]
    body = build_ics(items, name=_("邻里 · %(name)s的日程") % {"name": user.display_name or
                                                                   user.username})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="linli.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
