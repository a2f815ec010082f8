"""The coordinator dashboard in the admin (/admin/dashboard/): the `stats` numbers as charts.

It calls the same `district_stats` as the GraphQL query, so both always agree. Each chart's
numbers are also shown as a table, for screen readers and for copying.
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.accounts import selectors as account_selectors
from backend.accounts.models import Community, Street
from backend.core.formatting import hours_zh
from volunteers.models import ServiceRequestStatus

from .aggregate import district_stats
from .permissions import can_view_stats

# Link from each "expiring within N days" count to the volunteers it counts.
CREDENTIAL_FILTERS = {30: "expiring", 60: "expiring60", 90: "expiring90"}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("开始日期"), widget=_date_input())
    date_to = forms.DateField(label=gettext_lazy("结束日期"), widget=_date_input())
    unit = forms.ChoiceField(label=gettext_lazy("范围"))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


def unit_choices(user) -> tuple[list, dict]:
    """The units this user may see, as (choices, {value: unit}); the district first."""
    choices: list[tuple[str, str]] = []
    units: dict[str, Street | Community | None] = {}
    if can_view_stats(user, None):
        choices.append(("district", _("全区")))
        units["district"] = None
    for street in account_selectors.street_list():
        if can_view_stats(user, street):
            choices.append((f"street:{street.pk}", street.name))
            units[f"street:{street.pk}"] = street
        for community in street.communities.all():
            if can_view_stats(user, community):
                choices.append((f"community:{community.pk}", f"　{community.name}"))
                units[f"community:{community.pk}"] = community
    return choices, units


def _default_period(today: date) -> tuple[date, date]:
    """The last twelve months up to today."""
    return (today - timedelta(days=365)).replace(day=1), today


def _volunteer_link(unit, days: int) -> str:
    query = {"credential": CREDENTIAL_FILTERS[days]}
    if unit is not None and hasattr(unit, "street_id"):
        query["community__id__exact"] = unit.pk
    elif unit is not None:
        query["community__street__id__exact"] = unit.pk
    return f"{reverse('admin:volunteers_volunteer_changelist')}?{urlencode(query)}"


def _charts(stats) -> list[dict]:
    labels = dict(ServiceRequestStatus.choices)
    funnel = stats.funnel
    return [
        {"id": "hours-month", "title": _("志愿服务时长（按月）"), "kind": "bar",
         "head": (_("月份"), _("小时")),
         "rows": [(f"{r['month']:%Y-%m}", float(r["hours"])) for r in stats.hours_by_month]},
        {"id": "hours-skill", "title": _("志愿服务时长（按技能）"), "kind": "bar",
         "head": (_("技能"), _("小时")),
         "rows": [(r["skill"], float(r["hours"])) for r in stats.hours_by_skill]},
        {"id": "dispatch", "title": _("派单结果"), "kind": "doughnut",
         "head": (_("状态"), _("单数")),
         "rows": [(str(labels.get(r["status"], r["status"])), r["count"])
                  for r in stats.dispatch_outcomes]},
        {"id": "funnel", "title": _("课程报名 → 出勤 → 结业"), "kind": "bar",
         "head": (_("环节"), _("人次")),
         "rows": [(_("报名"), funnel["enrolled"]), (_("出勤"), funnel["attended"]),
                  (_("结业"), funnel["completed"])]},
        {"id": "tutoring", "title": _("学习辅导预约与缺席"), "kind": "bar",
         "head": (_("项目"), _("人次")),
         "rows": [(_("预约"), stats.tutoring_bookings), (_("未到场"), stats.tutoring_no_shows)]},
        {"id": "help", "title": _("便民纸条（按服务与结果）"), "kind": "bar",
         "head": (_("服务 · 结果"), _("条数")),
         "rows": [(f"{r['service']} · {labels.get(r['status'], r['status'])}", r["count"])
                  for r in stats.help_requests.get("by_service", [])]},
    ]


def dashboard_view(request):
    choices, units = unit_choices(request.user)
    if not choices:
        raise PermissionDenied
    today = timezone.localdate()
    default_from, default_to = _default_period(today)
    form = PeriodForm(request.GET or None, initial={
        "date_from": default_from, "date_to": default_to, "unit": choices[0][0]})
    form.fields["unit"].choices = choices
    if request.GET and form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        unit = units[form.cleaned_data["unit"]]
    else:
        date_from, date_to, unit = default_from, default_to, units[choices[0][0]]
    stats = district_stats(request.user, date_from=date_from, date_to=date_to, unit=unit,
                           today=today)
    minutes = stats.average_minutes_to_acceptance
    context = {
        **admin.site.each_context(request), "title": _("统计看板"), "form": form, "stats": stats,
        "unit_name": getattr(unit, "name", _("全区")),
        "summary": [
            (_("课程报名"), stats.enrollments), (_("结业"), stats.completions),
            (_("志愿服务时长"), _("%(h)s 小时") % {"h": hours_zh(stats.volunteer_hours)}),
            (_("派单"), stats.dispatches),
            (_("从派单到接单（平均）"),
             _("%(m)s 分钟") % {"m": minutes} if minutes is not None else _("暂无")),
            (_("便民纸条"), stats.help_requests.get("total", 0)),
            (_("便民纸条评分（平均）"), (stats.help_requests.get("ratings") or {}).get("average")
             or _("暂无")),
        ],
        "charts": _charts(stats),
        "credentials": [(days, stats.credentials_expiring[f"within{days}"],
                         _volunteer_link(unit, days)) for days in CREDENTIAL_FILTERS],
    }
    return TemplateResponse(request, "admin/stats/dashboard.html", context)
