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


_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9Xx])\d{17}[0-9Xx](?![0-9Xx])")


def mask_personal_data_in_text(text: str | None) -> str:
    """Free text (a booking note, a service address) with every mobile and ID number in
    it masked: for readers other than its writer and the unit's coordinators."""
    text = _ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text or "")
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
