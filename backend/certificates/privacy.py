"""Certificates' part of anonymising an account. A certificate is her record and must keep
answering a QR check: the row, code, validity, PDF hash and issuer stay; her name leaves
the registry (verification then shows the anonymous name). The stored PDF is the document
as issued and is kept (reachable only by coordinators once she is anonymised)."""

from backend.accounts import anonymise

from .models import Certificate


def clean_certificates(user) -> int:
    name = anonymise.anonymous_name(user.pk)
    count = 0
    for certificate in Certificate.objects.filter(holder=user):
        certificate.snapshot = {**certificate.snapshot, "holder_name": name}
        certificate.save(update_fields=["snapshot", "updated_at"])
        count += 1
    return count


def connect() -> None:
    anonymise.register("certificates", clean_certificates)
