"""Background work of the interface layer: thin, idempotent tasks that take ids and call a
service (imported in the body, as in every app's tasks.py)."""

from celery import shared_task

MEDIA_RETRIES = 3
MEDIA_RETRY_SECONDS = 30


@shared_task(name="frontend_api.help_draft_photo_fetch", bind=True, max_retries=MEDIA_RETRIES)
def help_draft_photo_fetch_task(self, draft_id: int, media_id: str) -> int | None:
    """A follower's photo, fetched from WeChat (media/get) and attached to her help draft;
    WeChat busy or unreachable: tried again later. Safe twice: one message, one photo."""
    from backend.wechat.client import WeChatRetryableError
    from volunteers.help.wechat_photos import help_draft_photo_fetch

    try:
        photo = help_draft_photo_fetch(draft_id=draft_id, media_id=media_id)
    except WeChatRetryableError as exc:
        raise self.retry(exc=exc, countdown=MEDIA_RETRY_SECONDS) from exc
    return photo.pk if photo is not None else None
