"""Roster reads, each with its prefetches; visibility is filtered here by the asker."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import (
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.accounts.models import Community
from backend.certificates.models import Certificate, CertificateKind
from backend.core.calendar import CalendarItem, sequence_from

from . import matching, permissions
from .help import selectors as help_selectors
from .models import (
    AvailabilityRule,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Credential,
    CredentialType,
    HoursStatus,
    Offer,
    OfferStatus,
    ServiceHours,
    ServiceRequest,
    Shift,
    ShiftSignUp,
    SignUpStatus,
    Skill,
    TimeOff,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
)


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.select_related("credential_type").order_by("id")


def skill_get(code: str) -> Skill | None:
    return Skill.objects.select_related("credential_type").filter(code=code).first()


def _hours_total():
    return Coalesce(Subquery(
        ServiceHours.objects.filter(volunteer_id=OuterRef("pk"), status=HoursStatus.APPROVED)
        .order_by().values("volunteer_id").annotate(s=Sum("hours")).values("s"),
        output_field=DecimalField(max_digits=9, decimal_places=2)),
        Value(Decimal("0")), output_field=DecimalField(max_digits=9, decimal_places=2))


def volunteer_queryset() -> QuerySet[Volunteer]:
    """Everything the Volunteer type shows, in a fixed number of queries."""
    return (Volunteer.objects.select_related("user", "community__street")
            .annotate(hours_total=_hours_total())
            .prefetch_related(
                Prefetch("skills", queryset=VolunteerSkill.objects.select_related("skill")),
                Prefetch("credentials", queryset=Credential.objects.select_related("type")),
                Prefetch("availability_rules", queryset=AvailabilityRule.objects.order_by(
                    "weekday", "start_time", "id")),
                # The volunteer's 志愿服务证明, newest first (Volunteer.certificates).
                Prefetch("user__certificates", to_attr="service_hours_certificates",
                         queryset=Certificate.objects.filter(
                             kind=CertificateKind.SERVICE_HOURS).order_by("-issued_at", "-id"))))


def volunteer_certificates(volunteer: Volunteer) -> list[Certificate]:
    """The volunteer's service-hours certificates, newest first (no visibility check):
    from what a list loaded with her (volunteer_queryset's `service_hours_certificates`, or
    all her certificates prefetched for an offer's volunteer), else one query."""
    user = volunteer.user
    prefetched = getattr(user, "service_hours_certificates", None)
    if prefetched is not None:
        return prefetched
    every = getattr(user, "_prefetched_objects_cache", {}).get("certificates")
    if every is not None:
        return sorted((c for c in every if c.kind == CertificateKind.SERVICE_HOURS),
                      key=lambda c: (c.issued_at, c.pk), reverse=True)
    return list(Certificate.objects.filter(holder_id=volunteer.user_id,
                                           kind=CertificateKind.SERVICE_HOURS).order_by(
        "-issued_at", "-id"))


def volunteer_list(*, user, skill: str | None = None, community_id: int | None = None,
                   search: str | None = None) -> QuerySet[Volunteer]:
    if not permissions.can_list_volunteers(user):
        raise PermissionDenied
    qs = volunteer_queryset().filter(permissions.volunteers_visible_to(user))
    if skill:
        qs = qs.filter(skills__skill__code=skill)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if search:
        qs = qs.filter(Q(user__display_name__icontains=search)
                       | Q(user__username__icontains=search))
    return qs.order_by("id")


def volunteer_get(*, user, pk: int) -> Volunteer | None:
    """None when missing or not visible to `user`."""
    volunteer = volunteer_queryset().filter(pk=pk).first()
    if volunteer is None or not permissions.can_view_volunteer(user, volunteer):
        return None
    return volunteer


def volunteer_for_user(user) -> Volunteer | None:
    if user is None or not user.is_authenticated:
        return None
    return volunteer_queryset().filter(user_id=user.pk).first()


def volunteer_holds_skill(volunteer: Volunteer, skill_code: str, *, at: datetime | None = None,
                          require_credential: bool = True, min_level: int = 1) -> bool:
    """Has the skill (at min_level) and, if the skill needs one and `require_credential`,
    a credential valid on the local date of `at` (default: now)."""
    entry = (VolunteerSkill.objects.select_related("skill")
             .filter(volunteer_id=volunteer.pk, skill__code=skill_code, level__gte=min_level)
             .first())
    if entry is None:
        return False
    if not require_credential or entry.skill.credential_type_id is None:
        return True
    day = timezone.localtime(at or timezone.now()).date()
    return Credential.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        volunteer_id=volunteer.pk, type_id=entry.skill.credential_type_id,
        revoked_at__isnull=True, valid_from__lte=day).exists()


