"""Split every table into usable rows and rejected rows (SPEC §2 population rules).

A row is rejected when a value cannot be read, a required value is blank, it repeats a key
(duplicate customer_id in customers, duplicate customer+month in monthly load: the first row is
kept), or it belongs to a customer_id that is not in customers (an orphan). Nothing is dropped
silently: rows in = rows used + rows rejected, and the rejects carry the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from powercrm.io.readers import ROW, Dataset, LoadedTable

REJECT_SCHEMA = {"table": pl.String, "row": pl.Int64, "customer_id": pl.String, "reason": pl.String}
_REASON = "_reason"


@dataclass
class UsableTables:
    """Lazy frames of usable rows by table name (canonical typed columns), and the rejects."""

    tables: dict[str, pl.LazyFrame]
    rejects: pl.LazyFrame

    def get(self, name: str) -> pl.LazyFrame | None:
        return self.tables.get(name)


def _required_blank(t: LoadedTable) -> pl.Expr:
    blank = [
        pl.when(pl.col(c).is_null()).then(pl.lit(f"{c} is blank")) for c in t.table.required_columns if c in t.present
    ]
    if t.name == "supply":
        blank.append(pl.when(pl.col("line_id").is_null() & pl.col("area_id").is_null()).then(pl.lit("line_id and area_id are blank")))
    return pl.coalesce(blank) if blank else pl.lit(None, dtype=pl.String)


def _duplicate(t: LoadedTable) -> pl.Expr:
    """A repeated key among readable rows (the first readable copy is kept, so a broken first copy
    does not hide a good second one)."""
    key = list(t.table.key)
    if not key:
        return pl.lit(None, dtype=pl.String)
    readable_copies = pl.col(_REASON).is_null().cast(pl.Int32).cum_sum().over(key)
    label = "+".join(key)
    return pl.when(pl.col(_REASON).is_null() & (readable_copies > 1)).then(pl.lit(f"duplicate {label} (first row kept)"))


def _with_reason(t: LoadedTable, known_ids: pl.LazyFrame | None) -> pl.LazyFrame:
    lf = t.lf.with_columns(pl.coalesce(t.problem(), _required_blank(t)).alias(_REASON))
    lf = lf.with_columns(pl.coalesce(_REASON, _duplicate(t)).alias(_REASON))
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
        tables[t.name] = lf.filter(pl.col(_REASON).is_null()).drop(_REASON, *[f"_raw_{c}" for c in t.fallible])
        customer_id = pl.col("customer_id") if "customer_id" in t.lf.collect_schema() else pl.lit(None, pl.String)
        rejects.append(
            lf.filter(pl.col(_REASON).is_not_null()).select(
                table=pl.lit(t.name),
                row=pl.col(ROW),
                customer_id=customer_id,
                reason=pl.col(_REASON),
            )
        )
        if t.name == "customers":
            known = tables["customers"].select("customer_id")
    empty = pl.LazyFrame(schema=REJECT_SCHEMA)
    return UsableTables(tables, pl.concat([empty, *rejects], how="vertical_relaxed"))
