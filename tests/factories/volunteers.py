from datetime import date, time, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from backend.accounts.models import Role, RoleAssignment
from volunteers import services
from volunteers.models import (
    AvailabilityRule,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Credential,
    CredentialType,
    Event,
    Shift,
    Skill,
    Volunteer,
    VolunteerSkill,
)

from .accounts import CommunityFactory, UserFactory


class VolunteerFactory(DjangoModelFactory):
    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory, community=factory.SelfAttribute("..community"))
    joined_on = date(2025, 1, 1)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create:
            RoleAssignment.objects.get_or_create(user=obj.user, role=Role.VOLUNTEER)


def skill(code: str) -> Skill:
    return Skill.objects.get(code=code)


def give_skill(volunteer, code: str, level: int = 1, *, credential: bool = True,
               valid_until: date | None = None) -> VolunteerSkill:
    """The skill, and (if it needs one) a credential valid for a year unless told."""
    entry = VolunteerSkill.objects.create(volunteer=volunteer, skill=skill(code), level=level)
    if credential and entry.skill.credential_type_id:
        give_credential(volunteer, entry.skill.credential_type.code, valid_until=valid_until)
    return entry


def give_credential(volunteer, type_code: str, *, valid_until: date | None = None,
                    valid_from: date | None = None, number: str | None = None) -> Credential:
    today = timezone.localdate()
    return Credential.objects.create(
        volunteer=volunteer, type=CredentialType.objects.get(code=type_code),
        number=number or f"{type_code}-{volunteer.pk}-{Credential.objects.count()}",
        valid_from=valid_from or today - timedelta(days=30),
        valid_until=valid_until if valid_until is not None else today + timedelta(days=365))


def set_availability(volunteer, rules) -> Volunteer:
    """rules: [(weekday, "HH:MM", "HH:MM"), ...] — through the service so the mask is built."""
    AvailabilityRule.objects.filter(volunteer=volunteer).delete()
    objs = [AvailabilityRule(volunteer=volunteer, weekday=w, start_time=time.fromisoformat(s),
                             end_time=time.fromisoformat(e)) for w, s, e in rules]
    AvailabilityRule.objects.bulk_create(objs)
    volunteer.hour_mask = services.hour_mask(objs)
    volunteer.save(update_fields=["hour_mask"])
    return volunteer


ALL_WEEK = [(w, "00:00", "23:59") for w in range(1, 8)]


def commitment(volunteer, starts_at, ends_at, *, status=CommitmentStatus.CONFIRMED,
               kind=CommitmentKind.OTHER, key=None) -> Commitment:
    return Commitment.objects.create(
        volunteer=volunteer, starts_at=starts_at, ends_at=ends_at, status=status, kind=kind,
        source_key=key or f"test:{Commitment.objects.count()}:{starts_at.timestamp()}")


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    title = "重阳节服务日"
    community = factory.SubFactory(CommunityFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3, hours=6))


class ShiftFactory(DjangoModelFactory):
    class Meta:
        model = Shift

    event = factory.SubFactory(EventFactory)
    starts_at = factory.LazyAttribute(lambda o: o.event.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.event.starts_at + timedelta(hours=2))
    capacity = 3
