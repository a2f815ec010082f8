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


@shared_task(name="wechat.send_custom_text", bind=True, max_retries=3, acks_late=True)
def custom_text_send(self, account_id: int, openid: str, content: str) -> None:
    """A command's late answer, as a customer-service message from the account the follower
    wrote to. Retries only retryable WeChat errors; a refusal (not subscribed, outside the
    48-hour window) is logged and dropped: nothing else can reach the follower there."""
    import logging

    from .client import WeChatPermanentError, WeChatRetryableError, send_custom_text
    from .models import WeChatAccount

    account = WeChatAccount.objects.filter(pk=account_id).first()
    if account is None:
        return
    try:
        send_custom_text(account, openid, content)
    except WeChatRetryableError as exc:
        raise self.retry(exc=exc, countdown=min(15 * 2 ** self.request.retries, 120)) from exc
    except WeChatPermanentError as exc:
        logging.getLogger(__name__).warning(
            "wechat custom message refused account=%s errcode=%s", account.slug, exc.errcode)


@shared_task(name="wechat.push_menu", bind=True, max_retries=5, acks_late=True)
def menu_push_task(self, menu_id: int) -> None:
    """Push an account's custom menu; safe to run twice (menu/create replaces the menu)."""
    from .client import WeChatRetryableError
    from .models import WeChatMenu
    from .services import menu_push

    menu = WeChatMenu.objects.select_related("account").filter(pk=menu_id).first()
    if menu is None:
        return
    try:
        menu_push(menu=menu)
    except WeChatRetryableError as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2 ** self.request.retries, 600)) from exc


@shared_task(name="wechat.followers_sync", acks_late=True)
def followers_sync_task(account_id: int) -> dict | None:
    """Refresh one account's follower records from WeChat; safe to run twice (upserts)."""
    from .models import WeChatAccount
    from .services import followers_sync

    account = WeChatAccount.objects.filter(pk=account_id).first()
    if account is None or account.sending_stopped_at is not None:
        return None
    return followers_sync(account=account)


@shared_task(name="wechat.followers_sync_all")
def followers_sync_all_task() -> int:
    """Periodic (beat, nightly): one sync task per account, so accounts run in parallel on
    the workers and one account's failure does not stop the others."""
    from .models import WeChatAccount

    ids = list(WeChatAccount.objects.filter(sending_stopped_at__isnull=True)
               .values_list("pk", flat=True))
    for account_id in ids:
        followers_sync_task.delay(account_id)
    return len(ids)


@shared_task(name="wechat.broadcast_chunk_send", bind=True, max_retries=30, acks_late=True)
def broadcast_chunk_send(self, chunk_id: int) -> str:
    """Send one broadcast chunk (one mass/send call); safe to run twice (the chunk is
    claimed by a conditional update). Waits for the account's shared rate; retries later
    when no token came in time or WeChat answered a retryable error."""
    from django.conf import settings

    from .client import WeChatRetryableError
    from .services.broadcasts import broadcast_chunk_deliver

    final = self.request.retries >= self.max_retries
    wait = float(getattr(settings, "LINLI_BROADCAST_TOKEN_WAIT_SECONDS", 20))
    try:
        outcome = broadcast_chunk_deliver(chunk_id=chunk_id, wait=wait, final=final)
    except WeChatRetryableError as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2 ** self.request.retries, 600)) from exc
    if outcome == "later" and not final:
        raise self.retry(countdown=1)
    return outcome
