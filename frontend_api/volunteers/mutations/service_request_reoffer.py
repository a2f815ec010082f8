import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

ServiceRequestReofferError = error_type("ServiceRequestReofferError", VolunteerErrorCodeEnum)


class ServiceRequestReoffer(BaseMutation):
    """Move the job to the next ranked candidate now: the current offer (waiting or accepted)
    is withdrawn and the volunteer told; with nobody left the job is ESCALATED."""

    class Arguments:
        service_request_id = graphene.ID(required=True, description="The ServiceRequest.")
        reason = graphene.String(description="Why the current volunteer is released; told to her.")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, OFFERED to the next candidate or "
                                                 "ESCALATED; null when refused.")
    errors = graphene.List(graphene.NonNull(ServiceRequestReofferError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, service_request_id, reason=""):
        request = load(selectors.service_request_lookup, service_request_id, "ServiceRequest",
                       field="service_request_id")
        request = services.service_request_reoffer(actor=user, service_request=request,
                                                   reason=reason or "")
        return cls.success(service_request=selectors.service_request_queryset().get(
            pk=request.pk))
