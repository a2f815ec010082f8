"""Volunteer writes, one module per topic. This module is the contract other code relies on:
courses (tutoring, completion), frontend_api, admin, tasks, demo and the tests import from
here, never from the topic modules, so a function can move between modules freely.

calendar            commitments, the overlap rule, the daily job cap
roster              volunteers and their skills
credentials         grant, record, expiry alerts
availability        weekly rules, the hour mask, time off
dispatch            doorstep jobs: offers, answers, expiry, the sweep
dispatch_ops        a coordinator's actions on a job: complete, cancel, re-offer, escalate
exports             hours and dispatch CSVs for a period
shifts              shift sign-up and cancelling (one sign-up or the whole shift)
../help/            help requests (便民纸条): asking, drafts, photos, triage, rating
hours               service hours: log and review
hours_certificates  the service-hours certificate
csv_io              roster import and export
"""

# The volunteers' calendar, which tutoring in `courses` books through: keep these signatures.
from .calendar import (
    commitment_cancel,
    commitment_complete,
    commitment_confirm,
    commitment_create,
)

# isort: split
from .availability import availability_set, hour_mask, time_off_add
from .credentials import (
    credential_add,
    credential_expiry_notify,
    credential_grant,
    credential_update,
)
from .csv_io import volunteers_export_csv, volunteers_import_csv
from .dispatch import dispatch_create, offer_expire, offer_respond, offers_sweep
from .dispatch_ops import (
    service_request_cancel,
    service_request_complete,
    service_request_escalate,
    service_request_offer_to,
    service_request_reoffer,
)
from .exports import dispatches_export_csv, service_hours_export_csv
from .hours import max_hours_for, service_hours_log, service_hours_review
from .hours_certificates import service_hours_certificate_issue
from .roster import (
    volunteer_create,
    volunteer_skill_remove,
    volunteer_skill_set,
    volunteer_update,
)
from .shifts import shift_cancel, shift_sign_up, shift_sign_up_cancel

# isort: split
# Help requests last: their triage builds on the dispatch module above.
from ..help.photos import help_photo_read, help_photo_store, help_photos_purge
from ..help.services import (
    help_draft_confirm,
    help_draft_create,
    help_draft_usable,
    help_request_create,
    help_request_phone_reveal,
    help_request_rate,
)
from ..help.triage import help_request_decline, help_request_merge, help_request_triage

__all__ = [  # noqa: RUF022 - the calendar first, as above
    # calendar (used by courses' tutoring)
    "commitment_cancel",
    "commitment_complete",
    "commitment_confirm",
    "commitment_create",
    # the rest, alphabetically
    "availability_set",
    "credential_add",
    "credential_expiry_notify",
    "credential_grant",
    "credential_update",
    "dispatch_create",
    "dispatches_export_csv",
    "help_draft_confirm",
    "help_draft_create",
    "help_draft_usable",
    "help_photo_read",
    "help_photo_store",
    "help_photos_purge",
    "help_request_create",
    "help_request_decline",
    "help_request_merge",
    "help_request_phone_reveal",
    "help_request_rate",
    "help_request_triage",
    "hour_mask",
    "max_hours_for",
    "offer_expire",
    "offer_respond",
    "offers_sweep",
    "service_hours_certificate_issue",
    "service_hours_export_csv",
    "service_hours_log",
    "service_hours_review",
    "service_request_cancel",
    "service_request_complete",
    "service_request_escalate",
    "service_request_offer_to",
    "service_request_reoffer",
    "shift_cancel",
    "shift_sign_up",
    "shift_sign_up_cancel",
    "time_off_add",
    "volunteer_create",
    "volunteer_skill_remove",
    "volunteer_skill_set",
    "volunteer_update",
    "volunteers_export_csv",
    "volunteers_import_csv",
]
