"""Realistic, deterministic sample datasets with labelled anomalies (`powercrm sample`).

    data = generate(customers=1000, months=36, seed=42)      # frames in canonical form
    write_dataset(data, Path("data/samples"), fmt="csv", zh=True)

`generate` returns a `SampleData`: the tables of SPEC §2 (`customers`, `billing`, `load`, `events`,
`supply`, optionally `load_interval`) as polars DataFrames with canonical English column names and
the dtypes of `powercrm.io.schema` (ids as strings, `period` a Date on the first of the month),
plus `ground_truth`. The same seed gives the same data, whatever the output format.

Ground truth (`ground_truth.csv`, UTF-8 with BOM, English codes) — one row per expected finding:

| column | meaning |
|---|---|
| `rule` | `A01`…`A09`, `U01`…`U10`, `L01`, or `U10_negative` (a legitimate drop: hard negative for U10) |
| `customer_id` | the customer (empty for L01) |
| `line_id` | the customer's line as written in its archive (may be empty), or the L01 line |
| `area_id` | the customer's area (台区) if any |
| `period` | `YYYY-MM`: the month a monthly rule reports; the first month of the run for U01, U08 arrears and U09; empty for archive rules (A01-A09) and U10 |
| `detail` | what was injected (field, variant, values), e.g. `phone blank`, `multiplier error x100`, `step: drop 45% from 2024-03` |
| `theft` | `true` for U10 (theft), `false` for U10_negative, empty otherwise |
| `injected` | `true` for an injected case; `false` for a side effect: another finding the injected case also triggers by the SPEC's definition (e.g. a theft drop below half the median is also a U02 drop); its detail starts with `side effect of` and names the injected rule |

Granularity follows SPEC §7: one row per customer for archive rules (A04: every customer sharing
the meter), per customer-month for monthly rules (U02-U07, U08 overpayment), per run for U01,
U08 arrears and U09, per customer for U10, per line-month for L01. Deterministic rules
(everything except U10) list every finding a correct engine gives on the data with the default
thresholds: customers and lines not in the file trigger none (the tests check this with
`powercrm.sample.reference`). For U10 the positives are the `U10` rows and the hard negatives the
`U10_negative` rows; every other customer is normal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from powercrm.errors import UsageError

TABLE_NAMES = ("customers", "billing", "load", "events", "supply")
TRUTH_SCHEMA = {
    "rule": pl.String,
    "customer_id": pl.String,
    "line_id": pl.String,
    "area_id": pl.String,
    "period": pl.String,
    "detail": pl.String,
    "theft": pl.Boolean,
    "injected": pl.Boolean,
}
DEFAULT_PERIOD_END = "2025-12"
MAX_INTERVAL_DAYS = 366


@dataclass
class SampleData:
    """The generated tables in canonical form, and the ground truth of the injected anomalies."""

    customers: pl.DataFrame
    billing: pl.DataFrame
    load: pl.DataFrame
    events: pl.DataFrame
    supply: pl.DataFrame
    ground_truth: pl.DataFrame
    load_interval: pl.DataFrame | None = None

    def tables(self) -> dict[str, pl.DataFrame]:
        """The input tables by canonical name (load_interval only when generated)."""
        out = {name: getattr(self, name) for name in TABLE_NAMES}
        if self.load_interval is not None:
            out["load_interval"] = self.load_interval
        return out


def parse_period_end(value: str | date) -> date:
    """`YYYY-MM` (also `YYYYMM`, `YYYY/M`) or a date -> the first day of that month."""
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.]?\s*(\d{1,2})\s*", str(value))
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 2200:
        raise UsageError(f"--period-end {value!r}: expected a month as YYYY-MM, e.g. 2025-12")
    return date(int(m.group(1)), int(m.group(2)), 1)


def check_options(customers: int, months: int, seed: int, interval_days: int = 0) -> None:
    """Reject impossible sizes with one clear line naming the option and the value."""
    if isinstance(customers, bool) or not isinstance(customers, int) or customers < 1:
        raise UsageError(f"--customers {customers!r}: must be a whole number of at least 1")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise UsageError(f"--months {months!r}: must be a whole number of at least 1")
    if months > 600:
        raise UsageError(f"--months {months}: at most 600 (50 years)")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"--seed {seed!r}: must be a whole number of at least 0")
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) or not 0 <= interval_days <= MAX_INTERVAL_DAYS:
        raise UsageError(f"--interval-days {interval_days!r}: must be between 0 and {MAX_INTERVAL_DAYS}")


def generate(
    customers: int = 1000,
    months: int = 36,
    seed: int = 42,
    *,
    period_end: str | date = DEFAULT_PERIOD_END,
    interval_days: int = 0,
    anomalies: bool = True,
) -> SampleData:
    """A sample dataset of `customers` customers over `months` months ending at `period_end`.

    `interval_days` > 0 adds `load_interval`: 96 readings a day for the last days of the range.
    `anomalies=False` gives clean data only (an empty ground truth).
    """
    tables = dict(
        iter_tables(customers, months, seed, period_end=period_end, interval_days=interval_days, anomalies=anomalies)
    )
    return SampleData(
        tables["customers"], tables["billing"], tables["load"], tables["events"], tables["supply"],
        tables["ground_truth"], tables.get("load_interval"),
    )


def iter_tables(
    customers: int = 1000,
    months: int = 36,
    seed: int = 42,
    *,
    period_end: str | date = DEFAULT_PERIOD_END,
    interval_days: int = 0,
    anomalies: bool = True,
) -> Iterator[tuple[str, pl.DataFrame]]:
    """`(table name, frame)` pairs as soon as each table is final (customers, billing, load, supply,
    events, load_interval if asked, ground_truth), so a writer can start on the big ones early."""
    from powercrm.sample import anomalies as an
    from powercrm.sample import generator as g
    from powercrm.sample.interval import interval_readings

    check_options(customers, months, seed, interval_days)
    end = parse_period_end(period_end)
    if interval_days > months * 28:
        raise UsageError(f"--interval-days {interval_days}: longer than the {months}-month period range")
    starts = g.month_starts(end, months)
    s_arc, s_mon, s_bill, s_inj, s_events, s_interval, s_supply = (
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(7)
    )
    arc = g.build_archive(s_arc, customers, months, starts)
    mon = g.consumption(s_mon, arc, starts)
    w = g.World(seed=seed, starts=starts, arc=arc, mon=mon, archive_line=arc.line.copy(), clean=np.ones(customers, bool))
    inj = an.Injector.start(w, s_inj)
    cid = g.customer_ids(customers)
    if anomalies:
        an.physical(inj)
        an.metered(inj)
    g.derive_bills(s_bill, arc, mon, starts)
    if anomalies:
        an.billed(inj)
        an.archive(inj, cid)
    g.pick_adjustments(s_bill, w)

    cust = g.customers_frame(w, cid)
    yield "customers", cust
    billing, load = g.billing_and_load(w, cid)
    yield "billing", billing
    yield "load", load
    del billing, load
    billed_kwh = g.billed_matrix(w)
    w.line_sums, w.loss = g.supply_by_line(s_supply, arc.line, billed_kwh, len(arc.line_names))
    if anomalies:
        an.lines(inj, billed_kwh)
    supply = g.supply_frame(w)
    yield "supply", supply
    yield "events", g.events_frame(s_events, w, cid)
    if interval_days:
        yield "load_interval", interval_readings(s_interval, w, cid, interval_days)
    truth = _truth(inj, cid, cust, supply, billed_kwh) if anomalies else pl.DataFrame(schema=TRUTH_SCHEMA)
    yield "ground_truth", truth


def _truth(inj, cid, cust, supply, billed_kwh) -> pl.DataFrame:
    """Injected rows, L01 rows, and the side effects the reference rules find on touched customers."""
    from powercrm.sample import anomalies as an
    from powercrm.sample import reference

    w = inj.w
    records = inj.records + an.line_loss_truth(w, billed_kwh, supply)
    line_names = pl.Series(w.arc.line_names, dtype=pl.String)
    months = inj.period(np.arange(w.months))
    frames = []
    for r in records:
        c = np.asarray(r["c"], dtype=np.int64)
        t = np.asarray(r["t"], dtype=np.int64)
        line = np.asarray(r["line"], dtype=np.int64)
        frame = pl.DataFrame(
            {
                "rule": pl.repeat(r["rule"], len(c), dtype=pl.String, eager=True),
                "_c": c,
                "_line_name": line_names.gather(np.maximum(line, 0)),
                "_has_line": line >= 0,
                "_period": months.gather(np.maximum(t, 0)),
                "_has_period": t >= 0,
                "detail": pl.Series(r["detail"], dtype=pl.String),
                "theft": pl.repeat(r["theft"], len(c), dtype=pl.Boolean, eager=True),
            }
        )
        frames.append(
            frame.with_columns(
                _line_name=pl.when("_has_line").then("_line_name"),
                period=pl.when("_has_period").then("_period"),
            )
        )
    if not frames:
        return pl.DataFrame(schema=TRUTH_SCHEMA)
    rows = pl.concat(frames, how="vertical_relaxed")
    place = cust.select("customer_id", "line_id", "area_id").with_row_index("_c").with_columns(pl.col("_c").cast(pl.Int64))
    rows = rows.join(place, on="_c", how="left").with_columns(
        line_id=pl.coalesce("_line_name", "line_id"),
        injected=pl.lit(True),
    )
    injected = rows.select(list(TRUTH_SCHEMA)).cast(TRUTH_SCHEMA)

    # side effects: what the reference rules find on touched customers beyond the injected rows
    # every customer sharing a meter with a touched one is touched (A04 pairs), so the archive
    # rules can run on the touched customers alone; they have no adjustment rows
    from powercrm.sample import generator as g

    touched = np.flatnonzero(~w.clean)
    sub_customers = cust[touched]
    sub_billing, sub_load = g.billing_and_load(w, cid, subset=touched)
    found = pl.concat(
        [
            reference.archive_findings(sub_customers),
            reference.monthly_findings(sub_customers, sub_billing, sub_load),
        ]
    ).with_columns(period=pl.col("period").dt.strftime("%Y-%m"))
    key = ["rule", "customer_id", "_p"]
    known = injected.with_columns(_p=pl.col("period").fill_null(""))
    extra = found.with_columns(_p=pl.col("period").fill_null("")).join(known.select(key), on=key, how="anti")
    cause = (
        injected.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(pl.col("rule").unique().sort().str.join("+").alias("_cause"))
    )
    side = (
        extra.join(cause, on="customer_id", how="left")
        .join(cust.select("customer_id", pl.col("area_id")), on="customer_id", how="left")
        .select(
            "rule", "customer_id", "line_id", "area_id", "period",
            detail=pl.format("side effect of {}: {}", "_cause", "detail"),
            theft=pl.lit(None, pl.Boolean),
            injected=pl.lit(False),
        )
        .cast(TRUTH_SCHEMA)
    )
    order = pl.col("rule").str.replace("_negative", "~")
    return pl.concat([injected, side]).sort(order, "customer_id", "line_id", "period", nulls_last=True)


def write_dataset(*args, **kwargs):
    """See `powercrm.sample.writer.write_dataset`."""
    from powercrm.sample.writer import write_dataset as _write

    return _write(*args, **kwargs)


def write_sample(*args, **kwargs):
    """See `powercrm.sample.writer.write_sample`."""
    from powercrm.sample.writer import write_sample as _write

    return _write(*args, **kwargs)


__all__ = [
    "SampleData", "generate", "iter_tables", "write_dataset", "write_sample", "parse_period_end", "check_options",
    "TABLE_NAMES",
]
