"""Tutoring types. seatsLeft reads the selector's annotation (capacity - booked_count, a
column kept by conditional UPDATEs); nothing here queries per row."""

import graphene
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from courses.tutoring import permissions
from courses.tutoring.models import (
    TutoringBooking,
    TutoringBookingStatus,
    TutoringSlot,
    TutoringSlotStatus,
)
from volunteers.models import Volunteer

from ..types import VenueType

TutoringBookingStatusEnum = graphene.Enum.from_enum(TutoringBookingStatus,
                                                    name="TutoringBookingStatus")
TutoringSlotStatusEnum = graphene.Enum.from_enum(TutoringSlotStatus, name="TutoringSlotStatus")


class MarkStatus(graphene.Enum):
    ATTENDED = "ATTENDED"
    NO_SHOW = "NO_SHOW"

    class Meta:
        name = "TutoringMarkStatus"


class TutorType(DjangoObjectType):
    """What a resident sees of a tutor: the roster id and the name, nothing personal."""

    id = graphene.ID(required=True, description="The tutor's Volunteer ID.")
    display_name = graphene.String(required=True)

    class Meta:
        model = Volunteer
        name = "Tutor"
        fields = ("id",)

    @staticmethod
    def resolve_id(volunteer, info):
        return to_global_id("Volunteer", volunteer.pk)

    @staticmethod
    def resolve_display_name(volunteer, info):
        return volunteer.user.display_name or volunteer.user.username


def _seats_left(obj, slot) -> int:
    n = getattr(obj, "seats_left_n", None)
    if n is None:
        n = slot.capacity - slot.booked_count
    return max(n, 0)


class TutoringBookingType(DjangoObjectType):
    status = TutoringBookingStatusEnum(required=True)
    resident_name = graphene.String(description="The resident's name (tutor and staff views).")
    booked_on_behalf = graphene.Boolean(required=True)

    class Meta:
        model = TutoringBooking
        name = "TutoringBooking"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "slot", "status", "note", "rating", "comment", "tutor_no_show",
                  "created_at", "cancelled_at", "starts_at", "ends_at")

    @staticmethod
    def resolve_resident_name(booking, info):
        return booking.user.display_name or booking.user.username

    @staticmethod
    def resolve_booked_on_behalf(booking, info):
        return booking.booked_by_id is not None

    @staticmethod
    def resolve_slot(booking, info):
        slot = booking.slot
        if getattr(booking, "seats_left_n", None) is not None:
            slot.seats_left_n = booking.seats_left_n
        return slot


class TutoringSlotType(DjangoObjectType):
    tutor = graphene.Field(TutorType, required=True)
    status = TutoringSlotStatusEnum(required=True)
    place = graphene.String(required=True, description="The venue's name, or e.g. 上门.")
    venue = graphene.Field(VenueType)
    capacity = graphene.Int(required=True)
    seats_left = graphene.Int(required=True)
    bookings = graphene.List(graphene.NonNull(TutoringBookingType),
                             description="For the tutor (myTutoringSlots) only; else null.")

    class Meta:
        model = TutoringSlot
        name = "TutoringSlot"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "tutor", "starts_at", "ends_at", "topic", "capacity", "venue",
                  "status")

    @staticmethod
    def resolve_place(slot, info):
        return slot.place

    @staticmethod
    def resolve_seats_left(slot, info):
        return _seats_left(slot, slot)

    @staticmethod
    def resolve_bookings(slot, info):
        bookings = getattr(slot, "booking_list", None)  # only myTutoringSlots prefetches them
        if bookings is None or not permissions.is_tutor_of(info.context.user, slot):
            return None
        return bookings


class TutoringPublishCount(graphene.ObjectType):
    created = graphene.Int(required=True)
    skipped_existing = graphene.Int(required=True)
    skipped_overlap = graphene.Int(required=True)
    skipped_time_off = graphene.Int(
        required=True, description="Windows skipped because the tutor has time off then.")
