"""Who may see and change what in the roster — the only place these rules live.

A volunteer belongs to the unit of their home community: its street's coordinators and
district admins coordinate them. A "service account" (another module dispatching
doorstep jobs through the API) is a user holding the `volunteers.dispatch_any`
permission, or a district admin; it may match and dispatch district-wide.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from backend.accounts import permissions as accounts

SERVICE_ACCOUNT_PERMISSION = "volunteers.dispatch_any"


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def is_service_account(user) -> bool:
    if not _authenticated(user):
        return False
    return accounts.is_district_admin(user) or user.has_perm(SERVICE_ACCOUNT_PERMISSION)


def is_own(user, volunteer) -> bool:
    return _authenticated(user) and volunteer.user_id == user.pk


def coordinates_volunteer(user, volunteer) -> bool:
    return _authenticated(user) and accounts.is_coordinator_for(user, volunteer.community)


# --- Roster -------------------------------------------------------------------------------
def can_list_volunteers(user) -> bool:
    return _authenticated(user) and accounts.is_coordinator(user)


def volunteers_visible_to(user) -> Q:
    """A Q over Volunteer: the volunteers this user may list, match and dispatch."""
    if is_service_account(user):
        return Q()
    if not _authenticated(user):
        return Q(pk__in=[])
    return accounts.coordinated_community_filter(user, "community")


def can_view_volunteer(user, volunteer) -> bool:
    return is_own(user, volunteer) or coordinates_volunteer(user, volunteer)


def can_view_volunteer_phone(user, volunteer) -> bool:
    """Unmasked phone: the volunteer and their unit's coordinators only (PIPL)."""
    return is_own(user, volunteer) or coordinates_volunteer(user, volunteer)


def can_manage_availability(user, volunteer) -> bool:
    return is_own(user, volunteer) or coordinates_volunteer(user, volunteer)


def can_manage_credentials(user, volunteer) -> bool:
    return coordinates_volunteer(user, volunteer)


def can_manage_roster(user, community) -> bool:
    return _authenticated(user) and accounts.is_coordinator_for(user, community)


def can_enroll_volunteer(actor, user, community=None) -> bool:
    """Put `user` on the roster (of `community`, if given): the person must live in a
    community the actor coordinates, and so must the roster entry's community. Pointing an
    existing entry at another user is never allowed (see volunteer_update)."""
    if not _authenticated(actor) or user is None or user.community_id is None:
        return False
    if not accounts.is_coordinator_for(actor, user.community):
        return False
    return community is None or accounts.is_coordinator_for(actor, community)


# --- Matching and dispatch -------------------------------------------------------------------
def can_match(user) -> bool:
    return _authenticated(user) and (accounts.is_coordinator(user) or is_service_account(user))


def can_match_in(user, community) -> bool:
    return is_service_account(user) or (
        _authenticated(user) and accounts.is_coordinator_for(user, community))


def can_dispatch(user, community) -> bool:
    return can_match_in(user, community)


def can_view_service_request(user, request, *, offered_volunteer_user_ids=()) -> bool:
    if not _authenticated(user):
        return False
    return (can_dispatch(user, request.community)
            or user.pk in offered_volunteer_user_ids)


def can_respond_to_offer(user, offer) -> bool:
    return is_own(user, offer.volunteer)


def can_see_job_details(user, request, offers) -> bool:
    """The exact address and the resident's note of a doorstep job: coordinators of its
    community, and the volunteer whose offer for it is ACCEPTED — not while it is only
    offered, and no longer once declined, expired or withdrawn. `offers`: the request's
    offers (prefetched by the caller)."""
    if not _authenticated(user):
        return False
    # Her own accepted offer first: it needs no query.
    if any(o.status == "ACCEPTED" and o.volunteer.user_id == user.pk for o in offers):
        return True
    return can_dispatch(user, request.community)


def offers_visible_to(user, request, offers) -> list:
    """Of a request's offers, those `user` may see: all for its coordinators, otherwise only
    their own (a volunteer never learns who else was asked)."""
    offers = list(offers)
    if not _authenticated(user):
        return []
    own = [o for o in offers if o.volunteer.user_id == user.pk]
    if len(own) == len(offers) or not can_dispatch(user, request.community):
        return own
    return offers


# --- Shifts and hours -------------------------------------------------------------------------
def can_cancel_shift_sign_up(user, sign_up) -> bool:
    return is_own(user, sign_up.volunteer) or coordinates_volunteer(user, sign_up.volunteer)


def can_log_hours(user, commitment) -> bool:
    return (is_own(user, commitment.volunteer)
            or coordinates_volunteer(user, commitment.volunteer))


def can_manage_shift(user, shift) -> bool:
    """Cancel a whole shift: coordinators of the event's community (admins included)."""
    return _authenticated(user) and accounts.is_coordinator_for(user, shift.event.community)


