import graphene
from django.utils.translation import gettext as _

from backend.accounts import selectors as account_selectors
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services
from volunteers.error_codes import VolunteerErrorCode
from volunteers.models import ServiceRequestStatus

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

DispatchCreateError = error_type("DispatchCreateError", VolunteerErrorCodeEnum)


class DispatchCreate(BaseMutation):
    """Create a doorstep job and offer it to the best candidate (or the named volunteer).

    When nobody is eligible the request is still created, ESCALATED to the coordinator, and
    the payload carries it together with a NO_CANDIDATE error."""

    class Arguments:
        skill = graphene.String(required=True, description="The Skill code the job needs.")
        starts_at = graphene.DateTime(required=True, description="When the job starts; in the "
                                                                 "future.")
        duration_minutes = graphene.Int(required=True, description="Length, 1 to 720 minutes.")
        community_id = graphene.ID(required=True, description="Where the job is; a community "
                                                              "you coordinate.")
        address = graphene.String(description="The doorstep address, for the volunteer only.")
        note = graphene.String(description="What the resident needs, for the volunteer.")
        external_ref = graphene.String(description="The calling system's own reference, kept "
                                                   "and returned as is.")
        volunteer_id = graphene.ID(description="Offer to this volunteer instead of the best "
                                               "candidate; VOLUNTEER_UNAVAILABLE if not "
                                               "eligible.")
        min_level = graphene.Int(description="The lowest skill level accepted, 1-3; default 1.")
        idempotency_key = graphene.String(description="Optional; repeating it returns the "
                                                      "first result (see the API docs).")
        offer_expires_in_minutes = graphene.Int(
            description="How long each volunteer has to answer, 1 to 1440 minutes; default "
                        "the platform's setting (30).")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, OFFERED (or ESCALATED with "
                                                 "NO_CANDIDATE); null when refused.")
    errors = graphene.List(graphene.NonNull(DispatchCreateError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, skill, starts_at, duration_minutes, community_id,
                volunteer_id=None, min_level=None, **data):
        community = load(account_selectors.community_get, community_id, "Community",
                         field="community_id")
        volunteer = None
        if volunteer_id:
            volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                             field="volunteer_id")
        request = services.dispatch_create(
            actor=user, skill_code=skill, starts_at=starts_at, duration_minutes=duration_minutes,
            community=community, volunteer=volunteer, min_level=min_level or 1,
            address=data.get("address") or "", note=data.get("note") or "",
            external_ref=data.get("external_ref") or "",
            idempotency_key=data.get("idempotency_key"),
            offer_expires_in_minutes=data.get("offer_expires_in_minutes"))
        request = selectors.service_request_queryset().get(pk=request.pk)
        if request.status == ServiceRequestStatus.ESCALATED:
            return cls(service_request=request, errors=[{
                "field": None, "message": _("暂无符合条件的志愿者，已转协调员处理。"),
                "code": VolunteerErrorCodeEnum.get(VolunteerErrorCode.NO_CANDIDATE.value)}])
        return cls.success(service_request=request)
