import graphene
from graphene_django import DjangoObjectType

from backend.certificates import permissions, services
from backend.certificates.error_codes import CertificateErrorCode
from backend.certificates.models import Certificate, CertificateKind, CertificateStatus
from backend.core.masking import mask_name

CertificateKindEnum = graphene.Enum.from_enum(CertificateKind, name="CertificateKind")
CertificateStatusEnum = graphene.Enum.from_enum(CertificateStatus, name="CertificateStatus")
CertificateErrorCodeEnum = graphene.Enum.from_enum(CertificateErrorCode,
                                                   name="CertificateErrorCode")


class CertificateType(DjangoObjectType):
    """A certificate as its holder (or a coordinator of the issuing unit) sees it."""

    code = graphene.String(required=True, description="The code as stored (no dash); "
                                                      "lookups accept any case and dashes.")
    display_code = graphene.String(required=True, description="The printed form, ABCDE-23456.")
    kind = CertificateKindEnum(required=True)
    title = graphene.String(required=True)
    status = CertificateStatusEnum(required=True)
    pdf_url = graphene.String(required=True)
    verify_url = graphene.String(required=True)

    class Meta:
        model = Certificate
        name = "Certificate"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "code", "kind", "issued_at", "valid_until", "revoked_at")

    @classmethod
    def get_node(cls, info, id):
        # Reachable by global ID only for those who may download it (holder, coordinators
        # of the issuing unit, admins); others get null, as for an unknown ID.
        certificate = (Certificate.objects
                       .select_related("issuer_street", "issuer_community__street")
                       .filter(pk=id).first())
        if certificate and permissions.can_download_certificate(info.context.user, certificate):
            return certificate
        return None

    @staticmethod
    def resolve_display_code(certificate, info):
        return certificate.display_code

    @staticmethod
    def resolve_kind(certificate, info):
        return certificate.kind

    @staticmethod
    def resolve_title(certificate, info):
        return certificate.title

    @staticmethod
    def resolve_status(certificate, info):
        return certificate.status

    @staticmethod
    def resolve_pdf_url(certificate, info):
        return services.pdf_url(certificate.code)

    @staticmethod
    def resolve_verify_url(certificate, info):
        return services.verify_url(certificate.code)


class CertificateVerificationType(graphene.ObjectType):
    """What anyone holding the code may learn: no login, the holder's name masked."""

    code = graphene.String(required=True)
    display_code = graphene.String(required=True)
    kind = CertificateKindEnum(required=True)
    status = CertificateStatusEnum(required=True)
    holder_name = graphene.String(required=True, description="Masked: 张*三 / 张*.")
    title = graphene.String(required=True)
    issued_at = graphene.DateTime(required=True)
    valid_until = graphene.Date()
    issuer = graphene.String(required=True, description="The issuing unit's name.")
    revoked_at = graphene.DateTime()
    verify_url = graphene.String(required=True)

    class Meta:
        name = "CertificateVerification"

    @classmethod
    def of(cls, certificate: Certificate) -> "CertificateVerificationType":
        return cls(
            code=certificate.code, display_code=certificate.display_code,
            kind=certificate.kind, status=certificate.status,
            holder_name=mask_name(certificate.holder_name), title=certificate.title,
            issued_at=certificate.issued_at, valid_until=certificate.valid_until,
            issuer=certificate.issuer_name, revoked_at=certificate.revoked_at,
            verify_url=services.verify_url(certificate.code),
        )
