"""`stats`: the coordinator console's numbers for a unit and a period (API.md, "Stats")."""

import graphene
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from backend.accounts import selectors as account_selectors
from backend.core.error_codes import CoreErrorCode
from backend.core.errors import validation_error
from frontend_api.core.errors import PermissionDeniedError
from frontend_api.core.fields import login_required
from frontend_api.core.ids import decode_id_or_none, not_found
from frontend_api.volunteers.enums import ServiceRequestStatusEnum

from .aggregate import district_stats


class MonthHoursType(graphene.ObjectType):
    """Approved volunteer hours of one local calendar month."""

    class Meta:
        name = "MonthHours"

    month = graphene.Date(required=True, description="The first day of the month.")
    hours = graphene.Float(required=True, description="Approved hours in that month.")


class SkillHoursType(graphene.ObjectType):
    """Approved volunteer hours served in one skill (or kind of service without a skill)."""

    class Meta:
        name = "SkillHours"

    skill = graphene.String(required=True, description="The skill's name, in Chinese.")
    hours = graphene.Float(required=True, description="Approved hours served in it.")


class DispatchOutcomeType(graphene.ObjectType):
    """How many service requests created in the period are now in one status."""

    class Meta:
        name = "DispatchOutcome"

    status = graphene.Field(ServiceRequestStatusEnum, required=True,
                            description="The requests' status now.")
    count = graphene.Int(required=True, description="How many requests have it.")


class FunnelType(graphene.ObjectType):
    """Enrolments created in the period that got a place, and how far they went."""

    class Meta:
        name = "CourseFunnel"

    enrolled = graphene.Int(required=True, description="Enrolments with a place "
                            "(enrolled or completed now).")
    attended = graphene.Int(required=True, description="Of those, attended at least one "
                            "session.")
    completed = graphene.Int(required=True, description="Of those, completed the run.")


class CredentialsExpiringType(graphene.ObjectType):
    """Unrevoked credentials whose validity ends soon, counted from today (cumulative)."""

    class Meta:
        name = "CredentialsExpiring"

    within30 = graphene.Int(required=True, description="Ending within 30 days.")
    within60 = graphene.Int(required=True, description="Ending within 60 days.")
    within90 = graphene.Int(required=True, description="Ending within 90 days.")


class HelpServiceOutcomeType(graphene.ObjectType):
    """Help requests asked in the period for one service, in one status now."""

    class Meta:
        name = "HelpServiceOutcome"

    service = graphene.String(required=True, description="The skill's name, or 其他 (not "
                                                         "triaged, \"other\").")
    status = graphene.Field(ServiceRequestStatusEnum, required=True,
                            description="Their status now.")
    count = graphene.Int(required=True, description="How many.")


class HelpRatingsType(graphene.ObjectType):
    """Residents' ratings of the help requests asked in the period."""

    class Meta:
        name = "HelpRatings"

    count = graphene.Int(required=True, description="Rated visits.")
    average = graphene.Float(description="Mean rating 1-5; null when none.")
    low = graphene.Int(required=True, description="Rated 2 or less.")


class HelpRequestStatsType(graphene.ObjectType):
    """Help requests (便民纸条) asked in the period in the unit."""

    class Meta:
        name = "HelpRequestStats"

    total = graphene.Int(required=True, description="Requests asked.")
    by_service = graphene.List(graphene.NonNull(HelpServiceOutcomeType), required=True,
                               description="By service and outcome.")
    average_minutes_to_dispatch = graphene.Float(description="Mean minutes from asking to "
                                                             "dispatch; null when none.")
    average_minutes_to_done = graphene.Float(description="Mean minutes from asking to done; "
                                                         "null when none.")
    ratings = graphene.Field(HelpRatingsType, required=True, description="Ratings.")

    @staticmethod
    def resolve_by_service(root, info):
        return [HelpServiceOutcomeType(**row) for row in root["by_service"]]

    @staticmethod
    def resolve_ratings(root, info):
        return HelpRatingsType(**root["ratings"])

    @staticmethod
    def resolve_total(root, info):
        return root["total"]

    @staticmethod
    def resolve_average_minutes_to_dispatch(root, info):
        return root["average_minutes_to_dispatch"]

    @staticmethod
    def resolve_average_minutes_to_done(root, info):
        return root["average_minutes_to_done"]


