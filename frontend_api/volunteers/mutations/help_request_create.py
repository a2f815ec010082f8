import graphene

from backend.accounts import selectors as account_selectors
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id, decode_id_or_none
from frontend_api.core.mutations import BaseMutation
from volunteers import services
from volunteers.help import selectors as help_selectors

from ..help_types import PartOfDayEnum
from ..types import ServiceRequestType, VolunteerErrorCodeEnum

HelpRequestCreateError = error_type("HelpRequestCreateError", VolunteerErrorCodeEnum)


class HelpRequestCreate(BaseMutation):
    """A resident asks for doorstep help (便民纸条), or staff of her community ask on her
    behalf (`userId`). The request is REQUESTED until staff triage it; she is told it was
    received. At most 3 open requests per person."""

    class Arguments:
        description = graphene.String(required=True, description="What she needs, in her "
                                                                 "words (up to 1000).")
        skill = graphene.String(description="A Skill code, or null for \"other\".")
        preferred_date = graphene.Date(required=True, description="The day she would like "
                                                                  "(today to 60 days ahead).")
        part_of_day = PartOfDayEnum(required=True, description="The part of that day.")
        address = graphene.String(description="Where; null = her registered address "
                                              "(ADDRESS_REQUIRED when she has none).")
        photo_ids = graphene.List(graphene.NonNull(graphene.ID),
                                  description="Ids from POST /api/uploads/ (yours, under 24 h "
                                              "old, at most 4).")
        consent_version = graphene.String(description="The privacyNotice version she agrees "
                                                      "to; recorded on her.")
        idempotency_key = graphene.String(description="Optional; repeating it returns the "
                                                      "first result (see the API docs).")
        user_id = graphene.ID(description="Ask for this resident (staff of her community, "
                                          "coordinators of her unit).")

    service_request = graphene.Field(ServiceRequestType,
                                     description="The request, REQUESTED; null when refused.")
    errors = graphene.List(graphene.NonNull(HelpRequestCreateError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, description, preferred_date, part_of_day, skill=None,
                address=None, photo_ids=None, consent_version=None, idempotency_key=None,
                user_id=None):
        person = None
        if user_id is not None:
            pk = decode_id_or_none(user_id, "User")
            person = account_selectors.user_with_unit(pk) if pk and pk > 0 else None
        photos = [decode_id(p, "HelpPhoto", field="photo_ids") for p in photo_ids or ()]
        request = services.help_request_create(
            actor=user, description=description, preferred_date=preferred_date,
            part_of_day=getattr(part_of_day, "value", part_of_day), skill_code=skill or None,
            address=address, photo_ids=photos, consent_version=consent_version,
            idempotency_key=idempotency_key, person=person, on_behalf=user_id is not None)
        return cls.success(service_request=help_selectors.help_request_queryset().get(
            pk=request.pk))
