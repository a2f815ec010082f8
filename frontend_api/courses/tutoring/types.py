"""Tutoring types. seatsLeft reads the selector's annotation (capacity - booked_count, a
column kept by conditional UPDATEs); nothing here queries per row."""

import graphene
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from backend.core.masking import mask_personal_data_in_text
from courses.tutoring import permissions
from courses.tutoring.models import (
    TutoringBooking,
    TutoringBookingStatus,
    TutoringSlot,
    TutoringSlotStatus,
)
from frontend_api.core.descriptions import enum_description, field_descriptions
from volunteers.models import Volunteer

from ..types import VenueType

TutoringBookingStatusEnum = graphene.Enum.from_enum(
    TutoringBookingStatus, name="TutoringBookingStatus", description=enum_description(
        "Where a tutoring booking stands.", {
            "BOOKED": "Holds a seat in the slot.",
            "CANCELLED": "Cancelled by the resident, the tutor or a coordinator; the seat is "
                         "free again.",
            "ATTENDED": "The tutor marked the resident present.",
            "NO_SHOW": "The tutor marked the resident absent.",
        }))
TutoringSlotStatusEnum = graphene.Enum.from_enum(
    TutoringSlotStatus, name="TutoringSlotStatus", description=enum_description(
        "Where a tutoring slot stands.", {
            "OPEN": "Published; bookable while seats are left and the cutoff has not passed.",
            "CANCELLED": "Withdrawn by the tutor or a coordinator.",
            "DONE": "Over.",
        }))


class MarkStatus(graphene.Enum):
    """What the tutor records about a resident after the start."""

    ATTENDED = "ATTENDED"
    NO_SHOW = "NO_SHOW"

    class Meta:
        name = "TutoringMarkStatus"

    @property
    def description(self):
        return {"ATTENDED": "The resident came.",
                "NO_SHOW": "The resident did not come."}[self.name]


class TutorType(DjangoObjectType):
    """What a resident sees of a tutor: the roster id and the name, nothing personal."""

    id = graphene.ID(required=True, description="The tutor's Volunteer ID.")
    display_name = graphene.String(required=True, description="The tutor's name.")

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


@field_descriptions(
    slot="The slot booked.",
    note="The resident's note for the tutor, or an empty string.",
    rating="The resident's rating, 1-5; null until rated.",
    comment="The resident's comment with the rating, or an empty string.",
    tutor_no_show="True when a coordinator recorded that the tutor did not come.",
    created_at="When it was booked.",
    cancelled_at="When it was cancelled; null unless CANCELLED.",
    starts_at="When the booked session starts (copied from the slot).",
    ends_at="When the booked session ends (copied from the slot).")
class TutoringBookingType(DjangoObjectType):
    """A resident's seat in a tutoring slot; seen by the resident, the tutor and staff of the
    slot's community."""

    status = TutoringBookingStatusEnum(required=True, description="Where the booking stands.")
    resident_name = graphene.String(description="The resident's name (tutor and staff views).")
    address = graphene.String(description=(
        "Where a doorstep session happens: for the resident, and for the tutor while the "
        "booking holds a seat; null for anyone else and for slots at a venue."))
    booked_on_behalf = graphene.Boolean(required=True,
                                        description="True when staff booked it for the "
                                                    "resident.")

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
    def resolve_address(booking, info):
        if not booking.address or not permissions.can_see_booking_address(info.context.user,
                                                                          booking):
            return None
        if permissions.can_read_booking_free_text(info.context.user, booking):
            return booking.address
        return mask_personal_data_in_text(booking.address)

    @staticmethod
    def resolve_note(booking, info):
        if not booking.note or permissions.can_read_booking_free_text(info.context.user,
                                                                      booking):
            return booking.note
        return mask_personal_data_in_text(booking.note)

    @staticmethod
    def resolve_booked_on_behalf(booking, info):
        return booking.booked_by_id is not None

    @staticmethod
    def resolve_slot(booking, info):
        slot = booking.slot
        if getattr(booking, "seats_left_n", None) is not None:
            slot.seats_left_n = booking.seats_left_n
        return slot


@field_descriptions(
    starts_at="When the slot starts.",
    ends_at="When the slot ends.",
    topic="What the tutoring is about.")
class TutoringSlotType(DjangoObjectType):
    """A time a volunteer tutor offers one-to-one WeChat lessons; public while bookable."""

    tutor = graphene.Field(TutorType, required=True, description="Who tutors.")
    status = TutoringSlotStatusEnum(required=True, description="Where the slot stands.")
    place = graphene.String(required=True, description="The venue's name, or e.g. 上门.")
    venue = graphene.Field(VenueType, description="The venue, or null (see `place`).")
    capacity = graphene.Int(required=True, description="Residents per slot.")
    doorstep = graphene.Boolean(required=True, description=(
        "A home visit: the tutor comes to the resident's address; bookable by residents of "
        "the tutor's street, who give the address when booking."))
    seats_left = graphene.Int(required=True, description="Seats not booked, never negative.")
    bookings = graphene.List(graphene.NonNull(TutoringBookingType),
                             description="For the tutor (myTutoringSlots) only; else null.")

    # frontend_api.core.selection: `bookings` reads the selectors' `booking_list`, and
    # checks the tutor; `place` reads the venue; `seats_left` only the row.
    selection_lookups = {"bookings": ("booking_list",)}
    selection_prefetches = {"bookings": ("tutor",), "place": ("venue",), "seats_left": ()}
    selection_unread = ("community",)  # the selectors' join for pages and ordering

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
    """What publishing from availability did, window by window."""

    created = graphene.Int(required=True, description="Slots created.")
    skipped_existing = graphene.Int(required=True,
                                    description="Windows skipped because the tutor already has "
                                                "a slot starting then.")
    skipped_overlap = graphene.Int(required=True,
                                   description="Windows skipped because they overlap another "
                                               "commitment.")
    skipped_time_off = graphene.Int(
        required=True, description="Windows skipped because the tutor has time off then.")
