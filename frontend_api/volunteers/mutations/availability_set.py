import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import VolunteerErrorCodeEnum, VolunteerType
from ._common import load

AvailabilitySetError = error_type("AvailabilitySetError", VolunteerErrorCodeEnum)


class AvailabilityRuleInput(graphene.InputObjectType):
    weekday = graphene.Int(required=True, description="ISO weekday: 1 = Monday … 7 = Sunday.")
    start_time = graphene.Time(required=True, description="Local (Asia/Shanghai) time.")
    end_time = graphene.Time(required=True)
    valid_from = graphene.Date()
    valid_until = graphene.Date()


class AvailabilitySet(BaseMutation):
    """Replace a volunteer's weekly availability rules at once."""

    class Arguments:
        volunteer_id = graphene.ID(required=True)
        rules = graphene.List(graphene.NonNull(AvailabilityRuleInput), required=True)

    volunteer = graphene.Field(VolunteerType)
    errors = graphene.List(graphene.NonNull(AvailabilitySetError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, volunteer_id, rules):
        volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                         field="volunteer_id")
        services.availability_set(actor=user, volunteer=volunteer,
                                  rules=[dict(rule) for rule in rules])
        return cls.success(volunteer=selectors.volunteer_lookup(volunteer.pk))
