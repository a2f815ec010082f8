"""Masking of personal data (PIPL): shown masked to anyone but the person and their
unit's coordinators, and never written to logs unmasked."""

import re


def mask_phone(phone: str | None) -> str:
    """13812341234 -> 138****1234; short or odd numbers keep at most their last 2 digits."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_id_number(number: str | None) -> str:
    """An 18-character resident ID keeps its first 3 and last 2 characters."""
    if not number:
        return ""
    if len(number) <= 5:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def mask_name(name: str | None) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*, 欧阳小明 -> 欧**明; Latin names keep the first letter."""
    if not name:
        return ""
    name = name.strip()
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
