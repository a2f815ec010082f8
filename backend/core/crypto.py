"""Field-level encryption of personal data at rest, and keyed hashes for exact lookup.

Keys come from settings (API.md "Production"): `FIELD_ENCRYPTION_KEYS` is a list of Fernet
keys, newest first — the newest encrypts, every key decrypts, so a new key can be put in
front and the old data re-encrypted at leisure (`manage.py rotate_field_keys`).
`FIELD_HASH_KEY` keys an HMAC-SHA256 over a normalised value: equal values give equal
hashes (lookup, uniqueness where it applies) without the value being readable.

Losing the keys loses every encrypted value: keep them with the database backups.
"""

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

# Every Fernet token starts with the version byte 0x80, "gAAAAA" in urlsafe base64.
TOKEN_PREFIX = "gAAAAA"


class DecryptionError(ImproperlyConfigured):
    """A stored value no key in FIELD_ENCRYPTION_KEYS opens: a wrong or lost key."""


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be urlsafe-base64 32-byte Fernet keys, comma-separated, "
            "newest first; make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'") from exc


def fernet() -> MultiFernet:
    return _multi_fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


@receiver(setting_changed)
def _keys_changed(setting, **kwargs):
    if setting == "FIELD_ENCRYPTION_KEYS":
        _multi_fernet.cache_clear()


def is_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def encrypt(value: str) -> str:
    """The empty string stays empty: a blank field tells nothing, and `field=""` still works."""
    if value == "":
        return ""
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    if token == "":
        return ""
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS: a key is missing "
            "(an old key must stay in the list until `manage.py rotate_field_keys` has run) "
            "or the value was never encrypted.") from exc


def rotate(token: str) -> str:
    """The same value encrypted with the newest key (MultiFernet.rotate)."""
    if token == "":
        return ""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


def normalise_phone(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def normalise_code(value: str) -> str:
    """ID and certificate numbers: spaces and dashes dropped, letters upper-case."""
    return re.sub(r"[\s\-]", "", value or "").upper()


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of `value` under FIELD_HASH_KEY, separated by `purpose` so a phone's hash
    never equals an ID number's; "" for an empty value."""
    if not value:
        return ""
    key = settings.FIELD_HASH_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def phone_hash(phone: str) -> str:
    return keyed_hash(normalise_phone(phone), purpose="phone")

