"""Threshold tests of the audit rules that ignore float rounding.

SPEC §7 words its limits strictly ("above", "beyond 1 kVA", "outside 0.3–1.5 元/kWh", "more than 1 元"),
and a value computed exactly on a limit in decimal arithmetic can land a few units in the last place
past it in binary: 128.3 − 127.3 = 1.0000000000000142, 2.3 kVA × 744 h = 1711.1999999999998,
1.05 元 / 0.7 kWh = 1.5000000000000002. Such a value is on the limit, not past it: a value counts as
past a limit only when it differs from it in the first nine significant digits (`RELATIVE`, as the
score's ties do).
"""

from __future__ import annotations

import polars as pl

RELATIVE = 1e-9


def _margin(limit: pl.Expr | float) -> pl.Expr | float:
    return abs(limit) * RELATIVE if isinstance(limit, (int, float)) else limit.abs() * RELATIVE


def above(value: pl.Expr, limit: pl.Expr | float) -> pl.Expr:
    """True where `value` exceeds `limit` by more than float rounding (null where either is null)."""
    return value > limit + _margin(limit)


def below(value: pl.Expr, limit: pl.Expr | float) -> pl.Expr:
    """True where `value` falls short of `limit` by more than float rounding (null where either is null)."""
    return value < limit - _margin(limit)
