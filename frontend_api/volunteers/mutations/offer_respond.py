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
        offer_id = graphene.ID(required=True)
        accept = graphene.Boolean(required=True)
        reason = graphene.String()

    offer = graphene.Field(OfferType)
    service_request = graphene.Field(ServiceRequestType)
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
