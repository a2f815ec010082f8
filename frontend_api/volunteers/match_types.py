"""The volunteerMatches answer: candidates, their reasons, and who was excluded why."""

import graphene

from .types import VolunteerType


class MatchReasonType(graphene.ObjectType):
    """One soft rule's contribution to a candidate's score."""

    code = graphene.String(required=True,
                           description="SAME_COMMUNITY, SAME_STREET, ELSEWHERE, LEVEL, FAIRNESS "
                                       "or RECENCY.")
    weight = graphene.Float(required=True, description="Points added to the score.")
    detail = graphene.String(required=True, description="The reason for people, in Chinese.")

    class Meta:
        name = "MatchReason"


class VolunteerMatchType(graphene.ObjectType):
    """One eligible volunteer with the score and why."""

    volunteer = graphene.Field(VolunteerType, required=True, description="The candidate.")
    score = graphene.Float(required=True, description="The sum of the reasons' weights; "
                                                      "higher ranks first.")
    reasons = graphene.List(graphene.NonNull(MatchReasonType), required=True,
                            description="What the score is made of.")

    class Meta:
        name = "VolunteerMatch"


class ExclusionCountType(graphene.ObjectType):
    """How many holders of the skill one hard rule excluded."""

    reason = graphene.String(required=True,
                             description="NOT_ACTIVE, LEVEL_TOO_LOW, CREDENTIAL_MISSING, "
                                         "NOT_AVAILABLE, TIME_OFF, BUSY or DAILY_CAP; each "
                                         "volunteer counts under the first rule that excludes "
                                         "them.")
    count = graphene.Int(required=True, description="Volunteers excluded by it.")

    class Meta:
        name = "ExclusionCount"


class MatchResultType(graphene.ObjectType):
    """Who can do a job, ranked and explained, with counts of who was excluded and why."""

    candidates = graphene.List(graphene.NonNull(VolunteerMatchType), required=True,
                               description="Eligible volunteers, best first (ties by id), at "
                                           "most `limit`.")
    excluded = graphene.List(graphene.NonNull(ExclusionCountType), required=True,
                             description="One count per hard rule, in the order they apply.")
    evaluated_at = graphene.DateTime(required=True, description="When it was computed.")
    weights_version = graphene.String(required=True,
                                      description="The version of the scoring weights used.")

    class Meta:
        name = "MatchResult"

    @staticmethod
    def resolve_candidates(result, info):
        return result.candidates

    @staticmethod
    def resolve_excluded(result, info):
        return [ExclusionCountType(reason=code, count=n) for code, n in result.excluded]

    @staticmethod
    def resolve_evaluated_at(result, info):
        return result.evaluated_at

    @staticmethod
    def resolve_weights_version(result, info):
        return result.version
