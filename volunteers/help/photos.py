"""Help-request photos: checked, re-encoded without EXIF (location included), stored through
Django's storage API, deleted after HELP_PHOTO_RETENTION_DAYS.

Pillow decodes the upload and writes a fresh JPEG from the pixels only, so no metadata of
the original (EXIF, GPS, XMP, comments) can survive; the orientation is applied first so
the picture stays upright without its EXIF tag."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import partial
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.core.errors import validation_error

from ..error_codes import VolunteerErrorCode as Code
from .models import HelpPhoto

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SIDE = 2048
MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding
ACCEPTED_FORMATS = {"JPEG", "PNG"}
USABLE_FOR = timedelta(hours=24)


def retention_days() -> int:
    return int(getattr(settings, "HELP_PHOTO_RETENTION_DAYS", 90))


def _reencode(data: bytes) -> bytes:
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise _unsupported()
            if image.width * image.height > MAX_PIXELS:
                raise validation_error("file", _("图片尺寸过大。"), Code.FILE_TOO_LARGE)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise _unsupported() from None
    if upright.mode in ("RGBA", "LA", "P"):
        upright = upright.convert("RGBA")
        background = Image.new("RGB", upright.size, (255, 255, 255))
        background.paste(upright, mask=upright.getchannel("A"))
        upright = background
    else:
        upright = upright.convert("RGB")
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    upright.save(out, format="JPEG", quality=85, optimize=True)  # no exif= : none written
    return out.getvalue()


def _unsupported():
    return validation_error("file", _("只支持 JPEG 或 PNG 格式的图片。"), Code.UNSUPPORTED_TYPE)


def help_photo_store(*, uploader, data: bytes, draft=None) -> HelpPhoto:
    """Check, re-encode and store one image. FILE_TOO_LARGE over 8 MB, UNSUPPORTED_TYPE for
    anything but a JPEG or PNG; nothing is stored then."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise validation_error("file", _("图片不能超过 8 MB。"), Code.FILE_TOO_LARGE)
    if not data:
        raise _unsupported()
    encoded = _reencode(data)
    photo = HelpPhoto(uploader=uploader, content_type="image/jpeg", draft=draft)
    # Random name: the path reveals nothing, and is never served directly.
    photo.file.save(f"{secrets.token_hex(16)}.jpg", ContentFile(encoded), save=False)
    try:
        photo.save()
    except Exception:
        photo.file.delete(save=False)
        raise
    return photo


def usable_photos(*, uploader, photo_ids, now: datetime | None = None) -> list[HelpPhoto]:
    """The photos `uploader` may attach: hers, under 24 h old, not attached, not deleted.
    Any other id is INVALID (whether or not it exists)."""
    now = now or timezone.now()
    ids = []
    for raw in photo_ids or ():
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise _bad_photo() from None
    if len(ids) > 4:
        raise validation_error("photo_ids", _("最多附4张照片。"), Code.INVALID)
    photos = list(HelpPhoto.objects.select_for_update().filter(
        pk__in=ids, uploader=uploader, request__isnull=True, deleted_at__isnull=True,
        created_at__gte=now - USABLE_FOR))
    if len(photos) != len(set(ids)):
        raise _bad_photo()
    return photos


def _bad_photo():
    return validation_error("photo_ids", _("照片无效或已过期，请重新上传。"), Code.INVALID)


def help_photos_purge(*, now: datetime | None = None, batch: int = 500) -> int:
    """Delete the files of photos older than the retention period (and of unattached
    uploads older than a day); the rows stay with deleted_at."""
    now = now or timezone.now()
    old = HelpPhoto.objects.filter(deleted_at__isnull=True).filter(
        created_at__lt=now - timedelta(days=retention_days()))
    stale = HelpPhoto.objects.filter(deleted_at__isnull=True, request__isnull=True,
                                     draft__isnull=True, created_at__lt=now - 2 * USABLE_FOR)
    done = 0
    for photo in list((old | stale).order_by("pk")[:batch]):
        with transaction.atomic():
            claimed = HelpPhoto.objects.filter(pk=photo.pk, deleted_at__isnull=True).update(
                deleted_at=now)
            if claimed:
                # The row keeps its deletion time; the file goes once the row says so.
                transaction.on_commit(partial(_delete_file, photo.file.name))
                done += 1
    return done


def _delete_file(name: str) -> None:
    if name:
        HelpPhoto._meta.get_field("file").storage.delete(name)


def help_photo_read(photo: HelpPhoto) -> bytes | None:
    """The stored bytes, or None once deleted."""
    if photo.deleted_at is not None or not photo.file:
        return None
    with photo.file.open("rb") as handle:
        return handle.read()
