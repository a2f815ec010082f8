"""Who may do what with tutoring slots and bookings: the only place these rules live.

Slots belong to their community (the venue's, else the tutor's). The tutor is the slot's
volunteer; coordinators of that community manage it. A resident books for themself; staff
of the resident's community and the resident's coordinators may book on their behalf
(the one "act for this person" rule, accounts.permissions.can_act_for).
"""

from __future__ import annotations

from backend.accounts.permissions import can_act_for, is_coordinator, is_coordinator_for

from .models import TutoringBookingStatus


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def is_tutor_of(user, slot) -> bool:
    return _authenticated(user) and slot.tutor.user_id == user.pk


def can_publish_slots_for(user, volunteer) -> bool:
    """The volunteer themself, coordinators of the volunteer's community."""
    return _authenticated(user) and (
        volunteer.user_id == user.pk or is_coordinator_for(user, volunteer.community))


def can_manage_slot(user, slot) -> bool:
    return _authenticated(user) and is_coordinator_for(user, slot.community)


def tutoring_cancel_role(user, booking) -> str | None:
    """Who is cancelling: "tutor" and "coordinator" always may; "resident" (or staff
    acting for them) only before the cutoff; None = not allowed."""
    if not _authenticated(user):
        return None
    if is_tutor_of(user, booking.slot):
        return "tutor"
    if can_manage_slot(user, booking.slot):
        return "coordinator"
    if booking.user_id == user.pk or can_act_for(user, booking.user):
        return "resident"
    return None


def can_mark_booking(user, booking) -> bool:
    """Attendance: the tutor, and coordinators of the slot's community (corrections)."""
    return is_tutor_of(user, booking.slot) or can_manage_slot(user, booking.slot)


def can_mark_tutor_no_show(user, booking) -> bool:
    return can_manage_slot(user, booking.slot)


def can_see_booking_address(user, booking) -> bool:
    """A doorstep booking's address: the resident always; the tutor only while the booking
    holds a seat (booked, or marked after the session), never after it is cancelled."""
    if not _authenticated(user):
        return False
    if booking.user_id == user.pk:
        return True
    return booking.status != TutoringBookingStatus.CANCELLED and is_tutor_of(user, booking.slot)


def can_rate_booking(user, booking) -> bool:
    return _authenticated(user) and booking.user_id == user.pk


def can_read_booking_free_text(user, booking) -> bool:
    """The note and address unmasked: their writer (the resident, or staff who booked for
    her) and coordinators of the slot's community; everyone else sees phones masked."""
    if not _authenticated(user):
        return False
    if user.pk in (booking.user_id, booking.booked_by_id):
        return True
    # Role assignments are cached on the user: the slot's community is loaded only for a
    # coordinator.
    return is_coordinator(user) and is_coordinator_for(user, booking.slot.community)
