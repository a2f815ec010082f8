from enum import StrEnum


class CoreErrorCode(StrEnum):
    """Codes every domain's enum repeats, so a shared helper can raise them."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
