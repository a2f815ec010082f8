import graphene

from courses import selectors as course_selectors
from courses.tutoring import selectors
from courses.tutoring import services as tutoring
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import selectors as volunteer_selectors

from ..tutoring.types import TutoringPublishCount, TutoringSlotType
from ..types import CourseErrorCodeEnum
from ._common import load

TutoringSlotsPublishFromAvailabilityError = error_type(
    "TutoringSlotsPublishFromAvailabilityError", CourseErrorCodeEnum)


class TutoringSlotsPublishFromAvailability(BaseMutation):
    """Publish slots filling the tutor's weekly availability for the next `weeks` weeks (the
    tutor, or coordinators of the tutor's community). Running it twice creates nothing new;
    windows overlapping other commitments or the tutor's time off are skipped and counted."""

    class Arguments:
        volunteer_id = graphene.ID(required=True, description="The tutor (a Volunteer ID).")
        weeks = graphene.Int(required=True, description="How many weeks ahead, 1 to 8, "
                                                        "starting tomorrow.")
        duration_minutes = graphene.Int(required=True, description="Length of each slot, 15 to "
                                                                   "240 minutes.")
        place = graphene.String(description="Free text, e.g. 上门 (home visit), when no venue.")
        venue_id = graphene.ID(description="Where, if at a venue; else give `place`.")
        topic = graphene.String(required=True, description="What the tutoring is about.")
        capacity = graphene.Int(default_value=1, description="Residents per slot, 1 to 20.")
        doorstep = graphene.Boolean(default_value=False, description=(
            "A home visit (上门): residents of the tutor's street book it with their address; "
            "a venue is ignored."))

    slots = graphene.List(graphene.NonNull(TutoringSlotType), required=True,
                          description="The slots created by this call (none when refused).")
    counts = graphene.Field(TutoringPublishCount, description="What was created and skipped; "
                                                              "null when refused.")
    errors = graphene.List(graphene.NonNull(TutoringSlotsPublishFromAvailabilityError),
                           required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, volunteer_id, weeks, duration_minutes, topic, place=None,
                venue_id=None, capacity=1, doorstep=False):
        volunteer = load(volunteer_id, "Volunteer", volunteer_selectors.volunteer_lookup,
                         field="volunteer_id")
        venue = load(venue_id, "Venue", course_selectors.venue_get, field="venue_id") \
            if venue_id else None
        result = tutoring.tutoring_slots_publish_from_availability(
            actor=user, volunteer=volunteer, weeks=weeks, duration_minutes=duration_minutes,
            topic=topic, venue=venue, place_text=place or "", capacity=capacity,
            doorstep=bool(doorstep))
        slots = selectors.slot_queryset().filter(
            pk__in=[s.pk for s in result.created]).order_by("starts_at", "id")
        return cls(errors=[], slots=list(slots), counts=TutoringPublishCount(
            created=len(result.created), skipped_existing=result.skipped_existing,
            skipped_overlap=result.skipped_overlap,
            skipped_time_off=result.skipped_time_off))