class StatsType(graphene.ObjectType):
    """Numbers for a unit over [from, to] in local dates. Never cached."""

    class Meta:
        name = "Stats"

    enrollments = graphene.Int(required=True, description="Enrolment records created in the "
                               "period, any status, for runs at the unit's venues.")
    completions = graphene.Int(required=True, description="Completions dated in the period.")
    volunteer_hours = graphene.Float(required=True, description="Approved hours of "
                                     "commitments starting in the period, by the volunteer's "
                                     "home community.")
    dispatches = graphene.Int(required=True, description="Service requests created in the "
                              "period in the unit.")
    hours_by_month = graphene.List(graphene.NonNull(MonthHoursType), required=True,
                                   description="`volunteerHours` by local month, oldest first.")
    hours_by_skill = graphene.List(graphene.NonNull(SkillHoursType), required=True,
                                   description="`volunteerHours` by skill, most first.")
    dispatch_outcomes = graphene.List(graphene.NonNull(DispatchOutcomeType), required=True,
                                      description="`dispatches` by their status now.")
    average_minutes_to_acceptance = graphene.Float(
        description="Mean (not median) minutes from a request's creation to the accepted "
                    "offer, over requests created in the period; null when none was accepted.")
    funnel = graphene.Field(FunnelType, required=True,
                            description="Enrolled → attended → completed.")
    tutoring_bookings = graphene.Int(required=True, description="Tutoring bookings (not "
                                     "cancelled) of sessions starting in the period.")
    tutoring_no_shows = graphene.Int(required=True, description="Of those, marked no-show.")
    credentials_expiring = graphene.Field(CredentialsExpiringType, required=True,
                                          description="Credentials of the unit's volunteers "
                                          "ending soon, counted from today.")
    help_requests = graphene.Field(HelpRequestStatsType, required=True,
                                   description="Help requests asked in the period: by service "
                                               "and outcome, waiting times, ratings.")

    @staticmethod
    def resolve_funnel(root, info):
        return FunnelType(**root.funnel)

    @staticmethod
    def resolve_credentials_expiring(root, info):
        return CredentialsExpiringType(**root.credentials_expiring)

    @staticmethod
    def resolve_hours_by_month(root, info):
        return [MonthHoursType(**row) for row in root.hours_by_month]

    @staticmethod
    def resolve_hours_by_skill(root, info):
        return [SkillHoursType(**row) for row in root.hours_by_skill]

    @staticmethod
    def resolve_dispatch_outcomes(root, info):
        return [DispatchOutcomeType(**row) for row in root.dispatch_outcomes]


def stats_unit(street_id, community_id):
    """The unit the arguments name; a community wins over a street. Unknown: NOT_FOUND."""
    if community_id:
        pk = decode_id_or_none(community_id, "Community")
        unit = account_selectors.community_get(pk) if pk and pk > 0 else None
        if unit is None:
            raise not_found("communityId", "Community")
        return unit
    if street_id:
        pk = decode_id_or_none(street_id, "Street")
        unit = account_selectors.street_get(pk) if pk and pk > 0 else None
        if unit is None:
            raise not_found("streetId", "Street")
        return unit
    return None


class StatsQuery(graphene.ObjectType):
    stats = graphene.Field(
        StatsType, required=True,
        date_from=graphene.Date(required=True, name="from",
                                description="First local date of the period."),
        date_to=graphene.Date(required=True, name="to",
                              description="Last local date of the period (included)."),
        street_id=graphene.ID(description="A street; without a unit, the whole district."),
        community_id=graphene.ID(description="A community; wins over `streetId`."),
        description="The coordinator console's numbers for a unit and a period. Coordinators "
                    "of the unit and district admins; the whole district is admins' only.",
    )

    @staticmethod
    @login_required
    def resolve_stats(root, info, date_from, date_to, street_id=None, community_id=None):
        if date_to < date_from:
            raise validation_error("to", _("结束日期不能早于开始日期。"), CoreErrorCode.INVALID)
        unit = stats_unit(street_id, community_id)
        try:
            return district_stats(info.context.user, date_from=date_from, date_to=date_to,
                                  unit=unit)
        except PermissionDenied:
            raise PermissionDeniedError from None
