"""Course writes, by topic. This module is the contract the rest of Linli calls
(`from courses import services`)."""

from .checkin import (
    CHECKIN_GRACE,
    CHECKIN_SALT,
    SCAN_KEEP,
    CheckInCode,
    attendance_mark,
    checkin_token,
    session_checkin,
    session_checkin_code,
)
from .enrollment import (
    enrollment_cancel,
    enrollment_create,
    run_fill_from_waitlist,
)
from .progress import (
    AnswerInput,
    completion_rule_met,
    enrollment_check_completion,
    finished_runs_complete,
    lesson_complete,
    quiz_submit,
    run_finished_at,
)
from .runs import (
    SessionInput,
    next_run_code,
    run_code_prefix,
    run_create,
    run_create_check,
)

__all__ = [
    "CHECKIN_GRACE",
    "CHECKIN_SALT",
    "SCAN_KEEP",
    "AnswerInput",
    "CheckInCode",
    "SessionInput",
    "attendance_mark",
    "checkin_token",
    "completion_rule_met",
    "enrollment_cancel",
    "enrollment_check_completion",
    "enrollment_create",
    "finished_runs_complete",
    "lesson_complete",
    "next_run_code",
    "quiz_submit",
    "run_code_prefix",
    "run_create",
    "run_create_check",
    "run_fill_from_waitlist",
    "run_finished_at",
    "session_checkin",
    "session_checkin_code",
]
