"""The candidate table (MatchCandidate) in step with the roster.

Every write to what a row is derived from — a volunteer's status, consent or community, a
skill held, a credential, an availability rule, a skill's required credential — refreshes
that volunteer's rows in the same transaction. The roster services batch their writes
(`batch()`: one refresh at the end instead of one per row); model signals catch every
other write path (the admin, the factories) so the table cannot drift. Bulk inserts, which
send no signals, call `volunteers_changed` themselves. `rebuild()` (the `matching_rebuild`
command, the backfill migration) derives the whole table again.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import time

from django.db import connection
from django.db.models.signals import post_delete, post_save

from .candidate_models import (
    MASK_LAYERS,
    SLOT_MINUTES,
    SLOTS_PER_DAY,
    WEEK_SLOTS,
    CredentialState,
    MatchCandidate,
)
from .models import (
    AvailabilityRule,
    Credential,
    Skill,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
)

CHUNK = 1000
SLOT_SECONDS = SLOT_MINUTES * 60
# Volunteer fields a candidate row depends on (hour_mask: the rules were replaced).
VOLUNTEER_FIELDS = {"status", "dispatch_consent", "community", "community_id", "hour_mask"}

_pending: ContextVar[set[int] | None] = ContextVar("match_candidates_pending", default=None)


# --- The mask ---------------------------------------------------------------------------------
def _seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def _on_grid(t: time) -> bool:
    return t.second == 0 and t.microsecond == 0 and t.minute % SLOT_MINUTES == 0


def _layers(spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]] | None:
    """Spans (first slot, end slot) of one weekday in at most MASK_LAYERS layers whose
    spans never touch; a span inside another is dropped (the outer one covers every window
    it covers). None when more layers would be needed."""
    kept, reach = [], -1
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if end > reach:
            kept.append((start, end))
            reach = end
    layers: list[list[tuple[int, int]]] = []
    for start, end in kept:
        home = next((layer for layer in layers if layer[-1][1] < start), None)
        if home is None:
            if len(layers) == MASK_LAYERS:
                return None
            home = []
            layers.append(home)
        home.append((start, end))
    return layers


def slot_mask(rules) -> tuple[str, bool]:
    """(mask, exact) for a volunteer's rules; see MatchCandidate.mask. Inexact (a dated rule,
    a time off the quarter-hour grid, too many overlapping rules in a day): layer 0 holds
    every rule widened to whole slots, a necessary condition only."""
    exact = all(r.valid_from is None and r.valid_until is None and _on_grid(r.start_time)
                and _on_grid(r.end_time) for r in rules)
    by_day: dict[int, list[tuple[int, int]]] = {}
    for r in rules:
        first = int(_seconds(r.start_time) // SLOT_SECONDS)
        end = -int(-_seconds(r.end_time) // SLOT_SECONDS)
        by_day.setdefault(r.weekday, []).append((first, end))
    layered: dict[int, list[list[tuple[int, int]]]] = {}
    if exact:
        for day, spans in by_day.items():
            day_layers = _layers(spans)
            if day_layers is None:
                exact = False
                break
            layered[day] = day_layers
    if not exact:
        layered = {day: [spans] for day, spans in by_day.items()}
    bits = bytearray(b"0" * (MASK_LAYERS * WEEK_SLOTS))
    for day, day_layers in layered.items():
        for index, spans in enumerate(day_layers):
            offset = index * WEEK_SLOTS + (day - 1) * SLOTS_PER_DAY
            for first, end in spans:
                bits[offset + first:offset + end] = b"1" * (end - first)
    return bits.decode(), exact


# --- Refreshing -------------------------------------------------------------------------------
def _covers(outer: tuple, inner: tuple) -> bool:
    return outer[0] <= inner[0] and (outer[1] is None or (
        inner[1] is not None and inner[1] <= outer[1]))


def _credential_state(held: list[tuple]) -> tuple[int, list[tuple]]:
    """The ranges that count: a range inside another one never decides anything."""
    if not held:
        return CredentialState.NONE, []
    ranges = []
    for index, candidate in enumerate(held):
        if not any(_covers(other, candidate) and (other != candidate or i < index)
                   for i, other in enumerate(held) if i != index):
            ranges.append(candidate)
    if len(ranges) > 2:
        return CredentialState.SEVERAL, []
    return CredentialState.RANGES, sorted(ranges, key=lambda r: r[0])


def _refresh_chunk(ids: list[int]) -> int:
    holdings = list(VolunteerSkill.objects.filter(volunteer_id__in=ids).order_by().values_list(
        "volunteer_id", "skill_id", "level", "skill__credential_type_id", "volunteer__status",
        "volunteer__dispatch_consent", "volunteer__community_id"))
    MatchCandidate.objects.filter(volunteer_id__in=ids).delete()
    if not holdings:
        return 0
    held: dict[tuple[int, int], list[tuple]] = {}
    if any(row[3] is not None for row in holdings):
        for vid, type_id, valid_from, valid_until in Credential.objects.filter(
                volunteer_id__in=ids, revoked_at__isnull=True).order_by().values_list(
                "volunteer_id", "type_id", "valid_from", "valid_until"):
            held.setdefault((vid, type_id), []).append((valid_from, valid_until))
    rules: dict[int, list[AvailabilityRule]] = {}
    for rule in AvailabilityRule.objects.filter(volunteer_id__in=ids).order_by().only(
            "volunteer_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"):
        rules.setdefault(rule.volunteer_id, []).append(rule)
    masks = {vid: slot_mask(rules.get(vid, [])) for vid in {row[0] for row in holdings}}
    rows = []
    for vid, skill_id, level, type_id, status, consent, community_id in holdings:
        if type_id is None:
            state, ranges = CredentialState.NOT_REQUIRED, []
        else:
            state, ranges = _credential_state(held.get((vid, type_id), []))
        first, second = [*ranges, (None, None), (None, None)][:2]
        mask, exact = masks[vid]
        rows.append(MatchCandidate(
            skill_id=skill_id, volunteer_id=vid, level=level, community_id=community_id,
            active=status == VolunteerStatus.ACTIVE and consent, credential_state=state,
            credential_from=first[0], credential_until=first[1], credential2_from=second[0],
            credential2_until=second[1], mask=mask, mask_exact=exact))
    MatchCandidate.objects.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


def refresh(volunteer_ids: Iterable[int]) -> int:
    """Derive these volunteers' rows again; returns how many rows they now have."""
    ids = sorted(set(volunteer_ids))
    return sum(_refresh_chunk(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK))


