"""B11/B12 shares and the unit fee by voltage (SPEC §3)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powercrm.indicators.config import DEFAULT_FEE_BANDS
from powercrm.indicators.energy import energy_share, transmission_cost, transmission_share, unit_fee


def test_unit_fee_bands_include_the_bounds_the_spec_words_include():
    # below 1 kV 0.20; 1–20 kV 0.15 (1 and 20 in); above 20 up to 66 kV 0.10 (66 in); above 66 kV 0.07
    voltages = [0.22, 0.4, 0.999, 1.0, 10.0, 20.0, 20.001, 35.0, 66.0, 66.001, 110.0, 500.0, None]
    expected = [0.20, 0.20, 0.20, 0.15, 0.15, 0.15, 0.10, 0.10, 0.10, 0.07, 0.07, 0.07, None]
    frame = pl.DataFrame({"v": voltages}, schema={"v": pl.Float64})
    assert frame.select(unit_fee(pl.col("v"), DEFAULT_FEE_BANDS)).to_series().to_list() == expected


def test_user_bands():
    bands = [{"up_to_kv": 10.0, "fee": 0.3}, {"fee": 0.1}]
    frame = pl.DataFrame({"v": [10.0, 10.5]})
    assert frame.select(unit_fee(pl.col("v"), bands)).to_series().to_list() == [0.3, 0.1]


def test_fee_column_entirely_null_falls_back_to_the_voltage_estimate():
    frame = pl.DataFrame({"fee": [None, None], "estimate": [10.0, 30.0]}, schema={"fee": pl.Float64, "estimate": pl.Float64})
    got = frame.select(transmission_share(transmission_cost(pl.col("fee"), pl.col("estimate"))))
    assert got.to_series().to_list() == [0.25, 0.75]


def test_shares_are_null_when_the_total_is_not_positive():
    frame = pl.DataFrame({"kwh": [0.0, 0.0, None]})
    assert frame.select(energy_share(pl.col("kwh"))).to_series().to_list() == [None, None, None]


@given(st.lists(st.one_of(st.none(), st.floats(0.001, 1e9)), min_size=1, max_size=40))
def test_shares_sum_to_one_over_customers_with_bills(kwh):
    if all(v is None for v in kwh):
        return
    shares = pl.DataFrame({"kwh": kwh}, schema={"kwh": pl.Float64}).select(energy_share(pl.col("kwh"))).to_series()
    assert shares.null_count() == kwh.count(None)
    assert shares.sum() == pytest.approx(1.0, rel=1e-9)
