"""`/me/data/`: a person sees the data Linli keeps about her, downloads it as JSON (both
audit-logged as exports), and withdraws her consent to the privacy notice (PIPL's rights
of access, copy and withdrawal; README "Security")."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from backend.accounts import selectors as account_selectors
from backend.accounts import services as account_services
from backend.certificates import selectors as certificate_selectors
from backend.certificates.models import CertificateStatus
from backend.core.services import audit_log_record
from courses import selectors as course_selectors
from courses.tutoring import selectors as tutoring_selectors
from volunteers import selectors as volunteer_selectors

from .common import page_login_required, page_view, render_page


def _when(value):
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def collect(user) -> dict:
    """Everything kept about `user` that is hers to see, in plain Chinese keys' order."""
    community = user.community
    volunteer = volunteer_selectors.volunteer_for_user(user)
    return {
        "账号": {
            "用户名": user.username, "姓名": user.display_name, "手机号": str(user.phone or ""),
            "地址": user.address or "", "所属社区": community.name if community else "",
            "注册时间": _when(user.date_joined), "最近登录": _when(user.last_login),
            "同意的隐私声明版本": user.consent_version or "", "同意时间": _when(user.consented_at),
        },
        "课程报名": [
            {"课程": e.run.course.title if e.run else "", "状态": e.get_status_display(),
             "报名时间": _when(e.created_at)}
            for e in course_selectors.my_enrollments(user=user) if e.run is not None],
        "辅导预约": [
            {"主题": b.slot.topic, "时间": _when(b.starts_at), "状态": b.get_status_display(),
             "留言": b.note, "上门地址": b.address}
            for b in tutoring_selectors.my_tutoring_bookings(user=user)],
        "志愿者": None if volunteer is None else {
            "社区": volunteer.community.name, "加入日期": str(volunteer.joined_on),
            "状态": volunteer.get_status_display(), "同意接收派单联系": volunteer.dispatch_consent,
            "日程": [{"标题": c.title, "开始": _when(c.starts_at), "结束": _when(c.ends_at)}
                     for c in volunteer_selectors.my_commitments(user=user)]},
        "证书": [
            {"名称": c.title, "编号": c.display_code, "发证时间": _when(c.issued_at),
             "状态": str(CertificateStatus(c.status).label)}
            for c in certificate_selectors.certificate_list_for_holder(user)],
    }


@never_cache
@require_GET
@page_view
@page_login_required
def my_data(request):
    data = collect(request.user)
    audit_log_record(actor=request.user, action="account.data_view", obj=request.user)
    return render_page(request, "pages/my_data.html", {
        "data": data, "deletion": account_selectors.data_request_latest(request.user)})


@never_cache
@require_GET
@page_view
@page_login_required
def my_data_download(request):
    """Her data as a JSON file (a copy she can keep or take elsewhere)."""
    body = json.dumps(collect(request.user), ensure_ascii=False, indent=2)
    audit_log_record(actor=request.user, action="account.data_export", obj=request.user)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="linli-my-data.json"'
    return response


@require_POST
@page_view
@page_login_required
def consent_withdraw(request):
    account_services.consent_withdraw(user=request.user)
    messages.success(request, "已撤回同意。以后预约、报名前会再请您阅读并同意隐私声明。")
    return redirect("page-my-data")


@require_POST
@page_view
@page_login_required
def data_deletion_request(request):
    account_services.data_request_delete(user=request.user)
    messages.success(request, "已收到您的申请。社区工作人员核对后会删除您的个人信息，"
                              "届时您的账号将无法再登录。")
    return redirect("page-my-data")
