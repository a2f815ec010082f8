"""Validators for personal identifiers."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 11643-1999: 6-digit area code, 8-digit birth date, 3-digit sequence, check character.
ID_NUMBER_SHAPE = re.compile(r"^\d{17}[\dXx]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits, as GB 11643 defines it."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def looks_like_id_number(value: str) -> bool:
    return bool(ID_NUMBER_SHAPE.match((value or "").strip()))


def validate_id_number(value: str) -> None:
    """A resident ID number (公民身份号码): 18 characters, a real birth date, the right
    check character. Raises ValidationError with a message a desk clerk can act on."""
    value = (value or "").strip()
    if not ID_NUMBER_SHAPE.match(value):
        raise ValidationError(_("身份证号码应为18位：前17位是数字，最后一位是数字或X。"),
                              code="id_number_format")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期（第7至14位）不是有效日期，请核对。"),
                              code="id_number_birth_date") from None
    if id_number_check_character(value[:17]) != value[17].upper():
        raise ValidationError(_("身份证号码校验位不正确，请逐位核对后重新输入。"),
                              code="id_number_checksum")
