"""What the resident (and her unit's coordinators) are told about a help request. Called
inside the service's transaction: the outbox row commits with the change and is sent after
commit, once per event (dedup_key). Never the volunteer's phone; her name masked."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import Role, RoleAssignment, User
from backend.core.formatting import date_zh, datetime_zh, time_zh
from backend.core.links import absolute_url, node_id
from backend.core.masking import mask_name
from backend.notifications.models import NotificationKind as K
from backend.notifications.services import notify

from .fields import PartOfDay


def help_request_url(request) -> str:
    """The resident's page of one request (its timeline, who is coming, rating)."""
    return absolute_url("page-help-request", id=node_id("ServiceRequest", request.pk))


def help_draft_url(draft) -> str:
    """Where a WeChat draft is confirmed in one tap."""
    return absolute_url("page-help-new", token=draft.token)


def what(request) -> str:
    if request.skill_id is not None:
        return request.skill.name
    text = (request.description or "").strip()
    return text[:20] or str(_("上门帮助"))


def wanted_when(request) -> str:
    if request.preferred_date is None:
        return ""
    part = PartOfDay(request.part_of_day).label if request.part_of_day else ""
    return f"{date_zh(request.preferred_date, year=False)}{part}"


def window(request) -> str:
    return f"{datetime_zh(request.starts_at, year=False)}–{time_zh(request.ends_at)}"


def _tell(request, kind, suffix: str, title: str, body: str, keywords: list, version=""):
    key = f"help:{request.pk}:{suffix}" + (f":{version}" if version else "")
    notify(user=request.requester, kind=kind, dedup_key=key[:128], title=title, body=body,
           url=help_request_url(request),
           data={"keywords": keywords, "service_request_id": request.pk})


def received(request) -> None:
    _tell(request, K.HELP_RECEIVED, "received", _("您的求助已收到"),
          _("我们已收到您的求助“%(what)s”（希望%(when)s），社区工作人员会尽快安排。"
            "紧急情况请拨打 120 / 110。") % {"what": what(request), "when": wanted_when(request)},
          [what(request), wanted_when(request), _("待安排")])


def volunteer_coming(request, offer) -> None:
    name = mask_name(offer.volunteer.user.display_name or offer.volunteer.user.username)
    _tell(request, K.HELP_VOLUNTEER_COMING, "coming", _("志愿者将上门服务"),
          _("%(name)s将于%(when)s上门提供“%(what)s”。开门前请核对暗号：%(code)s。") % {
              "name": name, "when": window(request), "what": what(request),
              "code": request.visit_code},
          [what(request), window(request), name, request.visit_code], version=str(offer.pk))


def changed(request, note: str, version: str) -> None:
    _tell(request, K.HELP_CHANGED, "changed", _("您的求助有变动"),
          _("“%(what)s”：%(note)s") % {"what": what(request), "note": note},
          [what(request), window(request), note], version=version)


def declined(request) -> None:
    _tell(request, K.HELP_DECLINED, "declined", _("您的求助暂未受理"),
          _("很抱歉，“%(what)s”暂时无法安排：%(reason)s。如有需要请联系社区。") % {
              "what": what(request), "reason": request.decline_reason},
          [what(request), request.decline_reason])


def done(request) -> None:
    _tell(request, K.HELP_DONE, "done", _("上门服务已完成"),
          _("“%(what)s”已完成。欢迎打开链接给这次服务打个分。") % {"what": what(request)},
          [what(request), window(request), _("欢迎评价")])


def low_rating(request) -> None:
    """A rating of 2 or less goes to the coordinators of the request's unit (its street)
    and the district admins."""
    unit = (Q(role=Role.DISTRICT_ADMIN)
            | Q(role=Role.STREET_COORDINATOR, street_id=request.community.street_id))
    user_ids = RoleAssignment.objects.filter(unit).values_list("user_id", flat=True)
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        notify(user=user, kind=K.HELP_LOW_RATING, dedup_key=f"help:{request.pk}:low_rating",
               title=_("求助服务评价较低"),
               body=_("%(community)s的“%(what)s”（%(when)s）评分%(rating)d分：%(comment)s") % {
                   "community": request.community.name, "what": what(request),
                   "when": window(request), "rating": request.rating,
                   "comment": request.rating_comment or _("（无留言）")},
               url=help_request_url(request),
               data={"keywords": [what(request), str(request.rating),
                                  request.rating_comment or "—"],
                     "service_request_id": request.pk,
                     "rated_at": timezone.localtime(request.rated_at).isoformat()})
