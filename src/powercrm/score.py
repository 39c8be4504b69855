"""The `score` run: dataset → usable rows → indicators → weights → scores, segments, grades, credit.

Two collects over the large tables: the customer-local stage (one streaming pass over billing and
load) and the global stage with the remaining row counts. Rejected rows are collected only when asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import polars as pl

from powercrm.ahp.config import global_weights
from powercrm.ahp.hierarchy import HIERARCHY as CRITERIA
from powercrm.config import Config
from powercrm.errors import DataError
from powercrm.indicators import IndicatorResult, compute_indicators
from powercrm.indicators.growth import reported_m
from powercrm.indicators.pipeline import CUSTOMER_ATTRIBUTES, M_COLUMN, OUTPUT_COLUMNS, ROWS_SEEN
from powercrm.io.readers import Dataset, LoadedTable, parquet_max, tail_values
from powercrm.io.usable import emptied_cells, emptied_note, first_rows, keyed_rows, usable_tables, used_rows
from powercrm.notes import Note
from powercrm.segment.credit import event_counts
from powercrm.segment.localize import HEADERS_ZH
from powercrm.segment.pipeline import ScoreResult, finish, score_plan


_GUESS_ROWS = 100_000
_GUESS_TAIL = 1 << 20  # bytes
SCORING_ATTRIBUTES = ["customer_id", "status", "voltage_kv", *CUSTOMER_ATTRIBUTES]


@dataclass
class Accounted:
    """The row accounting of a run over the dataset: rows in and rejected per table (rows used are the
    difference). The rejected rows themselves are collected only when asked for (`rejects`, e.g.
    `--rejects`): their number per table comes from the same collect as the run's results."""

    rejects_plan: pl.LazyFrame
    rows_in: dict[str, int]
    rows_rejected: dict[str, int]

    @cached_property
    def rejects(self) -> pl.DataFrame:
        return self.rejects_plan.collect()

    @property
    def rows(self) -> dict[str, dict[str, int]]:
        """Per table: its rows `in` (as read), `used` and `rejected`."""
        rejected = self.rows_rejected
        return {name: {"in": n, "used": n - rejected.get(name, 0), "rejected": rejected.get(name, 0)} for name, n in self.rows_in.items()}


@dataclass
class ScoreRun(Accounted):
    """Everything a `score` run produced: the table, the parameters it used and the row accounting."""

    result: ScoreResult = field(kw_only=True)
    period_end: dt.date = field(kw_only=True)
    m_b42: float | None = field(kw_only=True)
    weights: dict[str, float] = field(kw_only=True)
    notes: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def table(self) -> pl.DataFrame:
        return self.result.table


@dataclass
class IndicatorRun(Accounted):
    """Everything an `indicators` run produced: the table written (OUTPUT_COLUMNS, then the archive's extra
    columns), the indicator stage's result, the M used and the row accounting."""

    table: pl.DataFrame = field(kw_only=True)
    result: IndicatorResult = field(kw_only=True)
    m_b42: float | None = field(kw_only=True)
    notes: tuple[str, ...] = field(default=(), kw_only=True)


class _RowCounts:
    """Rows in and used of the tables the indicator stage does not count in its own pass (the archive,
    events, supply): plans collected beside a run's last collect, so no table is read again for them."""

    def __init__(self, dataset: Dataset, customers: pl.DataFrame, indicators: IndicatorResult) -> None:
        self.dataset, self.customers, self.indicators = dataset, customers, indicators
        self.counted = [n for n in dataset.tables if n != "customers" and n not in indicators.rows_seen]
        known = customers.select("customer_id").lazy()
        self.plans = [dataset[n].lf.select(pl.len()) for n in ("customers", *self.counted)] + [used_rows(dataset[n], known) for n in self.counted]

    def accounted(self, numbers: list[pl.DataFrame]) -> Accounted:
        """The accounting from the collected `plans`, with every table's rejects as a plan."""
        counted, tables = self.counted, self.dataset.tables
        rows_in = dict(self.indicators.rows_seen)
        rows_in.update({name: int(n.item()) for name, n in zip(("customers", *counted), numbers[: len(counted) + 1], strict=True)})
        rows_used = {"customers": self.customers.height}
        rows_used.update({name: int(u.item() or 0) for name, u in zip(counted, numbers[len(counted) + 1 :], strict=True)})
        rows_used.update({name: counts["used"] for name, counts in self.indicators.rows.items()})
        rows_in = {name: rows_in[name] for name in tables}
        rejected = {name: rows_in[name] - rows_used[name] for name in tables if rows_in[name] > rows_used[name]}
        return Accounted(usable_tables(self.dataset).rejects, rows_in, rejected)


