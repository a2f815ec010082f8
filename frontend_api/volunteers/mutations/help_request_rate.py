import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services
from volunteers.help import selectors as help_selectors

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

HelpRequestRateError = error_type("HelpRequestRateError", VolunteerErrorCodeEnum)


class HelpRequestRate(BaseMutation):
    """The resident rates a COMPLETED visit once (1-5) and may say thanks; a rating of 2 or
    less is sent to the unit's coordinators."""

    class Arguments:
        service_request_id = graphene.ID(required=True, description="Her help request.")
        rating = graphene.Int(required=True, description="1 (poor) to 5 (very good).")
        comment = graphene.String(description="Thanks or remarks, up to 500 characters.")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, rated; null when refused.")
    errors = graphene.List(graphene.NonNull(HelpRequestRateError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, service_request_id, rating, comment=None):
        request = load(selectors.service_request_lookup, service_request_id, "ServiceRequest",
                       field="service_request_id")
        request = services.help_request_rate(actor=user, service_request=request,
                                             rating=rating, comment=comment or "")
        return cls.success(service_request=help_selectors.help_request_queryset().get(
            pk=request.pk))
