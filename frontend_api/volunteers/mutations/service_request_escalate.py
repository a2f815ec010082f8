import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

ServiceRequestEscalateError = error_type("ServiceRequestEscalateError", VolunteerErrorCodeEnum)


class ServiceRequestEscalate(BaseMutation):
    """The coordinator takes the job over: the live offer is withdrawn (the volunteer told)
    and the job stays ESCALATED for her to arrange. INVALID_STATE unless OFFERED or ACCEPTED."""

    class Arguments:
        service_request_id = graphene.ID(required=True, description="The ServiceRequest.")
        reason = graphene.String(description="Why; told to the volunteer whose offer is withdrawn.")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, ESCALATED; null when refused.")
    errors = graphene.List(graphene.NonNull(ServiceRequestEscalateError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, service_request_id, reason=""):
        request = load(selectors.service_request_lookup, service_request_id, "ServiceRequest",
                       field="service_request_id")
        request = services.service_request_escalate(actor=user, service_request=request,
                                                    reason=reason or "")
        return cls.success(service_request=selectors.service_request_queryset().get(
            pk=request.pk))
