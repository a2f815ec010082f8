"""What each notification kind sends in a WeChat template message.

WeChat's current template format: keyword fields only (`first` and `remark` are no longer
displayed), each value within its type's rules — `thing` at most 20 characters,
`character_string` at most 32, `phrase` at most 5, `time` a non-empty string — and no
line breaks anywhere; a value out of bounds makes WeChat refuse the message (47003).

A service passes its values in `data["keywords"]`, in the order listed here; a kind whose
service passes fewer gets the notification's title for the first keyword and "—" for the
rest, so a message always goes out in a shape WeChat accepts.
"""

from __future__ import annotations

import re

from .models import NotificationKind as K

# The keyword keys of each kind's template, in the order of data["keywords"]. The key's
# prefix is WeChat's type; the number is the field's position in the template.
KEYWORDS: dict[str, tuple[str, ...]] = {
    K.ENROLLMENT_CONFIRMED: ("thing1", "character_string2", "time3"),   # course, run, when
    K.ENROLLMENT_WAITLISTED: ("thing1", "character_string2", "time3"),  # course, run, when
    K.WAITLIST_PROMOTED: ("thing1", "character_string2", "time3"),      # course, run, when
    K.CLASS_REMINDER: ("thing1", "time2", "thing3"),                    # course, when, venue
    K.TUTORING_BOOKED: ("thing1", "time2", "thing3"),                   # topic, when, place
    K.TUTORING_REMINDER: ("thing1", "time2", "thing3"),                 # topic, when, place
    K.TUTORING_CANCELLED: ("thing1", "time2", "thing3"),                # topic, when, who
    K.JOB_OFFERED: ("thing1", "time2", "thing3"),                       # skill, when, community
    K.JOB_OFFER_WITHDRAWN: ("thing1", "time2", "thing3"),               # skill, when, reason
    K.JOB_OFFER_EXPIRED: ("thing1", "time2", "thing3"),                 # skill, when, community
    K.JOB_COMPLETED: ("thing1", "time2", "thing3"),                     # skill, when, next step
    K.SHIFT_CHANGED: ("thing1", "time2", "thing3"),                     # event, when, place
    K.SHIFT_CANCELLED: ("thing1", "time2", "thing3"),                   # event, when, reason
    K.CREDENTIAL_EXPIRING: ("thing1", "time2"),                         # credential, until
    K.CERTIFICATE_ISSUED: ("thing1", "character_string2", "thing3"),    # title, code, issuer
    K.HOURS_REVIEWED: ("time1", "character_string2", "phrase3"),        # day, hours, result
    K.HELP_RECEIVED: ("thing1", "time2", "phrase3"),                    # what, when, status
    K.HELP_VOLUNTEER_COMING: ("thing1", "time2", "thing3", "character_string4"),
    # ^ what, when, who (masked), visit code
    K.HELP_CHANGED: ("thing1", "time2", "thing3"),                      # what, when, change
    K.HELP_DECLINED: ("thing1", "thing2"),                              # what, reason
    K.HELP_DONE: ("thing1", "time2", "thing3"),                         # what, when, next step
    K.HELP_LOW_RATING: ("thing1", "character_string2", "thing3"),       # what, rating, comment
}

MAX_LENGTH = {"thing": 20, "character_string": 32, "phrase": 5}
ELLIPSIS = "…"
EMPTY = "—"
_TYPE = re.compile(r"^([a-z_]+?)\d*$")
_SPACE = re.compile(r"\s+")
# character_string takes letters, digits and symbols only.
_NOT_ASCII = re.compile(r"[^\x21-\x7e]")


def keyword_type(key: str) -> str:
    match = _TYPE.match(key)
    return match.group(1) if match else ""


def normalise(key: str, value) -> str:
    """One value made acceptable to WeChat for the keyword `key`."""
    text = _SPACE.sub(" ", str(value if value is not None else "")).strip()
    kind = keyword_type(key)
    if kind == "character_string":
        text = _NOT_ASCII.sub("", text)
    limit = MAX_LENGTH.get(kind)
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + ELLIPSIS if kind == "thing" else text[:limit]
    return text or EMPTY


def template_data(notification) -> dict:
    """The `data` of the template message for this outbox row."""
    keys = KEYWORDS.get(notification.kind) or ("thing1", "thing2")
    values = list((notification.data or {}).get("keywords") or [])
    if not values:
        values = [notification.title]
    values += [""] * (len(keys) - len(values))
    return {key: {"value": normalise(key, value)} for key, value in zip(keys, values,
                                                                          strict=False)}
