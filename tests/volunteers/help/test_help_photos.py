"""Photos (issue 15, item 4): POST /api/uploads/ checks size and type and re-encodes the
image without EXIF (location included); the retention task deletes the file and keeps the
row. WeChat drafts: one per message (a retry makes none), confirmed once."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from graphql_relay import from_global_id
from PIL import Image

from backend.core.errors import has_code
from tests.helpers.graphql import token_for
from volunteers import services
from volunteers.models import HelpDraft, HelpPhoto, ServiceRequest

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def _jpeg_with_gps(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[GPS_IFD] = {1: "N", 2: (36.0, 4.0, 12.0), 3: "E", 4: (120.0, 22.0, 5.0)}
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the control: GPS is there
    return data


def _client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {token_for(user)}")


def _upload(user, data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return _client(user).post("/api/uploads/", {"file": SimpleUploadedFile(
        name, data, content_type=content_type)})


def test_upload_strips_exif_and_gps_and_keeps_it_upright(consenting):
    response = _upload(consenting, _jpeg_with_gps())
    assert response.status_code == 201
    photo_id = response.json()["id"]
    assert from_global_id(photo_id)[0] == "HelpPhoto"
    served = _client(consenting).get(f"/api/uploads/{photo_id}")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    image = Image.open(BytesIO(served.content))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {} and "exif" not in image.info
    assert image.size == (48, 64)  # the orientation applied, then dropped


def test_png_is_accepted_and_reencoded(consenting):
    out = BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(out, format="PNG")
    response = _upload(consenting, out.getvalue(), "a.png", "image/png")
    assert response.status_code == 201


def test_big_images_are_scaled_down(consenting):
    photo = services.help_photo_store(uploader=consenting,
                                      data=_jpeg_with_gps(size=(4000, 1000)))
    with photo.file.open("rb") as handle:
        assert max(Image.open(handle).size) == 2048


def test_too_large_is_413(consenting, settings):
    response = _upload(consenting, b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 10))
    assert response.status_code == 413 and "8 MB" in response.json()["detail"]
    assert not HelpPhoto.objects.exists()


@pytest.mark.parametrize("data, name, content_type", [
    (b"GIF89a" + b"\x00" * 100, "a.gif", "image/gif"),
    (b"%PDF-1.4 nothing", "a.jpg", "image/jpeg"),  # lies about its type
    (b"", "empty.jpg", "image/jpeg"),
])
def test_other_types_are_415(consenting, data, name, content_type):
    response = _upload(consenting, data, name, content_type)
    assert response.status_code == 415 and "JPEG" in response.json()["detail"]
    assert not HelpPhoto.objects.exists()


def test_gif_image_is_415(consenting):
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    assert _upload(consenting, out.getvalue(), "a.gif", "image/gif").status_code == 415


def test_upload_needs_sign_in_and_the_file_field(consenting):
    assert Client().post("/api/uploads/", {}).status_code in (401, 403)
    assert _client(consenting).post("/api/uploads/", {}).status_code == 400


def test_photo_ids_only_the_uploaders_and_within_a_day(ask, consenting, community_staff):
    mine = services.help_photo_store(uploader=consenting, data=_jpeg_with_gps())
    theirs = services.help_photo_store(uploader=community_staff, data=_jpeg_with_gps())
    with pytest.raises(ValidationError) as exc:
        ask(photo_ids=[theirs.pk])
    assert has_code(exc.value, "INVALID")
    HelpPhoto.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(hours=25))
    with pytest.raises(ValidationError):
        ask(photo_ids=[mine.pk])
    assert not ServiceRequest.objects.exists()


def test_retention_deletes_the_file_and_keeps_the_row(ask, consenting, settings,
                                                     django_capture_on_commit_callbacks):
    settings.HELP_PHOTO_RETENTION_DAYS = 90
    photo = services.help_photo_store(uploader=consenting, data=_jpeg_with_gps())
    ask(photo_ids=[photo.pk])
    name = photo.file.name
    assert default_storage.exists(name)
    assert services.help_photos_purge(now=timezone.now() + timedelta(days=89)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.help_photos_purge(now=timezone.now() + timedelta(days=91)) == 1
    photo.refresh_from_db()
    assert photo.deleted_at is not None and not default_storage.exists(name)
    assert services.help_photo_read(photo) is None


def test_a_draft_per_message_a_retry_makes_none(consenting):
    first = services.help_draft_create(user=consenting, text="想理发，行动不便", openid="o1",
                                       msg_id="m1")
    again = services.help_draft_create(user=consenting, text="想理发，行动不便", openid="o1",
                                       msg_id="m1")
    assert first.pk == again.pk and HelpDraft.objects.count() == 1
    photo_draft = services.help_draft_create(user=consenting, photo_data=_jpeg_with_gps(),
                                             openid="o1", msg_id="m2")
    assert photo_draft.photos.count() == 1 and HelpPhoto.objects.count() == 1
    assert services.help_draft_create(user=consenting, photo_data=_jpeg_with_gps(),
                                      openid="o1", msg_id="m2").pk == photo_draft.pk
    assert HelpPhoto.objects.count() == 1


def test_draft_confirmed_once_with_its_photos(consenting):
    draft = services.help_draft_create(user=consenting, photo_data=_jpeg_with_gps(),
                                       openid="o1", msg_id="m9")
    assert services.help_draft_usable(draft.token) == draft
    kwargs = {"actor": consenting, "token": draft.token, "description": "水龙头坏了",
              "preferred_date": timezone.localdate() + timedelta(days=1),
              "part_of_day": "MORNING"}
    request = services.help_draft_confirm(**kwargs)
    assert request.photos.count() == 1 and request.requester == consenting
    with pytest.raises(ValidationError) as exc:
        services.help_draft_confirm(**kwargs)
    assert has_code(exc.value, "DRAFT_EXPIRED")
    assert services.help_draft_usable(draft.token) is None
    assert ServiceRequest.objects.count() == 1


def test_expired_draft_is_refused(consenting):
    draft = services.help_draft_create(user=consenting, text="求助", openid="o1", msg_id="m3")
    HelpDraft.objects.filter(pk=draft.pk).update(expires_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        services.help_draft_confirm(actor=consenting, token=draft.token, description="x",
                                    preferred_date=timezone.localdate(), part_of_day="EVENING")
    assert has_code(exc.value, "DRAFT_EXPIRED")
