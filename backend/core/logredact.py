"""Secrets in URLs kept out of logs (issue #13, row 10; API.md "Tokens").

A calendar feed token, a binding link, a help-request draft link, a certificate code, the
check-in QR token and WeChat's OAuth `code`/`state` all travel in URLs, so an access log of
plain paths would hand them to anyone who reads the log. Two places write URLs to logs:

- gunicorn's access log: `GunicornLogger` (set in gunicorn.conf.py, which gunicorn reads
  from the working directory) redacts the request line, path, query and referer atoms;
- Django's own loggers ("Not Found: /verify/<code>", `django.server` under runserver):
  `RedactSecretsFilter` on the handlers rewrites the formatted message.

No Django imports: gunicorn's master process loads this before any settings exist.
"""

import logging
import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"

# A path segment that is a secret, wherever a URL appears in a text.
_SEGMENT = r"[^/\s?#&\"'<>]+"
_PATHS = [
    re.compile(rf"(/api/calendar/){_SEGMENT}?(\.ics)"),
    re.compile(rf"(/api/certificates/){_SEGMENT}?(\.pdf)"),
    re.compile(rf"(/verify/){_SEGMENT}()"),
    re.compile(rf"(/bind/){_SEGMENT}()"),
    re.compile(rf"(/help/new/){_SEGMENT}()"),
]
# Query parameters whose value is a credential or leads to one (`next` may be a secret
# link, URL-encoded), or identifies a WeChat follower.
SECRET_PARAMS = ("t", "token", "code", "state", "next", "signature", "msg_signature",
                 "echostr", "openid", "nonce")
_PARAMS = re.compile(r"([?&](?:%s)=)[^&\s\"'#]*" % "|".join(SECRET_PARAMS), re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every secret path segment and secret query value replaced."""
    if not isinstance(text, str) or ("/" not in text and "=" not in text):
        return text
    for pattern in _PATHS:
        text = pattern.sub(rf"\g<1>{REDACTED}\g<2>", text)
    return _PARAMS.sub(rf"\g<1>{REDACTED}", text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message (with its arguments merged in) through `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's problem, not ours
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        # django.server keeps the request on the record; formatters may not show it, but a
        # handler that did would print the raw path.
        if hasattr(record, "request") and not isinstance(record.request, str):
            record.request = redact(str(getattr(record.request, "path", "")))
        return True


class GunicornLogger(Logger):
    """gunicorn's logger with every atom of each access-log line redacted (the request
    line, path, query, referer, and any `{header}i` / `{variable}e` a format may name)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact(value)
        # `q` is the bare query string: give it the "?" the parameter pattern expects.
        if atoms.get("q"):
            atoms["q"] = redact("?" + atoms["q"])[1:]
        return atoms
