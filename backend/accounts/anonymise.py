"""Anonymising an account (PIPL deletion; the retention job): her personal data goes,
the rows that statistics and certificates count stay, pointing at a nameless account.

accounts is the platform layer and must not import the domain apps, so each app that
keeps personal data about a person registers a cleaner here from its AppConfig.ready:

    anonymise.register("tutoring_bookings", cleaner)   # cleaner(user) -> rows changed

and, when it has obligations that make the retention job leave an account alone (an open
help request, a seat in a run still going), a blocker:

    anonymise.register_blocker("open_help_requests", blocker)  # blocker(ids) -> held ids

`anonymise_user` runs the account's own clean-up and every cleaner in one transaction and
writes one audit entry with what was done (counts only, never the data)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.core.services import audit_log_record

from .models import ApiToken, Role, User

Cleaner = Callable[[User], int]
Blocker = Callable[[list[int]], Iterable[int]]

_CLEANERS: dict[str, Cleaner] = {}
_BLOCKERS: dict[str, Blocker] = {}
# Desk and coordinator accounts are closed by an admin by hand, never by the job.
_STAFF_ROLES = (Role.DISTRICT_ADMIN, Role.STREET_COORDINATOR, Role.COMMUNITY_STAFF)


def register(name: str, cleaner: Cleaner) -> None:
    """Add (or replace, by name, so a reloaded app registers once) a cleaner."""
    _CLEANERS[name] = cleaner


def register_blocker(name: str, blocker: Blocker) -> None:
    _BLOCKERS[name] = blocker


def cleaner_names() -> list[str]:
    return sorted(_CLEANERS)


def anonymous_name(user_id: int) -> str:
    return f"已注销用户#{user_id}"


def blocked_ids(user_ids: list[int]) -> set[int]:
    """The ids among `user_ids` that some app still has open business with."""
    held: set[int] = set()
    for blocker in _BLOCKERS.values():
        held.update(blocker(user_ids))
    return held


@transaction.atomic
def anonymise_user(*, user: User, actor: User | None, why: str) -> dict[str, int]:
    """Remove `user`'s personal data everywhere; returns {what: rows changed}. A second call
    does nothing (and returns {})."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.anonymised_at is not None:
        return {}
    done = {"tokens_revoked": ApiToken.objects.filter(user=user, revoked_at__isnull=True)
            .update(revoked_at=timezone.now())}
    for name, cleaner in sorted(_CLEANERS.items()):
        done[name] = cleaner(user)
    user.username = f"anon-{user.pk}-{secrets.token_hex(6)}"
    user.display_name = anonymous_name(user.pk)
    user.first_name = user.last_name = user.email = ""
    user.phone = ""
    user.address = ""
    user.calendar_token = None
    user.consent_version, user.consented_at = "", None
    user.is_active = False
    user.anonymised_at = timezone.now()
    user.set_unusable_password()
    user.save()
    audit_log_record(actor=actor, action="account.anonymise", obj=user,
                     detail={"why": why, "done": done})
    return done


def retention_candidates(*, now=None) -> list[int]:
    """Ids of accounts past retention (settings LINLI_RETENTION_DAYS for inactive ones,
    LINLI_RETENTION_DELETED_DAYS for deactivated ones), counting from the last sign-in or,
    for one who never signed in, from registration. Staff, coordinators, superusers and
    accounts some app still has open business with are left alone."""
    now = now or timezone.now()
    seen = Coalesce("last_login", "date_joined")
    inactive = now - timedelta(days=settings.LINLI_RETENTION_DAYS)
    deleted = now - timedelta(days=settings.LINLI_RETENTION_DELETED_DAYS)
    ids = list(
        User.objects.filter(anonymised_at__isnull=True, is_staff=False, is_superuser=False)
        .annotate(seen=seen)
        .filter(Q(seen__lt=inactive) | Q(is_active=False, seen__lt=deleted))
        .exclude(role_assignments__role__in=_STAFF_ROLES)
        .order_by("pk").values_list("pk", flat=True).distinct())
    held = blocked_ids(ids) if ids else set()
    return [pk for pk in ids if pk not in held]


def retention_run(*, now=None, limit: int = 500) -> dict:
    """Anonymise up to `limit` accounts past retention (the beat task, daily); one audit
    entry per account (anonymise_user) and one summary entry for the run."""
    ids = retention_candidates(now=now)
    done = 0
    for user in User.objects.filter(pk__in=ids[:limit]).order_by("pk"):
        anonymise_user(user=user, actor=None, why="retention")
        done += 1
    summary = {"anonymised": done, "candidates": len(ids),
               "inactive_days": settings.LINLI_RETENTION_DAYS,
               "deleted_days": settings.LINLI_RETENTION_DELETED_DAYS}
    audit_log_record(actor=None, action="account.retention_run", detail=summary,
                     object_type="accounts.user")
    return summary
