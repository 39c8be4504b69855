"""The linear ramp shared by the piecewise indicators B22, B32, B41 and B42 (SPEC §3)."""

from __future__ import annotations

import polars as pl


def ramp(x: pl.Expr, low: float | pl.Expr, high: float | pl.Expr) -> pl.Expr:
    """0 if x ≤ low; (x − low)/(high − low) if low < x < high; 1 if x ≥ high. Null x stays null.

    Exact at both breakpoints, in [0, 1] and non-decreasing in x for any low < high.

    With fixed breakpoints the ramp multiplies by 1/(high − low) rather than dividing: polars divides a
    column by a number one way for one or two rows and as that product for more, so a customer's B22
    moved in the last bit with the number of customers beside it in a chunk (0.1955959555390951 against
    0.19559595553909506), which other customers' rows must not do (SPEC §9). For x < high the product
    stays ≤ 1.
    """
    fixed = not isinstance(low, pl.Expr) and not isinstance(high, pl.Expr)
    part = (x - low) * (1.0 / (high - low)) if fixed else (x - low) / (high - low)
    return pl.when(x <= low).then(pl.lit(0.0)).when(x >= high).then(pl.lit(1.0)).otherwise(part)