def volunteer_commitments(volunteer: Volunteer, *, starts_after: datetime | None = None
                          ) -> QuerySet[Commitment]:
    qs = Commitment.objects.filter(volunteer=volunteer)
    if starts_after is not None:
        qs = qs.filter(ends_at__gte=starts_after)
    return qs.order_by("starts_at", "id")


def volunteer_matches(*, user, skill_code: str, starts_at: datetime, duration_minutes: int,
                      community: Community, limit: int = 10, min_level: int = 1,
                      volunteers: QuerySet[Volunteer] | None = None,
                      ) -> matching.MatchResult | None:
    """Ranked, explained candidates; None for an unknown skill. Candidates come with their
    Volunteer type data prefetched, loaded once (constant queries): through `volunteers`
    (volunteer_queryset() shaped by what the caller shows) or volunteer_queryset()."""
    if not permissions.can_match_in(user, community):
        raise PermissionDenied
    skill = skill_get(skill_code)
    if skill is None:
        return None
    return matching.match_volunteers(
        skill=skill, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=duration_minutes),
        community=community, limit=max(1, min(limit, 100)), min_level=min_level,
        visible=permissions.volunteers_visible_to(user),
        volunteers=volunteers if volunteers is not None else volunteer_queryset())


def service_request_queryset() -> QuerySet[ServiceRequest]:
    return (ServiceRequest.objects.select_related("skill", "community__street", "requester")
            .prefetch_related(Prefetch(
                "offers", queryset=Offer.objects.select_related(
                    "volunteer__user", "volunteer__community__street").order_by("id"))))


def service_request_get(*, user, pk: int) -> ServiceRequest | None:
    request = service_request_queryset().filter(pk=pk).first()
    if request is None:
        return None
    if request.requester_id is not None:
        # A help request: its own rules (the resident, her desk, the accepted volunteer).
        return help_selectors.help_request_get(user=user, pk=pk)
    offered = {o.volunteer.user_id for o in request.offers.all()}
    if not permissions.can_view_service_request(user, request, offered_volunteer_user_ids=offered):
        return None
    return request


def service_request_lookup(pk: int) -> ServiceRequest | None:
    """By id, without a visibility check: for services that check access themselves."""
    return ServiceRequest.objects.select_related("skill", "community").filter(pk=pk).first()


def offer_get(pk: int) -> Offer | None:
    return Offer.objects.select_related("volunteer__user", "volunteer__community",
                                        "request").filter(pk=pk).first()


def volunteer_open_offers(volunteer: Volunteer, *, now: datetime | None = None
                          ) -> QuerySet[Offer]:
    """The volunteer's offers still waiting for an answer (not expired), soonest job first,
    with the request's skill and community for a one-line summary."""
    now = now or timezone.now()
    return (Offer.objects.select_related("request__skill", "request__community")
            .filter(volunteer_id=volunteer.pk, status=OfferStatus.OFFERED, expires_at__gt=now)
            .order_by("request__starts_at", "id"))


def _offer_rows() -> QuerySet[Offer]:
    """Offers with their request and every offer of it (for the visibility rules of the
    address and of the other volunteers): three queries for any number of rows."""
    return (Offer.objects
            .select_related("request__skill", "request__community__street",
                            "request__requester", "volunteer__user",
                            "volunteer__community__street")
            .prefetch_related(Prefetch(
                "request__offers", queryset=Offer.objects.select_related(
                    "volunteer__user", "volunteer__community__street").order_by("id"))))


def volunteer_offers(volunteer: Volunteer, *, status: str | None = None) -> QuerySet[Offer]:
    """The volunteer's job offers, newest first, optionally of one status."""
    qs = _offer_rows().filter(volunteer_id=volunteer.pk)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def my_offers(*, user, status: str | None = None, limit: int | None = None) -> list[Offer]:
    """myOffers: the signed-in person's job offers, newest first (at most `limit`); empty
    for non-volunteers."""
    if user is None or not user.is_authenticated:
        return []
    qs = _offer_rows().filter(volunteer__user_id=user.pk)
    if status:
        qs = qs.filter(status=status)
    qs = qs.order_by("-created_at", "-id")
    return list(qs[:limit] if limit else qs)


