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
def template_message_send(self, account_id: int, openid: str, template_id: str, data: dict,
                          url: str | None = None) -> str:
    """Thin wrapper for the notifications outbox; retries only retryable WeChat errors."""
    from .client import WeChatRetryableError, send_template_message
    from .models import WeChatAccount

    account = WeChatAccount.objects.get(pk=account_id)
    try:
        return send_template_message(account, openid, template_id, data, url=url)
    except WeChatRetryableError as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2 ** self.request.retries, 3600)) from exc
