"""Relay global IDs: decoding that answers bad input with a typed error, never a 500."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from graphql_relay import from_global_id

from backend.core.error_codes import CoreErrorCode
from backend.core.errors import validation_error

# What a resident calls each node type: "not found" messages name the thing in Chinese,
# never the GraphQL type name. tests/frontend_api/test_ids.py requires an entry for every
# node type in the schema.
NOUNS: dict[str, str] = {
    "Attendance": "考勤记录",
    "Broadcast": "群发",
    "Certificate": "证书",
    "Choice": "选项",
    "ClassSession": "课次",
    "Commitment": "日程",
    "Community": "社区",
    "Course": "课程",
    "CourseRun": "班期",
    "Credential": "资质证书",
    "Enrollment": "报名",
    "Event": "活动",
    "HelpPhoto": "照片",
    "Lesson": "课时",
    "Offer": "派单邀请",
    "Question": "题目",
    "Quiz": "测验",
    "QuizAttempt": "答题记录",
    "ServiceHoursEntry": "服务时长记录",
    "ServiceRequest": "派单",
    "Shift": "班次",
    "ShiftSignUp": "班次报名",
    "Street": "街道",
    "TimeOff": "请假记录",
    "TutoringBooking": "辅导预约",
    "TutoringSlot": "辅导时段",
    "User": "用户",
    "Venue": "场地",
    "Volunteer": "志愿者",
}


def noun(type_name: str) -> str:
    """The Chinese noun for a node type; an unmapped type reads as a generic "记录"."""
    return NOUNS.get(type_name, "记录")


def not_found(field: str | None, type_name: str, code=CoreErrorCode.NOT_FOUND) -> ValidationError:
    """The NOT_FOUND error for a node id, in the caller's domain's `code`."""
    message = _("找不到这个%(kind)s，请检查编号。") % {"kind": noun(type_name)}
    return validation_error(field, message, code)


def decode_id(global_id: str, expected_type: str, *, field: str = "id") -> int:
    """`expected_type` is the GraphQL type name; raises ValidationError(NOT_FOUND)."""
    try:
        type_name, raw = from_global_id(global_id or "")
        pk = int(raw)
    except (TypeError, ValueError, UnicodeDecodeError):
        type_name, pk = None, None
    if type_name != expected_type or pk is None or pk <= 0:
        raise not_found(field, expected_type)
    return pk


def decode_id_or_none(global_id: str | None, expected_type: str) -> int | None:
    """For query arguments: an unknown or malformed ID simply matches nothing."""
    if not global_id:
        return None
    try:
        return decode_id(global_id, expected_type)
    except ValidationError:
        return -1
