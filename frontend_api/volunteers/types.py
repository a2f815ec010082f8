import graphene
from graphene_django import DjangoObjectType

from backend.core import audit
from backend.core.masking import mask_phone
from frontend_api.certificates.types import CertificateType
from frontend_api.core.descriptions import field_descriptions
from frontend_api.volunteers.visibility import free_text
from volunteers import permissions, selectors
from volunteers.models import (
    AvailabilityRule,
    Commitment,
    Credential,
    CredentialType,
    Event,
    Offer,
    ServiceHours,
    ServiceRequest,
    Shift,
    ShiftSignUp,
    Skill,
    TimeOff,
    Volunteer,
    VolunteerSkill,
)

from .enums import (  # noqa: F401 - re-exported for the schema modules
    CommitmentKindEnum,
    CommitmentStatusEnum,
    CredentialStatusEnum,
    HoursStatusEnum,
    OfferStatusEnum,
    ServiceRequestStatusEnum,
    SignUpStatusEnum,
    VolunteerErrorCodeEnum,
    VolunteerStatusEnum,
)
from .help_types import HelpRequestFields


@field_descriptions(
    code="The type's code, e.g. as in Skill.credentialType and Course.grantsCredentialType.",
    name="The type's name, in Chinese.",
    validity_months="How long a credential of this type lasts; null: no expiry.")
class CredentialTypeType(DjangoObjectType):
    """A kind of document a volunteer may need for a skill (e.g. a health certificate)."""

    class Meta:
        model = CredentialType
        name = "CredentialType"
        fields = ("code", "name", "validity_months")


@field_descriptions(code="The skill's code, used in arguments (e.g. dispatchCreate's skill).",
                    name="The skill's name, in Chinese.")
class SkillType(DjangoObjectType):
    """A service the 365 team offers (haircut, WeChat tutoring, ...); public."""

    requires_credential = graphene.Boolean(required=True,
                                           description="Whether doing it needs a valid "
                                                       "credential.")
    credential_type = graphene.Field(CredentialTypeType,
                                     description="The credential it needs; null if none.")

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


@field_descriptions(skill="The skill.", level="1 (basic) to 3 (expert).",
                    verified_at="When a coordinator verified it; null if not verified.")
class VolunteerSkillType(DjangoObjectType):
    """A skill a volunteer holds, at a level."""

    verified = graphene.Boolean(required=True, description="Whether a coordinator verified it.")

    class Meta:
        model = VolunteerSkill
        name = "VolunteerSkill"
        fields = ("skill", "level", "verified_at")

    @staticmethod
    def resolve_verified(entry, info):
        return entry.verified_at is not None


@field_descriptions(valid_from="First valid day.",
                    valid_until="Last valid day; null: no expiry.")
class CredentialObjectType(DjangoObjectType):
    """A volunteer's verified document (its number is never shown); seen by the volunteer
    and their unit's coordinators."""

    type = graphene.Field(CredentialTypeType, required=True, description="What it is.")
    status = CredentialStatusEnum(required=True, description="Whether it holds today.")

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


@field_descriptions(
    start_time="Start, local (Asia/Shanghai) time.",
    end_time="End, local (Asia/Shanghai) time.",
    valid_from="First day the rule applies; null: already.",
    valid_until="Last day the rule applies; null: no end.")
class AvailabilityRuleType(DjangoObjectType):
    """A weekly window when the volunteer is free."""

    weekday = graphene.Int(required=True, description="ISO weekday: 1 = Monday … 7 = Sunday.")

    class Meta:
        model = AvailabilityRule
        name = "AvailabilityRule"
        fields = ("weekday", "start_time", "end_time", "valid_from", "valid_until")


class CountedConnection(graphene.relay.Connection):
    """A connection with the total number of rows (counted once by the paginator)."""

    total_count = graphene.Int(required=True, description="Items in the whole list, all pages.")

    class Meta:
        abstract = True

    @staticmethod
    def resolve_total_count(connection, info):
        return connection.length


