import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceHoursType, VolunteerErrorCodeEnum
from ._common import load

ServiceHoursReviewError = error_type("ServiceHoursReviewError", VolunteerErrorCodeEnum)


class ServiceHoursReview(BaseMutation):
    class Arguments:
        entry_id = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        reason = graphene.String()

    entry = graphene.Field(ServiceHoursType)
    errors = graphene.List(graphene.NonNull(ServiceHoursReviewError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, entry_id, approve, reason=""):
        entry = load(selectors.service_hours_get, entry_id, "ServiceHoursEntry",
                     field="entry_id")
        entry = services.service_hours_review(actor=user, entry=entry, approve=approve,
                                              reason=reason or "")
        return cls.success(entry=entry)