def my_offer_get(*, user, pk: int) -> Offer | None:
    """One offer, for the volunteer it was made to only; None otherwise."""
    offer = _offer_rows().filter(pk=pk).first()
    if offer is None or not permissions.can_respond_to_offer(user, offer):
        return None
    return offer


def my_commitments(*, user, starts_after: datetime | None = None,
                   starts_before: datetime | None = None, limit: int = 200
                   ) -> list[Commitment]:
    """myCommitments: the signed-in volunteer's jobs, shifts and tutoring in one list by
    start — not cancelled, ending after `starts_after` (default now), starting before
    `starts_before`. Each with its job or shift: one query."""
    if user is None or not user.is_authenticated:
        return []
    qs = (Commitment.objects.filter(volunteer__user_id=user.pk,
                                    ends_at__gt=starts_after or timezone.now())
          .exclude(status=CommitmentStatus.CANCELLED)
          .select_related("offer__request__skill", "offer__request__community__street",
                          "shift_signup__shift__event__community")
          .order_by("starts_at", "id"))
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    return list(qs[:limit])


def commitment_place(commitment: Commitment) -> str:
    """Where one of a volunteer's own commitments happens, for her: a job's street and
    community, with its exact address only while her offer is ACCEPTED (the job's offer
    is hers: the commitment is); a shift's place; "" for the rest. Reads only what
    my_commitments selected."""
    offer = getattr(commitment, "offer", None)
    if offer is not None:
        request = offer.request
        rough = f"{request.community.street.name}{request.community.name}"
        if request.address and offer.status == OfferStatus.ACCEPTED:
            return f"{rough}，{request.address}"
        return rough
    signup = getattr(commitment, "shift_signup", None)
    if signup is not None:
        return signup.shift.event.place or signup.shift.event.community.name
    return ""


def loggable_commitments(volunteer: Volunteer, *, now: datetime | None = None,
                         days: int = 60) -> QuerySet[Commitment]:
    """Finished commitments of the last `days` days with no hours logged yet (a declined
    entry may be logged again), newest first."""
    now = now or timezone.now()
    logged = ServiceHours.objects.filter(commitment_id=OuterRef("pk")).exclude(
        status=HoursStatus.DECLINED)
    return (Commitment.objects
            .filter(volunteer_id=volunteer.pk, ends_at__lte=now,
                    ends_at__gte=now - timedelta(days=days),
                    status__in=[CommitmentStatus.CONFIRMED, CommitmentStatus.COMPLETED])
            .exclude(Exists(logged))
            .order_by("-starts_at", "-id"))


def volunteer_hours_entries(volunteer: Volunteer) -> QuerySet[ServiceHours]:
    return (ServiceHours.objects.filter(volunteer_id=volunteer.pk)
            .select_related("commitment").order_by("-served_on", "-id"))


def volunteer_hours_totals(volunteer: Volunteer) -> dict[str, Decimal]:
    """Hours by review status: {"PENDING": …, "APPROVED": …, "DECLINED": …}, one query."""
    totals = {status: Decimal("0") for status in HoursStatus.values}
    for row in (ServiceHours.objects.filter(volunteer_id=volunteer.pk).order_by()
                .values("status").annotate(total=Sum("hours"))):
        totals[row["status"]] = row["total"] or Decimal("0")
    return totals


def open_shifts(volunteer: Volunteer, *, now: datetime | None = None, limit: int = 30
                ) -> list[Shift]:
    """Shifts still to come whose sign-up is open, soonest first, each with `my_sign_up`
    (the volunteer's active sign-up or None) and `seats_left`: two queries."""
    now = now or timezone.now()
    shifts = list(
        Shift.objects.filter(starts_at__gt=now)
        .filter(Q(signup_opens_at__isnull=True) | Q(signup_opens_at__lte=now))
        .filter(Q(signup_closes_at__isnull=True) | Q(signup_closes_at__gte=now))
        .select_related("event__community", "required_skill")
        .prefetch_related(Prefetch(
            "signups", to_attr="my_sign_ups", queryset=ShiftSignUp.objects.filter(
                volunteer_id=volunteer.pk, status=SignUpStatus.SIGNED_UP)))
        .order_by("starts_at", "id")[:limit])
    for shift in shifts:
        # Display-only attributes for the page.
        shift.my_sign_up = (  # type: ignore[attr-defined]
            shift.my_sign_ups[0] if shift.my_sign_ups else None)
        shift.seats_left = max(shift.capacity - shift.taken, 0)  # type: ignore[attr-defined]
    return shifts  # type: ignore[return-value]