@field_descriptions(
    community="The volunteer's home community.",
    joined_on="The day they joined the team.",
    dispatch_consent="Whether they agreed to be contacted for doorstep jobs; without it they "
                     "are never matched.")
class VolunteerType(DjangoObjectType):
    """A member of the 365 volunteer team: seen by the volunteer and their unit's
    coordinators."""

    display_name = graphene.String(required=True, description="The volunteer's name.")
    phone_masked = graphene.String(required=True, description="The phone, masked "
                                                              "(138****1234).")
    phone = graphene.String(description="Unmasked: only for the volunteer and their unit's "
                                        "coordinators; null for everyone else.")
    status = VolunteerStatusEnum(required=True, description="Whether they take part.")
    skills = graphene.List(graphene.NonNull(VolunteerSkillType), required=True,
                           description="Skills held, with levels.")
    credentials = graphene.List(graphene.NonNull(CredentialObjectType), required=True,
                                description="Credentials: for the volunteer and their unit's "
                                            "coordinators; empty for others.")
    availability = graphene.List(graphene.NonNull(AvailabilityRuleType), required=True,
                                 description="The weekly availability rules.")
    service_hours_total = graphene.Float(required=True, description="Approved hours.")
    certificates = graphene.List(
        graphene.NonNull(CertificateType), required=True,
        description="The volunteer's service-hours certificates (志愿服务证明), newest first: "
                    "for the volunteer and their unit's coordinators; empty for others.")

    # availability reads the volunteer's `availability_rules`.
    selection_lookups = {"availability": ("availability_rules",)}
    # certificates, for a volunteer not loaded by the roster selector (an offer's): her
    # certificates with the list, filtered below, instead of a query per row.
    selection_prefetches = {"certificates": ("user__certificates",)}

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
            audit.personal_data_read(actor=info.context.user, subject=volunteer.user,
                                     what="phone", why="graphql:Volunteer.phone")
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
        return selectors.volunteer_certificates(volunteer)

    @staticmethod
    def resolve_service_hours_total(volunteer, info):
        return float(getattr(volunteer, "hours_total", 0) or 0)


VolunteerConnection = VolunteerType._meta.connection


@field_descriptions(starts_at="When it starts.", ends_at="When it ends.",
                    reason="Why, or an empty string.")
class TimeOffType(DjangoObjectType):
    """A period the volunteer is away; matching skips it."""

    class Meta:
        model = TimeOff
        name = "TimeOff"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "starts_at", "ends_at", "reason")


@field_descriptions(starts_at="When it starts.", ends_at="When it ends.",
                    title="What it is, in Chinese (e.g. the job's skill or the shift's title).")
class CommitmentType(DjangoObjectType):
    """A block of time in a volunteer's calendar; commitments never overlap."""

    kind = CommitmentKindEnum(required=True, description="What put it there.")
    status = CommitmentStatusEnum(required=True, description="Where it stands.")

    class Meta:
        model = Commitment
        name = "Commitment"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "starts_at", "ends_at", "title")


@field_descriptions(
    expires_at="When the offer lapses if unanswered.",
    reason="The volunteer's reason for declining, or an empty string.",
    responded_at="When the volunteer answered; null until then.",
    score="The match score that ranked this volunteer; null for a named volunteer.")
class OfferType(DjangoObjectType):
    """A doorstep job offered to one volunteer."""

    status = OfferStatusEnum(required=True, description="Where the offer stands.")
    volunteer = graphene.Field(VolunteerType, required=True, description="Who was offered it.")
    service_request = graphene.Field(
        lambda: ServiceRequestType, required=True,
        description="The job offered; its address and note only once you accepted it.")

    # serviceRequest reads the offer's `request`: the selection walker follows it there.
    selection_lookups = {"service_request": ("request",)}

    class Meta:
        model = Offer
        name = "Offer"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "expires_at", "reason", "responded_at", "score")

    @staticmethod
    def resolve_volunteer(offer, info):
        return offer.volunteer

    @staticmethod
    def resolve_service_request(offer, info):
        return offer.request  # selected with its offers by the selectors


