import graphene
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from backend.accounts import selectors as account_selectors
from backend.core.errors import validation_error
from frontend_api.core.connection import LinliConnectionField
from frontend_api.core.errors import PermissionDeniedError
from frontend_api.core.fields import login_required, permission_required
from frontend_api.core.ids import decode_id_or_none, not_found
from frontend_api.core.selection import optimize_below
from volunteers import permissions, selectors
from volunteers.error_codes import VolunteerErrorCode
from volunteers.help import selectors as help_selectors

from .match_types import MatchResultType
from .mutations.availability_set import AvailabilitySet
from .mutations.credential_add import CredentialAdd
from .mutations.dispatch_create import DispatchCreate
from .mutations.help_request_create import HelpRequestCreate
from .mutations.help_request_decline import HelpRequestDecline
from .mutations.help_request_rate import HelpRequestRate
from .mutations.help_request_triage import HelpRequestTriage
from .mutations.offer_respond import OfferRespond
from .mutations.service_hours_certificate_issue import ServiceHoursCertificateIssue
from .mutations.service_hours_log import ServiceHoursLog
from .mutations.service_hours_review import ServiceHoursReview
from .mutations.service_request_cancel import ServiceRequestCancel
from .mutations.service_request_complete import ServiceRequestComplete
from .mutations.service_request_escalate import ServiceRequestEscalate
from .mutations.service_request_offer_to import ServiceRequestOfferTo
from .mutations.service_request_reoffer import ServiceRequestReoffer
from .mutations.shift_cancel import ShiftCancel
from .mutations.shift_sign_up import ShiftSignUpMutation
from .mutations.shift_sign_up_cancel import ShiftSignUpCancel
from .mutations.time_off_add import TimeOffAdd
from .types import (
    CommitmentType,
    OfferStatusEnum,
    OfferType,
    ServiceRequestType,
    SkillType,
    VolunteerType,
)


