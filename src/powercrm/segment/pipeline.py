"""The global scoring stage (SPEC §5, §6): per-customer indicators → scores, values, segments, grades, credit.

Input is the one-row-per-customer frame of the indicator stage; everything here needs the whole
customer population (ranks, means, shares) and stays one lazy plan until the caller collects it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from powercrm.segment import credit, grades, value
from powercrm.segment.config import INDICATORS, CreditConfig, ScoringConfig
from powercrm.segment.labels import STRATEGIES
from powercrm.segment.scores import assign_scores, score_column

AMOUNT_DUE_CURRENT = "amount_due_current"
LATE_FEE_PERIODS = "late_fee_periods"
ORIGIN_X, ORIGIN_Y = "_origin_current", "_origin_potential"


def output_columns() -> list[str]:
    """The SPEC §8 `score` columns, in order."""
    per_indicator = [c for i in INDICATORS for c in (f"x_{i}", i, score_column(i))]
    return [
        "customer_id",
        *per_indicator,
        value.CURRENT,
        value.POTENTIAL,
        "segment",
        "value_grade",
        "abc_class",
        "credit_score",
        "credit_grade",
        "credit_flags",
        "strategy",
        "fee_level",
        "supply_safety_level",
    ]


@dataclass
class ScoreResult:
    table: pl.DataFrame
    origin: tuple[float, float]
    null_counts: dict[str, int]


def score_plan(
    indicators: pl.LazyFrame,
    events: pl.LazyFrame | None,
    weights: dict[str, float],
    scoring: ScoringConfig,
    credit_cfg: CreditConfig,
    origin: tuple[float, float] | None,
) -> pl.LazyFrame:
    """One lazy plan from per-customer indicators (and per-customer event counts) to the SPEC §8 table.

    The origin is fixed when given, else the mean of each axis rounded to 6 decimals; it is kept
    in two helper columns so the caller can report it.
    """
    frame = indicators
    if events is not None:
        frame = frame.join(events, on="customer_id", how="left", maintain_order="left")
    else:
        frame = frame.with_columns(
            pl.lit(0, pl.UInt32).alias(credit.VIOLATIONS),
            pl.lit(None, pl.Float64).alias(credit.THEFT_AMOUNT),
            pl.lit(0, pl.UInt32).alias(credit.BOUNCED),
        )
    frame = value.with_values(assign_scores(frame, scoring), weights, scoring)
    if origin is None:
        ox, oy = pl.col(value.CURRENT).mean().round(6), pl.col(value.POTENTIAL).mean().round(6)
    else:
        ox, oy = pl.lit(origin[0]), pl.lit(origin[1])
    frame = frame.with_columns(ox.alias(ORIGIN_X), oy.alias(ORIGIN_Y))
    strategy = pl.col("segment").replace_strict({k: v[0] for k, v in STRATEGIES.items()})
    frame = frame.with_columns(
        value.segment_expr((pl.col(ORIGIN_X), pl.col(ORIGIN_Y))).alias("segment"),
        grades.value_grade_expr(scoring.value_grade_shares).alias("value_grade"),
        grades.abc_class_expr(AMOUNT_DUE_CURRENT, scoring.abc_shares).alias("abc_class"),
        credit.fee_level_expr(AMOUNT_DUE_CURRENT, credit_cfg).alias("fee_level"),
        credit.supply_safety_expr().alias("supply_safety_level"),
    )
    return (
        credit.with_credit(frame, weights["B31"], weights["B32"], credit_cfg, LATE_FEE_PERIODS)
        .with_columns(strategy.alias("strategy"))
        .select(*output_columns(), ORIGIN_X, ORIGIN_Y)
    )


def finish(collected: pl.DataFrame) -> ScoreResult:
    """Split the collected plan into the output table, the origin used and the null counts."""
    if collected.height:
        origin = (float(collected[ORIGIN_X][0]), float(collected[ORIGIN_Y][0]))
    else:
        origin = (float("nan"), float("nan"))
    table = collected.drop(ORIGIN_X, ORIGIN_Y)
    nulls = {i: int(table[i].null_count()) for i in INDICATORS}
    return ScoreResult(table, origin, nulls)
