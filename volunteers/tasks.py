"""Thin, idempotent tasks: take ids, call a service.

Each task imports its service inside its body (the services import these tasks at module
top to enqueue them), and is named `*_task` where a service has the same verb; the
registered names (`name=`) are what the beat schedule and queued messages refer to."""

from celery import shared_task


@shared_task(name="volunteers.offer_expire")
def offer_expire_task(offer_id: int) -> str | None:
    """Scheduled with a countdown when an offer is made; does nothing if it was answered
    or is not due yet."""
    from volunteers.services import offer_expire

    offer = offer_expire(offer_id=offer_id)
    return offer.status if offer is not None else None


@shared_task(name="volunteers.offers_sweep")
def offers_sweep_task() -> int:
    """Periodic (beat): expire overdue offers whose own task was lost."""
    from volunteers.services import offers_sweep

    return offers_sweep()


@shared_task(name="volunteers.credential_expiry_alerts")
def credential_expiry_alerts() -> int:
    """Periodic (beat, daily): credential expiring in 30 and in 7 days, once each."""
    from volunteers.services import credential_expiry_notify

    return credential_expiry_notify()


@shared_task(name="volunteers.help_photos_purge")
def help_photos_purge_task() -> int:
    """Periodic (beat, daily): delete help photos past HELP_PHOTO_RETENTION_DAYS."""
    from volunteers.services import help_photos_purge

    return help_photos_purge()
