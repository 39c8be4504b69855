"""Split every table into usable rows and rejected rows (SPEC §2 population rules).

A row is rejected when a value cannot be read, a required value is blank, it repeats a key
(duplicate customer_id in customers, duplicate customer+month in monthly load: the first row is
kept), or it belongs to a customer_id that is not in customers (an orphan). Nothing is dropped
silently: rows in = rows used + rows rejected, and the rejects carry the reason. In the archive an
unreadable optional attribute does not reject the customer: the cell is left empty and counted
(`emptied_cells`, `emptied_note`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from powercrm.io.readers import ROW, Dataset, LoadedTable, raw_name
from powercrm.io.schema import TABLES
from powercrm.notes import Note

# `file` and `row` locate the row: the table's file, or the part file of a directory table, and the row in it
REJECT_SCHEMA = {"table": pl.String, "file": pl.String, "row": pl.Int64, "customer_id": pl.String, "reason": pl.String}
REJECT_HEADERS_ZH = {"table": "表", "file": "文件", "row": "行号", "customer_id": "户号", "reason": "原因"}


def localized_rejects(rejects: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Rejected rows with Chinese headers and table names for `--lang zh` (the reason stays as written:
    it quotes the column and the cell)."""
    if lang != "zh":
        return rejects
    names = {name: table.zh[0] for name, table in TABLES.items()}
    return rejects.with_columns(pl.col("table").replace(names)).rename(REJECT_HEADERS_ZH)
_REASON = "_reason"


@dataclass
class UsableTables:
    """Lazy frames of usable rows by table name (canonical typed columns), and the rejects."""

    tables: dict[str, pl.LazyFrame]
    rejects: pl.LazyFrame
    readable: dict[str, pl.LazyFrame] = field(default_factory=dict)

    def get(self, name: str) -> pl.LazyFrame | None:
        return self.tables.get(name)


def emptied_cells(t: LoadedTable) -> pl.LazyFrame | None:
    """One row: for each column of `t.lenient`, the unreadable cells left empty (`<col>`), the first such
    row (`<col>_row`) and its text (`<col>_text`); None when the table has no such column."""
    if not t.lenient:
        return None
    file, row = t.located()
    return t.lf.select(
        expr
        for c in t.lenient
        for expr in (
            t.bad_value(c).sum().alias(c),
            row.filter(t.bad_value(c)).first().alias(f"{c}_row"),
            file.filter(t.bad_value(c)).first().alias(f"{c}_file"),
            pl.col(raw_name(c)).filter(t.bad_value(c)).first().alias(f"{c}_text"),
        )
    )


def emptied_note(t: LoadedTable, cells: pl.DataFrame) -> str | None:
    """The note on `emptied_cells`: `customers: 2 unreadable values left empty, the rows used: customer_class
    in 2 rows (first: row 5, '外星')`; None when every cell was read."""
    def part(c: str) -> str:  # a directory table's row is named by its part file
        return f"{Path(cells[f'{c}_file'].item()).relative_to(t.source)} " if t.parts else ""

    found = [(c, cells[c].item(), part(c), cells[f"{c}_row"].item(), cells[f"{c}_text"].item()) for c in t.lenient if cells[c].item()]
    if not found:
        return None
    total = sum(n for _, n, _, _, _ in found)
    listed = "; ".join(f"{c} in {n} row{'s' if n > 1 else ''} (first: {file}row {row}, {text!r})" for c, n, file, row, text in found)
    listed_zh = "；".join(f"{c} {n} 行（首行：{file}第 {row} 行，{text!r}）" for c, n, file, row, text in found)
    return Note(
        f"{t.name}: {total} unreadable value{'s' if total > 1 else ''} left empty, the rows used: {listed}",
        f"{t.name}：{total} 个无法识别的值按空值处理，所在行照常使用：{listed_zh}",
    )


def _required_blank(t: LoadedTable) -> pl.Expr:
    blank = [
        pl.when(pl.col(c).is_null()).then(pl.lit(f"{c} is blank")) for c in t.table.required_columns if c in t.present
    ]
    if t.name == "supply":
        blank.append(pl.when(pl.col("line_id").is_null() & pl.col("area_id").is_null()).then(pl.lit("line_id and area_id are blank")))
    return pl.coalesce(blank) if blank else pl.lit(None, dtype=pl.String)


def month_repeaters(rows: pl.LazyFrame, counted: pl.Expr | None = None) -> pl.LazyFrame:
    """customer_id of every customer whose rows (the `counted` ones) may repeat a period: the months as
    bits (months since year 0, modulo 63) summed per customer have fewer one-bits than there are rows
    exactly when two rows share a bit — a repeated month, or months 63 apart, which an exact test on
    these customers' rows then clears (a wrapped sum keeps fewer one-bits too). One group-by with a
    few numbers per customer, where counting distinct periods kept a hash set per customer and a
    window per customer-month held 20 GB over 35 M bills."""
    per_customer = rows.group_by("customer_id").agg(**month_bit_sums(counted))
    return per_customer.filter(may_repeat_month()).select("customer_id")


