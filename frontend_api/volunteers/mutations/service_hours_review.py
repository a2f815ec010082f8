import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import ServiceHoursType, VolunteerErrorCodeEnum
from ._common import load

ServiceHoursReviewError = error_type("ServiceHoursReviewError", VolunteerErrorCodeEnum)


class ServiceHoursReview(BaseMutation):
    """A coordinator of the volunteer's unit approves or declines a PENDING entry; only
    approved hours count towards totals and certificates."""

    class Arguments:
        entry_id = graphene.ID(required=True, description="The PENDING entry.")
        approve = graphene.Boolean(required=True, description="True to approve, false to "
                                                              "decline.")
        reason = graphene.String(description="Why; shown to the volunteer.")

    entry = graphene.Field(ServiceHoursType, description="The entry, APPROVED or DECLINED; null "
                                                         "when refused.")
    errors = graphene.List(graphene.NonNull(ServiceHoursReviewError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, entry_id, approve, reason=""):
        entry = load(selectors.service_hours_get, entry_id, "ServiceHoursEntry",
                     field="entry_id")
        entry = services.service_hours_review(actor=user, entry=entry, approve=approve,
                                              reason=reason or "")
        return cls.success(entry=entry)
