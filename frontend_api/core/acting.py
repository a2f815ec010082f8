"""Arguments that name a person to act for (`userId` on courseEnroll, tutoringBook …)."""

from django.core.exceptions import PermissionDenied

from backend.accounts import permissions, selectors
from backend.accounts.models import User

from .ids import decode_id_or_none


def person_to_act_for(actor, global_id: str) -> User:
    """The person `global_id` names, if `actor` may act for her (the one rule,
    accounts.permissions.can_act_for); PERMISSION_DENIED otherwise. An unknown, malformed or
    out-of-reach id gets that same answer, so a refusal reveals nothing about her."""
    pk = decode_id_or_none(global_id, "User")
    person = selectors.user_with_unit(pk) if pk and pk > 0 else None
    if person is None or not permissions.can_act_for(actor, person):
        raise PermissionDenied
    return person
