"""Volunteers' part of anonymising an account (backend.accounts.anonymise): what she wrote
in help requests and her credential numbers go; the requests, dispatch outcomes, ratings
and service hours stay for the statistics."""

from django.db.models import Q
from django.utils import timezone

from backend.accounts import anonymise

from .models import (
    ACTIVE_COMMITMENT_STATUSES,
    Commitment,
    Credential,
    ServiceRequest,
    ServiceRequestStatus,
)

_CLOSED = (ServiceRequestStatus.COMPLETED, ServiceRequestStatus.CANCELLED,
           ServiceRequestStatus.UNFULFILLED, ServiceRequestStatus.DECLINED)


def clean_help_requests(user) -> int:
    return ServiceRequest.objects.filter(requester=user).filter(
        ~Q(description="") | ~Q(address="") | ~Q(note="") | ~Q(rating_comment="")
    ).update(description="", address="", note="", rating_comment="")


def clean_credentials(user) -> int:
    # The number is personal data; the row (type, validity) stays as the record of a check.
    # Each row gets a distinct placeholder: the keyed hash keeps (volunteer, type) unique.
    count = 0
    for credential in Credential.objects.filter(volunteer__user=user):
        credential.number = f"removed-{credential.pk}"
        credential.save(update_fields=["number", "number_hash", "updated_at"])
        count += 1
    return count


def open_obligations(user_ids: list[int]) -> set[int]:
    """A help request not closed yet, or a commitment (a job, a shift) still ahead."""
    asking = ServiceRequest.objects.filter(requester_id__in=user_ids).exclude(
        status__in=_CLOSED).values_list("requester_id", flat=True)
    committed = Commitment.objects.filter(
        volunteer__user_id__in=user_ids, status__in=ACTIVE_COMMITMENT_STATUSES,
        ends_at__gt=timezone.now()).values_list("volunteer__user_id", flat=True)
    return set(asking) | set(committed)


def connect() -> None:
    anonymise.register("help_requests", clean_help_requests)
    anonymise.register("credentials", clean_credentials)
    anonymise.register_blocker("volunteers", open_obligations)
