import graphene
from graphene_django import DjangoObjectType

from backend.core.masking import mask_phone
from frontend_api.certificates.types import CertificateType
from volunteers import permissions, selectors
from volunteers.error_codes import VolunteerErrorCode
from volunteers.models import (
    AvailabilityRule,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Credential,
    CredentialStatus,
    CredentialType,
    Event,
    HoursStatus,
    Offer,
    OfferStatus,
    ServiceHours,
    ServiceRequest,
    ServiceRequestStatus,
    Shift,
    ShiftSignUp,
    SignUpStatus,
    Skill,
    TimeOff,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
)

VolunteerErrorCodeEnum = graphene.Enum.from_enum(VolunteerErrorCode, name="VolunteerErrorCode")
VolunteerStatusEnum = graphene.Enum.from_enum(VolunteerStatus, name="VolunteerStatus")
CredentialStatusEnum = graphene.Enum.from_enum(CredentialStatus, name="CredentialStatus")
CommitmentKindEnum = graphene.Enum.from_enum(CommitmentKind, name="CommitmentKind")
CommitmentStatusEnum = graphene.Enum.from_enum(CommitmentStatus, name="CommitmentStatus")
ServiceRequestStatusEnum = graphene.Enum.from_enum(ServiceRequestStatus,
                                                   name="ServiceRequestStatus")
OfferStatusEnum = graphene.Enum.from_enum(OfferStatus, name="OfferStatus")
SignUpStatusEnum = graphene.Enum.from_enum(SignUpStatus, name="ShiftSignUpStatus")
HoursStatusEnum = graphene.Enum.from_enum(HoursStatus, name="ServiceHoursStatus")


class CredentialTypeType(DjangoObjectType):
    class Meta:
        model = CredentialType
        name = "CredentialType"
        fields = ("code", "name", "validity_months")


class SkillType(DjangoObjectType):
    requires_credential = graphene.Boolean(required=True)
    credential_type = graphene.Field(CredentialTypeType)

    class Meta:
        model = Skill
        name = "Skill"
        fields = ("code", "name")

    @staticmethod
    def resolve_requires_credential(skill, info):
        return skill.credential_type_id is not None

    @staticmethod
    def resolve_credential_type(skill, info):
        return skill.credential_type  # select_related by selectors.skill_list


class VolunteerSkillType(DjangoObjectType):
    verified = graphene.Boolean(required=True)

    class Meta:
        model = VolunteerSkill
        name = "VolunteerSkill"
        fields = ("skill", "level", "verified_at")

    @staticmethod
    def resolve_verified(entry, info):
        return entry.verified_at is not None


class CredentialObjectType(DjangoObjectType):
    type = graphene.Field(CredentialTypeType, required=True)
    status = CredentialStatusEnum(required=True)

    class Meta:
        model = Credential
        name = "Credential"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "valid_from", "valid_until")

    @staticmethod
    def resolve_type(credential, info):
        return credential.type

    @staticmethod
    def resolve_status(credential, info):
        return credential.status


class AvailabilityRuleType(DjangoObjectType):
    weekday = graphene.Int(required=True, description="ISO weekday: 1 = Monday … 7 = Sunday.")

    class Meta:
        model = AvailabilityRule
        name = "AvailabilityRule"
        fields = ("weekday", "start_time", "end_time", "valid_from", "valid_until")


class CountedConnection(graphene.relay.Connection):
    """A connection with the total number of rows (counted once by the paginator)."""

    total_count = graphene.Int(required=True)

    class Meta:
        abstract = True

    @staticmethod
    def resolve_total_count(connection, info):
        return connection.length


class VolunteerType(DjangoObjectType):
    display_name = graphene.String(required=True)
    phone_masked = graphene.String(required=True)
    phone = graphene.String(description="Unmasked: only for the volunteer and their unit's "
                                        "coordinators; null for everyone else.")
    status = VolunteerStatusEnum(required=True)
    skills = graphene.List(graphene.NonNull(VolunteerSkillType), required=True)
    credentials = graphene.List(graphene.NonNull(CredentialObjectType), required=True)
    availability = graphene.List(graphene.NonNull(AvailabilityRuleType), required=True)
    service_hours_total = graphene.Float(required=True, description="Approved hours.")
    certificates = graphene.List(
        graphene.NonNull(CertificateType), required=True,
        description="The volunteer's service-hours certificates (志愿服务证明), newest first: "
                    "for the volunteer and their unit's coordinators; empty for others.")

    class Meta:
        model = Volunteer
        name = "Volunteer"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "community", "joined_on", "dispatch_consent")
        connection_class = CountedConnection

    @staticmethod
    def resolve_display_name(volunteer, info):
        return volunteer.user.display_name or volunteer.user.username

    @staticmethod
    def resolve_phone_masked(volunteer, info):
        return mask_phone(volunteer.user.phone)

    @staticmethod
    def resolve_phone(volunteer, info):
        if volunteer.user.phone and permissions.can_view_volunteer_phone(info.context.user,
                                                                         volunteer):
            return volunteer.user.phone
        return None

    @staticmethod
    def resolve_skills(volunteer, info):
        return volunteer.skills.all()

    @staticmethod
    def resolve_credentials(volunteer, info):
        # Credentials (numbers, validity) are for the volunteer and their coordinators.
        if not permissions.can_view_volunteer(info.context.user, volunteer):
            return []
        return volunteer.credentials.all()

    @staticmethod
    def resolve_availability(volunteer, info):
        return volunteer.availability_rules.all()

    @staticmethod
    def resolve_certificates(volunteer, info):
        if not permissions.can_view_volunteer_certificates(info.context.user, volunteer):
            return []
        # Prefetched by selectors.volunteer_queryset; a volunteer loaded another way
        # (a mutation's payload) falls back to one query.
        prefetched = getattr(volunteer.user, "service_hours_certificates", None)
        if prefetched is not None:
            return prefetched
        return selectors.volunteer_certificates(volunteer)

    @staticmethod
    def resolve_service_hours_total(volunteer, info):
        return float(getattr(volunteer, "hours_total", 0) or 0)


