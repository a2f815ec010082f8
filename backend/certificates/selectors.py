from django.db.models import QuerySet

from .codes import normalize_code
from .models import Certificate


def certificate_get_by_code(code: str | None) -> Certificate | None:
    """Case- and dash-tolerant; a string that cannot be a code costs no query."""
    normalized = normalize_code(code)
    if normalized is None:
        return None
    return (Certificate.objects
            .select_related("holder", "issuer_street", "issuer_community__street", "revoked_by")
            .filter(code=normalized).first())


def certificate_list_for_holder(user) -> QuerySet[Certificate]:
    """A person's own certificates, newest first (one query: nothing nested is shown)."""
    if user is None or not user.is_authenticated:
        return Certificate.objects.none()
    return Certificate.objects.filter(holder_id=user.pk).order_by("-issued_at", "-id")


def certificates_of_holder_by_source_key(holder_id: int) -> dict[str, Certificate]:
    """All of one person's certificates keyed by source, in one query (a per-request
    cache for lists of that person's enrolments)."""
    return {c.source_key: c for c in Certificate.objects
            .select_related("issuer_street", "issuer_community__street")
            .filter(holder_id=holder_id)}
