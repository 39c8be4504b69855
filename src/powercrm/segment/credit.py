"""Credit grade A–D, dishonesty flags, and the important-customer levels (SPEC §6)."""

from __future__ import annotations

from datetime import date

import polars as pl

from powercrm.segment.config import CreditConfig

VIOLATIONS = "violations_credit_window"
THEFT_AMOUNT = "theft_amount_12m"
BOUNCED = "bounced_payments_12m"
FLAGS = ("theft_50k", "late_fee_2m", "bounced_2x")


def _month_start(period_end: date, months_back: int) -> date:
    index = period_end.year * 12 + period_end.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _month_end(period_end: date) -> date:
    nxt = _month_start(period_end, -1)
    return date.fromordinal(nxt.toordinal() - 1)


def event_counts(events: pl.LazyFrame, period_end: date) -> pl.LazyFrame:
    """Customer-local: violations in the credit window (E−35…E), theft amount and bounced payments in E−11…E."""
    end = _month_end(period_end)
    credit_start = _month_start(period_end, 35)
    year_start = _month_start(period_end, 11)
    in_year = pl.col("date").is_between(year_start, end)
    return events.group_by("customer_id").agg(
        ((pl.col("kind") == "violation") & pl.col("date").is_between(credit_start, end)).sum().alias(VIOLATIONS),
        pl.col("amount").filter((pl.col("kind") == "theft") & in_year).sum().alias(THEFT_AMOUNT),
        ((pl.col("kind") == "bounced_payment") & in_year).sum().alias(BOUNCED),
    )


def credit_score_expr(w31: float, w32: float, cfg: CreditConfig) -> pl.Expr:
    """100 × (w31·B31c + w32·B32)/(w31 + w32) − penalty × violations, clipped to [0, 100], rounded to 6 decimals.

    B31c is the recovery rate clipped to [0, 1]; a null B31 or B32 gives a null score (unrated).
    """
    b31c = pl.col("B31").cast(pl.Float64).clip(0, 1)
    base = 100 * (w31 * b31c + w32 * pl.col("B32")) / (w31 + w32)
    penalty = cfg.violation_penalty * pl.col(VIOLATIONS).fill_null(0)
    return (base - penalty).clip(0, 100).round(6)


def _grade_from_score(score: pl.Expr, cfg: CreditConfig) -> pl.Expr:
    a, b, c = cfg.grade_cut_points
    return (
        pl.when(score.is_null())
        .then(pl.lit("unrated"))
        .when(score >= a)
        .then(pl.lit("A"))
        .when(score >= b)
        .then(pl.lit("B"))
        .when(score >= c)
        .then(pl.lit("C"))
        .otherwise(pl.lit("D"))
    )


def flag_exprs(cfg: CreditConfig, late_fee_periods: str) -> dict[str, pl.Expr]:
    return {
        "theft_50k": pl.col(THEFT_AMOUNT).fill_null(0) >= cfg.theft_amount,
        "late_fee_2m": pl.col(late_fee_periods).fill_null(0) >= cfg.late_fee_periods,
        "bounced_2x": pl.col(BOUNCED).fill_null(0) >= cfg.bounced_count,
    }


def with_credit(frame: pl.LazyFrame, w31: float, w32: float, cfg: CreditConfig, late_fee_periods: str) -> pl.LazyFrame:
    """`frame` with `credit_score`, `credit_grade` (A/B/C/D/unrated) and `credit_flags` (codes joined by `;`).

    theft_50k forces D; late_fee_2m and bounced_2x cap the grade at C (an unrated customer becomes C).
    The score is a column before the grade is read from it: as one expression it was computed five times.
    """
    flags = flag_exprs(cfg, late_fee_periods)
    grade = _grade_from_score(pl.col("credit_score"), cfg)
    capped = flags["late_fee_2m"] | flags["bounced_2x"]
    grade = (
        pl.when(flags["theft_50k"])
        .then(pl.lit("D"))
        .when(capped & grade.is_in(["A", "B", "unrated"]))
        .then(pl.lit("C"))
        .otherwise(grade)
    )
    codes = pl.concat_str([pl.when(expr).then(pl.lit(code)) for code, expr in flags.items()], separator=";", ignore_nulls=True)
    return frame.with_columns(credit_score_expr(w31, w32, cfg).alias("credit_score")).with_columns(
        grade.alias("credit_grade"), codes.alias("credit_flags")
    )


def fee_level_expr(amount: str, cfg: CreditConfig) -> pl.Expr:
    """Important customers: D ≥ 10 000 000 元, C ≥ 1 000 000, B ≥ 100 000, else A; null for others."""
    d, c, b = cfg.fee_level_cut_points
    value = pl.col(amount).fill_null(0)
    level = (
        pl.when(value >= d).then(pl.lit("D")).when(value >= c).then(pl.lit("C")).when(value >= b).then(pl.lit("B")).otherwise(pl.lit("A"))
    )
    return pl.when(pl.col("importance").is_not_null()).then(level)


def supply_safety_expr() -> pl.Expr:
    """Important customers: A backup and dual supply, B dual only, C backup only, D neither (null counts as false)."""
    backup = pl.col("backup_power").fill_null(False)
    dual = pl.col("dual_supply").fill_null(False)
    level = (
        pl.when(backup & dual).then(pl.lit("A")).when(dual).then(pl.lit("B")).when(backup).then(pl.lit("C")).otherwise(pl.lit("D"))
    )
    return pl.when(pl.col("importance").is_not_null()).then(level)
