import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceHoursType, VolunteerErrorCodeEnum
from ._common import load

ServiceHoursLogError = error_type("ServiceHoursLogError", VolunteerErrorCodeEnum)


class ServiceHoursLog(BaseMutation):
    class Arguments:
        commitment_id = graphene.ID(required=True)
        hours = graphene.Float(required=True)
        note = graphene.String()
        idempotency_key = graphene.String()

    entry = graphene.Field(ServiceHoursType)
    errors = graphene.List(graphene.NonNull(ServiceHoursLogError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, commitment_id, hours, note="", idempotency_key=None):
        commitment = load(selectors.commitment_get, commitment_id, "Commitment",
                          field="commitment_id")
        entry = services.service_hours_log(actor=user, commitment=commitment, hours=hours,
                                           note=note or "", idempotency_key=idempotency_key)
        return cls.success(entry=entry)
