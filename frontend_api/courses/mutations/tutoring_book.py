import graphene

from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from frontend_api.core.acting import person_to_act_for
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..tutoring.types import TutoringBookingType
from ..types import CourseErrorCodeEnum

TutoringBookError = error_type("TutoringBookError", CourseErrorCodeEnum)


class TutoringBook(BaseMutation):
    """Book a seat in a tutoring slot. Community staff of the resident's community and
    coordinators may book for a resident at the counter (`userId`; audit-logged)."""

    class Arguments:
        slot_id = graphene.ID(required=True, description="The slot to book.")
        note = graphene.String(description="A note for the tutor (what the resident needs "
                                           "help with), up to 200 characters.")
        idempotency_key = graphene.String(description="Optional; repeating it returns the "
                                                      "first result (see the API docs).")
        address = graphene.String(description=(
            "For a doorstep slot: where the tutor should come, up to 200 characters; null or "
            "empty = the resident's registered address (ADDRESS_REQUIRED when she has none). "
            "Ignored for slots at a venue."))
        user_id = graphene.ID(description="Book for this resident instead of yourself "
                                          "(staff of their community, coordinators).")
        consent_version = graphene.String(description=(
            "The privacyNotice version the person agreed to; recorded when she has not yet "
            "consented to the current notice (CONSENT_REQUIRED otherwise). Not needed once "
            "recorded."))

    booking = graphene.Field(TutoringBookingType, description="The booking, BOOKED; null when "
                                                              "refused.")
    errors = graphene.List(graphene.NonNull(TutoringBookError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, slot_id, note=None, address=None, idempotency_key=None,
                user_id=None, consent_version=None):
        resident = user
        if user_id is not None:
            resident = person_to_act_for(user, user_id)
        pk = decode_id(slot_id, "TutoringSlot", field="slot_id")
        booking = tutoring.tutoring_book(actor=user, user=resident, slot_id=pk, note=note or "",
                                         address=address, idempotency_key=idempotency_key,
                                         consent_version=consent_version)
        return cls.success(booking=selectors.booking_get(booking.pk))
