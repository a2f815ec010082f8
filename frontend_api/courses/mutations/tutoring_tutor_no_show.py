import graphene

from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..tutoring.types import TutoringBookingType
from ..types import CourseErrorCodeEnum

TutoringTutorNoShowError = error_type("TutoringTutorNoShowError", CourseErrorCodeEnum)


class TutoringTutorNoShow(BaseMutation):
    """A coordinator of the slot's community records that the tutor did not come."""

    class Arguments:
        booking_id = graphene.ID(required=True, description="The booking the tutor missed.")

    booking = graphene.Field(TutoringBookingType, description="The booking with tutorNoShow "
                                                              "set; null when refused.")
    errors = graphene.List(graphene.NonNull(TutoringTutorNoShowError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, booking_id):
        pk = decode_id(booking_id, "TutoringBooking", field="booking_id")
        booking = tutoring.tutoring_tutor_no_show(actor=user, booking_id=pk)
        return cls.success(booking=selectors.booking_get(booking.pk))
