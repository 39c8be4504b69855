"""The `score` run: dataset → usable rows → indicators → weights → scores, segments, grades, credit.

One lazy plan from the files to the SPEC §8 table, collected once together with the rejects and
the row counts, so the inputs are scanned as few times as polars can manage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from powercrm.ahp.config import global_weights
from powercrm.config import Config
from powercrm.errors import DataError
from powercrm.indicators import IndicatorResult, compute_indicators
from powercrm.io.readers import Dataset
from powercrm.io.usable import usable_tables
from powercrm.segment.credit import event_counts
from powercrm.segment.pipeline import ScoreResult, finish, score_plan


@dataclass
class ScoreRun:
    """Everything a `score` run produced: the table, the parameters it used and the row accounting."""

    result: ScoreResult
    period_end: dt.date
    m_b42: float | None
    weights: dict[str, float]
    rejects: pl.DataFrame
    rows_in: dict[str, int]
    rows_rejected: dict[str, int] = field(default_factory=dict)

    @property
    def table(self) -> pl.DataFrame:
        return self.result.table


def run_score(
    dataset: Dataset,
    cfg: Config,
    *,
    origin: tuple[float, float] | None = None,
) -> ScoreRun:
    """Score every customer of the dataset (SPEC §3–§6). `origin` overrides the config's origin."""
    dataset.require_complete()
    usable = usable_tables(dataset)
    indicators: IndicatorResult = compute_indicators(usable.tables, cfg.indicators)
    weights = global_weights(cfg.weights)
    events = usable.get("events")
    per_customer_events = event_counts(events, indicators.period_end) if events is not None else None
    fixed = origin or (tuple(cfg.scoring.origin) if cfg.scoring.origin else None)
    plan = score_plan(indicators.frame, per_customer_events, weights, cfg.scoring, cfg.credit, fixed)
    m_plan = indicators.frame.select(pl.col("m_B42").first())
    counts = [t.lf.select(pl.len()) for t in dataset.tables.values()]
    scored, m_frame, rejects, *lengths = pl.collect_all([plan, m_plan, usable.rejects, *counts])
    if scored.height == 0:
        raise DataError("no scored customers: the customers table has no usable active rows")
    rows_in = {name: int(n.item()) for name, n in zip(dataset.tables, lengths, strict=True)}
    rejected = dict(rejects.group_by("table").len().iter_rows())
    m_b42 = m_frame.item() if m_frame.height else None
    return ScoreRun(finish(scored), indicators.period_end, m_b42, weights, rejects, rows_in, rejected)


def _counts(table: pl.DataFrame, column: str, order: tuple[str, ...]) -> dict[str, int]:
    found = dict(table.group_by(column).len().iter_rows())
    return {label: int(found.get(label, 0)) for label in order}


def summary(run: ScoreRun) -> dict:
    """The run in numbers: counts per segment and grade, origin, nulls, rows in / used / rejected per table."""
    t = run.table
    return {
        "customers": t.height,
        "period_end": run.period_end.strftime("%Y-%m"),
        "origin": list(run.result.origin),
        "m_b42": run.m_b42,
        "weights": run.weights,
        "segments": _counts(t, "segment", ("key", "develop", "maintain", "low_value")),
        "credit_grades": _counts(t, "credit_grade", ("A", "B", "C", "D", "unrated")),
        "value_grades": _counts(t, "value_grade", ("special", "level1", "level2", "level3")),
        "abc_classes": _counts(t, "abc_class", ("A", "B", "C")),
        "null_counts": run.result.null_counts,
        "rows": {
            name: {"in": n, "used": n - run.rows_rejected.get(name, 0), "rejected": run.rows_rejected.get(name, 0)}
            for name, n in run.rows_in.items()
        },
    }
