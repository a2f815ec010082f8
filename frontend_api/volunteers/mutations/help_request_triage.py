import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services
from volunteers.help import selectors as help_selectors

from ..types import ServiceRequestType, VolunteerErrorCodeEnum
from ._common import load

HelpRequestTriageError = error_type("HelpRequestTriageError", VolunteerErrorCodeEnum)


class HelpRequestTriage(BaseMutation):
    """Staff of the community (or coordinators of its unit) set the service, time and
    length of a REQUESTED help request and dispatch it as dispatchCreate does. On
    NO_CANDIDATE or VOLUNTEER_UNAVAILABLE nothing changes: it stays REQUESTED."""

    class Arguments:
        service_request_id = graphene.ID(required=True, description="The help request.")
        skill = graphene.String(required=True, description="The Skill code.")
        starts_at = graphene.DateTime(required=True, description="When the visit starts; "
                                                                 "in the future.")
        duration_minutes = graphene.Int(required=True, description="Length, 1 to 720 minutes.")
        volunteer_id = graphene.ID(description="Offer to this volunteer instead of the best "
                                               "candidate.")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, OFFERED; null when refused.")
    errors = graphene.List(graphene.NonNull(HelpRequestTriageError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, service_request_id, skill, starts_at, duration_minutes,
                volunteer_id=None):
        request = load(selectors.service_request_lookup, service_request_id, "ServiceRequest",
                       field="service_request_id")
        volunteer = None
        if volunteer_id:
            volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                             field="volunteer_id")
        request = services.help_request_triage(
            actor=user, service_request=request, skill_code=skill, starts_at=starts_at,
            duration_minutes=duration_minutes, volunteer=volunteer)
        return cls.success(service_request=help_selectors.help_request_queryset().get(
            pk=request.pk))
