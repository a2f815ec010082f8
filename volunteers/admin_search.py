"""可服务志愿者查询: an admin page where a coordinator asks "who could do this job of this
length, starting anywhere in this window, near this community?". It runs the same matching
as volunteerMatches at every quarter-hour start
(availability_selectors.volunteers_available_in_window) and lists each volunteer once, at
their earliest feasible start, with the reasons."""

from __future__ import annotations

from datetime import date, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Community
from backend.accounts.permissions import coordinated_community_filter
from backend.core.formatting import date_zh, time_zh

from . import availability_selectors, permissions
from .models import Skill

WEEKDAYS = [(str(n), "周" + "一二三四五六日"[n - 1]) for n in range(1, 8)]
DURATIONS = [(m, f"{m}分钟") for m in (30, 45, 60, 90, 120, 180)]
RULE_LABELS = {
    "NOT_ACTIVE": _("暂停服务或不接受派单"),
    "LEVEL_TOO_LOW": _("技能等级不够"),
    "CREDENTIAL_MISSING": _("缺少有效资质证件"),
    "NOT_AVAILABLE": _("不在可服务时间"),
    "TIME_OFF": _("请假"),
    "BUSY": _("已有其他安排"),
    "DAILY_CAP": _("当天派单已满"),
}


def next_weekday(weekday: int, *, today: date | None = None) -> date:
    """The next date (today included) falling on ISO `weekday`."""
    today = today or timezone.localdate()
    return today + timedelta(days=(weekday - today.isoweekday()) % 7)


class AvailabilitySearchForm(forms.Form):
    skill = forms.ModelChoiceField(label=_("技能"), queryset=Skill.objects.order_by("code"),
                                   to_field_name="code", empty_label=None)
    weekday = forms.ChoiceField(label=_("星期"), choices=[("", "—"), *WEEKDAYS],
                                required=False,
                                help_text=_("不填日期时，取最近的这一天。"))
    day = forms.DateField(label=_("日期"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=_("从"), initial=time(14, 0),
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("到"), initial=time(17, 0),
                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration = forms.TypedChoiceField(label=_("服务时长"), choices=DURATIONS, coerce=int,
                                      initial=60)
    community = forms.ModelChoiceField(label=_("服务地点附近的社区"),
                                       queryset=Community.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(
            coordinated_community_filter(user, "")).select_related("street").order_by(
            "street__sort_order", "sort_order", "id")

    def clean(self):
        data = super().clean()
        start, end, duration = data.get("start"), data.get("end"), data.get("duration")
        if start and end and duration:
            span = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            if span < duration:
                self.add_error("end", _("时间段须不短于服务时长。"))
        if not data.get("day"):
            weekday = int(data.get("weekday") or (timezone.localdate().isoweekday() % 7 + 1))
            data["day"] = next_weekday(weekday)
        return data


def _dispatch_link(skill, community, found) -> str:
    """The dispatch board with its create form filled in for this volunteer and start."""
    query = {"skill": skill.code, "community": community.pk, "duration": found.duration,
             "starts_at": f"{timezone.localtime(found.starts_at):%Y-%m-%dT%H:%M}",
             "volunteer": found.candidate.volunteer.pk}
    return reverse("admin:volunteers_board") + "?" + urlencode(query)


def _rows(search, skill, community, duration):
    rows = []
    for rank, found in enumerate(search.candidates, start=1):
        found.duration = duration
        candidate = found.candidate
        volunteer = candidate.volunteer
        rows.append({
            "rank": rank, "volunteer": volunteer, "community": volunteer.community,
            "level": candidate.level, "score": candidate.score,
            "starts_at": time_zh(found.starts_at),
            "reasons": [f"{r.detail} +{r.weight:g}" for r in candidate.reasons],
            "change_url": reverse("admin:volunteers_volunteer_change", args=[volunteer.pk]),
            "dispatch_url": _dispatch_link(skill, community, found),
        })
    return rows


def availability_search_view(model_admin, request):
    user = request.user
    if not (user.is_active and (user.is_superuser or permissions.can_match(user))):
        raise PermissionDenied
    form = AvailabilitySearchForm(request.GET or None, user=user)
    context = {**model_admin.admin_site.each_context(request), "form": form,
               "opts": model_admin.model._meta, "title": _("可服务志愿者查询")}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        search = availability_selectors.volunteers_available_in_window(
            user=user, skill=data["skill"], day=data["day"], start=data["start"],
            end=data["end"], duration_minutes=data["duration"], community=data["community"])
        context.update({
            "searched": True,
            "when": f"{date_zh(data['day'])}（周{'一二三四五六日'[data['day'].isoweekday() - 1]}）"
                    f"{data['start']:%H:%M}–{data['end']:%H:%M}",
            "rows": _rows(search, data["skill"], data["community"], data["duration"]),
            "excluded": [(RULE_LABELS[code], n) for code, n in search.excluded if n],
            "considered": search.considered, "starts": len(search.starts)})
    return TemplateResponse(request, "admin/volunteers/volunteer/availability_search.html",
                            context)
