"""B11/B12 shares and the unit fee by voltage (SPEC §3)."""

from __future__ import annotations

import polars as pl

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


def test_transmission_cost_is_the_fee_when_any_customer_has_one_else_the_voltage_estimate():
    frame = pl.DataFrame({"fee": [None, 5.0], "estimate": [10.0, 30.0], "given": [True, True]})
    cost = transmission_cost(pl.col("fee"), pl.col("estimate"), pl.col("given"))
    assert frame.select(cost).to_series().to_list() == [None, 5.0]
    assert frame.with_columns(given=False).select(cost).to_series().to_list() == [10.0, 30.0]


def test_shares_are_null_when_the_total_is_not_positive():
    frame = pl.DataFrame({"kwh": [0.0, 0.0, None], "total": [0.0, 0.0, 0.0]})
    assert frame.select(energy_share(pl.col("kwh"), pl.col("total"))).to_series().to_list() == [None, None, None]
    assert frame.select(transmission_share(pl.col("kwh"), pl.col("total"))).to_series().to_list() == [None, None, None]


def test_shares_are_true_divisions_in_the_in_memory_engine():
    """Joined as a one-row total, the in-memory engine divided through the reciprocal: 45638/123375604 came
    out as 0.0003699110563219613 where the division is 0.00036991105632196137 (and indicators' streaming
    engine gave the latter)."""
    customers = pl.LazyFrame({"x": [45638.0, 34833.0, 996.0, 1400.0]})
    total = pl.LazyFrame({"t": [123375604.0]})
    for engine in ("in-memory", "streaming"):
        shares = customers.join(total, how="cross").select(energy_share(pl.col("x"), pl.col("t"))).collect(engine=engine)
        assert shares.to_series().to_list() == [x / 123375604.0 for x in (45638.0, 34833.0, 996.0, 1400.0)]
