"""Help requests (便民纸条) for the pages', desk's and WeChat tests: a resident ready to
ask, a volunteer ready to go, a photo that carries GPS in its EXIF, and the steps of a
request through the services the pages call."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

from django.conf import settings
from django.utils import timezone
from PIL import Image

from backend.accounts.models import Role
from tests.factories.accounts import user_with_role
from tests.factories.volunteers import ALL_WEEK, VolunteerFactory, give_skill, set_availability
from volunteers.help import services as help_services
from volunteers.help import triage
from volunteers.models import Offer, OfferStatus
from volunteers.services import offer_respond

HOME = "金口路12号3单元201"


def ready_resident(community, **fields):
    """A resident who has consented to the current notice and has a registered address."""
    fields = {"address": HOME, "consent_version": settings.PRIVACY_NOTICE_VERSION,
              "consented_at": timezone.now(), **fields}
    return user_with_role(Role.RESIDENT, community=community, **fields)


def ready_volunteer(community, name="李秀兰", skill="haircut"):
    volunteer = VolunteerFactory(community=community, user__display_name=name,
                                 user__phone="13912345678")
    give_skill(volunteer, skill, 2)
    set_availability(volunteer, ALL_WEEK)
    return volunteer


def photo_bytes(fmt: str = "JPEG", *, gps: bool = True) -> bytes:
    """A small picture; with GPS coordinates in its EXIF unless told otherwise."""
    image = Image.new("RGB", (64, 48), (180, 40, 40))
    out = BytesIO()
    if gps and fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        exif.get_ifd(0x8825).update({1: "N", 2: (36.0, 3.0, 30.0), 3: "E", 4: (120.0, 22.0, 5.0)})
        image.save(out, format=fmt, exif=exif.tobytes())
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def ask(person, *, actor=None, skill_code="haircut", description="想理发，行动不便",
        days=2, part="AFTERNOON", **kwargs):
    return help_services.help_request_create(
        actor=actor or person, description=description, skill_code=skill_code,
        preferred_date=timezone.localdate() + timedelta(days=days), part_of_day=part,
        **kwargs)


def day_at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def dispatch(request, staff, volunteer=None, *, days=2, hour=15, minutes=60):
    return triage.help_request_triage(actor=staff, service_request=request,
                                      skill_code=request.skill.code if request.skill_id
                                      else "haircut",
                                      starts_at=day_at(days, hour), duration_minutes=minutes,
                                      volunteer=volunteer)


def accept(request):
    offer = Offer.objects.select_related("volunteer__user").get(request=request,
                                                                status=OfferStatus.OFFERED)
    return offer_respond(actor=offer.volunteer.user, offer=offer, accept=True)
