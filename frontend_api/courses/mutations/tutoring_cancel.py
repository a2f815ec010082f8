import graphene

from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..tutoring.types import TutoringBookingType
from ..types import CourseErrorCodeEnum

TutoringCancelError = error_type("TutoringCancelError", CourseErrorCodeEnum)


class TutoringCancel(BaseMutation):
    """Cancel a booking: the resident until the cutoff, the tutor and coordinators always
    (the resident is then told). The seat is freed."""

    class Arguments:
        booking_id = graphene.ID(required=True, description="The booking to cancel.")

    booking = graphene.Field(TutoringBookingType, description="The booking, now CANCELLED; null "
                                                              "when refused.")
    errors = graphene.List(graphene.NonNull(TutoringCancelError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, booking_id):
        pk = decode_id(booking_id, "TutoringBooking", field="booking_id")
        booking = tutoring.tutoring_booking_cancel(actor=user, booking_id=pk)
        return cls.success(booking=selectors.booking_get(booking.pk))
