"""The linear ramp shared by the piecewise indicators B22, B32, B41 and B42 (SPEC §3)."""

from __future__ import annotations

import polars as pl


def ramp(x: pl.Expr, low: float | pl.Expr, high: float | pl.Expr) -> pl.Expr:
    """0 if x ≤ low; (x − low)/(high − low) if low < x < high; 1 if x ≥ high. Null x stays null.

    Exact at both breakpoints, in [0, 1] and non-decreasing in x for any low < high.
    """
    return (
        pl.when(x <= low)
        .then(pl.lit(0.0))
        .when(x >= high)
        .then(pl.lit(1.0))
        .otherwise((x - low) / (high - low))
    )
