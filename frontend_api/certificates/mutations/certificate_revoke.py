import graphene
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from backend.certificates import permissions, selectors, services
from backend.certificates.error_codes import CertificateErrorCode
from backend.core.errors import validation_error
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import CertificateErrorCodeEnum, CertificateType

CertificateRevokeError = error_type("CertificateRevokeError", CertificateErrorCodeEnum)


class CertificateRevoke(BaseMutation):
    """Revoke a certificate (coordinators of the issuing unit, admins). The code and its
    verification page stay; the page then says "revoked" and when."""

    class Arguments:
        code = graphene.String(required=True,
                               description="The certificate's code, with or without the dash, "
                                           "any case.")
        reason = graphene.String(required=True,
                                 description="Why it is revoked; kept in the audit log.")

    certificate = graphene.Field(CertificateType,
                                 description="The certificate, now REVOKED; null when refused.")
    errors = graphene.List(graphene.NonNull(CertificateRevokeError), required=True)

    error_codes = CertificateErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, code, reason):
        # Non-coordinators are refused before the lookup: they learn nothing about codes.
        if not permissions.can_revoke_certificates_somewhere(user):
            raise PermissionDenied
        certificate = selectors.certificate_get_by_code(code)
        if certificate is None:
            raise validation_error("code", _("找不到这个证书编号。"),
                                   CertificateErrorCode.NOT_FOUND)
        certificate = services.certificate_revoke(actor=user, certificate=certificate,
                                                  reason=reason)
        return cls.success(certificate=certificate)
