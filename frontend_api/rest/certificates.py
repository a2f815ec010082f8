"""GET /api/certificates/<code>.pdf: the stored PDF, for the holder, coordinators of the
issuing unit and admins."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.certificates import permissions, selectors, services


class CertificatePdfView(APIView):
    # Anonymous callers get 401 before any lookup; a certificate that the caller may not
    # see is answered exactly like an unknown code (404), so existence never leaks.
    permission_classes = [IsAuthenticated]

    def get(self, request, code):
        certificate = selectors.certificate_get_by_code(code)
        if certificate is None or not permissions.can_download_certificate(request.user,
                                                                           certificate):
            raise NotFound(_("找不到这个证书。"))
        if certificate.revoked_at is not None:
            return Response({
                "detail": _("该证书已于%(date)s被颁发单位撤销，原PDF不再作为有效证书提供。")
                % {"date": f"{certificate.revoked_at:%Y-%m-%d}"},
                "status": certificate.status,
                "verifyUrl": services.verify_url(certificate.code),
            }, status=410)
        with certificate.pdf.open("rb") as stored:
            data = stored.read()
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{certificate.code}.pdf"'
        response["ETag"] = f'"{certificate.pdf_sha256}"'
        response["Cache-Control"] = "private, no-store"
        return response