def shift_sign_up_get(pk: int) -> ShiftSignUp | None:
    return (ShiftSignUp.objects
            .select_related("shift__event__community", "volunteer__user",
                            "volunteer__community", "commitment")
            .filter(pk=pk).first())


def volunteer_upcoming_time_off(volunteer: Volunteer, *, now: datetime | None = None
                                ) -> QuerySet[TimeOff]:
    return TimeOff.objects.filter(volunteer_id=volunteer.pk,
                                  ends_at__gt=now or timezone.now()).order_by("starts_at", "id")


def shift_get(pk: int) -> Shift | None:
    return Shift.objects.select_related("event__community", "required_skill").filter(
        pk=pk).first()


def commitment_get(pk: int) -> Commitment | None:
    return Commitment.objects.select_related("volunteer__user", "volunteer__community").filter(
        pk=pk).first()


def service_hours_get(pk: int) -> ServiceHours | None:
    return ServiceHours.objects.select_related("volunteer__community", "commitment").filter(
        pk=pk).first()


def approved_hours(volunteer: Volunteer, *, since: datetime | None = None) -> Decimal:
    qs = ServiceHours.objects.filter(volunteer=volunteer, status=HoursStatus.APPROVED)
    if since is not None:
        qs = qs.filter(served_on__gte=since)
    return qs.aggregate(s=Sum("hours"))["s"] or Decimal("0")


def volunteer_lookup(pk: int) -> Volunteer | None:
    """By id without visibility: for writes whose service checks permission itself."""
    return volunteer_queryset().filter(pk=pk).first()


def credential_type_get(code: str) -> CredentialType | None:
    """For other domains (a course that grants a credential reads its validity)."""
    return CredentialType.objects.filter(code=code).first()


def credentials_expiring_between(first_day, last_day) -> QuerySet[Credential]:
    """Unrevoked credentials of volunteers not archived whose validity ends between the two
    days (inclusive), with the volunteer's user and the type for the message."""
    return (Credential.objects.select_related("type", "volunteer__user")
            .filter(valid_until__gte=first_day, valid_until__lte=last_day,
                    revoked_at__isnull=True)
            .exclude(volunteer__status=VolunteerStatus.ARCHIVED)
            .order_by("valid_until", "id"))


# --- Calendar feed -------------------------------------------------------------------------------
CALENDAR_PAST_DAYS = 30
CALENDAR_FUTURE_DAYS = 180


def calendar_items_for_user(user) -> list[CalendarItem]:
    """The user's volunteer commitments from 30 days ago to 180 days ahead, for the .ics
    feed, in one query. Tutoring is left out: the tutoring feed lists those slots itself.
    A job's exact address only while her offer is ACCEPTED (commitment_place).
    Cancelled ones stay in (STATUS:CANCELLED) so calendar clients remove them."""
    if user is None or not user.is_authenticated:
        return []
    now = timezone.now()
    commitments = (Commitment.objects
                   .filter(volunteer__user_id=user.pk,
                           ends_at__gte=now - timedelta(days=CALENDAR_PAST_DAYS),
                           starts_at__lte=now + timedelta(days=CALENDAR_FUTURE_DAYS))
                   .exclude(kind=CommitmentKind.TUTORING)
                   .select_related("offer__request__community__street",
                                   "shift_signup__shift__event__community")
                   .order_by("starts_at", "id"))
    return [CalendarItem(
        uid=f"commitment-{c.pk}@linli",
        summary=c.title or str(CommitmentKind(c.kind).label),
        starts_at=c.starts_at, ends_at=c.ends_at, sequence=sequence_from(c.updated_at),
        location=commitment_place(c),
        description=str(CommitmentStatus(c.status).label),
        cancelled=c.status == CommitmentStatus.CANCELLED,
    ) for c in commitments]


# --- Time off ------------------------------------------------------------------------------------
def volunteer_time_off_windows(volunteer: Volunteer, *, starts_at: datetime,
                               ends_at: datetime) -> list[tuple[datetime, datetime]]:
    """The volunteer's time off overlapping [starts_at, ends_at), as (start, end) pairs in one
    query, so a caller checking many candidate windows (bulk slot publishing) needs no more."""
    return list(TimeOff.objects.filter(volunteer=volunteer, starts_at__lt=ends_at,
                                       ends_at__gt=starts_at)
                .order_by("starts_at", "id").values_list("starts_at", "ends_at"))

