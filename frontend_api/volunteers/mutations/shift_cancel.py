import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ShiftType, VolunteerErrorCodeEnum
from ._common import load

ShiftCancelError = error_type("ShiftCancelError", VolunteerErrorCodeEnum)


class ShiftCancel(BaseMutation):
    """A coordinator of the event's unit cancels a whole shift: every place is released and
    each volunteer who had signed up is told once; nobody can sign up any more.
    ALREADY_CANCELLED when it was cancelled before."""

    class Arguments:
        shift_id = graphene.ID(required=True, description="The Shift.")
        reason = graphene.String(description="Why; told to the volunteers.")

    shift = graphene.Field(ShiftType, description="The shift, cancelled; null when refused.")
    errors = graphene.List(graphene.NonNull(ShiftCancelError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, shift_id, reason=""):
        shift = load(selectors.shift_get, shift_id, "Shift", field="shift_id")
        shift = services.shift_cancel(actor=user, shift=shift, reason=reason or "")
        return cls.success(shift=shift)
