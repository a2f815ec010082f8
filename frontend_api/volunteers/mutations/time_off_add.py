import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import TimeOffType, VolunteerErrorCodeEnum
from ._common import load

TimeOffAddError = error_type("TimeOffAddError", VolunteerErrorCodeEnum)


class TimeOffAdd(BaseMutation):
    """The volunteer (or a coordinator of their unit) records time off; matching and
    tutoring publication skip it."""

    class Arguments:
        volunteer_id = graphene.ID(required=True, description="The volunteer.")
        starts_at = graphene.DateTime(required=True, description="When it starts.")
        ends_at = graphene.DateTime(required=True, description="When it ends; after startsAt.")
        reason = graphene.String(description="Optional, e.g. 探亲.")

    time_off = graphene.Field(TimeOffType, description="The time off recorded; null when "
                                                       "refused.")
    errors = graphene.List(graphene.NonNull(TimeOffAddError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, volunteer_id, starts_at, ends_at, reason=""):
        volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                         field="volunteer_id")
        entry = services.time_off_add(actor=user, volunteer=volunteer, starts_at=starts_at,
                                      ends_at=ends_at, reason=reason or "")
        return cls.success(time_off=entry)
