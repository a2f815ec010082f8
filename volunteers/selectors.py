"""Roster reads, each with its prefetches; visibility is filtered here by the asker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import (
    DecimalField,
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
from django.utils.translation import gettext as _

from backend.accounts.models import Community
from backend.certificates.models import Certificate, CertificateKind
from backend.core.calendar import CalendarItem, sequence_from
from backend.core.formatting import hours_zh

from . import matching, permissions
from .models import (
    ACTIVE_COMMITMENT_STATUSES,
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


def volunteer_certificates(volunteer: Volunteer) -> QuerySet[Certificate]:
    """The volunteer's service-hours certificates, newest first (no visibility check)."""
    return Certificate.objects.filter(holder_id=volunteer.user_id,
                                      kind=CertificateKind.SERVICE_HOURS).order_by(
        "-issued_at", "-id")


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
                      community: Community, limit: int = 10, min_level: int = 1
                      ) -> matching.MatchResult | None:
    """Ranked, explained candidates; None for an unknown skill. Candidates come with their
    Volunteer type data prefetched (constant queries)."""
    if not permissions.can_match_in(user, community):
        raise PermissionDenied
    skill = skill_get(skill_code)
    if skill is None:
        return None
    result = matching.match_volunteers(
        skill=skill, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=duration_minutes),
        community=community, limit=max(1, min(limit, 100)), min_level=min_level,
        visible=permissions.volunteers_visible_to(user))
    ids = [c.volunteer.pk for c in result.candidates]
    full = {v.pk: v for v in volunteer_queryset().filter(pk__in=ids)} if ids else {}
    for candidate in result.candidates:
        candidate.volunteer = full.get(candidate.volunteer.pk, candidate.volunteer)
    return result


def service_request_queryset() -> QuerySet[ServiceRequest]:
    return (ServiceRequest.objects.select_related("skill", "community__street")
            .prefetch_related(Prefetch(
                "offers", queryset=Offer.objects.select_related(
                    "volunteer__user", "volunteer__community__street").order_by("id"))))


def service_request_get(*, user, pk: int) -> ServiceRequest | None:
    request = service_request_queryset().filter(pk=pk).first()
    if request is None:
        return None
    offered = {o.volunteer.user_id for o in request.offers.all()}
    if not permissions.can_view_service_request(user, request, offered_volunteer_user_ids=offered):
        return None
    return request


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


def _commitment_location(commitment: Commitment) -> str:
    offer = getattr(commitment, "offer", None)
    if offer is not None:
        return offer.request.address or offer.request.community.name
    signup = getattr(commitment, "shift_signup", None)
    if signup is not None:
        return signup.shift.event.place or signup.shift.event.community.name
    return ""


def calendar_items_for_user(user) -> list[CalendarItem]:
    """The user's volunteer commitments from 30 days ago to 180 days ahead, for the .ics
    feed, in one query. Tutoring is left out: the tutoring feed lists those slots itself.
    Cancelled ones stay in (STATUS:CANCELLED) so calendar clients remove them."""
    if user is None or not user.is_authenticated:
        return []
    now = timezone.now()
    commitments = (Commitment.objects
                   .filter(volunteer__user_id=user.pk,
                           ends_at__gte=now - timedelta(days=CALENDAR_PAST_DAYS),
                           starts_at__lte=now + timedelta(days=CALENDAR_FUTURE_DAYS))
                   .exclude(kind=CommitmentKind.TUTORING)
                   .select_related("offer__request__community",
                                   "shift_signup__shift__event__community")
                   .order_by("starts_at", "id"))
    return [CalendarItem(
        uid=f"commitment-{c.pk}@linli",
        summary=c.title or str(CommitmentKind(c.kind).label),
        starts_at=c.starts_at, ends_at=c.ends_at, sequence=sequence_from(c.updated_at),
        location=_commitment_location(c),
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


# --- Service-hours certificates --------------------------------------------------------------
def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _service_item(entry: ServiceHours) -> str:
    """What was served, in Chinese: the skill for a doorstep job, the event for a shift,
    otherwise the kind of commitment."""
    commitment = entry.commitment
    if commitment.kind == CommitmentKind.DISPATCH:
        offer = getattr(commitment, "offer", None)
        if offer is not None:
            return _("上门服务·%(skill)s") % {"skill": offer.request.skill.name}
        return _("上门服务")
    if commitment.kind == CommitmentKind.SHIFT:
        signup = getattr(commitment, "shift_signup", None)
        if signup is not None:
            return _("活动值守·%(event)s") % {"event": signup.shift.event.title}
        return _("活动值守")
    if commitment.kind == CommitmentKind.TUTORING:
        return _("微信一对一辅导")
    return commitment.title or str(CommitmentKind(commitment.kind).label)


def service_hours_summary(*, volunteer: Volunteer, period_start: date, period_end: date
                          ) -> tuple[Decimal, list[str]]:
    """Approved hours served in [period_start, period_end] (local dates, inclusive) and the
    service content, e.g. ["上门服务·理发 3次 6小时", ...], largest first. One query."""
    entries = (ServiceHours.objects
               .filter(volunteer_id=volunteer.pk, status=HoursStatus.APPROVED,
                       served_on__gte=_local_midnight(period_start),
                       served_on__lt=_local_midnight(period_end + timedelta(days=1)))
               .select_related("commitment__offer__request__skill",
                               "commitment__shift_signup__shift__event")
               .order_by("served_on", "id"))
    total = Decimal("0")
    items: dict[str, list] = {}
    for entry in entries:
        total += entry.hours
        item = items.setdefault(_service_item(entry), [0, Decimal("0")])
        item[0] += 1
        item[1] += entry.hours
    ordered = sorted(items.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    content = [_("%(item)s %(n)d次 %(hours)s小时") % {
        "item": name, "n": n, "hours": hours_zh(hours)} for name, (n, hours) in ordered]
    return total, content


# --- Roster export -------------------------------------------------------------------------------
VOLUNTEERS_EXPORT_COLUMNS = ["id", "username", "display_name", "phone", "community", "street",
                             "status", "skills"]


def volunteers_export_rows(queryset: QuerySet[Volunteer]) -> Iterator[list]:
    """One row per volunteer in `queryset`, phones masked, in the order of
    VOLUNTEERS_EXPORT_COLUMNS: three queries at any size (the volunteers, their skill
    levels, the skills), composable with a queryset that already prefetches "skills"."""
    for v in queryset.select_related("user", "community__street").prefetch_related(
            "skills__skill"):
        yield [v.pk, v.user.username, v.user.display_name, v.user.phone_masked,
               v.community.name, v.community.street.name, v.status,
               ";".join(f"{s.skill.code}:{s.level}" for s in v.skills.all())]


def volunteer_week(volunteer: Volunteer, monday: date) -> tuple[list, list, list]:
    """The weekly rules in force that week, time off and active commitments overlapping it
    (local Monday 00:00 to the next Monday): three queries, for the admin's week grid."""
    start = timezone.make_aware(datetime.combine(monday, time.min))
    end = start + timedelta(days=7)
    sunday = monday + timedelta(days=6)
    rules = list(AvailabilityRule.objects.filter(volunteer_id=volunteer.pk)
                 .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=sunday))
                 .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=monday)))
    time_off = list(TimeOff.objects.filter(volunteer_id=volunteer.pk, starts_at__lt=end,
                                           ends_at__gt=start))
    commitments = list(Commitment.objects.filter(
        volunteer_id=volunteer.pk, status__in=ACTIVE_COMMITMENT_STATUSES, starts_at__lt=end,
        ends_at__gt=start).order_by("starts_at"))
    return rules, time_off, commitments


