import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

ServiceRequestCancelError = error_type("ServiceRequestCancelError", VolunteerErrorCodeEnum)


class ServiceRequestCancel(BaseMutation):
    """A coordinator of the job's unit calls the job off: a waiting or accepted offer is
    withdrawn (the volunteer is told once) and her time freed. INVALID_STATE when the job
    has already ended (completed, cancelled, unfulfilled, declined)."""

    class Arguments:
        service_request_id = graphene.ID(required=True, description="The ServiceRequest.")
        reason = graphene.String(description="Why; told to the volunteer.")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, CANCELLED; null when refused.")
    errors = graphene.List(graphene.NonNull(ServiceRequestCancelError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, service_request_id, reason=""):
        request = load(selectors.service_request_lookup, service_request_id, "ServiceRequest",
                       field="service_request_id")
        request = services.service_request_cancel(actor=user, service_request=request,
                                                  reason=reason or "")
        return cls.success(service_request=selectors.service_request_queryset().get(
            pk=request.pk))
