import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import TimeOffType, VolunteerErrorCodeEnum
from ._common import load

TimeOffAddError = error_type("TimeOffAddError", VolunteerErrorCodeEnum)


class TimeOffAdd(BaseMutation):
    class Arguments:
        volunteer_id = graphene.ID(required=True)
        starts_at = graphene.DateTime(required=True)
        ends_at = graphene.DateTime(required=True)
        reason = graphene.String()

    time_off = graphene.Field(TimeOffType)
    errors = graphene.List(graphene.NonNull(TimeOffAddError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, volunteer_id, starts_at, ends_at, reason=""):
        volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                         field="volunteer_id")
        entry = services.time_off_add(actor=user, volunteer=volunteer, starts_at=starts_at,
                                      ends_at=ends_at, reason=reason or "")
        return cls.success(time_off=entry)