def month_bit_sums(counted: pl.Expr | None = None, suffix: str = "") -> dict[str, pl.Expr]:
    """The aggregations per customer that `month_repeaters` tests (`may_repeat_month` with the same
    `suffix`), for a caller's own group-by on customer_id."""
    month = (pl.col("period").dt.year().cast(pl.Int64) * 12 + pl.col("period").dt.month().cast(pl.Int64)) % 63
    bit = pl.lit(2, pl.Int64).pow(month)
    if counted is not None:
        bit = pl.when(counted).then(bit)
    return {f"_bits{suffix}": bit.sum(), f"_rows{suffix}": bit.count()}


def may_repeat_month(suffix: str = "") -> pl.Expr:
    """True for a customer whose `month_bit_sums` hold fewer one-bits than rows."""
    return pl.col(f"_bits{suffix}").bitwise_count_ones().cast(pl.Int64) != pl.col(f"_rows{suffix}")


def _with_duplicates(t: LoadedTable, lf: pl.LazyFrame) -> pl.LazyFrame:
    """`lf` with a repeated key among readable rows labelled in _REASON (the first readable copy, the
    lowest `_row`, is kept, so a broken first copy does not hide a good second one).

    A window over the whole key (`cum_sum().over(customer_id, period)`) builds one group per
    customer-month: 35 M groups took 64 s at 1 M customers. Keys always start with customer_id, so
    the customers that can hold a repeat are found with one cheap group-by on customer_id (rows vs
    distinct rest-of-key), the exact first-copy test runs on their rows only, and the few repeated
    rows are joined back by row number.
    """
    key = list(t.table.key)
    if not key:
        return lf
    readable = lf.filter(pl.col(_REASON).is_null())
    head, rest = key[0], key[1:]
    if key == ["customer_id", "period"]:
        suspects = month_repeaters(readable)
    elif rest:
        distinct = (pl.struct(rest) if len(rest) > 1 else pl.col(rest[0])).n_unique()
        suspects = readable.group_by(head).agg(_n=pl.len(), _u=distinct).filter(pl.col("_n") != pl.col("_u"))
    else:
        suspects = readable.group_by(head).agg(_n=pl.len()).filter(pl.col("_n") > 1)
    repeated = (
        readable.select(ROW, *key)
        .join(suspects.select(head), on=head, how="semi")
        .filter(pl.col(ROW) > pl.col(ROW).min().over(key))
        .select(ROW, _repeat=pl.lit(True))
    )
    label = "+".join(key)
    return (
        lf.join(repeated, on=ROW, how="left", maintain_order="left")
        .with_columns(pl.coalesce(_REASON, pl.when(pl.col("_repeat")).then(pl.lit(f"duplicate {label} (first row kept)"))).alias(_REASON))
        .drop("_repeat")
    )


def _has_required(t: LoadedTable) -> pl.Expr:
    """True where no required value is blank (the boolean form of `_required_blank`)."""
    filled = [pl.col(c).is_not_null() for c in t.table.required_columns if c in t.present]
    if t.name == "supply":
        filled.append(pl.col("line_id").is_not_null() | pl.col("area_id").is_not_null())
    return pl.all_horizontal(filled) if filled else pl.lit(True)


TOTAL_LABELS = ("合计", "总计", "小计", "total")


def total_row(t: LoadedTable) -> pl.Expr | None:
    """True where an archive row is a sheet's total line (customer_id `合计`, `总计`, `小计`, `Total`), which
    an export from a spreadsheet can carry below the customers; None for other tables (their totals
    have no period and are rejected as such)."""
    if not t.table.attributes or "customer_id" not in t.present:
        return None
    label = pl.col("customer_id").str.replace_all(r"\s", "").str.to_lowercase()
    return label.is_in(TOTAL_LABELS).fill_null(False)


def _row_problem(t: LoadedTable) -> pl.Expr:
    """The reason a row is unusable found in the row itself (an unreadable or a blank required value,
    a total line)."""
    total = total_row(t)
    totalled = [] if total is None else [pl.when(total).then(pl.format("customer_id '{}' is a total row", pl.col("customer_id")))]
    return pl.coalesce(t.problem(), _required_blank(t), *totalled)


def _row_readable(t: LoadedTable) -> pl.Expr:
    """True where a row has no row-local problem: the cells that decide its use read, no required value
    blank, not a total line."""
    total = total_row(t)
    return t.readable() & _has_required(t) & (pl.lit(True) if total is None else ~total)


