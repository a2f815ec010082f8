"""Reads for the community desk (/desk/): the volunteers of the viewer's communities."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from backend.accounts.permissions import desk_community_filter

from .models import Volunteer, VolunteerSkill, VolunteerStatus

DESK_ROSTER_LIMIT = 300


def desk_roster(viewer) -> QuerySet[Volunteer]:
    """Active and paused volunteers of the communities whose desk the viewer works, with
    their skills; two queries however many rows."""
    return (Volunteer.objects.filter(desk_community_filter(viewer))
            .exclude(status=VolunteerStatus.ARCHIVED)
            .select_related("user__community", "community")
            .prefetch_related(Prefetch("skills", VolunteerSkill.objects.select_related("skill")
                                       .order_by("skill__name", "id")))
            .order_by("community__name", "user__display_name", "id")[:DESK_ROSTER_LIMIT])
