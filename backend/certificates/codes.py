"""Certificate codes: unguessable (from `secrets`), short enough to type from paper.

The alphabet is Crockford's base32 without 0 and 1, so none of O/0, I/1/L, U/V can be
mistaken for one another: 30 symbols, 10 characters = 49 bits. Lookups are rate-limited,
so guessing a valid code is hopeless; nothing in a code is sequential.
"""

import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
_ALLOWED = frozenset(ALPHABET)
_SEPARATORS = re.compile(r"[\s\-_.·—–‐‑]+")


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(raw: str | None) -> str | None:
    """What a person typed -> the stored form, or None if it cannot be a code.

    Case-insensitive; dashes, spaces and full-width characters (phone keyboards) are fine.
    """
    if not raw or len(raw) > 64:
        return None
    code = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if len(code) != LENGTH or not set(code) <= _ALLOWED:
        return None
    return code


def display_code(code: str) -> str:
    """ABCDE23456 -> ABCDE-23456, easier to read out and type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"
