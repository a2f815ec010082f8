"""What a job offer shows when the job is a resident's help request: her name masked, what
she wrote and her photos and the visit code once the volunteer has accepted (the address
rule), and her phone — only for the accepted volunteer, from two hours before the visit
until it ends, each reveal audited by help_request_phone_reveal (POST 查看居民电话)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from backend.core.formatting import when_zh
from backend.core.masking import mask_name
from volunteers import permissions
from volunteers.models import OfferStatus

from ..help_request import photo_url


def offer_help_facts(user, job, state, *, phone: str = "") -> dict | None:
    """None for a plain dispatch (no requester)."""
    if job.requester_id is None:
        return None
    offers = list(job.offers.all())
    details = state == OfferStatus.ACCEPTED and permissions.can_view_help_details(
        user, job, offers)
    requester = job.requester
    now = timezone.now()
    opens = job.starts_at - timedelta(hours=permissions.PHONE_REVEAL_BEFORE_HOURS)
    return {
        "name": mask_name(requester.display_name or requester.username),
        "description": job.description if details else "",
        "photos": ([photo_url(p.pk) for p in job.photos.all() if p.deleted_at is None]
                   if details else []),
        "visit_code": job.visit_code if details else "",
        "can_reveal": details and permissions.can_reveal_requester_phone(user, job, offers, now),
        "reveal_opens": when_zh(opens) if details and now < opens else "",
        "phone": phone,
    }
