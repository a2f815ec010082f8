"""POST /api/uploads/ (a help request's photo) and GET /api/uploads/<id> (the re-encoded
image, for those allowed; 404 to everyone else, so existence never leaks)."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import has_code
from backend.core.links import node_id
from frontend_api.core.ids import decode_id_or_none
from volunteers import services
from volunteers.error_codes import VolunteerErrorCode as Code
from volunteers.help import photos as help_photos
from volunteers.help import selectors as help_selectors

# A multipart body a little over the image limit is refused before it is read.
MAX_BODY = help_photos.MAX_UPLOAD_BYTES + 64 * 1024


def _too_large() -> Response:
    return Response({"detail": _("图片不能超过 8 MB。")}, status=413)


def _unsupported() -> Response:
    return Response({"detail": _("只支持 JPEG 或 PNG 格式的图片。")}, status=415)


class UploadCreateView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            return _too_large()
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"detail": _("请用字段 file 上传一张图片。")}, status=400)
        if upload.size > help_photos.MAX_UPLOAD_BYTES:
            return _too_large()
        try:
            photo = services.help_photo_store(uploader=request.user, data=upload.read())
        except ValidationError as exc:
            return _too_large() if has_code(exc, Code.FILE_TOO_LARGE) else _unsupported()
        return Response({"id": node_id("HelpPhoto", photo.pk)}, status=201)


class UploadDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, id):
        pk = decode_id_or_none(id, "HelpPhoto")
        photo = help_selectors.help_photo_get(user=request.user, pk=pk) if pk and pk > 0 \
            else None
        data = services.help_photo_read(photo) if photo is not None else None
        if data is None:
            raise NotFound(_("找不到这张照片。"))
        response = HttpResponse(data, content_type=photo.content_type)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
