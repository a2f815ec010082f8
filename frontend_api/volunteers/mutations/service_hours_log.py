import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceHoursType, VolunteerErrorCodeEnum
from ._common import load

ServiceHoursLogError = error_type("ServiceHoursLogError", VolunteerErrorCodeEnum)


class ServiceHoursLog(BaseMutation):
    """The volunteer or a coordinator of their unit logs hours for a finished commitment;
    the entry waits as PENDING for a coordinator's review."""

    class Arguments:
        commitment_id = graphene.ID(required=True, description="The finished commitment.")
        hours = graphene.Float(required=True, description="Hours served, more than 0 and at "
                                                          "most 24.")
        note = graphene.String(description="What was done; optional.")
        idempotency_key = graphene.String(description="Optional; repeating it returns the "
                                                      "first result (see the API docs).")

    entry = graphene.Field(ServiceHoursType, description="The entry, PENDING; null when "
                                                         "refused.")
    errors = graphene.List(graphene.NonNull(ServiceHoursLogError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, commitment_id, hours, note="", idempotency_key=None):
        commitment = load(selectors.commitment_get, commitment_id, "Commitment",
                          field="commitment_id")
        entry = services.service_hours_log(actor=user, commitment=commitment, hours=hours,
                                           note=note or "", idempotency_key=idempotency_key)
        return cls.success(entry=entry)
