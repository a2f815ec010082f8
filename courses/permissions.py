"""Who may do what with courses, runs and enrolments: the only place these rules live.

Units: a run belongs to its venue's community (and that community's street). Coordinators
of that unit (street coordinators of the street, district admins) manage the run; its
instructors (the run's `instructors`) run its sessions.

Audience rule (NOT_IN_AUDIENCE):
- ALL: anyone logged in.
- STAFF: community staff, instructors, coordinators and district admins.
- RESIDENT: anyone holding the RESIDENT role, or anyone holding none of the staff roles
  above (a volunteer is a resident too).
"""

from __future__ import annotations

from backend.accounts.models import Role
from backend.accounts.permissions import (
    can_act_for,
    has_role,
    is_coordinator,
    is_coordinator_for,
    role_assignments,
)

from .models import SEAT_HOLDING, Audience

STAFF_AUDIENCE_ROLES = (Role.COMMUNITY_STAFF, Role.INSTRUCTOR, Role.STREET_COORDINATOR,
                        Role.DISTRICT_ADMIN)


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def run_community(run):
    return run.venue.community


def is_staff_like(user) -> bool:
    return any(a.role in STAFF_AUDIENCE_ROLES for a in role_assignments(user))


def audiences_for(user) -> list[str]:
    """The course audiences open to `user` (the rule above), for filtering lists."""
    if not _authenticated(user):
        return []
    staff = is_staff_like(user)
    audiences: list[str] = [Audience.ALL]
    if staff:
        audiences.append(Audience.STAFF)
    if has_role(user, Role.RESIDENT) or not staff:
        audiences.append(Audience.RESIDENT)
    return audiences


def in_audience(user, course) -> bool:
    return course.audience in audiences_for(user)


def can_view_learning(user, enrollment) -> bool:
    """An enrolment's learning page (progress, what is missing): the learner only."""
    return _authenticated(user) and enrollment.user_id == user.pk


def can_study(user, enrollment) -> bool:
    """Read its lessons and take its quiz: the learner, while holding a seat."""
    return can_view_learning(user, enrollment) and enrollment.status in SEAT_HOLDING


def can_see_unpublished_courses(user) -> bool:
    return is_coordinator(user)


def can_manage_run(user, run) -> bool:
    """Coordinators of the run's unit and district admins."""
    return _authenticated(user) and is_coordinator_for(user, run_community(run))


def is_instructor_of(user, run) -> bool:
    if not _authenticated(user):
        return False
    cache = getattr(run, "_instructor_ids", None)
    if cache is None:
        cache = {u.pk for u in run.instructors.all()}  # uses the selector's prefetch if any
        run._instructor_ids = cache
    return user.pk in cache


def can_run_sessions(user, run) -> bool:
    """Show the check-in code, mark attendance: the run's instructors and coordinators."""
    return is_instructor_of(user, run) or can_manage_run(user, run)


def can_teach_somewhere(user) -> bool:
    """Has the instructor's pages to go to: instructors and coordinators."""
    return _authenticated(user) and (has_role(user, Role.INSTRUCTOR) or is_coordinator(user))


def can_enroll_user(actor, user) -> bool:
    """Enrol `user` in a run: anyone logged in enrols themself (the audience and the window
    are business rules in the service); someone else only through the one "act for this
    person" rule (accounts.permissions.can_act_for): staff of her community, coordinators
    of her unit, admins. The run does not widen it: staff of the run's community cannot
    enrol people they do not serve."""
    if not _authenticated(actor):
        return False
    return actor.pk == user.pk or can_act_for(actor, user)


def can_cancel_enrollment(user, enrollment) -> bool:
    """The learner, whoever may act for her, and the run's coordinators."""
    if not _authenticated(user):
        return False
    return (enrollment.user_id == user.pk or can_act_for(user, enrollment.user)
            or can_manage_run(user, enrollment.run))


def can_create_runs(user) -> bool:
    return _authenticated(user) and is_coordinator(user)


def can_create_run_at(user, venue) -> bool:
    return _authenticated(user) and is_coordinator_for(user, venue.community)


def can_use_course_admin(user) -> bool:
    """The admin's course pages: coordinators (limited to their unit there) and superusers."""
    return user.is_active and (user.is_superuser or is_coordinator(user))
