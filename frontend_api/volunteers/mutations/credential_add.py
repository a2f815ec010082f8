import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import CredentialObjectType, VolunteerErrorCodeEnum
from ._common import load

CredentialAddError = error_type("CredentialAddError", VolunteerErrorCodeEnum)


class CredentialAdd(BaseMutation):
    """A coordinator records a verified credential (idempotent per type and number)."""

    class Arguments:
        volunteer_id = graphene.ID(required=True, description="A volunteer you coordinate.")
        type_code = graphene.String(required=True, description="A CredentialType code.")
        number = graphene.String(required=True, description="The document's number; never "
                                                            "shown through the API.")
        valid_until = graphene.Date(description="Last valid day; null: no expiry.")
        valid_from = graphene.Date(description="First valid day; null: today.")

    credential = graphene.Field(CredentialObjectType, description="The credential recorded; "
                                                                  "null when refused.")
    errors = graphene.List(graphene.NonNull(CredentialAddError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, volunteer_id, type_code, number, valid_until=None,
                valid_from=None):
        volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                         field="volunteer_id")
        credential = services.credential_add(actor=user, volunteer=volunteer,
                                             type_code=type_code, number=number,
                                             valid_until=valid_until, valid_from=valid_from)
        return cls.success(credential=credential)
