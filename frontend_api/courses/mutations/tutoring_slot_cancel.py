import graphene

from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id
from frontend_api.core.mutations import BaseMutation

from ..tutoring.types import TutoringSlotType
from ..types import CourseErrorCodeEnum

TutoringSlotCancelError = error_type("TutoringSlotCancelError", CourseErrorCodeEnum)


class TutoringSlotCancel(BaseMutation):
    """The tutor or a coordinator withdraws a slot before it starts; its bookings are
    cancelled (the residents are told) and the tutor's time is freed."""

    class Arguments:
        slot_id = graphene.ID(required=True, description="The slot to withdraw.")

    slot = graphene.Field(TutoringSlotType, description="The slot, now CANCELLED; null when "
                                                        "refused.")
    errors = graphene.List(graphene.NonNull(TutoringSlotCancelError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, slot_id):
        pk = decode_id(slot_id, "TutoringSlot", field="slot_id")
        slot = tutoring.tutoring_slot_cancel(actor=user, slot_id=pk)
        return cls.success(slot=selectors.slot_get(slot.pk))
