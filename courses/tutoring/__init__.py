"""Tutoring (辅导预约): volunteers' bookable slots and residents' bookings, a part of the
courses app (its models keep the `courses` app label)."""
