from datetime import date

from celery import shared_task


@shared_task(name="certificates.issue")
def issue(kind: str, holder_id: int, source_key: str, snapshot: dict,
          issuer_street_id: int | None = None, issuer_community_id: int | None = None,
          valid_until_iso: str | None = None) -> dict:
    """Issue one certificate; safe to run twice (the service is idempotent on source_key)."""
    from backend.accounts.models import Community, Street, User

    from .services import certificate_issue

    certificate, created = certificate_issue(
        kind=kind,
        holder=User.objects.get(pk=holder_id),
        source_key=source_key,
        snapshot=snapshot,
        issuer_street=Street.objects.get(pk=issuer_street_id) if issuer_street_id else None,
        issuer_community=(Community.objects.select_related("street").get(pk=issuer_community_id)
                          if issuer_community_id else None),
        valid_until=date.fromisoformat(valid_until_iso) if valid_until_iso else None,
    )
    return {"id": certificate.pk, "code": certificate.code, "created": created}