@field_descriptions(
    starts_at="When the job starts.",
    ends_at="When the job ends.",
    community="Where the job is.")
class ServiceRequestType(HelpRequestFields, DjangoObjectType):
    """A doorstep job (便民服务): seen by coordinators of its community and the volunteers
    it was offered to. A volunteer sees only their own offer, and the address and note only
    while their offer is ACCEPTED. A help request (isHelpRequest) is seen too by the resident
    who asked, whoever may act for her, and her community's staff."""

    status = ServiceRequestStatusEnum(required=True, description="Where the job stands.")
    skill = graphene.Field(SkillType, description="The skill it needs; null only on a help "
                                                  "request not triaged yet (\"other\").")
    address = graphene.String(required=True,
                              description="The doorstep address, or an empty string; empty "
                                          "too for a volunteer whose offer is not ACCEPTED.")
    note = graphene.String(required=True,
                           description="What the resident needs, or an empty string; empty "
                                       "too for a volunteer whose offer is not ACCEPTED.")
    offers = graphene.List(graphene.NonNull(OfferType), required=True,
                           description="Every offer made, oldest first, for coordinators; a "
                                       "volunteer sees only their own.")
    external_ref = graphene.String(required=True,
                                   description="The calling system's reference, or an empty "
                                               "string.")

    class Meta:
        model = ServiceRequest
        name = "ServiceRequest"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "starts_at", "ends_at", "community")

    @staticmethod
    def resolve_skill(request, info):
        return request.skill

    @staticmethod
    def resolve_address(request, info):
        return free_text(request, info, request.address)

    @staticmethod
    def resolve_note(request, info):
        return free_text(request, info, request.note)

    @staticmethod
    def resolve_offers(request, info):
        return permissions.offers_visible_to(info.context.user, request, request.offers.all())

    @staticmethod
    def resolve_external_ref(request, info):
        return request.external_ref




@field_descriptions(
    title="The event's name.", place="Where, or an empty string.",
    community="The community that runs it.",
    starts_at="When it starts.", ends_at="When it ends.")
class EventType(DjangoObjectType):
    """A volunteer event (e.g. a service day) with shifts to sign up for."""

    class Meta:
        model = Event
        name = "Event"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "title", "place", "community", "starts_at", "ends_at")


@field_descriptions(
    event="The event it belongs to.", title="The shift's name.",
    starts_at="When it starts.", ends_at="When it ends.", capacity="Places in total.",
    signup_opens_at="When sign-up opens; null: already open.",
    signup_closes_at="When sign-up closes; null: until the shift starts.")
class ShiftType(DjangoObjectType):
    """A block of an event that volunteers sign up for."""

    seats_left = graphene.Int(required=True, description="Places not taken, never negative.")
    required_skill = graphene.Field(SkillType, description="A skill needed to sign up; null if "
                                                           "none.")

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


@field_descriptions(shift="The shift.")
class ShiftSignUpType(DjangoObjectType):
    """A volunteer's place in a shift."""

    status = SignUpStatusEnum(required=True, description="Where the sign-up stands.")
    commitment = graphene.Field(CommitmentType, description="The calendar entry it made; null "
                                                            "if none.")

    class Meta:
        model = ShiftSignUp
        name = "ShiftSignUp"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "shift")

    @staticmethod
    def resolve_commitment(signup, info):
        return signup.commitment


@field_descriptions(
    note="What was done, or an empty string.",
    served_on="When the service took place (the commitment's start).",
    reviewed_at="When a coordinator reviewed it; null while PENDING.",
    review_reason="The reviewer's reason, or an empty string.")
class ServiceHoursType(DjangoObjectType):
    """Hours a volunteer served for one commitment, reviewed by a coordinator."""

    status = HoursStatusEnum(required=True, description="Where it stands in review.")
    hours = graphene.Float(required=True, description="Hours served.")
    commitment = graphene.Field(CommitmentType, required=True,
                                description="The commitment served.")

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