@dataclass
class WindowCandidate:
    """A volunteer who could start the job somewhere in the window: the earliest start
    that works and the match (score, reasons) at that start."""

    candidate: matching.Candidate
    starts_at: datetime


@dataclass
class WindowSearch:
    candidates: list[WindowCandidate]
    excluded: list[tuple[str, int]]  # (hard rule, volunteers it ruled out at every start)
    considered: int
    starts: list[datetime]


SEARCH_STEP_MINUTES = 15


def window_starts(day: date, start: time, end: time, duration_minutes: int) -> list[datetime]:
    """Every quarter-hour start on `day` (local) from `start` at which a job of
    `duration_minutes` still ends by `end`."""
    first = timezone.make_aware(datetime.combine(day, start))
    last = timezone.make_aware(datetime.combine(day, end)) - timedelta(minutes=duration_minutes)
    starts, moment = [], first
    while moment <= last:
        starts.append(moment)
        moment += timedelta(minutes=SEARCH_STEP_MINUTES)
    return starts


def volunteers_available_in_window(*, user, skill: Skill, day: date, start: time, end: time,
                                   duration_minutes: int, community: Community,
                                   limit: int = 100) -> WindowSearch:
    """Who could take a job of this length starting anywhere in the window: volunteerMatches'
    matching (same rules, same weights, same visibility) run at every quarter-hour start,
    merged keeping each volunteer's earliest feasible start, ranked by the score there.
    A constant number of queries per start, whatever the number of volunteers."""
    if not permissions.can_match_in(user, community):
        raise PermissionDenied
    visible = permissions.volunteers_visible_to(user)
    starts = window_starts(day, start, end, duration_minutes)
    found: dict[int, WindowCandidate] = {}
    furthest: dict[int, int] = {}  # volunteer -> index in HARD_RULES of the last rule failed
    considered = 0
    for moment in starts:
        result = matching.match_volunteers(
            skill=skill, starts_at=moment, ends_at=moment + timedelta(minutes=duration_minutes),
            community=community, limit=limit, visible=visible)
        considered = max(considered, result.considered)
        for candidate in result.candidates:
            found.setdefault(candidate.volunteer.pk, WindowCandidate(candidate, moment))
        for vid, rule in result.extra["rule_of"].items():
            if rule:
                index = matching.HARD_RULES.index(rule)
                furthest[vid] = max(furthest.get(vid, index), index)
    counts: dict[str, int] = {}
    for vid, index in furthest.items():
        if vid not in found:
            rule = matching.HARD_RULES[index]
            counts[rule] = counts.get(rule, 0) + 1
    ranked = sorted(found.values(), key=lambda w: (-w.candidate.score, w.starts_at,
                                                   w.candidate.volunteer.pk))
    return WindowSearch(candidates=ranked[:limit],
                        excluded=[(code, counts.get(code, 0)) for code in matching.HARD_RULES],
                        considered=considered, starts=starts)
