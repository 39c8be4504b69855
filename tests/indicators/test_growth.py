"""M of B42: Excel PERCENTILE.INC of the positive growth amounts (SPEC §3)."""

from __future__ import annotations

import polars as pl
import pytest

from powercrm.indicators.growth import growth_amount, growth_rate, percentile_inc, reported_m


def m(values: list[float | None], q: float = 0.9) -> float | None:
    return pl.DataFrame({"x": values}, schema={"x": pl.Float64}).select(percentile_inc(pl.col("x"), q)).item()


@pytest.mark.parametrize(
    ("values", "q", "excel"),
    [
        ([1, 2, 3, 4], 0.9, 3.7),  # =PERCENTILE.INC({1,2,3,4},0.9)
        ([4, 1, 3, 2], 0.9, 3.7),  # order does not matter
        ([10, 20, 30, 40, 50], 0.9, 46.0),
        ([10, 20, 30, 40, 50], 0.25, 20.0),
        ([7], 0.9, 7.0),
        ([1, 2, 3, 4], 1.0, 4.0),
        ([1, 2, 3, 4], 0.0, 1.0),
    ],
)
def test_percentile_inc_matches_excel(values, q, excel):
    assert m(values, q) == pytest.approx(excel)


def test_only_positive_amounts_count():
    # the positive values are [1, 2, 3, 4]: zero, negative and null amounts are left out
    assert m([-50, 0, None, 1, 2, 3, 4]) == pytest.approx(3.7)


def test_no_positive_amount_gives_no_m():
    assert m([-1, 0, None]) is None


def test_m_is_reported_to_twelve_significant_digits():
    # the sample's M: 548 positive amounts, h = 492.3, 100 + 0.3 × 20 in floats
    assert m([100.0] * 493 + [120.0] * 55) == pytest.approx(106.0, rel=1e-14)
    assert reported_m(m([100.0] * 493 + [120.0] * 55)) == 106.0
    assert reported_m(1 / 3) == 0.333333333333
    assert reported_m(None) is None


def test_growth_nulls():
    frame = pl.DataFrame(
        {"cur": [130.0, None, 100.0, 100.0], "prev": [100.0, 100.0, 0.0, None]},
    )
    got = frame.select(rate=growth_rate(pl.col("cur"), pl.col("prev")), amount=growth_amount(pl.col("cur"), pl.col("prev")))
    assert got["rate"].to_list() == [pytest.approx(0.3), None, None, None]
    assert got["amount"].to_list() == [30.0, None, 100.0, None]