def run_score(
    dataset: Dataset,
    cfg: Config,
    *,
    origin: tuple[float, float] | None = None,
) -> ScoreRun:
    """Score every customer of the dataset (SPEC §3–§6). `origin` overrides the config's origin.

    Plan: the usable customers are collected first (one row per customer, the columns scoring needs);
    the customer-local stage reduces billing and load to one row per customer in one streaming pass
    (`compute_indicators`), every row entering with its customer_id nulled when a row-local check
    fails (`keyed_rows`), so orphans and unreadable rows fall out at the join with customers and the
    rows read and used come from the same reductions; then the global stage, events and the
    remaining row counts are collected together.
    """
    dataset.require_complete()
    customers, tables, archive_notes, extras = scoring_tables(dataset)
    indicators: IndicatorResult = compute_indicators(tables, cfg.indicators, latest_hint=latest_billed(dataset["billing"]))
    weights = global_weights(cfg.weights)
    events = tables.get("events")
    per_customer_events = event_counts(events, indicators.period_end) if events is not None else None
    fixed = origin or (tuple(cfg.scoring.origin) if cfg.scoring.origin else None)
    plan = score_plan(indicators.frame, per_customer_events, weights, cfg.scoring, cfg.credit, fixed)
    m_plan = indicators.frame.select(pl.col("m_B42").first())
    counts = _RowCounts(dataset, customers, indicators)
    # in memory: the plan holds one row per customer and ten ranks, which the in-memory engine runs side by
    # side (1M customers: 1.85 s against 3.07 s streaming)
    scored, m_frame, *numbers = pl.collect_all([plan, m_plan, *counts.plans], engine="in-memory")
    if scored.height == 0:
        raise DataError("no scored customers: the customers table has no usable active rows")
    accounted = counts.accounted(numbers)
    m_b42 = m_frame.item() if m_frame.height else None
    unplaced = [
        Note(
            f"criterion {c} is on neither value axis ([scoring] current_axis, potential_axis): its weight "
            f"{sum(weights[i] for i in CRITERIA[c]):.3f} counts in neither value",
            f"准则 {c} 不在任何价值轴上（[scoring] current_axis、potential_axis）：其权重 "
            f"{sum(weights[i] for i in CRITERIA[c]):.3f} 未计入当前价值或潜在价值",
        )
        for c in cfg.scoring.unplaced_criteria()
    ]
    result = finish(scored)
    result.table, renamed = with_extras(result.table, extras, reserved=HEADERS_ZH.values())
    notes = (*dataset.reading_notes(), *archive_notes, *_no_load(dataset, scored=True), *indicators.notes, *unplaced, *renamed)
    return ScoreRun(
        accounted.rejects_plan, accounted.rows_in, accounted.rows_rejected,
        result=result, period_end=indicators.period_end, m_b42=m_b42, weights=weights, notes=notes,
    )


def run_indicators(dataset: Dataset, cfg: Config) -> IndicatorRun:
    """The indicators B11–B42 with their raw x of every scored customer (SPEC §3), the archive's extra
    columns after them, and the row accounting of every table (as `run_score` has it)."""
    dataset.require_complete()
    customers, tables, archive_notes, extras = scoring_tables(dataset)
    result = compute_indicators(tables, cfg.indicators, latest_hint=latest_billed(dataset["billing"]))
    counts = _RowCounts(dataset, customers, result)
    collected, *numbers = pl.collect_all([result.frame.select(*OUTPUT_COLUMNS, M_COLUMN), *counts.plans], engine="in-memory")
    if collected.height == 0:
        raise DataError("no scored customers: the customers table has no usable active rows")
    accounted = counts.accounted(numbers)
    table, renamed = with_extras(collected.select(OUTPUT_COLUMNS), extras, reserved=HEADERS_ZH.values())
    notes = (*dataset.reading_notes(), *archive_notes, *_no_load(dataset), *result.notes, *renamed)
    return IndicatorRun(
        accounted.rejects_plan, accounted.rows_in, accounted.rows_rejected,
        table=table, result=result, m_b42=IndicatorResult.m_used(collected), notes=notes,
    )


def _no_load(dataset: Dataset, scored: bool = False) -> list[Note]:
    """The note that B21 is null for every customer (`scored`: and given the null score), when the dataset
    has no load table."""
    if "load" in dataset or "load_interval" in dataset:
        return []
    how_en, how_zh = (", scored the null score", "，按空值分计分") if scored else ("", "")
    return [
        Note(
            f"no load table (load or load_interval): B21 is null for every customer{how_en}",
            f"没有负荷表（load 或 load_interval）：所有客户的 B21 为空{how_zh}",
        )
    ]


class ScoringTables(NamedTuple):
    customers: pl.DataFrame
    tables: dict[str, pl.LazyFrame]
    notes: tuple[str, ...]
    extras: pl.DataFrame


