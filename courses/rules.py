"""Small course rules shared by the services that apply them and the reads that explain
them to learners ("已签到 N 次，共 M 次"), so the two can never disagree."""

from __future__ import annotations

import math
from decimal import Decimal

# API.md "New codes": 0.67 of 3 sessions is 2.
ATTENDANCE_TOLERANCE = Decimal("0.01")


def sessions_required(min_attendance_rate, sessions_total: int) -> int:
    """ceil(rate × sessions), forgiving a product that exceeds a whole number by ≤ 0.01."""
    if sessions_total <= 0:
        return 0
    product = Decimal(str(min_attendance_rate)) * sessions_total - ATTENDANCE_TOLERANCE
    return max(0, min(sessions_total, math.ceil(product)))


def answer_is_right(correct_choice_ids, chosen_ids) -> bool:
    """A question counts only when exactly its correct options were chosen."""
    return set(chosen_ids) == set(correct_choice_ids)
