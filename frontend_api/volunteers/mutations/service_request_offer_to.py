import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

ServiceRequestOfferToError = error_type("ServiceRequestOfferToError", VolunteerErrorCodeEnum)


class ServiceRequestOfferTo(BaseMutation):
    """Offer the job to a named volunteer (she must pass every hard rule and not have been
    offered it before: VOLUNTEER_UNAVAILABLE, nothing changed). The live offer is withdrawn."""

    class Arguments:
        service_request_id = graphene.ID(required=True, description="The ServiceRequest.")
        volunteer_id = graphene.ID(required=True, description="The Volunteer to offer it to.")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, OFFERED to her; null when refused.")
    errors = graphene.List(graphene.NonNull(ServiceRequestOfferToError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, service_request_id, volunteer_id):
        request = load(selectors.service_request_lookup, service_request_id, "ServiceRequest",
                       field="service_request_id")
        volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                         field="volunteer_id")
        request = services.service_request_offer_to(actor=user, service_request=request,
                                                    volunteer=volunteer)
        return cls.success(service_request=selectors.service_request_queryset().get(
            pk=request.pk))