def scoring_tables(dataset: Dataset) -> ScoringTables:
    """The usable customers (collected: one row per customer, the columns scoring needs), the tables the
    indicator stage reads, the note on archive attributes left empty (`usable.emptied_note`) and the
    archive's extra columns (customer_id and the columns no name matched, as read) of the same rows.

    Billing and load come as every row with its customer_id nulled where the row is unreadable
    (`keyed_rows`: orphans and such rows fall out at the join with customers, and the reductions count
    the rows read and used), events and interval readings as readable rows. No window over
    customer-months: `usable_tables` held one over every load row (1M customers: 3.2 GB)."""
    usable = usable_tables(dataset)
    archive = dataset["customers"]
    cells = emptied_cells(archive)
    plans = [first_rows(archive).select(*SCORING_ATTRIBUTES, *archive.extras), *([cells] if cells is not None else [])]
    rows, *emptied = pl.collect_all(plans, engine="in-memory")  # one scan of the archive for both
    customers, extras = rows.select(SCORING_ATTRIBUTES), rows.select("customer_id", *archive.extras)
    note = emptied_note(archive, emptied[0]) if emptied else None
    tables: dict[str, pl.LazyFrame] = {"customers": customers.lazy()}
    for name in ("billing", "load", "load_interval", "events"):
        if name in dataset:
            tables[name] = keyed_rows(dataset[name]) if name in ROWS_SEEN else usable.readable[name]
    return ScoringTables(customers, tables, tuple(filter(None, [note])), extras)


def with_extras(table: pl.DataFrame, extras: pl.DataFrame, reserved: Iterable[str] = ()) -> tuple[pl.DataFrame, list[str]]:
    """`table` (one row per customer) with the archive's extra columns (`extras`: customer_id and the
    columns no canonical name matched) after its own, untouched (SPEC §2: an export's 供电单位 or 客户经理
    stays beside the scores for an analyst's pivot), and a note for each extra renamed because `table`
    or `reserved` (another language's headers) already has its name: it is written as `<name>_archive`."""
    names = [c for c in extras.columns if c != "customer_id"]
    if not names:
        return table, []
    taken = {*table.columns, *reserved}
    renames, notes = {}, []
    for name in names:
        if name in taken:
            new = f"{name}_archive"
            while new in taken or new in names:
                new += "_"
            renames[name] = new
            taken.add(new)
            notes.append(
                Note(
                    f"customers: the extra column {name!r} is written as {new!r}: the output has a column of that name",
                    f"customers：附加列 {name!r} 写作 {new!r}，因为输出已有同名列",
                )
            )
    joined = table.join(extras.rename(renames), on="customer_id", how="left", maintain_order="left")
    return joined, notes


def latest_billed(billing: LoadedTable) -> dt.date | None:
    """E's first guess (the indicator stage checks it): the latest period of a Parquet file's statistics
    (its footer), of a Parquet or Excel table (one column read), or of the first and last rows of a CSV
    export, which would be parsed whole again for the exact figure; an export sorted by customer or by
    month has it at one end. For a directory table, the latest over its parts, a CSV part's from its
    last rows alone (a monthly export's month is in every row): the first rows of 36 parts took longer
    than the scoring."""
    if not billing.pieces:
        return _latest_in(billing, head_rows=_GUESS_ROWS, tail_bytes=_GUESS_TAIL)
    tail_bytes = max(_GUESS_TAIL // len(billing.pieces), 1 << 16)
    return max((p for piece in billing.pieces if (p := _latest_in(piece, 0, tail_bytes)) is not None), default=None)


def _latest_in(billing: LoadedTable, head_rows: int, tail_bytes: int) -> dt.date | None:
    if (stored := parquet_max(billing, "period")) is not None:
        return stored.replace(day=1)
    if billing.text_file is None:
        return billing.lf.select(pl.col("period").max()).collect(engine="streaming").item()
    head = billing.lf.head(head_rows).select(pl.col("period").max()).collect().item() if head_rows else None
    tail = tail_values(billing, "period", tail_bytes)
    return max((p for p in (head, tail.max() if tail is not None else None) if p is not None), default=None)


def _counts(table: pl.DataFrame, column: str, order: tuple[str, ...]) -> dict[str, int]:
    found = dict(table.group_by(column).len().iter_rows())
    return {label: int(found.get(label, 0)) for label in order}


def summary(run: ScoreRun) -> dict:
    """The run in numbers: counts per segment and grade, origin, nulls, rows in / used / rejected per table."""
    t = run.table
    used = run.rows_in.get("customers", 0) - run.rows_rejected.get("customers", 0)
    return {
        "customers": t.height,
        "cancelled": max(used - t.height, 0),  # usable archive rows not scored (SPEC §2 population)
        "period_end": run.period_end.strftime("%Y-%m"),
        "origin": list(run.result.origin),
        "m_b42": reported_m(run.m_b42),
        "weights": run.weights,
        "segments": _counts(t, "segment", ("key", "develop", "maintain", "low_value")),
        "credit_grades": _counts(t, "credit_grade", ("A", "B", "C", "D", "unrated")),
        "value_grades": _counts(t, "value_grade", ("special", "level1", "level2", "level3")),
        "abc_classes": _counts(t, "abc_class", ("A", "B", "C")),
        "null_counts": run.result.null_counts,
        "rows": run.rows,
        "notes": list(run.notes),
    }
