"""BSN elfproef and OIN format."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mijnoverheid.identity import (
    is_valid_bsn,
    is_valid_oin,
)

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
BANK_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, 1)

digits = st.text(alphabet="0123456789", min_size=8, max_size=8)


def weighted_sum(value: str, weights: tuple[int, ...]) -> int:
    return sum(int(digit) * weight for digit, weight in zip(value, weights, strict=True))


def passes_bank_account_test(value: str) -> bool:
    """The elfproef as used for (old) bank account numbers: last weight +1."""
    return weighted_sum(value, BANK_WEIGHTS) % 11 == 0


def check_digit(prefix: str) -> int | None:
    """The one last digit that makes `prefix` a BSN, if any (independent of the code under test)."""
    remainder = weighted_sum(prefix, BSN_WEIGHTS[:8]) % 11
    return remainder if remainder <= 9 else None


@st.composite
def valid_bsns(draw: st.DrawFn) -> str:
    prefix = draw(digits)
    digit = check_digit(prefix)
    assume(digit is not None)
    bsn = f"{prefix}{digit}"
    assume(bsn != "000000000")
    return bsn


# --- BSN -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bsn", ["999993653", "111222333", "123456782", "999990019"])
def test_known_valid_bsns_pass_the_elfproef(bsn: str) -> None:
    assert is_valid_bsn(bsn)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("999993654", "wrong check digit"),
        ("123456789", "wrong check digit (passes the bank-account variant)"),
        ("111222334", "wrong check digit"),
        ("12345678", "8 digits"),
        ("1234567820", "10 digits"),
        ("", "empty"),
        ("12345678a", "a letter"),
        ("1234-5678", "a dash"),
        (" 12345678", "leading space"),
        ("12345678 ", "trailing space"),
        ("123456782\n", "trailing newline"),
        ("+12345678", "a sign"),
        ("000000000", "all zeros (passes the sum, but is no BSN)"),
        ("١٢٣٤٥٦٧٨٢", "Arabic-Indic digits of 123456782"),
        ("１２３４５６７８２", "full-width digits of 123456782"),
        ("¹²³⁴⁵⁶⁷⁸²", "superscript digits"),
    ],
)
def test_invalid_bsns_fail_the_elfproef(value: str, why: str) -> None:
    assert not is_valid_bsn(value), why


def test_unicode_digits_are_refused_although_python_reads_them_as_numbers() -> None:
    arabic = "١٢٣٤٥٦٧٨٢"
    assert int(arabic) == 123456782  # so a naive isdigit()/int() check would accept it
    assert is_valid_bsn("123456782")
    assert not is_valid_bsn(arabic)


@given(prefix=digits)
def test_every_eight_digit_prefix_has_at_most_one_check_digit(prefix: str) -> None:
    completions = [d for d in "0123456789" if is_valid_bsn(prefix + d)]
    expected = check_digit(prefix)
    if expected is None or prefix == "00000000":
        assert completions == []
    else:
        assert completions == [str(expected)]


@given(bsn=valid_bsns(), position=st.integers(0, 8), shift=st.integers(1, 9))
def test_changing_exactly_one_digit_of_a_valid_bsn_makes_it_invalid(
    bsn: str, position: int, shift: int
) -> None:
    # The change alters the sum by weight * delta with |weight| and |delta| in 1..9: never a
    # multiple of the prime 11, so the elfproef catches every single-digit typo.
    changed_digit = (int(bsn[position]) + shift) % 10
    changed = bsn[:position] + str(changed_digit) + bsn[position + 1 :]
    assert changed != bsn
    assert is_valid_bsn(bsn)
    assert not is_valid_bsn(changed)


@given(bsn=valid_bsns(), position=st.integers(0, 7))
def test_swapping_two_different_adjacent_digits_makes_a_valid_bsn_invalid(
    bsn: str, position: int
) -> None:
    assume(bsn[position] != bsn[position + 1])
    swapped = bsn[:position] + bsn[position + 1] + bsn[position] + bsn[position + 2 :]
    assert not is_valid_bsn(swapped)


@given(value=st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_elfproef_agrees_with_an_independent_implementation(value: str) -> None:
    expected = weighted_sum(value, BSN_WEIGHTS) % 11 == 0 and value != "000000000"
    assert is_valid_bsn(value) is expected


@given(bsn=valid_bsns())
def test_a_valid_bsn_passes_the_bank_account_variant_only_if_it_ends_in_zero(bsn: str) -> None:
    # BSN: s - d = 0 (mod 11); bank: s + d = 0 (mod 11); both only if 2d = 0, i.e. d = 0.
    assert passes_bank_account_test(bsn) is (bsn[-1] == "0")


def test_the_bank_account_variant_is_not_accepted_as_bsn() -> None:
    assert passes_bank_account_test("123456789")
    assert not is_valid_bsn("123456789")
    assert is_valid_bsn("123456782")
    assert not passes_bank_account_test("123456782")


@given(value=st.text(max_size=12))
def test_anything_accepted_is_nine_ascii_digits(value: str) -> None:
    if is_valid_bsn(value):
        assert len(value) == 9
        assert all(character in "0123456789" for character in value)


# --- OIN -----------------------------------------------------------------------------------


@pytest.mark.parametrize("oin", ["00000001003214345000", "00000000000000000000", "9" * 20])
def test_twenty_ascii_digits_are_an_oin(oin: str) -> None:
    assert is_valid_oin(oin)


@pytest.mark.parametrize(
    "value",
    [
        "0000000100321434500",  # 19
        "000000010032143450000",  # 21
        "",
        "0000000100321434500a",
        " 00000001003214345000",
        "0000000100321434500٠",  # Arabic-Indic zero
        "urn:nld:oin:00000001003214345000",
    ],
)
def test_anything_else_is_no_oin(value: str) -> None:
    assert not is_valid_oin(value)


def test_an_oin_with_a_trailing_newline_is_no_oin() -> None:
    assert not is_valid_oin("00000001003214345000\n")
