"""Potential 用电潜力: B41 growth rate and B42 growth amount of purchased energy (SPEC §3)."""

from __future__ import annotations

import polars as pl

from powercrm.indicators.piecewise import ramp


def growth_rate(current: pl.Expr, previous: pl.Expr) -> pl.Expr:
    """x of B41 = (current kWh − previous kWh) / previous kWh; null when either is null or previous ≤ 0."""
    return pl.when(previous > 0).then((current - previous) / previous)


def growth_rate_indicator(rate: pl.Expr, r: float) -> pl.Expr:
    """B41 购电量增长率 = 0 if x ≤ 0; x/r if 0 < x < r; 1 if x ≥ r."""
    return ramp(rate, 0.0, r)


def growth_amount(kwh_month_e: pl.Expr, kwh_month_e_minus_12: pl.Expr) -> pl.Expr:
    """x of B42 = kWh of month E − kWh of month E−12; null when either month has no kWh."""
    return kwh_month_e - kwh_month_e_minus_12


def percentile_inc(x: pl.Expr, q: float) -> pl.Expr:
    """Excel PERCENTILE.INC of the positive values of x: sorted v, h = (n − 1)·q,
    v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]); null when no value is positive (a global-stage expression)."""
    return x.filter(x > 0).quantile(q, interpolation="linear")


def reported_m(m: float | None) -> float | None:
    """M as printed in the run summaries (`--json`, the summary sheet): twelve significant digits, as the
    interpolation leaves float noise an analyst would copy (106.00000000000011; numpy gives the same).
    The indicators use M unrounded."""
    return None if m is None else float(f"{m:.12g}")


def growth_amount_indicator(amount: pl.Expr, m: pl.Expr) -> pl.Expr:
    """B42 购电量增长量 = 0 if x ≤ 0; x/M if 0 < x < M; 1 if x ≥ M. With no positive x anywhere M is null
    and every non-null x is ≤ 0, so every non-null B42 is 0."""
    return ramp(amount, 0.0, m)
