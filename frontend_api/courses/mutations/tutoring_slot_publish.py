import graphene
from django.core.exceptions import PermissionDenied

from courses import selectors as course_selectors
from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors as volunteer_selectors

from ..tutoring.types import TutoringSlotType
from ..types import CourseErrorCodeEnum
from ._common import load

TutoringSlotPublishError = error_type("TutoringSlotPublishError", CourseErrorCodeEnum)


class TutoringSlotPublish(BaseMutation):
    """A tutor publishes a bookable slot; it becomes a commitment in their calendar."""

    class Arguments:
        starts_at = graphene.DateTime(required=True, description="When the slot starts.")
        duration_minutes = graphene.Int(required=True, description="Length, 15 to 240 minutes.")
        place = graphene.String(description="Free text, e.g. 上门 (home visit), when no venue.")
        venue_id = graphene.ID(description="Where, if at a venue; else give `place`.")
        topic = graphene.String(required=True, description="What the tutoring is about.")
        capacity = graphene.Int(default_value=1, description="Residents per slot, 1 to 20.")
        doorstep = graphene.Boolean(default_value=False, description=(
            "A home visit (上门): residents of the tutor's street book it with their address; "
            "a venue is ignored."))

    slot = graphene.Field(TutoringSlotType, description="The new slot; null when refused.")
    errors = graphene.List(graphene.NonNull(TutoringSlotPublishError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, starts_at, duration_minutes, topic, place=None,
                venue_id=None, capacity=1, doorstep=False):
        volunteer = volunteer_selectors.volunteer_for_user(user)
        if volunteer is None:
            raise PermissionDenied
        venue = load(venue_id, "Venue", course_selectors.venue_get, field="venue_id") \
            if venue_id else None
        slot = tutoring.tutoring_slot_publish(
            actor=user, volunteer=volunteer, starts_at=starts_at,
            duration_minutes=duration_minutes, topic=topic, venue=venue,
            place_text=place or "", capacity=capacity, doorstep=bool(doorstep))
        return cls.success(slot=selectors.slot_get(slot.pk))
