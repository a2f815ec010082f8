from datetime import timedelta

from celery import shared_task


@shared_task(name="wechat.purge_inbound_messages")
def purge_inbound_messages(days: int = 2) -> int:
    """Forget processed-message records past WeChat's retry window; safe to run twice."""
    from django.utils import timezone

    from .services import inbound_purge

    return inbound_purge(older_than=timezone.now() - timedelta(days=days))


@shared_task(name="wechat.send_template_message", bind=True, max_retries=5,
             acks_late=True)
def send_template_message(self, account_id: int, openid: str, template_id: str, data: dict,
                          url: str | None = None) -> str:
    """Thin wrapper for the notifications outbox; retries only retryable WeChat errors."""
    from .client import WeChatRetryableError
    from .client import send_template_message as send
    from .models import WeChatAccount

    account = WeChatAccount.objects.get(pk=account_id)
    try:
        return send(account, openid, template_id, data, url=url)
    except WeChatRetryableError as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2 ** self.request.retries, 3600)) from exc


@shared_task(name="wechat.followers_sync", acks_late=True)
def followers_sync(account_id: int) -> dict | None:
    """Refresh one account's follower records from WeChat; safe to run twice (upserts)."""
    from .models import WeChatAccount
    from .services import followers_sync as sync

    account = WeChatAccount.objects.filter(pk=account_id).first()
    if account is None or account.sending_stopped_at is not None:
        return None
    return sync(account=account)


@shared_task(name="wechat.followers_sync_all")
def followers_sync_all() -> int:
    """Periodic (beat, nightly): one sync task per account, so accounts run in parallel on
    the workers and one account's failure does not stop the others."""
    from .models import WeChatAccount

    ids = list(WeChatAccount.objects.filter(sending_stopped_at__isnull=True)
               .values_list("pk", flat=True))
    for account_id in ids:
        followers_sync.delay(account_id)
    return len(ids)
