"""What of a doorstep job a reader sees: the details only with a live claim on it, and the
free text (note, address) with phone and ID numbers masked unless she wrote it or
coordinates its unit."""

from backend.core.masking import mask_personal_data_in_text
from volunteers import permissions


def details_visible(request, info) -> bool:
    # offers prefetched by selectors.service_request_queryset and the offer selectors
    if request.requester_id is not None:
        return permissions.can_view_help_details(info.context.user, request,
                                                 request.offers.all())
    return permissions.can_see_job_details(info.context.user, request, request.offers.all())


def free_text(request, info, text: str) -> str:
    if not details_visible(request, info):
        return ""
    if permissions.can_read_request_free_text(info.context.user, request):
        return text
    return mask_personal_data_in_text(text)
