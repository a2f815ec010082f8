import graphene

from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors, services

from ..types import VolunteerErrorCodeEnum, VolunteerType
from ._common import load

AvailabilitySetError = error_type("AvailabilitySetError", VolunteerErrorCodeEnum)


class AvailabilityRuleInput(graphene.InputObjectType):
    """A weekly window when the volunteer is free, optionally only between two dates."""

    weekday = graphene.Int(required=True, description="ISO weekday: 1 = Monday … 7 = Sunday.")
    start_time = graphene.Time(required=True, description="Local (Asia/Shanghai) time.")
    end_time = graphene.Time(required=True, description="Local (Asia/Shanghai) time; after "
                                                        "startTime.")
    valid_from = graphene.Date(description="First day the rule applies; null: already.")
    valid_until = graphene.Date(description="Last day the rule applies; null: no end.")


class AvailabilitySet(BaseMutation):
    """Replace a volunteer's weekly availability rules at once."""

    class Arguments:
        volunteer_id = graphene.ID(required=True, description="The volunteer (yourself, or one "
                                                              "you coordinate).")
        rules = graphene.List(graphene.NonNull(AvailabilityRuleInput), required=True,
                              description="The complete new set, at most 50; an empty list "
                                          "clears it.")

    volunteer = graphene.Field(VolunteerType, description="The volunteer with the new rules; "
                                                          "null when refused.")
    errors = graphene.List(graphene.NonNull(AvailabilitySetError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, volunteer_id, rules):
        volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                         field="volunteer_id")
        services.availability_set(actor=user, volunteer=volunteer,
                                  rules=[dict(rule) for rule in rules])
        return cls.success(volunteer=selectors.volunteer_lookup(volunteer.pk))
