"""The public verification page, what a certificate's QR code opens on any phone."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from backend.certificates import selectors, services
from backend.certificates.models import CertificateKind, CertificateStatus
from backend.core.context import client_ip
from backend.core.masking import mask_name

TEMPLATE = "certificates/verify.html"


def _hours(certificate) -> str:
    hours = certificate.snapshot.get("hours")
    if hours in (None, ""):
        return ""
    unit = "小时" if certificate.kind == CertificateKind.SERVICE_HOURS else "学时"
    try:
        number = float(hours)
        hours = int(number) if number.is_integer() else number
    except (TypeError, ValueError):
        pass
    return f"{hours}{unit}"


@require_safe
@never_cache
def certificate_verify_page(request, code):
    if not services.verification_lookup_allowed(client_ip=client_ip(request)):
        response = render(request, TEMPLATE, {"rate_limited": True}, status=429)
        response["Retry-After"] = "60"
        return response
    certificate = selectors.certificate_get_by_code(code)
    if certificate is None:
        return render(request, TEMPLATE, {"certificate": None}, status=404)
    status = certificate.status
    response = render(request, TEMPLATE, {
        "certificate": certificate,
        "status": status,
        "status_label": CertificateStatus(status).label,
        "holder_name": mask_name(certificate.holder_name),
        "hours": _hours(certificate),
    })
    response["X-Robots-Tag"] = "noindex"
    return response
