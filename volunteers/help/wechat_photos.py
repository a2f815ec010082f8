"""A photo a follower sends to an alliance account, attached to her help draft.

Fetched from WeChat only through /cgi-bin/media/get (backend.wechat.client.media_download),
after the callback has answered, so the passive reply never waits on WeChat's media server;
then checked and re-encoded without EXIF like any upload (photos.help_photo_store).
Written for the WeChat path of the help pages, beside the help services it calls.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from backend.wechat import client as wechat_client

from .models import HelpDraft, HelpPhoto
from .photos import help_photo_store

logger = logging.getLogger(__name__)


def help_draft_photo_fetch(*, draft_id: int, media_id: str) -> HelpPhoto | None:
    """The draft's photo from WeChat's temporary media `media_id`: one image message, one
    photo, however often this runs. None when the draft is gone, has no account, or WeChat
    sent something that is not a JPEG or PNG. WeChat's errors come out as the client's
    (WeChatRetryableError: try again later; WeChatPermanentError: logged, None)."""
    draft = HelpDraft.objects.select_related("account", "user").filter(pk=draft_id).first()
    if draft is None or draft.account is None or not media_id:
        return None
    existing = draft.photos.order_by("pk").first()
    if existing is not None:
        return existing
    try:
        data, _content_type = wechat_client.media_download(draft.account, media_id)
    except wechat_client.WeChatPermanentError as exc:
        logger.warning("help draft photo not fetched draft=%s errcode=%s", draft.pk, exc.errcode)
        return None
    with transaction.atomic():
        # The draft row locked: two runs of the task store one photo.
        draft = HelpDraft.objects.select_for_update().select_related("user").get(pk=draft.pk)
        existing = draft.photos.order_by("pk").first()
        if existing is not None:
            return existing
        try:
            photo = help_photo_store(uploader=draft.user, data=data, draft=draft)
        except ValidationError:
            logger.warning("help draft photo refused draft=%s (not a JPEG or PNG, or too "
                           "large)", draft.pk)
            return None
        if draft.request_id is not None:
            # She confirmed before the photo arrived: it joins the request.
            photo.request_id = draft.request_id
            photo.save(update_fields=["request"])
        return photo
