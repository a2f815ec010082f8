"""Thin, idempotent tasks: take ids, call a service."""

from celery import shared_task


@shared_task(name="volunteers.offer_expire")
def offer_expire(offer_id: int) -> str | None:
    """Scheduled with a countdown when an offer is made; does nothing if it was answered
    or is not due yet."""
    from . import services

    offer = services.offer_expire(offer_id=offer_id)
    return offer.status if offer is not None else None


@shared_task(name="volunteers.offers_sweep")
def offers_sweep() -> int:
    """Periodic (beat): expire overdue offers whose own task was lost."""
    from . import services

    return services.offers_sweep()


@shared_task(name="volunteers.credential_expiry_alerts")
def credential_expiry_alerts() -> int:
    """Periodic (beat, daily): credential expiring in 30 and in 7 days, once each."""
    from . import services

    return services.credential_expiry_notify()
