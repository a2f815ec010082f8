import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLError

from backend.certificates import selectors, services
from backend.core.context import client_ip
from frontend_api.core.fields import login_required

from .mutations.certificate_revoke import CertificateRevoke
from .types import CertificateType, CertificateVerificationType


class CertificatesQuery(graphene.ObjectType):
    my_certificates = graphene.List(graphene.NonNull(CertificateType), required=True,
                                    description="The logged-in person's certificates.")
    certificate_verify = graphene.Field(
        CertificateVerificationType,
        code=graphene.String(required=True, description="The code as printed (ABCDE-23456) or "
                                                        "stored; dashes and case are ignored."),
        description="Public, no login: null if there is no such code. Rate-limited per IP.")

    @staticmethod
    @login_required
    def resolve_my_certificates(root, info):
        return selectors.certificate_list_for_holder(info.context.user)

    @staticmethod
    def resolve_certificate_verify(root, info, code):
        if not services.verification_lookup_allowed(client_ip=client_ip(info.context)):
            raise GraphQLError(_("查询过于频繁，请稍后再试。"),
                               extensions={"code": "RATE_LIMITED"})
        certificate = selectors.certificate_get_by_code(code)
        return CertificateVerificationType.of(certificate) if certificate else None


class CertificatesMutation(graphene.ObjectType):
    certificate_revoke = CertificateRevoke.Field()
