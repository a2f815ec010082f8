import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ShiftSignUpType, VolunteerErrorCodeEnum
from ._common import load

ShiftSignUpError = error_type("ShiftSignUpError", VolunteerErrorCodeEnum)


class ShiftSignUpMutation(BaseMutation):
    """The logged-in volunteer takes a place in an event's shift; it goes into their
    calendar. Places are never over-taken."""

    class Meta:
        name = "ShiftSignUpPayload"

    class Arguments:
        shift_id = graphene.ID(required=True, description="The shift.")
        consent_version = graphene.String(description=(
            "The privacyNotice version the person agreed to; recorded when she has not yet "
            "consented to the current notice (CONSENT_REQUIRED otherwise). Not needed once "
            "recorded."))

    sign_up = graphene.Field(ShiftSignUpType, description="The sign-up with its commitment; "
                                                          "null when refused.")
    errors = graphene.List(graphene.NonNull(ShiftSignUpError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, shift_id, consent_version=None):
        shift = load(selectors.shift_get, shift_id, "Shift", field="shift_id")
        signup = services.shift_sign_up(actor=user, shift=shift, consent_version=consent_version)
        return cls.success(sign_up=signup)
