"""Purchase level 购电水平: B11 energy share and B12 transmission-cost share (SPEC §3)."""

from __future__ import annotations

import polars as pl

from powercrm.indicators.config import FeeBand


def _share(x: pl.Expr) -> pl.Expr:
    """x / Σ x over all scored customers (a global-stage expression); null when the total is not positive."""
    total = x.sum()
    return pl.when(total > 0).then(x / total)


def energy_share(kwh_current: pl.Expr) -> pl.Expr:
    """B11 电力电量比率 = customer kWh in the current window / total over scored customers."""
    return _share(kwh_current)


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


def transmission_cost(fee_current: pl.Expr, cost_by_voltage: pl.Expr) -> pl.Expr:
    """x of B12: Σ transmission_fee over the current window, or kWh × unit fee by voltage when the
    fee is absent or null for every scored customer in the window (a global-stage expression)."""
    return pl.when(fee_current.is_not_null().any()).then(fee_current).otherwise(cost_by_voltage)


def transmission_share(cost: pl.Expr) -> pl.Expr:
    """B12 输电成本 = customer transmission cost / total over scored customers (current window)."""
    return _share(cost)
