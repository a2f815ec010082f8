import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services
from volunteers.help import selectors as help_selectors

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

HelpRequestDeclineError = error_type("HelpRequestDeclineError", VolunteerErrorCodeEnum)


class HelpRequestDecline(BaseMutation):
    """Staff decline a REQUESTED help request; the resident is told the reason."""

    class Arguments:
        service_request_id = graphene.ID(required=True, description="The help request.")
        reason = graphene.String(required=True, description="Why; sent to the resident.")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, DECLINED; null when refused.")
    errors = graphene.List(graphene.NonNull(HelpRequestDeclineError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, service_request_id, reason):
        request = load(selectors.service_request_lookup, service_request_id, "ServiceRequest",
                       field="service_request_id")
        request = services.help_request_decline(actor=user, service_request=request,
                                                reason=reason)
        return cls.success(service_request=help_selectors.help_request_queryset().get(
            pk=request.pk))