VolunteerConnection = VolunteerType._meta.connection


class TimeOffType(DjangoObjectType):
    class Meta:
        model = TimeOff
        name = "TimeOff"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "starts_at", "ends_at", "reason")


class CommitmentType(DjangoObjectType):
    kind = CommitmentKindEnum(required=True)
    status = CommitmentStatusEnum(required=True)

    class Meta:
        model = Commitment
        name = "Commitment"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "starts_at", "ends_at", "title")


class OfferType(DjangoObjectType):
    status = OfferStatusEnum(required=True)
    volunteer = graphene.Field(VolunteerType, required=True)

    class Meta:
        model = Offer
        name = "Offer"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "expires_at", "reason", "responded_at", "score")

    @staticmethod
    def resolve_volunteer(offer, info):
        return offer.volunteer


class ServiceRequestType(DjangoObjectType):
    status = ServiceRequestStatusEnum(required=True)
    skill = graphene.Field(SkillType, required=True)
    offers = graphene.List(graphene.NonNull(OfferType), required=True)
    external_ref = graphene.String(required=True)

    class Meta:
        model = ServiceRequest
        name = "ServiceRequest"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "starts_at", "ends_at", "community", "address", "note")

    @staticmethod
    def resolve_skill(request, info):
        return request.skill

    @staticmethod
    def resolve_offers(request, info):
        return request.offers.all()  # prefetched by selectors.service_request_queryset

    @staticmethod
    def resolve_external_ref(request, info):
        return request.external_ref


class MatchReasonType(graphene.ObjectType):
    code = graphene.String(required=True)
    weight = graphene.Float(required=True)
    detail = graphene.String(required=True)

    class Meta:
        name = "MatchReason"


class VolunteerMatchType(graphene.ObjectType):
    volunteer = graphene.Field(VolunteerType, required=True)
    score = graphene.Float(required=True)
    reasons = graphene.List(graphene.NonNull(MatchReasonType), required=True)

    class Meta:
        name = "VolunteerMatch"


class ExclusionCountType(graphene.ObjectType):
    reason = graphene.String(required=True)
    count = graphene.Int(required=True)

    class Meta:
        name = "ExclusionCount"


class MatchResultType(graphene.ObjectType):
    candidates = graphene.List(graphene.NonNull(VolunteerMatchType), required=True)
    excluded = graphene.List(graphene.NonNull(ExclusionCountType), required=True)
    evaluated_at = graphene.DateTime(required=True)
    weights_version = graphene.String(required=True)

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


class EventType(DjangoObjectType):
    class Meta:
        model = Event
        name = "Event"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "title", "place", "community", "starts_at", "ends_at")


class ShiftType(DjangoObjectType):
    seats_left = graphene.Int(required=True)
    required_skill = graphene.Field(SkillType)

    class Meta:
        model = Shift
        name = "Shift"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "event", "title", "starts_at", "ends_at", "capacity",
                  "signup_opens_at", "signup_closes_at")

    @staticmethod
    def resolve_seats_left(shift, info):
        return max(shift.capacity - shift.taken, 0)

    @staticmethod
    def resolve_required_skill(shift, info):
        return shift.required_skill


class ShiftSignUpType(DjangoObjectType):
    status = SignUpStatusEnum(required=True)
    commitment = graphene.Field(CommitmentType)

    class Meta:
        model = ShiftSignUp
        name = "ShiftSignUp"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "shift")

    @staticmethod
    def resolve_commitment(signup, info):
        return signup.commitment


class ServiceHoursType(DjangoObjectType):
    status = HoursStatusEnum(required=True)
    hours = graphene.Float(required=True)
    commitment = graphene.Field(CommitmentType, required=True)

    class Meta:
        model = ServiceHours
        name = "ServiceHoursEntry"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "note", "served_on", "reviewed_at", "review_reason")

    @staticmethod
    def resolve_hours(entry, info):
        return float(entry.hours)

    @staticmethod
    def resolve_commitment(entry, info):
        return entry.commitment
