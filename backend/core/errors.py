"""The one way services raise and inspect business-rule errors.

Every domain raises `ValidationError`s whose `code` is a member of its `error_codes` enum;
`BaseMutation`, REST views, pages and WeChat replies turn them into what their client reads.
"""

from enum import Enum

from django.core.exceptions import ValidationError


def validation_error(field: str | None, message: str, code: Enum | str) -> ValidationError:
    """A `ValidationError` for one field (or the whole input when `field` is None)."""
    code_value = code.value if isinstance(code, Enum) else code
    if field is None:
        return ValidationError(message, code=code_value)
    return ValidationError({field: ValidationError(message, code=code_value)})


def error_codes_of(exc: ValidationError) -> list[str | None]:
    """Every code carried by `exc`, in order."""
    if hasattr(exc, "error_dict"):
        errors = [e for items in exc.error_dict.values() for e in items]
    else:
        errors = exc.error_list
    return [e.code for e in errors]


def has_code(exc: ValidationError, code: Enum | str) -> bool:
    """Whether `exc` carries `code` (an enum member, compared by value, or its string)."""
    code_value = code.value if isinstance(code, Enum) else code
    return code_value in error_codes_of(exc)