class VolunteersQuery(graphene.ObjectType):
    skills = graphene.List(graphene.NonNull(SkillType), required=True,
                           description="Every skill the team offers; public.")
    volunteers = LinliConnectionField(
        VolunteerType, required=True,
        skill=graphene.String(description="Only holders of this Skill code."),
        community_id=graphene.ID(description="Only this community's volunteers."),
        search=graphene.String(description="Part of the name or username."),
        description="Coordinators (their unit's volunteers) and admins.")
    volunteer = graphene.Field(VolunteerType,
                               id=graphene.ID(required=True, description="Volunteer ID."),
                               description="One volunteer: for themself, coordinators of their "
                                           "unit and admins; null for others or if unknown.")
    my_volunteer_profile = graphene.Field(VolunteerType,
                                          description="The logged-in person's roster entry, or "
                                                      "null. Login required.")
    my_offers = graphene.List(
        graphene.NonNull(OfferType), required=True,
        status=OfferStatusEnum(description="Only offers in this status."),
        description="The logged-in volunteer's job offers, newest first, each with its "
                    "serviceRequest (the address and note only once accepted); empty for "
                    "people not on the roster. Login required.")
    my_commitments = graphene.List(
        graphene.NonNull(CommitmentType), required=True,
        from_=graphene.DateTime(name="from", description="Only commitments still running "
                                                         "after this; default now."),
        to=graphene.DateTime(description="Only commitments starting before this; default no "
                                         "limit."),
        description="The logged-in volunteer's jobs, shifts and tutoring in one list by start "
                    "time (cancelled ones left out, at most 200); empty for people not on the "
                    "roster. Login required.")
    volunteer_matches = graphene.Field(
        MatchResultType, required=True,
        skill=graphene.String(required=True, description="The Skill code the job needs."),
        starts_at=graphene.DateTime(required=True, description="When the job starts."),
        duration_minutes=graphene.Int(required=True, description="Length, 1 to 1440 minutes."),
        community_id=graphene.ID(required=True, description="Where the job is."),
        limit=graphene.Int(default_value=10, description="At most this many candidates."),
        min_level=graphene.Int(default_value=1, description="The lowest skill level accepted, "
                                                            "1-3."),
        description="Who could do a job, ranked and explained; nothing is booked. Coordinators "
                    "of the community, admins and service accounts.")
    service_request = graphene.Field(
        ServiceRequestType, id=graphene.ID(required=True, description="ServiceRequest ID."),
        description="One doorstep job: for coordinators of its community and the volunteers "
                    "it was offered to (a help request also for the resident, whoever acts "
                    "for her and her community's staff); null for others or if unknown.")
    my_help_requests = graphene.List(
        graphene.NonNull(ServiceRequestType), required=True,
        description="The logged-in person's own requests for help (便民纸条), newest first, "
                    "with their timeline. Login required.")

    @staticmethod
    def resolve_skills(root, info):
        return selectors.skill_list()

    @staticmethod
    @permission_required(permissions.can_list_volunteers)
    def resolve_volunteers(root, info, skill=None, community_id=None, search=None, **kwargs):
        return selectors.volunteer_list(
            user=info.context.user, skill=skill,
            community_id=decode_id_or_none(community_id, "Community"), search=search)

    @staticmethod
    @login_required
    def resolve_volunteer(root, info, id):
        pk = decode_id_or_none(id, "Volunteer")
        return selectors.volunteer_get(user=info.context.user, pk=pk) if pk else None

    @staticmethod
    @login_required
    def resolve_my_volunteer_profile(root, info):
        return selectors.volunteer_for_user(info.context.user)

    @staticmethod
    @login_required
    def resolve_my_offers(root, info, status=None):
        return selectors.my_offers(user=info.context.user,
                                   status=status.value if status is not None else None)

    @staticmethod
    @login_required
    def resolve_my_commitments(root, info, from_=None, to=None):
        return selectors.my_commitments(user=info.context.user, starts_after=from_,
                                        starts_before=to)

    @staticmethod
    @permission_required(permissions.can_match)
    def resolve_volunteer_matches(root, info, skill, starts_at, duration_minutes, community_id,
                                  limit=10, min_level=1):
        pk = decode_id_or_none(community_id, "Community")
        community = account_selectors.community_get(pk) if pk else None
        if community is None:
            raise not_found("community_id", "Community", VolunteerErrorCode.NOT_FOUND)
        if not 1 <= duration_minutes <= 24 * 60:
            raise validation_error("duration_minutes", _("时长须在1到1440分钟之间。"),
                                   VolunteerErrorCode.INVALID)
        try:
            result = selectors.volunteer_matches(
                user=info.context.user, skill_code=skill, starts_at=starts_at,
                duration_minutes=duration_minutes, community=community, limit=limit or 10,
                min_level=min_level or 1,
                # What `candidates { volunteer { ... } }` selects below the volunteers
                # (their street's communities) is loaded once for all of them too.
                volunteers=optimize_below(selectors.volunteer_queryset(), info,
                                          "candidates", "volunteer"))
        except PermissionDenied:
            raise PermissionDeniedError from None
        if result is None:
            raise validation_error("skill", _("没有这项技能，请检查技能代码。"),
                                   VolunteerErrorCode.NOT_FOUND)
        return result

    @staticmethod
    @login_required
    def resolve_my_help_requests(root, info):
        return help_selectors.my_help_requests(user=info.context.user)

    @staticmethod
    @login_required
    def resolve_service_request(root, info, id):
        pk = decode_id_or_none(id, "ServiceRequest")
        return selectors.service_request_get(user=info.context.user, pk=pk) if pk else None


class VolunteersMutation(graphene.ObjectType):
    availability_set = AvailabilitySet.Field()
    time_off_add = TimeOffAdd.Field()
    credential_add = CredentialAdd.Field()
    dispatch_create = DispatchCreate.Field()
    offer_respond = OfferRespond.Field()
    service_request_complete = ServiceRequestComplete.Field()
    service_request_cancel = ServiceRequestCancel.Field()
    service_request_reoffer = ServiceRequestReoffer.Field()
    service_request_offer_to = ServiceRequestOfferTo.Field()
    service_request_escalate = ServiceRequestEscalate.Field()
    help_request_create = HelpRequestCreate.Field()
    help_request_triage = HelpRequestTriage.Field()
    help_request_decline = HelpRequestDecline.Field()
    help_request_rate = HelpRequestRate.Field()
    shift_sign_up = ShiftSignUpMutation.Field()
    shift_sign_up_cancel = ShiftSignUpCancel.Field()
    shift_cancel = ShiftCancel.Field()
    service_hours_log = ServiceHoursLog.Field()
    service_hours_review = ServiceHoursReview.Field()
    service_hours_certificate_issue = ServiceHoursCertificateIssue.Field()
