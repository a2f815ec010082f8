import graphene

from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..tutoring.types import TutoringBookingType
from ..types import CourseErrorCodeEnum

TutoringRateError = error_type("TutoringRateError", CourseErrorCodeEnum)


class TutoringRate(BaseMutation):
    """The resident rates an attended session 1–5, once, with an optional comment."""

    class Arguments:
        booking_id = graphene.ID(required=True, description="The attended booking.")
        rating = graphene.Int(required=True, description="1 (poor) to 5 (very good).")
        comment = graphene.String(description="Optional words for the tutor and coordinators.")

    booking = graphene.Field(TutoringBookingType, description="The booking with its rating; "
                                                              "null when refused.")
    errors = graphene.List(graphene.NonNull(TutoringRateError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, booking_id, rating, comment=None):
        pk = decode_id(booking_id, "TutoringBooking", field="booking_id")
        booking = tutoring.tutoring_booking_rate(actor=user, booking_id=pk, rating=rating,
                                                 comment=comment or "")
        return cls.success(booking=selectors.booking_get(booking.pk))
