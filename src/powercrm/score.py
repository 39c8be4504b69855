"""The `score` run: dataset → usable rows → indicators → weights → scores, segments, grades, credit.

One lazy plan from the files to the SPEC §8 table, collected once together with the rejects and
the row counts, so the inputs are scanned as few times as polars can manage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from powercrm.ahp.config import global_weights
from powercrm.config import Config
from powercrm.errors import DataError
from powercrm.indicators import IndicatorResult, compute_indicators
from powercrm.io.readers import Dataset
from powercrm.indicators.windows import choose_period_end
from powercrm.io.usable import usable_period_bounds, usable_tables, used_rows
from powercrm.segment.credit import event_counts
from powercrm.segment.pipeline import ScoreResult, finish, score_plan


@dataclass
class ScoreRun:
    """Everything a `score` run produced: the table, the parameters it used and the row accounting.

    The rejected rows themselves are collected only when asked for (`rejects`, e.g. `--rejects`):
    their number per table comes from the same collect as the scores.
    """

    result: ScoreResult
    period_end: dt.date
    m_b42: float | None
    weights: dict[str, float]
    rejects_plan: pl.LazyFrame
    rows_in: dict[str, int]
    rows_rejected: dict[str, int] = field(default_factory=dict)

    @property
    def table(self) -> pl.DataFrame:
        return self.result.table

    @cached_property
    def rejects(self) -> pl.DataFrame:
        return self.rejects_plan.collect()


def run_score(
    dataset: Dataset,
    cfg: Config,
    *,
    origin: tuple[float, float] | None = None,
) -> ScoreRun:
    """Score every customer of the dataset (SPEC §3–§6). `origin` overrides the config's origin.

    Plan: the usable customers are collected first (one row per customer, small); E is found over
    usable billing rows; then one collect runs the whole score plan and the row counts. Billing, load
    and events enter as readable rows (row-local checks only) aggregated per customer, so orphans fall
    out at the join with customers and no 35 M-row join or customer-month group-by is needed.
    """
    dataset.require_complete()
    usable = usable_tables(dataset)
    customers = usable.tables["customers"].collect()
    known = customers.select("customer_id")
    tables: dict[str, pl.LazyFrame] = {"customers": customers.lazy()}
    for name in ("billing", "load", "load_interval", "events"):
        if name in usable.readable:
            tables[name] = usable.readable[name]
    requested = cfg.indicators.period_end
    first, last = usable_period_bounds(tables["billing"], known["customer_id"], need_first=requested is not None)
    period_end = choose_period_end(first, last, requested)
    indicators: IndicatorResult = compute_indicators(tables, cfg.indicators, period_end=period_end)
    weights = global_weights(cfg.weights)
    events = tables.get("events")
    per_customer_events = event_counts(events, indicators.period_end) if events is not None else None
    fixed = origin or (tuple(cfg.scoring.origin) if cfg.scoring.origin else None)
    plan = score_plan(indicators.frame, per_customer_events, weights, cfg.scoring, cfg.credit, fixed)
    m_plan = indicators.frame.select(pl.col("m_B42").first())
    names = [n for n in dataset.tables if n != "customers"]
    counts = [dataset[n].lf.select(pl.len()) for n in names]
    used = [used_rows(dataset[n], known.lazy()) for n in names]
    scored, m_frame, *numbers = pl.collect_all([plan, m_plan, *counts, *used])
    if scored.height == 0:
        raise DataError("no scored customers: the customers table has no usable active rows")
    rows_in = {"customers": int(dataset["customers"].lf.select(pl.len()).collect().item())}
    rows_used = {"customers": customers.height}
    for name, n, u in zip(names, numbers[: len(names)], numbers[len(names) :], strict=True):
        rows_in[name] = int(n.item())
        rows_used[name] = int(u.item() or 0)
    rows_in = {name: rows_in[name] for name in dataset.tables}
    rejected = {name: rows_in[name] - rows_used[name] for name in dataset.tables if rows_in[name] > rows_used[name]}
    m_b42 = m_frame.item() if m_frame.height else None
    return ScoreRun(finish(scored), indicators.period_end, m_b42, weights, usable.rejects, rows_in, rejected)


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
