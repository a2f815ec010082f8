"""Who may do what with a certificate. Built on backend.accounts.permissions."""

from django.db.models import Q

from backend.accounts.permissions import (
    coordinated_community_filter,
    is_coordinator,
    is_coordinator_for,
    is_district_admin,
)

from .models import Certificate


def can_revoke_certificates_somewhere(user) -> bool:
    return user is not None and user.is_authenticated and is_coordinator(user)


def can_revoke_certificate(user, certificate: Certificate) -> bool:
    """Coordinators of the issuing unit (a street covers its communities) and admins."""
    if user is None or not user.is_authenticated:
        return False
    return is_coordinator_for(user, certificate.issuer_unit) or is_district_admin(user)


def can_download_certificate(user, certificate: Certificate) -> bool:
    """The stored PDF: the holder, coordinators of the issuing unit, admins."""
    if user is None or not user.is_authenticated:
        return False
    return user.pk == certificate.holder_id or can_revoke_certificate(user, certificate)


def certificates_coordinated_by(user) -> Q:
    """A Q over Certificate limited to the issuing units the user coordinates (admin lists)."""
    return coordinated_community_filter(user, "issuer_community", street_field="issuer_street")


def can_use_certificate_admin(user) -> bool:
    """The admin's certificate pages: coordinators (limited to their units) and superusers."""
    return user.is_active and (user.is_superuser or can_revoke_certificates_somewhere(user))
