import factory
from factory.django import DjangoModelFactory

from backend.certificates.models import Certificate, CertificateKind
from backend.certificates.services import certificate_issue

from .accounts import UserFactory


class CertificateFactory(DjangoModelFactory):
    """Issued through the service, so every certificate has a real code and stored PDF."""

    class Meta:
        model = Certificate

    kind = CertificateKind.COURSE_COMPLETION
    holder = factory.SubFactory(UserFactory)
    source_key = factory.Sequence(lambda n: f"test:{n}")
    snapshot = factory.LazyFunction(lambda: {"title": "如何运营微信公众号", "hours": 12})
    issuer_street = None
    issuer_community = None
    valid_until = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        certificate, _created = certificate_issue(**kwargs)
        return certificate
