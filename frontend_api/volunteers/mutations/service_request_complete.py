import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

ServiceRequestCompleteError = error_type("ServiceRequestCompleteError", VolunteerErrorCodeEnum)


class ServiceRequestComplete(BaseMutation):
    """A coordinator of the job's unit marks an ACCEPTED job done: the volunteer's commitment
    is completed and she is asked (a notification) to log her hours. INVALID_STATE otherwise."""

    class Arguments:
        service_request_id = graphene.ID(required=True, description="The ServiceRequest.")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, COMPLETED; null when refused.")
    errors = graphene.List(graphene.NonNull(ServiceRequestCompleteError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, service_request_id):
        request = load(selectors.service_request_lookup, service_request_id, "ServiceRequest",
                       field="service_request_id")
        request = services.service_request_complete(actor=user, service_request=request)
        return cls.success(service_request=selectors.service_request_queryset().get(
            pk=request.pk))
