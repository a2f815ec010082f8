import graphene

from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..tutoring.types import MarkStatus, TutoringBookingType
from ..types import CourseErrorCodeEnum

TutoringBookingMarkError = error_type("TutoringBookingMarkError", CourseErrorCodeEnum)


class TutoringBookingMark(BaseMutation):
    """After the start, the tutor marks the resident ATTENDED or NO_SHOW (coordinators may
    correct). An attended session logs the tutor's service hours, pending review."""

    class Arguments:
        booking_id = graphene.ID(required=True, description="The booking.")
        status = MarkStatus(required=True, description="What happened.")

    booking = graphene.Field(TutoringBookingType, description="The booking as marked; null when "
                                                              "refused.")
    errors = graphene.List(graphene.NonNull(TutoringBookingMarkError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, booking_id, status):
        pk = decode_id(booking_id, "TutoringBooking", field="booking_id")
        value = status.value if hasattr(status, "value") else status
        booking = tutoring.tutoring_booking_mark(actor=user, booking_id=pk, status=value)
        return cls.success(booking=selectors.booking_get(booking.pk))
