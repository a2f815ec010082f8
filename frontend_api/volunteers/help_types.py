"""The help-request (便民纸条) side of ServiceRequest: a mixin of fields ServiceRequestType
inherits, and the types of its photos and timeline. Rows come from
volunteers.help.selectors with offers, photos and events prefetched."""

import graphene
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch

from backend.core.links import absolute_url, node_id
from backend.core.masking import mask_name
from frontend_api.core.descriptions import enum_description
from frontend_api.volunteers.visibility import free_text
from volunteers import permissions, services
from volunteers.help import selectors as help_selectors
from volunteers.help.fields import PartOfDay
from volunteers.models import HelpEventKind

PartOfDayEnum = graphene.Enum.from_enum(
    PartOfDay, name="PartOfDay", description=enum_description(
        "When in the day a resident would like the visit.", {
            "MORNING": "上午 (about 9-12).", "AFTERNOON": "下午 (about 14-17).",
            "EVENING": "晚上 (about 18-20)."}))
HelpEventKindEnum = graphene.Enum.from_enum(
    HelpEventKind, name="HelpEventKind", description=enum_description(
        "One step in a help request's history.", {
            "RECEIVED": "Asked (by her, or staff on her behalf).",
            "TRIAGED": "Staff set the service and time and dispatched it.",
            "ACCEPTED": "A volunteer accepted; she was told who comes and the visit code.",
            "CHANGED": "The volunteer coming changed or the visit moved.",
            "DECLINED": "Staff declined it (note: the reason).",
            "MERGED": "Closed as a duplicate of another request.",
            "COMPLETED": "Done (hours logged, or staff marked it done).",
            "CANCELLED": "Called off.",
            "RATED": "She rated the visit."}))


class HelpPhotoType(graphene.ObjectType):
    """A photo attached to a help request (re-encoded, no EXIF)."""

    class Meta:
        name = "HelpPhoto"

    id = graphene.ID(required=True, description="The upload's id (as POST /api/uploads/ "
                                                "answered).")
    url = graphene.String(required=True, description="GET it with the same credentials; 404 "
                                                     "to anyone not allowed.")

    @staticmethod
    def resolve_id(photo, info):
        return node_id("HelpPhoto", photo.pk)

    @staticmethod
    def resolve_url(photo, info):
        return absolute_url("api-upload", id=node_id("HelpPhoto", photo.pk))


class HelpEventType(graphene.ObjectType):
    """One step of a help request's timeline."""

    class Meta:
        name = "HelpEvent"

    kind = HelpEventKindEnum(required=True, description="What happened.")
    at = graphene.DateTime(required=True, description="When.")
    note = graphene.String(required=True, description="A reason or remark, or an empty "
                                                      "string.")

    @staticmethod
    def resolve_kind(event, info):
        return event.kind

    @staticmethod
    def resolve_at(event, info):
        return event.created_at


def _help_details(request, info) -> bool:
    return request.requester_id is not None and permissions.can_view_help_details(
        info.context.user, request, request.offers.all())


def _accepted_offer(request):
    return next((o for o in request.offers.all() if o.status == "ACCEPTED"), None)


class HelpRequestFields:
    """Fields of ServiceRequest for help requests; null or empty on other jobs and for
    viewers who may not see them (the resident, her desk and coordinators, the accepted
    volunteer may)."""

    # photos and timeline read these relations: prefetched for all the rows, as
    # help_request_queryset loads them, when a request arrives without them (myOffers' jobs).
    selection_prefetches = {
        "photos": (Prefetch("photos", queryset=help_selectors.photos_shown()),),
        "timeline": (Prefetch("help_events", queryset=help_selectors.timeline()),),
    }

    is_help_request = graphene.Boolean(required=True, description="Asked by a resident "
                                                                   "(便民纸条).")
    created_at = graphene.DateTime(required=True, description="When it was asked/created.")
    requester_name = graphene.String(description="Who asked: in full for those who see the "
                                                 "details, masked for others; null if not a "
                                                 "help request.")
    description = graphene.String(required=True, description="What she needs, in her words; "
                                                             "empty if hidden.")
    preferred_date = graphene.Date(description="The day she would like.")
    part_of_day = PartOfDayEnum(description="The part of that day.")
    decline_reason = graphene.String(required=True, description="Why it was declined, or an "
                                                                "empty string.")
    visit_code = graphene.String(description="The code the volunteer says at the door; only "
                                             "for her, her desk and the accepted volunteer.")
    volunteer_name = graphene.String(description="The accepted volunteer, masked (张*丰); null "
                                                 "until accepted or if hidden.")
    requester_phone = graphene.String(
        description="Her phone, for the accepted volunteer only from 2 hours before the "
                    "visit until it ends; every read is audited. Null otherwise.")
    photos = graphene.List(graphene.NonNull(HelpPhotoType), required=True,
                           description="Her photos (not yet deleted); empty if hidden.")
    timeline = graphene.List(graphene.NonNull(HelpEventType), required=True,
                             description="The request's history, oldest first; empty if "
                                         "hidden.")
    rating = graphene.Int(description="Her rating 1-5 once given.")
    rating_comment = graphene.String(required=True, description="Her comment, or empty.")
    rated_at = graphene.DateTime(description="When she rated it.")

    @staticmethod
    def resolve_is_help_request(request, info):
        return request.requester_id is not None

    @staticmethod
    def resolve_requester_name(request, info):
        if request.requester_id is None:
            return None
        name = str(request.requester)
        return name if _help_details(request, info) else mask_name(name)

    @staticmethod
    def resolve_description(request, info):
        # Her words may hold a phone number: masked but for her and the unit's coordinators.
        return free_text(request, info, request.description)

    @staticmethod
    def resolve_part_of_day(request, info):
        return request.part_of_day or None

    @staticmethod
    def resolve_visit_code(request, info):
        return request.visit_code or None if _help_details(request, info) else None

    @staticmethod
    def resolve_volunteer_name(request, info):
        offer = _accepted_offer(request)
        if offer is None or not _help_details(request, info):
            return None
        user = offer.volunteer.user
        return mask_name(user.display_name or user.username)

    @staticmethod
    def resolve_requester_phone(request, info):
        if request.requester_id is None or _accepted_offer(request) is None:
            return None
        try:
            return services.help_request_phone_reveal(actor=info.context.user,
                                                      service_request=request) or None
        except PermissionDenied:
            return None

    @staticmethod
    def resolve_photos(request, info):
        return list(request.photos.all()) if _help_details(request, info) else []

    @staticmethod
    def resolve_timeline(request, info):
        return list(request.help_events.all()) if _help_details(request, info) else []

    @staticmethod
    def resolve_rating(request, info):
        return request.rating if _help_details(request, info) else None

    @staticmethod
    def resolve_rating_comment(request, info):
        return request.rating_comment if _help_details(request, info) else ""
