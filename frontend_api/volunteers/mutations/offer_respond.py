import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import OfferType, ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

OfferRespondError = error_type("OfferRespondError", VolunteerErrorCodeEnum)


class OfferRespond(BaseMutation):
    """The offered volunteer accepts (the commitment becomes firm) or declines (the next
    candidate is offered)."""

    class Arguments:
        offer_id = graphene.ID(required=True, description="Your offer.")
        accept = graphene.Boolean(required=True, description="True to accept, false to "
                                                             "decline.")
        reason = graphene.String(description="Why you decline; optional.")

    offer = graphene.Field(OfferType, description="The offer, ACCEPTED or DECLINED; null when "
                                                  "refused.")
    service_request = graphene.Field(ServiceRequestType,
                                     description="The request after the answer (re-offered "
                                                 "after a decline); null when refused.")
    errors = graphene.List(graphene.NonNull(OfferRespondError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, offer_id, accept, reason=""):
        offer = load(selectors.offer_get, offer_id, "Offer", field="offer_id")
        offer = services.offer_respond(actor=user, offer=offer, accept=accept,
                                       reason=reason or "")
        request = selectors.service_request_queryset().get(pk=offer.request_id)
        offer = next(o for o in request.offers.all() if o.pk == offer.pk)
        return cls.success(offer=offer, service_request=request)
