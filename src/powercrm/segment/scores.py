"""1–5 assignment of indicators (赋值法, SPEC §5.1).

`quantile` (default): values rounded to 9 significant digits; k = number of customers whose
non-null value is <= this one, N = number of non-null values; score = ceil(5k/N), computed in
integers, so the top fifth scores 5 and tied customers share the better score.
`equal_width`: min–max range cut into 5 equal bins (all values equal → 5, as ties share the better score).
`thresholds`: 1 + number of the four configured cut points <= value.
A lower-is-better indicator is ranked on −value. A null indicator gets `null_score`.
"""

from __future__ import annotations

import polars as pl

from powercrm.segment.config import INDICATORS, ScoringConfig


def score_column(indicator: str) -> str:
    return f"s_{indicator}"


def _quantile(v: pl.Expr) -> pl.Expr:
    """ceil(5k/N) from four cut points, not a rank: the score is at most s exactly when k ≤ ⌊sN/5⌋,
    that is when v is below x[⌊sN/5⌋], the sorted non-null values indexed from 0, so the score is
    1 + the number of cut points at or below v. One sort per indicator instead of a rank (1 M
    customers: 0.035 against 0.1 s a column)."""
    n = v.count()
    places = (pl.int_range(1, pl.when(n > 0).then(5).otherwise(1)) * n) // 5
    cuts = v.drop_nulls().sort().gather(places)
    return cuts.search_sorted(v, side="right").cast(pl.Int64) + 1


def _equal_width(v: pl.Expr) -> pl.Expr:
    lo, hi = v.min(), v.max()
    span = pl.when(hi > lo).then(hi - lo)
    binned = ((v - lo) / span * 5).floor().cast(pl.Int64) + 1
    return pl.when(hi == lo).then(pl.lit(5, pl.Int64)).otherwise(binned.clip(1, 5))


def _thresholds(v: pl.Expr, cuts: list[float], lower_is_better: bool) -> pl.Expr:
    if lower_is_better:
        return 1 + pl.sum_horizontal([(v <= c).cast(pl.Int64) for c in cuts])
    return 1 + pl.sum_horizontal([(v >= c).cast(pl.Int64) for c in cuts])


def score_expr(indicator: str, cfg: ScoringConfig) -> pl.Expr:
    """The 1–5 score of one indicator column over the whole frame (a global-stage expression)."""
    lower = cfg.direction.get(indicator, "higher") == "lower"
    value = pl.col(indicator).cast(pl.Float64).round_sig_figs(cfg.significant_digits)
    match cfg.method:
        case "quantile":
            raw = _quantile(-value if lower else value)
        case "equal_width":
            raw = _equal_width(-value if lower else value)
        case "thresholds":
            raw = _thresholds(value, cfg.thresholds[indicator], lower)
    return pl.when(value.is_null()).then(pl.lit(cfg.null_score, pl.Int64)).otherwise(raw).cast(pl.Int8)


def assign_scores(frame: pl.LazyFrame, cfg: ScoringConfig, indicators: tuple[str, ...] = INDICATORS) -> pl.LazyFrame:
    """Add `s_<id>` (1–5) beside every indicator column."""
    return frame.with_columns(score_expr(i, cfg).alias(score_column(i)) for i in indicators)
