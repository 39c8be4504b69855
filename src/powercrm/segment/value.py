"""Current and potential value and the four-quadrant value matrix (客户价值矩阵, SPEC §5.2–5.3)."""

from __future__ import annotations

import polars as pl

from powercrm.segment.config import CRITERIA, ScoringConfig
from powercrm.segment.scores import score_column

CURRENT = "current_value"
POTENTIAL = "potential_value"
SEGMENTS = ("key", "develop", "maintain", "low_value")


def axis_value(criteria: list[str], weights: dict[str, float]) -> pl.Expr:
    """Σ over the criteria's indicators of global weight × score, rounded to 6 decimals."""
    terms = [pl.lit(weights[i]) * pl.col(score_column(i)) for c in criteria for i in CRITERIA[c]]
    return pl.sum_horizontal(terms).round(6)


def with_values(frame: pl.LazyFrame, weights: dict[str, float], cfg: ScoringConfig) -> pl.LazyFrame:
    """Add `current_value` and `potential_value` (the axis split is configurable)."""
    return frame.with_columns(
        axis_value(cfg.current_axis, weights).alias(CURRENT),
        axis_value(cfg.potential_axis, weights).alias(POTENTIAL),
    )


def sample_origin(frame: pl.DataFrame) -> tuple[float, float]:
    """The default origin: the mean of each axis over scored customers, rounded to 6 decimals."""
    means = frame.select(pl.col(CURRENT).mean().round(6), pl.col(POTENTIAL).mean().round(6)).row(0)
    return float(means[0]), float(means[1])


def segment_expr(origin: tuple[float, float]) -> pl.Expr:
    """key / develop / maintain / low_value; high means >= the origin on that axis."""
    high_current = pl.col(CURRENT) >= origin[0]
    high_potential = pl.col(POTENTIAL) >= origin[1]
    return (
        pl.when(high_current & high_potential)
        .then(pl.lit("key"))
        .when(high_potential)
        .then(pl.lit("develop"))
        .when(high_current)
        .then(pl.lit("maintain"))
        .otherwise(pl.lit("low_value"))
    )


def at_origin(frame: pl.DataFrame, origin: tuple[float, float]) -> tuple[pl.DataFrame, int]:
    """`frame` (current and potential value, a segment column) with each customer's segment at `origin`, and
    how many customers that moves from the segment the frame held (scored with another origin): a chart
    colours its points by the quadrant they fall in at the cross lines it draws."""
    placed = frame.with_columns(segment_expr(origin).alias("segment"))
    moved = placed.select((pl.col("segment") != frame.get_column("segment")).sum()).item()
    return placed, int(moved or 0)
