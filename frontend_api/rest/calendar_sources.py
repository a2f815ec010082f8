"""Which domains contribute to a person's calendar feed. Each source takes a user and
returns backend.core.calendar.CalendarItem objects, in a constant number of queries."""

import courses.selectors
import volunteers.selectors


def calendar_sources() -> list:
    return [courses.selectors.calendar_items_for_user,
            volunteers.selectors.calendar_items_for_user]
