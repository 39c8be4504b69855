"""Usage characteristics 用电特性: B21 load rate 用电负荷率 (SPEC §3)."""

from __future__ import annotations

import polars as pl


def load_rate(mean_avg_load: pl.Expr, max_max_load: pl.Expr) -> pl.Expr:
    """x of B21 = mean of monthly avg_load_kw / max of monthly max_load_kw over the current window;
    null without load rows or when the max is not positive."""
    return pl.when(max_max_load > 0).then(mean_avg_load / max_max_load)


def load_rate_indicator(rate: pl.Expr) -> pl.Expr:
    """B21 = the load rate clipped to [0, 1]; above 1 only with inconsistent data (avg above max, audit U06)."""
    return rate.clip(0.0, 1.0)
