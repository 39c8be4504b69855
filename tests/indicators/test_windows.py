"""Calendar-month windows and the null-preserving window sum (SPEC §3)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from powercrm.indicators.windows import Windows, month_bits, month_index, month_number, parse_period, window_sum


def test_windows_end_at_period_end():
    w = Windows(dt.date(2024, 3, 1))
    assert str(w.current) == "2023-04…2024-03"
    assert str(w.previous) == "2022-04…2023-03"
    assert str(w.credit) == "2021-04…2024-03"
    assert w.month_e_minus_12.start == dt.date(2023, 3, 1)
    assert w.current.end == dt.date(2024, 4, 1)


def test_december_and_january_edges():
    assert str(Windows(dt.date(2024, 12, 1)).current) == "2024-01…2024-12"
    assert str(Windows(dt.date(2024, 1, 1)).previous) == "2022-02…2023-01"


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "2024/05", "24-05", "2024-5", ""])
def test_parse_period_rejects(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_period(text)


def test_window_sum_is_null_not_zero_when_nothing_in_the_window_has_a_value():
    frame = pl.DataFrame(
        {"c": ["a", "a", "b", "b", "c"], "v": [1.0, None, None, None, 5.0], "in": [True, True, True, True, False]}
    )
    got = frame.group_by("c", maintain_order=True).agg(s=window_sum(pl.col("v"), pl.col("in")))
    assert got["s"].to_list() == [1.0, None, None]


def test_month_number_of_every_first_of_month_from_1000_to_2999():
    firsts = [dt.date(y, m, 1) for y in range(1000, 3000) for m in range(1, 13)]
    got = pl.select(month_number(pl.lit(pl.Series(firsts)))).to_series().to_list()
    assert got == [month_index(d) - month_index(dt.date(1970, 1, 1)) for d in firsts]


def test_month_bits_mark_the_months_before_the_last_and_nothing_outside():
    periods = pl.Series([dt.date(2024, 12, 1), dt.date(2024, 10, 1), dt.date(2025, 1, 1), dt.date(2023, 12, 1), None])
    bits = pl.select(month_bits(pl.lit(periods), month_index(dt.date(2024, 12, 1)), 12)).to_series().to_list()
    assert bits == [1, 4, None, None, None]
