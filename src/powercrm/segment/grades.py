"""Value grade (客户分级) and ABC class (SPEC §5.4).

Both rank a customer by G = (number of customers with a strictly larger amount) / N, so ties share
the better grade. Shares are compared in integer parts per million to avoid float edges
(0.3 × 10 is not 3 in floating point).
"""

from __future__ import annotations

from itertools import accumulate

import polars as pl

from powercrm.segment.value import CURRENT, POTENTIAL

VALUE_GRADES = ("special", "level1", "level2", "level3")
ABC = ("A", "B", "C")
_PPM = 1_000_000
_NEVER = 2**62  # above every cut: a null amount gets the last label


def _by_share(amount: pl.Expr, labels: tuple[str, ...], shares: list[float], n: pl.Expr) -> pl.Expr:
    """The first label whose cumulative share exceeds G; nulls are never larger than anyone.

    G < cut ⇔ ⌊(rank − 1)·10⁶ / N⌋ < cut in parts per million (integers), so the label is the number of
    cuts at or below that floor: one rank per column, where a when/then chain ranked once per branch
    (three ranks of 1 M customers for the value grade, 0.55 against 0.19 s).
    """
    g_ppm = (amount.rank(method="min", descending=True).cast(pl.Int64) - 1) * _PPM // n.cast(pl.Int64)
    cuts = pl.Series([round(cut * _PPM) for cut in accumulate(shares)], dtype=pl.Int64)
    label = pl.lit(cuts).search_sorted(g_ppm.fill_null(_NEVER), side="right")
    return pl.lit(pl.Series(labels[: len(shares) + 1])).gather(label)


def value_grade_expr(shares: list[float]) -> pl.Expr:
    """special / level1 / level2 / level3 by T = current + potential value (default shares 10/30/50/10 %)."""
    total = (pl.col(CURRENT) + pl.col(POTENTIAL)).round(6)
    return _by_share(total, VALUE_GRADES, shares[:3], pl.len())


def abc_class_expr(amount: str, shares: list[float]) -> pl.Expr:
    """A / B / C by Σ amount_due over the current window among all scored customers; no or zero amount → C.

    The sum is rounded to the fen (2 decimals) before ranking, so equal amounts tie whatever order
    their bills were added in.
    """
    value = pl.col(amount).round(2)
    graded = _by_share(value, ABC, shares, pl.len())
    return pl.when(value.is_null() | (value <= 0)).then(pl.lit("C")).otherwise(graded)