def volunteers_changed(volunteer_ids: Iterable[int]) -> None:
    """Call after a write the signals do not see (bulk_create, update()); inside `batch()`
    the refresh waits for the end of the batch."""
    pending = _pending.get()
    if pending is not None:
        pending.update(volunteer_ids)
    else:
        refresh(volunteer_ids)


@contextmanager
def batch():
    """Collect the volunteers written inside the block, refresh them once at its end (still
    inside the caller's transaction). Nested blocks join the outer one."""
    if _pending.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    refresh(pending)


def rebuild() -> int:
    """The whole table from the roster (the backfill and the `matching_rebuild` command).
    On PostgreSQL the rows are then stored in (skill, volunteer) order, so one skill's
    holders sit on few pages (matching reads one skill's rows); later writes append."""
    MatchCandidate.objects.all().delete()
    ids = list(VolunteerSkill.objects.order_by("volunteer_id").values_list(
        "volunteer_id", flat=True).distinct())
    rows = refresh(ids)
    if connection.vendor == "postgresql":
        # CLUSTER refuses a table with deferred foreign-key checks pending: run them now.
        connection.check_constraints(table_names=[MatchCandidate._meta.db_table])
        with connection.cursor() as cursor:
            cursor.execute(f"CLUSTER {MatchCandidate._meta.db_table} USING match_candidate_unique")
            cursor.execute(f"ANALYZE {MatchCandidate._meta.db_table}")
    return rows


def skill_changed(skill_id: int) -> None:
    volunteers_changed(VolunteerSkill.objects.filter(skill_id=skill_id).values_list(
        "volunteer_id", flat=True))


# --- Signals: every other write path --------------------------------------------------------
def _volunteer_saved(sender, instance, created, update_fields=None, **kwargs):
    if created or kwargs.get("raw"):
        return  # a new volunteer holds no skill yet; fixtures load in any order
    if update_fields is not None and not VOLUNTEER_FIELDS & set(update_fields):
        return
    volunteers_changed([instance.pk])


def _row_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    volunteers_changed([instance.volunteer_id])


def _skill_saved(sender, instance, created, **kwargs):
    if not created and not kwargs.get("raw"):
        skill_changed(instance.pk)


def connect() -> None:
    """Called from VolunteersConfig.ready(). A deleted volunteer's rows go by CASCADE."""
    post_save.connect(_volunteer_saved, sender=Volunteer, dispatch_uid="candidates.volunteer")
    for model in (VolunteerSkill, Credential, AvailabilityRule):
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"candidates.{model.__name__}")
        post_delete.connect(_row_changed, sender=model,
                            dispatch_uid=f"candidates.{model.__name__}.delete")
    post_save.connect(_skill_saved, sender=Skill, dispatch_uid="candidates.skill")
