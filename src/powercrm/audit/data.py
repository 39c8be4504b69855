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

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from powercrm.indicators.interval import combined_monthly_load
from powercrm.io.readers import Dataset
from powercrm.io.usable import readable_rows

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
    months: billing per customer-month of active customers: `_c`, period, `month`, the BILL_SUMS;
      sorted by customer and month.
    cancelled_months: the same for cancelled customers (line loss counts their energy).
    load: monthly load of active customers (from `load` and/or `load_interval`): `_c`, period, `month`,
      avg_load_kw, max_load_kw, sorted by customer and month; or None.
    supply: supplied energy per line/area row, or None.
    duplicate_ids: customer_id with `archive_rows` (> 1), how often it appears in the archive as read.
    """

    archive_rows: pl.DataFrame
    months: pl.LazyFrame
    cancelled_months: pl.LazyFrame
    load: pl.LazyFrame | None
    supply: pl.LazyFrame | None
    duplicate_ids: pl.LazyFrame
    present: Mapping[str, set[str]] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def customers(self) -> pl.LazyFrame:
        return self.archive_rows.lazy()

    @property
    def active(self) -> pl.LazyFrame:
        """The active customers: the population of archive and consumption rules."""
        return self.customers.filter("active")

    @property
    def all_months(self) -> pl.LazyFrame:
        """Billing per customer-month of every customer, cancelled included."""
        return pl.concat([self.months, self.cancelled_months])

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


def _by_customer(rows: pl.LazyFrame, archive: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`_c`, period, `month`, `_k` (customer and month in one sortable key) and `columns` of the rows of
    known customers (an orphan's are left out), sorted by customer and month; the rows of one
    customer-month stay in source order.

    customer_id is looked up once per run of equal ids: an export sorted by customer has about one run per
    customer, so 35 M rows cost a join of 1 M ids.
    """
    frame = rows.select("customer_id", "period", *columns).collect(engine="streaming")
    ids = frame.get_column("customer_id")
    runs = ids.rle().struct.unnest().join(
        archive.select("customer_id", CUSTOMER), left_on="value", right_on="customer_id", how="left", maintain_order="left"
    )
    customer = runs.get_column(CUSTOMER).gather(ids.rle_id())
    month = month_index(pl.col("period"))
    frame = (
        frame.select(customer, "period", month.alias("month"), *columns)
        .filter(pl.col(CUSTOMER).is_not_null())
        .with_columns((pl.col(CUSTOMER).cast(pl.UInt64) * 2**32 + (pl.col("month").cast(pl.Int64) + 2**31).cast(pl.UInt64)).alias(_KEY))
    )
    # exports are usually sorted already; a stable sort keeps repeated customer-months in source order
    return frame if frame.get_column(_KEY).is_sorted() else frame.sort(_KEY, maintain_order=True)


def _monthly_sums(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per customer-month: the sums of its bills (SPEC §2). Only the few repeated customer-months
    are grouped (with the group-by the sums always had); a group per month of 35 M took 5 s."""
    key = pl.col(_KEY)
    repeated = ((key == key.shift(1)) | (key == key.shift(-1))).fill_null(False)
    flags = rows.select(repeated).to_series()
    if not flags.any():
        return rows.drop(_KEY)
    summed = (
        rows.filter(flags)
        .group_by(CUSTOMER, "period")
        .agg(pl.col("month", _KEY).first(), *(sum_or_null(c) for c in BILL_SUMS))
        .select(rows.columns)
        .sort(_KEY)
    )
    return rows.filter(~flags).merge_sorted(summed, key=_KEY).drop(_KEY)


def _first_per_month(rows: pl.DataFrame) -> pl.DataFrame:
    """The first row of each repeated customer-month (the rows of one customer-month are in source order)."""
    return rows.filter((pl.col(_KEY) != pl.col(_KEY).shift(1)).fill_null(True)).drop(_KEY)


def _monthly_load(tables: Mapping[str, pl.LazyFrame], archive: pl.DataFrame) -> pl.DataFrame | None:
    """SPEC §2: the `load` table and/or interval readings aggregated per calendar month (a `load` row wins)."""
    monthly = None
    if "load" in tables:
        monthly = _first_per_month(_by_customer(tables["load"], archive, LOAD_COLUMNS))
    if "load_interval" not in tables:
        return monthly
    if monthly is not None:
        with_ids = archive.lazy().select(CUSTOMER, "customer_id").join(monthly.lazy(), on=CUSTOMER).drop(CUSTOMER)
    combined = combined_monthly_load(with_ids if monthly is not None else None, tables["load_interval"])
    return _by_customer(combined, archive, LOAD_COLUMNS).drop(_KEY)


def _split_active(frame: pl.DataFrame, archive: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    active = frame.select(pl.lit(archive.get_column("active")).gather(pl.col(CUSTOMER))).to_series()
    if active.all():
        return frame, frame.clear()
    return frame.filter(active), frame.filter(~active)


def prepare(dataset: Dataset) -> AuditData:
    """The shared frames from the readable rows of the dataset's tables; repeated customer ids (A04) are
    counted over the archive as read, unreadable rows included."""
    return build(
        {name: readable_rows(t) for name, t in dataset.tables.items()},
        present={name: t.present for name, t in dataset.tables.items()},
        archive_ids=dataset["customers"].lf.select("customer_id"),
    )


def build(
    tables: Mapping[str, pl.LazyFrame], present: Mapping[str, set[str]] | None = None, archive_ids: pl.LazyFrame | None = None
) -> AuditData:
    """The shared frames from readable rows by table name, in source order (a repeated key keeps its first
    row, an orphan is left out). `present` names the columns each input file really had; `archive_ids`
    is the customer_id of every archive row as read, for A04."""
    archive = _archive_rows(tables["customers"])
    months, cancelled = _split_active(_monthly_sums(_by_customer(tables["billing"], archive, BILL_SUMS)), archive)
    load = _monthly_load(tables, archive)
    if load is not None:
        load = _split_active(load, archive)[0]
    duplicate_ids = pl.DataFrame(schema={"customer_id": pl.String, "archive_rows": pl.Int64})
    if archive_ids is not None:
        duplicate_ids = (
            archive_ids.filter(pl.col("customer_id").is_not_null())
            .group_by("customer_id")
            .agg(archive_rows=pl.len().cast(pl.Int64))
            .filter(pl.col("archive_rows") > 1)
            .collect()
        )
    supply = tables["supply"].collect() if "supply" in tables else None
    # the flag lets windows over the customer use its runs of rows instead of hashing 35 M ids
    months, cancelled = (f.with_columns(pl.col(CUSTOMER).set_sorted()) for f in (months, cancelled))
    return AuditData(
        archive_rows=archive,
        months=months.lazy(),
        cancelled_months=cancelled.lazy(),
        load=None if load is None else load.with_columns(pl.col(CUSTOMER).set_sorted()).lazy(),
        supply=None if supply is None else supply.lazy(),
        duplicate_ids=duplicate_ids.lazy(),
        present=present,
    )
