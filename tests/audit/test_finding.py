"""Message text of findings: a number past its limit never prints equal to it."""

from __future__ import annotations

import polars as pl
import pytest

from powercrm.audit.finding import num_past, pct_past


@pytest.mark.parametrize(
    ("value", "limit", "decimals", "text"),
    [
        (0.89976, 0.9, 3, "0.89976"),  # 0.900 would read "0.9 below the standard 0.9"
        (0.85, 0.9, 3, "0.85"),
        (10.004, 10.0, 2, "10.004"),
        (10.01, 10.0, 2, "10.01"),
        (1.5000004, 1.5, 3, "1.5"),  # equal to six decimals: nothing more to show
        (12.3456, 10.0, 2, "12.35"),
    ],
)
def test_num_past_shows_the_digits_that_separate_value_and_limit(value, limit, decimals, text):
    assert pl.select(num_past(pl.lit(value), pl.lit(limit), decimals)).item() == text


def test_pct_past():
    assert pl.select(pct_past(pl.lit(0.0801), pl.lit(0.08))).item() == "8.01%"
    assert pl.select(pct_past(pl.lit(0.0834), pl.lit(0.08))).item() == "8.3%"
