import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ShiftSignUpType, VolunteerErrorCodeEnum
from ._common import load

ShiftSignUpCancelError = error_type("ShiftSignUpCancelError", VolunteerErrorCodeEnum)


class ShiftSignUpCancel(BaseMutation):
    """The volunteer (or a coordinator of her unit) gives up a place in a shift: the place
    is freed and the calendar entry cancelled. When a coordinator does it the volunteer is
    told once. ALREADY_CANCELLED when it was cancelled before."""

    class Arguments:
        sign_up_id = graphene.ID(required=True, description="The ShiftSignUp.")
        reason = graphene.String(description="Why; told to the volunteer when a coordinator "
                                             "cancels.")

    sign_up = graphene.Field(ShiftSignUpType, description="The sign-up, CANCELLED; null when "
                                                          "refused.")
    errors = graphene.List(graphene.NonNull(ShiftSignUpCancelError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, sign_up_id, reason=""):
        sign_up = load(selectors.shift_sign_up_get, sign_up_id, "ShiftSignUp",
                       field="sign_up_id")
        sign_up = services.shift_sign_up_cancel(actor=user, sign_up=sign_up,
                                                reason=reason or "")
        return cls.success(sign_up=sign_up)
