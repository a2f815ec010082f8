from django.db.models import Prefetch, QuerySet

from .models import Community, Street, User


def street_list() -> QuerySet[Street]:
    """Streets with their communities in two queries, whatever the number of rows."""
    return Street.objects.order_by("sort_order", "id").prefetch_related(
        Prefetch("communities", queryset=Community.objects.order_by("sort_order", "id"))
    )


def community_get(pk) -> Community | None:
    return Community.objects.select_related("street").filter(pk=pk).first()


def user_with_unit(pk) -> User | None:
    return User.objects.select_related("community__street").filter(pk=pk).first()
