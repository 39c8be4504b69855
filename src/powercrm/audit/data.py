"""The frames every audit rule reads, built once from the dataset (the customer-local stage of SPEC §9).

The rows used are those `powercrm.io.usable.usable_tables` keeps: readable, the first copy of a
repeated key, the customer_id a usable customer's. They are found here without its order-preserving
join of every row (at 1 M customers × 36 months that join, a group per customer-month and windows over
every customer made the audit run for minutes in 12 GB).

Billing rows are summed per customer-month first (adjustment bills 退补 are normal), so "a month" in
every rule is a customer-month. The months are held in memory once, in a compact form:

- `_c`, the customer's row number in the archive sorted by customer_id, stands for the customer; rules
  attach customer_id, line_id ... to their hits with `AuditData.archive`, a gather by row number;
- `month` is the month index year·12 + month − 1: consecutive calendar months differ by exactly 1,
  which is how runs are found without a loop;
- rows are sorted by customer and month, so the same customer's month before is a shift (`lag`), not a
  window over a million groups.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from powercrm.indicators.interval import combined_monthly_load
from powercrm.io.readers import Dataset
from powercrm.io.usable import emptied_cells, emptied_note, readable_rows

CUSTOMER = "_c"
BILL_SUMS = ["kwh", "kvarh", "amount_due", "amount_paid", "late_fee", "transmission_fee"]
LOAD_COLUMNS = ["avg_load_kw", "max_load_kw"]
_KEY = "_k"


def month_index(period: pl.Expr) -> pl.Expr:
    return period.dt.year().cast(pl.Int32) * 12 + period.dt.month().cast(pl.Int32) - 1


def sum_or_null(column: str) -> pl.Expr:
    """Sum of a column that is null when every summed value is null (missing stays missing)."""
    return pl.when(pl.col(column).count() > 0).then(pl.col(column).sum()).alias(column)


def is_active(status: pl.Expr) -> pl.Expr:
    """SPEC §2: status not cancelled; an empty status is active."""
    return status.is_null() | (status != "cancelled")


def lag(e: pl.Expr, n: int = 1) -> pl.Expr:
    """`e` n rows earlier (later for negative n) in the same customer, null across customers.

    On frames sorted by customer this is `e.shift(n).over(customer)` without a group per customer
    (15× faster on 35 M customer-months).
    """
    return pl.when(pl.col(CUSTOMER) == pl.col(CUSTOMER).shift(n)).then(e.shift(n))


@dataclass
class AuditData:
    """The shared frames, and which optional input columns exist at all.

    archive_rows: every usable archive row sorted by customer_id, with `_c` (its row number) and `active`.
    months: billing per customer-month of every archive customer, cancelled ones included (SPEC §7
      restricts only the archive rules and U01 to active customers; line loss counts their energy):
      `_c`, period, `month`, the BILL_SUMS; sorted by customer and month.
    load: monthly load of every archive customer (from `load` and/or `load_interval`): `_c`, period,
      `month`, avg_load_kw, max_load_kw, sorted by customer and month; or None.
    supply: supplied energy per line/area row, or None.
    duplicate_ids: customer_id with `archive_rows` (> 1), how often it appears in the archive as read.
    rows: per table read, its rows `in` (as read), `used` and `rejected` — the accounting of
      `powercrm.io.usable` (unreadable rows, orphans and repeated keys are rejected); empty when `build`
      was not given every row as read.
    used: per table read, its rows used (also without the rows as read: a partition's share).
    results: frames computed once and read by several rules (U10's scores, the line-loss table).
    """

    archive_rows: pl.DataFrame
    months: pl.LazyFrame
    load: pl.LazyFrame | None
    supply: pl.LazyFrame | None
    duplicate_ids: pl.LazyFrame
    present: Mapping[str, set[str]] | None = None
    notes: list[str] = field(default_factory=list)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    used: dict[str, int] = field(default_factory=dict)
    results: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def customers(self) -> pl.LazyFrame:
        return self.archive_rows.lazy()

    @property
    def active(self) -> pl.LazyFrame:
        """The active customers: the population of the archive rules (SPEC §7)."""
        return self.customers.filter("active")

    def only_active(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """The rows of `frame` (with `_c`) that belong to active customers: U01 (SPEC §7 "while active") and
        U10's inspection list."""
        return frame.filter(pl.lit(self.archive_rows.get_column("active")).gather(pl.col(CUSTOMER)))

    def archive(self, frame: pl.LazyFrame, *columns: str, **computed: pl.Expr) -> pl.LazyFrame:
        """`frame` (with `_c`) with the customer's archive `columns` (default customer_id, line_id, area_id
        when nothing is asked for) and `computed` expressions of archive columns, gathered by row number."""
        if not columns and not computed:
            columns = ("customer_id", "line_id", "area_id")
        values = [self.archive_rows.get_column(c) for c in columns]
        values += [self.archive_rows.select(e.alias(name)).to_series() for name, e in computed.items()]
        return frame.with_columns(pl.lit(v).gather(pl.col(CUSTOMER)).alias(v.name) for v in values)

    def has(self, table: str, column: str) -> bool:
        """Whether the input had `column` in `table` (True when presence is unknown)."""
        if self.present is None:
            return True
        return column in self.present.get(table, set())


def _archive_rows(customers: pl.LazyFrame) -> pl.DataFrame:
    """The first row of each customer_id (rows arrive in source order), sorted by customer_id, numbered."""
    rows = customers.collect().sort("customer_id", maintain_order=True)
    first = (pl.col("customer_id") != pl.col("customer_id").shift(1)).fill_null(True)
    return rows.filter(first).with_row_index(CUSTOMER).with_columns(active=is_active(pl.col("status")))


def _by_customer(
    rows: pl.LazyFrame, customers: pl.DataFrame, columns: list[str], counts: Sequence[pl.LazyFrame] = ()
) -> tuple[pl.DataFrame, list[int]]:
    """`_c`, period, `columns` and `_k` (customer and month in one sortable number) of the rows
    of `customers` (an orphan's are left out), in source order, and the number each of `counts` (plans
    of one `pl.len()`) gives. Streamed: the 35 M customer ids are never held in memory; collected with
    the counts, a scan they share is read once (a CSV export is not parsed again to count its rows)."""
    ids = customers.lazy().select("customer_id", CUSTOMER)
    days = pl.col("period").to_physical().cast(pl.Int64) + 2**31
    joined = (
        rows.select("customer_id", "period", *columns)
        .join(ids, on="customer_id", how="inner", maintain_order="left")
        .select(CUSTOMER, "period", *columns, (pl.col(CUSTOMER).cast(pl.UInt64) * 2**32 + days.cast(pl.UInt64)).alias(_KEY))
    )
    frame, *numbers = pl.collect_all([joined, *counts], engine="streaming")
    return frame, [int(n.item()) for n in numbers]


def _rows_in(sources: Mapping[str, pl.LazyFrame], name: str) -> list[pl.LazyFrame]:
    """The plan counting the rows of table `name` as read, when it is known."""
    return [sources[name].select(pl.len())] if name in sources else []


@dataclass
class _Accounts:
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    used: dict[str, int] = field(default_factory=dict)


def _account(accounts: _Accounts, name: str, read: list[int], used: int) -> None:
    """Record table `name`'s rows used, and in (`read`: its count, or empty when unknown) and rejected."""
    accounts.used[name] = used
    if read:
        accounts.rows[name] = {"in": read[0], "used": used, "rejected": read[0] - used}


def _one_per_month(frame: pl.DataFrame, summed: bool) -> pl.DataFrame:
    """One row per customer-month sorted by customer and month: the sums of its rows (`summed`, SPEC §2)
    or its first row (usable_tables's rule for repeated load rows). `frame` is the caller's to give away.

    Each copy of 35 M rows costs seconds, so an export sorted by customer is kept as it is: a
    customer-month with one row listed in order stays; one with several rows keeps its first row,
    which gets the sums (one filter). A row listed after a later month ("late") comes after every
    in-order row of its customer-month, so that first row is an in-order one; when a late row has
    none, or many rows are late (an export sorted by month, say), the rows are sorted stably first.
    """
    key = frame.get_column(_KEY)
    late, repeat = _out_of_order(key)
    if len(late) > frame.height // 100:
        return _one_per_month(_sorted(frame), summed)
    if not len(late) and not len(repeat):
        frame.drop_in_place(_KEY)
        return _with_months(frame)
    odd_keys = key.gather(np.union1d(late, repeat)).unique()
    # the rows of the customer-months with several rows, in source order, and the first row of each
    at = key.is_in(odd_keys.implode()).arg_true()
    rows = frame[at].with_columns(_at=at)
    first = rows.unique(_KEY, keep="first", maintain_order=True).get_column("_at")
    if len(late) and np.isin(first.to_numpy(), late).any():
        return _one_per_month(_sorted(frame), summed)
    keep = pl.repeat(True, frame.height, eager=True).scatter(at, False).scatter(first, True)
    sums, place = None, None
    if summed:
        # with the group-by the sums always had (the order of the additions is that of the source rows)
        sums = rows.group_by(CUSTOMER, "period").agg(pl.col("_at").first(), *(sum_or_null(c) for c in BILL_SUMS))
        place = _places(keep, sums.get_column("_at"))
    del key, late, repeat, rows
    frame.drop_in_place(_KEY)
    # a column at a time, taken out of the frame: each is released once filtered, so the frame and its
    # filtered copy are never held whole together; two columns at a time, as a Series filter or scatter
    # runs on one core
    columns = [frame.drop_in_place(name) for name in frame.columns]

    def kept(i: int) -> pl.Series:
        column, columns[i] = columns[i], None
        return _patched(column.filter(keep), sums, place)

    with ThreadPoolExecutor(2) as pool:
        return _with_months(pl.DataFrame(list(pool.map(kept, range(len(columns))))))


def _out_of_order(key: pl.Series, block: int = 1 << 20) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of the rows whose key (> 0) is smaller than the largest key before it (late) or equal to
    it (repeating an in-order customer-month: the in-order keys are sorted). Read a block at a time: as
    whole-column polars operations, the running maximum and the comparisons made four 35 M-row columns of
    fresh memory, seconds on this kind of machine, to find a handful of rows."""
    late, repeat = [], []
    top = np.uint64(0)
    for start in range(0, key.len(), block):
        values = key.slice(start, block).to_numpy()
        before = np.maximum(np.concatenate(([top], np.maximum.accumulate(values)[:-1])), top)
        late.append(np.flatnonzero(values < before) + start)
        repeat.append(np.flatnonzero(values == before) + start)
        top = max(top, before[-1], values[-1])
    empty = np.zeros(0, np.int64)
    return (np.concatenate(late) if late else empty), (np.concatenate(repeat) if repeat else empty)


def _places(chosen: pl.Series, at: pl.Series) -> pl.Series:
    """How many `chosen` rows come before each row `at`, counted over the rarer of chosen and left out."""
    if chosen.sum() * 2 < chosen.len():
        return pl.Series(np.searchsorted(chosen.arg_true().to_numpy(), at.to_numpy()), dtype=at.dtype)
    return at - pl.Series(np.searchsorted((~chosen).arg_true().to_numpy(), at.to_numpy()), dtype=at.dtype)


def _patched(column: pl.Series, sums: pl.DataFrame | None, place: pl.Series | None) -> pl.Series:
    """`column` with the values of its namesake in `sums` at the rows `place` (BILL_SUMS only); a column
    whose sums are its values already is left alone."""
    if sums is None or place is None or column.name not in BILL_SUMS:
        return column
    new = sums.get_column(column.name)
    kept = column.gather(place)
    if not (kept.null_count() or new.null_count()) and np.array_equal(kept.to_numpy().view(np.uint64), new.to_numpy().view(np.uint64)):
        return column
    return column.scatter(place, new)


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` sorted by customer and month, stably."""
    order = frame.select(pl.arg_sort_by(_KEY, maintain_order=True)).to_series()
    return frame.rechunk()[order]  # a gather from the hundreds of chunks of a streamed frame is 4× slower


def _with_months(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `month`. dt.year and dt.month of 35 M dates take 1.5 s; a lookup by day in the few
    days the periods span takes a tenth of it."""
    days = pl.col("period").to_physical()
    first, last = frame.select(days.min().alias("first"), days.max().alias("last")).row(0)
    if first is None:
        return frame.with_columns(month=month_index(pl.col("period")))
    calendar = pl.date_range(pl.lit(first).cast(pl.Date), pl.lit(last).cast(pl.Date), "1d", eager=True)
    by_day = calendar.to_frame("day").select(month_index(pl.col("day"))).to_series()
    return frame.with_columns(month=pl.lit(by_day).gather(days - first))


def _monthly_load(
    tables: Mapping[str, pl.LazyFrame], archive: pl.DataFrame, sources: Mapping[str, pl.LazyFrame], rows: _Accounts
) -> pl.DataFrame | None:
    """SPEC §2: the `load` table and/or interval readings aggregated per calendar month (a `load` row
    wins), of the archive's customers."""
    first = None
    if "load" in tables:
        frame, read = _by_customer(tables["load"], archive, LOAD_COLUMNS, _rows_in(sources, "load"))
        first = _one_per_month(frame, summed=False)
        _account(rows, "load", read, first.height)
    if "load_interval" not in tables:
        return first
    monthly = None
    if first is not None:
        monthly = archive.lazy().select(CUSTOMER, "customer_id").join(first.lazy(), on=CUSTOMER).select("customer_id", "period", *LOAD_COLUMNS)
    readings = tables["load_interval"]
    used = readings.join(archive.lazy().select("customer_id"), on="customer_id", how="semi").select(pl.len())
    frame, read = _by_customer(combined_monthly_load(monthly, readings), archive, LOAD_COLUMNS, [*_rows_in(sources, "load_interval"), used])
    _account(rows, "load_interval", read[:-1], read[-1])
    return _one_per_month(frame, summed=False)


def prepare(dataset: Dataset, needed: Collection[str] | None = None) -> AuditData:
    """The shared frames from the readable rows of the dataset's tables — of customers and the `needed`
    tables only, when given (archive rules alone need no billing); repeated customer ids (A04) are
    counted over the archive as read, unreadable rows included."""
    chosen = {name: t for name, t in dataset.tables.items() if needed is None or name == "customers" or name in needed}
    data = build(
        {name: readable_rows(t) for name, t in chosen.items()},
        present={name: t.present for name, t in dataset.tables.items()},
        archive_ids=dataset["customers"].lf.select("customer_id"),
        sources={name: t.lf for name, t in chosen.items()},
    )
    data.notes.extend(dataset.reading_notes())
    if (cells := emptied_cells(dataset["customers"])) is not None:
        data.notes.extend(filter(None, [emptied_note(dataset["customers"], cells.collect())]))
    return data


def build(
    tables: Mapping[str, pl.LazyFrame],
    present: Mapping[str, set[str]] | None = None,
    archive_ids: pl.LazyFrame | None = None,
    sources: Mapping[str, pl.LazyFrame] | None = None,
    *,
    archive: pl.DataFrame | None = None,
    members: pl.Series | None = None,
) -> AuditData:
    """The shared frames from readable rows by table name, in source order (a repeated key keeps its first
    row, an orphan is left out). `present` names the columns each input file really had; `archive_ids`
    is the customer_id of every archive row as read, for A04; `sources`, every row of each table as
    read, for the rows in, used and rejected (`AuditData.rows`).

    For one partition of the customers (`powercrm.audit.partition`): `archive`, the `archive_rows` built
    once, and `members`, the partition's customer numbers (`_c`): the months and load are theirs only."""
    sources = sources or {}
    rows = _Accounts()
    if archive is None:
        archive = _archive_rows(tables["customers"])
        _account(rows, "customers", [n.item() for n in pl.collect_all(_rows_in(sources, "customers"))], archive.height)
    chosen = archive if members is None else archive.filter(pl.col(CUSTOMER).is_in(members.implode()))
    if "billing" in tables:
        billing, read = _by_customer(tables["billing"], chosen, BILL_SUMS, _rows_in(sources, "billing"))
        _account(rows, "billing", read, billing.height)
    else:  # not needed: no months, in the frames' schema
        billing = _by_customer(pl.LazyFrame(schema={"customer_id": pl.String, "period": pl.Date, **dict.fromkeys(BILL_SUMS, pl.Float64)}), chosen, BILL_SUMS)[0]
    months = _one_per_month(billing, summed=True)
    del billing
    load = _monthly_load(tables, chosen, sources, rows)
    duplicate_ids = pl.DataFrame(schema={"customer_id": pl.String, "archive_rows": pl.Int64})
    if archive_ids is not None:
        duplicate_ids = (
            archive_ids.filter(pl.col("customer_id").is_not_null())
            .group_by("customer_id")
            .agg(archive_rows=pl.len().cast(pl.Int64))
            .filter(pl.col("archive_rows") > 1)
            .collect()
        )
    supply = None
    if "supply" in tables:
        supply, *read = pl.collect_all([tables["supply"], *_rows_in(sources, "supply")])
        _account(rows, "supply", [n.item() for n in read], supply.height)
    # the flag lets windows over the customer use its runs of rows instead of hashing 35 M ids
    months = months.with_columns(pl.col(CUSTOMER).set_sorted())
    return AuditData(
        archive_rows=archive,
        months=months.lazy(),
        load=None if load is None else load.with_columns(pl.col(CUSTOMER).set_sorted()).lazy(),
        supply=None if supply is None else supply.lazy(),
        duplicate_ids=duplicate_ids.lazy(),
        present=present,
        rows=rows.rows,
        used=rows.used,
    )
