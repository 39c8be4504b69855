"""Each piecewise indicator is in [0, 1], monotone in x and exact at its breakpoints (SPEC §3)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powercrm.indicators.growth import growth_amount_indicator, growth_rate_indicator
from powercrm.indicators.payment import punctuality
from powercrm.indicators.piecewise import ramp
from powercrm.indicators.power_factor import power_factor_score

xs = st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=50)

# id → (indicator of an x expression with default parameters, breakpoints (low, high), +1 rising / −1 falling)
INDICATORS: dict[str, tuple[Callable[[pl.Expr], pl.Expr], tuple[float, float], int]] = {
    "B22": (lambda x: power_factor_score(x, 0.7, 0.9), (0.7, 0.9), 1),
    "B32": (lambda x: punctuality(x, 0.5), (0.0, 0.5), -1),
    "B41": (lambda x: growth_rate_indicator(x, 0.3), (0.0, 0.3), 1),
    "B42": (lambda x: growth_amount_indicator(x, pl.lit(370.0)), (0.0, 370.0), 1),
}


def evaluate(indicator: Callable[[pl.Expr], pl.Expr], values: list[float | None]) -> list[float | None]:
    return pl.DataFrame({"x": values}, schema={"x": pl.Float64}).select(indicator(pl.col("x"))).to_series().to_list()


@pytest.mark.parametrize("name", INDICATORS)
@given(values=xs)
def test_in_unit_interval_and_monotone(name, values):
    indicator, _, direction = INDICATORS[name]
    ordered = sorted(values)
    got = evaluate(indicator, ordered)
    assert all(0.0 <= v <= 1.0 for v in got)
    assert all(direction * (b - a) >= 0 for a, b in zip(got, got[1:]))


@pytest.mark.parametrize("name", INDICATORS)
def test_exact_at_breakpoints_and_linear_between(name):
    indicator, (low, high), direction = INDICATORS[name]
    middle = (low + high) / 2
    got = evaluate(indicator, [low, middle, high, None])
    expected = [0.0, 0.5, 1.0] if direction > 0 else [1.0, 0.5, 0.0]
    assert got[:3] == pytest.approx(expected, abs=1e-15) and got[0] == expected[0] and got[2] == expected[2]
    assert got[3] is None


def test_published_formulas_at_sample_points():
    assert evaluate(INDICATORS["B22"][0], [0.8]) == pytest.approx([0.5])  # (0.8 − 0.7)/(0.9 − 0.7)
    assert evaluate(INDICATORS["B32"][0], [0.1]) == pytest.approx([0.8])  # (0.5 − 0.1)/0.5
    assert evaluate(INDICATORS["B41"][0], [0.15]) == pytest.approx([0.5])  # 0.15/0.3
    assert evaluate(INDICATORS["B42"][0], [37.0]) == pytest.approx([0.1])  # 37/370


@given(low=st.floats(-1e6, 1e6), width=st.floats(1e-6, 1e6), values=xs)
def test_ramp_for_any_breakpoints(low, width, values):
    high = low + width
    if not high > low:
        return
    got = evaluate(lambda x: ramp(x, low, high), sorted([low, high, *values]))
    assert all(0.0 <= v <= 1.0 for v in got)
    assert got == sorted(got)
    frame = pl.DataFrame({"x": [low, high]}).select(ramp(pl.col("x"), low, high)).to_series().to_list()
    assert frame == [0.0, 1.0]


@pytest.mark.parametrize("rows", [1, 2, 3, 40, 1000])
def test_a_value_does_not_depend_on_how_many_rows_are_beside_it(rows):
    """polars divided by a number exactly for one or two rows and by its reciprocal for more: a
    customer's B22 changed in the last bit when customers were listed in another order."""
    x = 0.739119191107819
    out = pl.DataFrame({"x": [x] * rows}).lazy().select(ramp(pl.col("x"), 0.7, 0.9)).collect().to_series()
    assert out.to_list() == [0.19559595553909506] * rows