def readable_rows(t: LoadedTable) -> pl.LazyFrame:
    """Rows with no row-local problem, canonical typed columns: repeated keys and orphans are still in.
    The text of an unreadable archive attribute left empty stays in `raw_name(column)` (A01 tells it
    from a blank cell).

    Cheap (a boolean filter on the scan: building the reason text for every row cost more than the
    group-by after it); the score run aggregates these per customer and lets orphans fall out at the
    join with customers, instead of joining 35 M rows against the customer ids.
    """
    return t.lf.filter(_row_readable(t)).drop(t.helper_columns(t.deciding))


def first_rows(t: LoadedTable) -> pl.LazyFrame:
    """The usable rows of a table checked without other tables (customers): readable rows, the first
    readable copy of a repeated key kept — the rows `usable_tables` keeps, found by one
    `is_first_distinct` instead of its group-by and join by row number (1 M customers, the scoring
    columns: about 0.65 s, not 1.2 s). Collect it in memory: the first copy is the first in row order."""
    key = list(t.table.key)
    first = (pl.struct(key) if len(key) > 1 else pl.col(key[0])).is_first_distinct() if key else pl.lit(True)
    return readable_rows(t).filter(first).drop(raw_name(c) for c in t.lenient)


def keyed_rows(t: LoadedTable) -> pl.LazyFrame:
    """Every row with canonical typed columns but customer_id as read (`LoadedTable.raw_key`), null where
    the row is not readable (see `readable_rows`): grouped per customer, such rows still count (in the
    null group) without reaching any customer, so one pass gives both the rows read and the rows used.
    The grouped ids are normalised after the reduction (`indicators.pipeline`); a blank id (`" "`) then
    joins the null group."""
    rows = t.lf if t.raw_key is None else t.raw_key
    return rows.with_columns(pl.when(_row_readable(t)).then(pl.col("customer_id")).alias("customer_id")).drop(t.helper_columns(t.fallible))


def used_rows(t: LoadedTable, known_ids: pl.LazyFrame | None) -> pl.LazyFrame:
    """One row, one column `used`: how many rows of the table `usable_tables` keeps, counted with one
    group-by on customer_id over readable rows (first copies of a repeated key, orphans left out)."""
    rows = readable_rows(t)
    if known_ids is None or "customer_id" not in t.present:
        if t.table.key:
            return rows.select(pl.struct(list(t.table.key)).n_unique().cast(pl.Int64).alias("used"))
        return rows.select(pl.len().cast(pl.Int64).alias("used"))
    rest = [k for k in t.table.key if k != "customer_id"]
    if rest:
        distinct = (pl.struct(rest) if len(rest) > 1 else pl.col(rest[0])).n_unique()
    elif t.table.key:
        distinct = pl.lit(1)
    else:
        distinct = pl.len()
    per_customer = rows.group_by("customer_id").agg(_n=distinct.cast(pl.Int64))
    return per_customer.join(known_ids, on="customer_id", how="semi").select(pl.col("_n").sum().alias("used"))


def _with_reason(t: LoadedTable, known_ids: pl.LazyFrame | None) -> pl.LazyFrame:
    lf = t.lf.with_columns(_row_problem(t).alias(_REASON))
    lf = _with_duplicates(t, lf)
    if known_ids is not None and "customer_id" in t.present:
        lf = lf.join(known_ids.select("customer_id", _known=pl.lit(True)), on="customer_id", how="left", maintain_order="left")
        orphan = pl.when(pl.col("_known").is_null()).then(pl.lit("orphan: customer_id not among the usable rows of customers"))
        lf = lf.with_columns(pl.coalesce(_REASON, orphan).alias(_REASON)).drop("_known")
    return lf


def usable_tables(dataset: Dataset) -> UsableTables:
    """Usable rows per table (lazy) and one lazy frame of rejects across tables."""
    tables: dict[str, pl.LazyFrame] = {}
    rejects: list[pl.LazyFrame] = []
    known: pl.LazyFrame | None = None
    order = sorted(dataset.tables.values(), key=lambda t: t.name != "customers")
    for t in order:
        lf = _with_reason(t, known)
        tables[t.name] = lf.filter(pl.col(_REASON).is_null()).drop(_REASON, *t.helper_columns(t.fallible))
        customer_id = pl.col("customer_id") if "customer_id" in t.lf.collect_schema() else pl.lit(None, pl.String)
        file, row = t.located()
        rejects.append(
            lf.filter(pl.col(_REASON).is_not_null()).select(
                table=pl.lit(t.name),
                file=file,
                row=row,
                customer_id=customer_id,
                reason=pl.col(_REASON),
            )
        )
        if t.name == "customers":
            known = tables["customers"].select("customer_id")
    empty = pl.LazyFrame(schema=REJECT_SCHEMA)
    readable = {t.name: readable_rows(t) for t in order}
    return UsableTables(tables, pl.concat([empty, *rejects], how="vertical_relaxed"), readable)
