"""Thin, idempotent tasks over the outbox."""

from celery import shared_task

from .channels import ChannelTransientError

MAX_RETRIES = 6


@shared_task(name="notifications.deliver", bind=True, max_retries=MAX_RETRIES, acks_late=True)
def deliver(self, notification_id: int) -> str | None:
    """Send one notification; running it twice (redelivery, the sweep) sends once.
    Transient channel errors retry with exponential backoff; the last try marks FAILED."""
    from . import services

    retries = self.request.retries or 0
    delay = services.retry_delay_seconds(retries)
    try:
        notification = services.notification_deliver(
            notification_id=notification_id, final_attempt=retries >= self.max_retries,
            retry_in=delay)
    except ChannelTransientError as exc:
        if self.request.is_eager:
            # No broker (embedded mode, tests): apply() runs a returned Retry again inline,
            # whereas a raised one would escape into the caller's on-commit hook.
            return self.retry(exc=exc, countdown=delay, throw=False)
        raise self.retry(exc=exc, countdown=delay) from exc
    return notification.status if notification is not None else None


@shared_task(name="notifications.sweep")
def sweep() -> int:
    """Periodic (beat, every minute): the outbox is never lost to a broker outage."""
    from . import services

    return services.notifications_sweep()
