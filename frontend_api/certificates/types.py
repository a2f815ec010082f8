import graphene
from graphene_django import DjangoObjectType

from backend.certificates import permissions, services
from backend.certificates.error_codes import CertificateErrorCode
from backend.certificates.models import Certificate, CertificateKind, CertificateStatus
from backend.core.masking import mask_name
from frontend_api.core.descriptions import COMMON_ERROR_CODES, enum_description, field_descriptions

CertificateKindEnum = graphene.Enum.from_enum(
    CertificateKind, name="CertificateKind", description=enum_description(
        "What a certificate attests.", {
            "COURSE_COMPLETION": "Completion of a course run (结业证书).",
            "SERVICE_HOURS": "A volunteer's approved service hours over a period (志愿服务证明).",
        }))
CertificateStatusEnum = graphene.Enum.from_enum(
    CertificateStatus, name="CertificateStatus", description=enum_description(
        "Whether a certificate holds today (Asia/Shanghai date).", {
            "VALID": "Issued, not revoked, and not past validUntil.",
            "REVOKED": "Revoked by a coordinator; the code still verifies, as revoked.",
            "EXPIRED": "Past its validUntil date.",
        }))
CertificateErrorCodeEnum = graphene.Enum.from_enum(
    CertificateErrorCode, name="CertificateErrorCode", description=enum_description(
        "Why a certificate mutation refused.", {
            **COMMON_ERROR_CODES,
            "ALREADY_REVOKED": "The certificate was revoked before.",
        }))


@field_descriptions(
    issued_at="When it was issued.",
    valid_until="Last valid day (Asia/Shanghai); null: no expiry.",
    revoked_at="When it was revoked; null unless REVOKED.")
class CertificateType(DjangoObjectType):
    """A certificate as its holder (or a coordinator of the issuing unit) sees it."""

    code = graphene.String(required=True, description="The code as stored (no dash); "
                                                      "lookups accept any case and dashes.")
    display_code = graphene.String(required=True, description="The printed form, ABCDE-23456.")
    kind = CertificateKindEnum(required=True, description="What it attests.")
    title = graphene.String(required=True,
                            description="The title printed on it, e.g. the course's title.")
    status = CertificateStatusEnum(required=True, description="Whether it holds today.")
    pdf_url = graphene.String(required=True,
                              description="Absolute URL of the PDF; downloading it needs the "
                                          "same rights as seeing this object.")
    verify_url = graphene.String(required=True,
                                 description="Absolute URL of the public verification page "
                                             "(what the printed QR code opens).")

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

    code = graphene.String(required=True, description="The code as stored (no dash).")
    display_code = graphene.String(required=True, description="The printed form, ABCDE-23456.")
    kind = CertificateKindEnum(required=True, description="What it attests.")
    status = CertificateStatusEnum(required=True, description="Whether it holds today.")
    holder_name = graphene.String(required=True, description="Masked: 张*三 / 张*.")
    title = graphene.String(required=True, description="The title printed on it.")
    issued_at = graphene.DateTime(required=True, description="When it was issued.")
    valid_until = graphene.Date(description="Last valid day (Asia/Shanghai); null: no expiry.")
    issuer = graphene.String(required=True, description="The issuing unit's name.")
    revoked_at = graphene.DateTime(description="When it was revoked; null unless REVOKED.")
    verify_url = graphene.String(required=True,
                                 description="Absolute URL of the public verification page.")

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
