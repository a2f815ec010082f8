import pytest

from backend.certificates.codes import (
    ALPHABET,
    LENGTH,
    display_code,
    generate_code,
    normalize_code,
)


def test_codes_use_no_look_alike_characters_and_are_not_sequential():
    # given a thousand fresh codes
    codes = [generate_code() for _ in range(1000)]
    # then each has the length, only unambiguous characters, and none repeats
    assert all(len(code) == LENGTH for code in codes)
    assert set("".join(codes)) <= set(ALPHABET)
    assert not set("01ILOU") & set(ALPHABET)
    assert len(set(codes)) == 1000


@pytest.mark.parametrize("typed", [
    "ABCDE23456", "abcde23456", "ABCDE-23456", " abcde 23456 ", "ＡＢＣＤＥ－２３４５６",
    "abcde_23456",
])
def test_a_code_is_found_however_it_was_typed(typed):
    assert normalize_code(typed) == "ABCDE23456"


@pytest.mark.parametrize("typed", [
    "", None, "ABCDE2345", "ABCDE234567", "ABCDE2345O", "ABCDE23451", "' OR 1=1 --", "x" * 500,
])
def test_what_cannot_be_a_code_is_rejected_before_any_query(typed):
    assert normalize_code(typed) is None


def test_display_form_has_a_dash():
    assert display_code("ABCDE23456") == "ABCDE-23456"
