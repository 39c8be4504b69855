"""Credit 信誉状况: B31 cumulative recovery rate and B32 payment punctuality (SPEC §3), credit window."""

from __future__ import annotations

import polars as pl

from powercrm.indicators.piecewise import ramp


def recovery_rate(paid: pl.Expr, due: pl.Expr) -> pl.Expr:
    """B31 累计电费回收率 = Σ amount_paid / Σ amount_due, not clipped (overpayment gives > 1);
    null when Σ amount_due ≤ 0 or absent, or when no amount_paid is recorded."""
    return pl.when(due > 0).then(paid / due)


def late_fee_ratio(late_fee: pl.Expr, due: pl.Expr) -> pl.Expr:
    """x of B32 = Σ late_fee / Σ amount_due (a null late_fee counts 0); null when Σ amount_due ≤ 0 or absent."""
    return pl.when(due > 0).then(late_fee.fill_null(0.0) / due)


def punctuality(ratio: pl.Expr, a: float) -> pl.Expr:
    """B32 电费回收准时度 = (a − x)/a if x < a, else 0, clipped to [0, 1]: the ramp of −x from −a to 0, whose
    middle piece (−x + a)/a is the SPEC's arithmetic; it falls as the late-fee ratio x grows."""
    return ramp(-ratio, -a, 0.0)
