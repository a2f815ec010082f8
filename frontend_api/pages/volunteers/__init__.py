"""A volunteer's phone pages (365 team): job offers (accept, or decline with a reason), my
upcoming jobs, shifts and tutoring, service hours, weekly availability and time off, open
shifts, credentials. Thin views over volunteers' selectors and services, like GraphQL."""

from .hours import credentials, hours
from .offers import offer, offer_decline, offer_list, offer_phone
from .schedule import availability, commitments, shift_cancel, shifts

__all__ = ["availability", "commitments", "credentials", "hours", "offer", "offer_decline",
           "offer_list", "offer_phone", "shift_cancel", "shifts"]
