from django.db.models import Prefetch, Q, QuerySet

from backend.core import crypto

from . import permissions
from .models import Community, DataRequest, DataRequestKind, Street, User


def street_list() -> QuerySet[Street]:
    """Streets with their communities in two queries, whatever the number of rows."""
    return Street.objects.order_by("sort_order", "id").prefetch_related(
        Prefetch("communities", queryset=Community.objects.order_by("sort_order", "id"))
    )


def community_get(pk) -> Community | None:
    return Community.objects.select_related("street").filter(pk=pk).first()


def street_get(pk) -> Street | None:
    return Street.objects.filter(pk=pk).first()


def user_with_unit(pk) -> User | None:
    return User.objects.select_related("community__street").filter(pk=pk).first()


def desk_communities(user) -> QuerySet[Community]:
    """The communities whose desk this user works (staff there, or coordinating them)."""
    return (Community.objects.select_related("street")
            .filter(permissions.desk_community_filter(user, "")))


def desk_people_search(user, query: str, *, limit: int = 20) -> list[User]:
    """People of the desk's communities by name (part of it) or by phone (the exact
    number: a partial phone would let anyone list numbers digit by digit)."""
    query = (query or "").strip().replace(" ", "").replace("-", "")
    if not query:
        return []
    if query.isdigit():
        if len(query) != 11:
            return []
        match = Q(phone_hash=crypto.phone_hash(query))  # phones are encrypted at rest
    else:
        match = Q(display_name__icontains=query) | Q(username__iexact=query)
    return list(User.objects.select_related("community__street")
                .filter(permissions.desk_community_filter(user), match, is_active=True)
                .order_by("display_name", "id")[:limit])


def data_request_latest(user: User, kind: str = DataRequestKind.DELETE) -> DataRequest | None:
    """Her most recent request of `kind` (open, done or refused), or None."""
    return DataRequest.objects.filter(person=user, kind=kind).order_by("-created_at", "-id") \
        .first()
