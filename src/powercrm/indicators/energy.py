"""Purchase level 购电水平: B11 energy share and B12 transmission-cost share (SPEC §3)."""

from __future__ import annotations

import polars as pl

from powercrm.indicators.config import FeeBand


def _share(x: pl.Expr, total: pl.Expr) -> pl.Expr:
    """x / total over scored customers; null when the total is not positive. Divided element by element
    (`total + x * 0` is a column as long as x; x is a finite sum): polars's in-memory engine divides by a
    broadcast total through its reciprocal, one rounding more, so score's B11 differed from indicators'
    in the last digit and 1400/2000 printed as 0.7000000000000001."""
    return pl.when(total > 0).then(x / (total + x * 0.0))


def energy_share(kwh_current: pl.Expr, total: pl.Expr) -> pl.Expr:
    """B11 电力电量比率 = customer kWh in the current window / total kWh of scored customers in it."""
    return _share(kwh_current, total)


def unit_fee(voltage_kv: pl.Expr, bands: list[FeeBand]) -> pl.Expr:
    """元/kWh of the first band admitting the voltage (SPEC §3 B12 defaults); null voltage → null."""
    expr: pl.Expr | None = None
    for band in bands:
        if "below_kv" in band:
            admits = voltage_kv < band["below_kv"]
        elif "up_to_kv" in band:
            admits = voltage_kv <= band["up_to_kv"]
        else:
            admits = voltage_kv.is_not_null()
        fee = pl.lit(float(band["fee"]))
        expr = pl.when(admits).then(fee) if expr is None else expr.when(admits).then(fee)
    return expr


def transmission_cost(fee_current: pl.Expr, cost_by_voltage: pl.Expr, fee_given: pl.Expr) -> pl.Expr:
    """x of B12: Σ transmission_fee over the current window, or kWh × unit fee by voltage when no scored
    customer has a transmission_fee in the window (`fee_given` false: the column is absent or all null)."""
    return pl.when(fee_given).then(fee_current).otherwise(cost_by_voltage)


def transmission_share(cost: pl.Expr, total: pl.Expr) -> pl.Expr:
    """B12 输电成本 = customer transmission cost / total over scored customers (current window)."""
    return _share(cost, total)