def can_use_dispatch_board(user) -> bool:
    """The dispatch board and its CSV exports: coordinators (admins included) and the
    platform's operators, each seeing their own units' rows."""
    return _authenticated(user) and (user.is_superuser or accounts.is_coordinator(user))


def can_export_reports(user) -> bool:
    """Hours and dispatch CSVs: as the board."""
    return can_use_dispatch_board(user)


def can_review_hours(user, entry) -> bool:
    return coordinates_volunteer(user, entry.volunteer)


# --- Service-hours certificates ("谁记录谁证明") -------------------------------------------------
def can_issue_service_hours_certificate(user, volunteer) -> bool:
    """The unit that approves a volunteer's hours certifies them: the coordinators of the
    volunteer's home unit (its street) and district admins — the same people as
    can_review_hours."""
    return coordinates_volunteer(user, volunteer)


def can_issue_service_hours_certificates_somewhere(user) -> bool:
    return _authenticated(user) and accounts.is_coordinator(user)


def can_view_volunteer_certificates(user, volunteer) -> bool:
    """The volunteer's own service-hours certificates: the volunteer and their unit's
    coordinators (admins included)."""
    return is_own(user, volunteer) or coordinates_volunteer(user, volunteer)


def can_read_request_free_text(user, request) -> bool:
    """A job's note and address unmasked: whoever wrote them (the dispatcher, or the resident
    who asked for help) and the coordinators of its community; a volunteer sees phone
    numbers in them masked."""
    if not _authenticated(user):
        return False
    if user.pk in (request.created_by_id, request.requester_id):
        return True
    return accounts.is_coordinator(user) and accounts.is_coordinator_for(user, request.community)


# --- Help requests (便民纸条) ---------------------------------------------------------------------
# Who may see a help request, its address, photos and visit code: the resident and anyone
# who may act for her (herself, her community's staff, her unit's coordinators, admins), the
# staff and coordinators of the request's community, and the volunteer whose offer for it is
# ACCEPTED. Not other residents, other units' staff, nor volunteers not (or no longer)
# dispatched. A volunteer merely offered the job sees what can_view_service_request allows.
PHONE_REVEAL_BEFORE_HOURS = 2


def can_ask_help_for(actor, person) -> bool:
    return accounts.can_act_for(actor, person)


def can_triage_help(user, community) -> bool:
    """Triage, decline, merge, mark done or cancel a help request: the community's staff
    and its unit's coordinators (service accounts too)."""
    return is_service_account(user) or (
        _authenticated(user) and accounts.can_register_resident(user, community))


def help_triage_filter(user, field: str = "community") -> Q:
    """A Q over rows (through `field`) of the communities whose help queue `user` works."""
    if is_service_account(user):
        return Q()
    return accounts.desk_community_filter(user, field)


def help_volunteers_visible(request) -> Q:
    """A Q over Volunteer: who a help request may be offered to — the volunteers of its
    unit (its street), whoever triaged it."""
    return Q(community__street_id=request.community.street_id)


def _is_accepted_volunteer(user, offers) -> bool:
    return any(o.status == "ACCEPTED" and o.volunteer.user_id == user.pk for o in offers)


def _speaks_for_requester(user, request) -> bool:
    return request.requester_id is not None and (
        user.pk == request.requester_id or accounts.can_act_for(user, request.requester))


def can_view_help_details(user, request, offers) -> bool:
    """Address, description, photos and visit code of a help request. `offers`: the
    request's offers, prefetched with volunteer."""
    if not _authenticated(user):
        return False
    return (_is_accepted_volunteer(user, offers) or _speaks_for_requester(user, request)
            or can_triage_help(user, request.community))


def can_view_help_request(user, request, offers) -> bool:
    """The request itself (status, time, timeline): as the details, plus the volunteer a
    live offer is waiting on (her offer page)."""
    if can_view_help_details(user, request, offers):
        return True
    return _authenticated(user) and any(
        o.status == "OFFERED" and o.volunteer.user_id == user.pk for o in offers)


def can_rate_help(user, request) -> bool:
    """API.md: the person who asked — her rating is her own word about the visit, so staff
    who may act for her (and graded the service's own work) may not give it for her."""
    return (_authenticated(user) and request.requester_id is not None
            and request.requester_id == user.pk)


def can_reveal_requester_phone(user, request, offers, now) -> bool:
    """The accepted volunteer, from PHONE_REVEAL_BEFORE_HOURS before the visit until it
    ends; staff call through the desk."""
    if not _authenticated(user) or not _is_accepted_volunteer(user, offers):
        return False
    opens = request.starts_at - timedelta(hours=PHONE_REVEAL_BEFORE_HOURS)
    return opens <= now <= request.ends_at


def can_view_help_photo(user, photo, request=None, offers=()) -> bool:
    """A photo not yet attached: its uploader only. Attached: as the request's details."""
    if not _authenticated(user):
        return False
    if request is None:
        return photo.uploader_id == user.pk
    return can_view_help_details(user, request, offers)
