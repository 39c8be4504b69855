"""Resident ID (GB 11643), unified social credit code (GB 32100) and phone patterns (A02, A03)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powercrm.audit.idcheck import USCC_ALPHABET, id_number_valid, phone_valid, resident_id_valid, uscc_valid

TODAY = dt.date(2025, 6, 30)


def check(expr_of, values: list[str | None]) -> list[bool]:
    return pl.DataFrame({"s": values}, schema={"s": pl.String}).select(expr_of(pl.col("s")))["s"].to_list()


# independent of the module: the standard's formulas written out plainly
def resident_check(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights)) % 11]


def uscc_check(body17: str) -> str:
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, weights))
    return USCC_ALPHABET[(31 - total % 31) % 31]


class TestResidentId:
    def test_published_examples_are_valid(self):
        # GB 11643-1999 examples; the second has the check character X
        ids = ["440524188001010014", "11010519491231002X"]
        assert check(lambda s: resident_id_valid(s, earliest_birth_year=1800, today=TODAY), ids) == [True, True]

    def test_birth_before_the_earliest_year_is_implausible(self):
        # the first published example was born in 1880: a right checksum, no longer a living customer
        assert check(lambda s: resident_id_valid(s, today=TODAY), ["440524188001010014"]) == [False]

    def test_lower_case_x_and_surrounding_spaces_are_accepted(self):
        assert check(lambda s: resident_id_valid(s, today=TODAY), [" 11010519491231002x "]) == [True]

    def test_wrong_check_digit(self):
        assert check(lambda s: resident_id_valid(s, today=TODAY), ["110105194912310021", "440524188001010015"]) == [False, False]

    def test_impossible_birth_dates(self):
        bodies = ["11010519490230002", "11010519491301002", "11010518991231002", "11010520260101002"]
        ids = [b + resident_check(b) for b in bodies]  # right check character, impossible date
        assert check(lambda s: resident_id_valid(s, today=TODAY), ids) == [False] * 4

    def test_wrong_shapes(self):
        values = ["1101051949123100", "11010519491231002Y", "X10105194912310021", "110105491231002", None, ""]
        assert check(lambda s: resident_id_valid(s, today=TODAY), values) == [False] * 6

    @given(
        region=st.integers(110000, 659999),
        born=st.dates(dt.date(1900, 1, 1), TODAY),
        seq=st.integers(0, 999),
        wrong=st.integers(1, 10),
    )
    def test_any_well_formed_id_is_valid_and_any_other_check_digit_is_not(self, region, born, seq, wrong):
        body = f"{region}{born:%Y%m%d}{seq:03d}"
        good = resident_check(body)
        bad = "10X98765432"[("10X98765432".index(good) + wrong) % 11]
        assert check(lambda s: resident_id_valid(s, today=TODAY), [body + good, body + bad]) == [True, False]


class TestUscc:
    def test_published_example_is_valid(self):
        assert check(uscc_valid, ["91350100M000100Y43", "91350100m000100y43"]) == [True, True]

    def test_wrong_check_character(self):
        assert check(uscc_valid, ["91350100M000100Y44", "91350100M000100Y4X"]) == [False, False]

    def test_letters_outside_the_alphabet_and_wrong_shapes(self):
        # I, O, Z, S, V are not used; characters 3-8 are a numeric region code; 18 characters
        values = ["91350100M000100I43", "913501O0M000100Y43", "9135010M000100Y43", "91350100M000100Y431", None]
        assert check(uscc_valid, values) == [False] * 5

    @given(body=st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2).flatmap(
        lambda head: st.tuples(st.just(head), st.text("0123456789", min_size=6, max_size=6), st.text(USCC_ALPHABET, min_size=9, max_size=9))
    ))
    def test_any_code_with_its_check_character_is_valid(self, body):
        body17 = "".join(body)
        good = uscc_check(body17)
        bad = USCC_ALPHABET[(USCC_ALPHABET.index(good) + 1) % 31]
        assert check(uscc_valid, [body17 + good, body17 + bad]) == [True, False]


def test_id_number_is_valid_as_either_kind():
    values = ["11010519491231002X", "91350100M000100Y43", "110105194912310021", "abc"]
    assert check(lambda s: id_number_valid(s, today=TODAY), values) == [True, True, False, False]


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "19912345678",
        "+8613812345678",
        "8613812345678",
        "+86 138 1234 5678",
        "138-1234-5678",
        "010-12345678",
        "01012345678",
        "0755 1234567",
        "(0571)88888888",
        "0571-88888888-123",
        "0571-88888888转8001",
        "0571-88888888 ext. 12",
    ],
)
def test_valid_phones(phone):
    assert check(phone_valid, [phone]) == [True]


@pytest.mark.parametrize(
    "phone",
    [
        "12812345678",  # 12 is not a mobile prefix
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "+1 13812345678",
        "12345678",  # landline without area code
        "010-123456",  # 6-digit local number
        "010-123456789",  # 9-digit local number
        "1010-12345678",  # area code must start with 0
        "0571-88888888 ext",
        "13812345678/0571-88888888",  # two numbers in the one field
        "无",
        "",
    ],
)
def test_invalid_phones(phone):
    assert check(phone_valid, [phone]) == [False]
