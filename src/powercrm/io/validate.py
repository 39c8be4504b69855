"""`powercrm validate`: every table checked against the schema of SPEC §2.

Errors make rows or tables unusable; warnings are suspicious but usable. Each problem names the
table, column, check, how many rows, the first source rows and an example value. All row checks of
a table are one aggregation over one scan.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

import polars as pl

from powercrm.io.readers import ROW, Dataset, LoadedTable, raw_name
from powercrm.io.schema import Kind

MAX_ROWS_SHOWN = 5
_KIND_WORDS = {Kind.FLOAT: "number", Kind.INT: "whole number", Kind.VOLTAGE: "voltage", Kind.PERIOD: "period (month)"}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass
class Problem:
    severity: Severity
    table: str
    column: str | None
    check: str
    message: str
    count: int = 0
    rows: list[int] = field(default_factory=list)
    example: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """The problem as one line: `billing.kwh: unparsable number in 1 row (row 7: 'abc')`."""
        where = f"{self.table}.{self.column}" if self.column else self.table
        rows = ", ".join(map(str, self.rows))
        more = ", …" if self.count > len(self.rows) else ""
        detail = f" (row{'s' if len(self.rows) > 1 else ''} {rows}{more}" if self.rows else ""
        if detail and self.example is not None:
            detail += f": {self.example!r}"
        detail += ")" if detail else ""
        counted = f" in {self.count} row{'s' if self.count != 1 else ''}" if self.count else ""
        return f"{self.severity}: {where}: {self.message}{counted}{detail}"


@dataclass(frozen=True)
class _Check:
    severity: Severity
    column: str | None
    check: str
    message: str
    condition: pl.Expr
    example: pl.Expr | None


def _value_checks(t: LoadedTable) -> list[_Check]:
    checks: list[_Check] = []
    for name in t.fallible:
        col = t.table.column(name)
        if col.kind is Kind.ENUM:
            message = f"not a known {name} (expected {', '.join(col.values)} or a Chinese name)"
            check = "domain"
        else:
            message = f"unparsable {_KIND_WORDS.get(col.kind, col.kind.value)}"
            check = "unparsable"
        checks.append(_Check(Severity.ERROR, name, check, message, t.bad_value(name), pl.col(raw_name(name))))
    for name in t.table.required_columns:
        if name in t.present:
            missing = pl.col(name).is_null() & ~(t.bad_value(name) if name in t.fallible else pl.lit(False))
            checks.append(_Check(Severity.ERROR, name, "required", "required value is blank", missing, None))
    if t.table.key and set(t.table.key) <= t.present:
        key = list(t.table.key)
        # judged among readable rows, as `usable_tables` does: a broken first copy does not hide a good second
        readable = t.problem().is_null() & pl.all_horizontal(pl.col(c).is_not_null() for c in t.table.required_columns if c in t.present)
        dup = readable & (readable.cast(pl.Int32).cum_sum().over(key) > 1)
        example = pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=" ")
        label = "+".join(key)
        checks.append(_Check(Severity.ERROR, label, "duplicate", f"duplicate {label} (first row kept)", dup, example))
    for name in ("kwh", "kvarh", "supplied_kwh", "load_kw", "avg_load_kw", "max_load_kw"):
        if name in t.present:
            checks.append(
                _Check(Severity.WARNING, name, "negative", "negative energy or load", pl.col(name) < 0, pl.col(name))
            )
    if t.name == "billing" and {"customer_id", "period"} <= t.present:
        several = (pl.len().over("customer_id", "period") > 1) & pl.col("period").is_not_null()
        example = pl.concat_str(pl.col("customer_id"), pl.col("period").dt.strftime("%Y-%m"), separator=" ")
        checks.append(
            _Check(
                Severity.WARNING,
                "customer_id+period",
                "several_rows",
                "several billing rows for one customer-month (adjustment bills; they are summed)",
                several,
                example,
            )
        )
    return checks


def _aggregate(t: LoadedTable, checks: list[_Check]) -> pl.LazyFrame:
    exprs = []
    for i, c in enumerate(checks):
        exprs.append(c.condition.sum().alias(f"n{i}"))
        exprs.append(pl.col(ROW).filter(c.condition).head(MAX_ROWS_SHOWN).implode().alias(f"r{i}"))
        ex = c.example if c.example is not None else pl.lit(None, dtype=pl.String)
        exprs.append(ex.cast(pl.String).filter(c.condition).first().alias(f"e{i}"))
    return t.lf.select(exprs)


def _orphans(t: LoadedTable, customers: LoadedTable) -> pl.LazyFrame:
    known = customers.lf.select(pl.col("customer_id").unique(), _known=pl.lit(True))
    rows = t.lf.select(ROW, "customer_id").join(known, on="customer_id", how="left")
    orphan = pl.col("_known").is_null() & pl.col("customer_id").is_not_null()
    return rows.select(
        n0=orphan.sum(),
        r0=pl.col(ROW).filter(orphan).head(MAX_ROWS_SHOWN).implode(),
        e0=pl.col("customer_id").filter(orphan).first(),
    )


def validate(dataset: Dataset) -> list[Problem]:
    """Every structural and row problem of the dataset, errors first."""
    problems = [Problem(Severity.ERROR, "dataset", None, "structure", msg) for msg in dataset.structural]
    plans: list[pl.LazyFrame] = []
    meta: list[tuple[LoadedTable, list[_Check]]] = []
    for t in dataset.tables.values():
        checks = _value_checks(t)
        if checks:
            plans.append(_aggregate(t, checks))
            meta.append((t, checks))
    customers = dataset.tables.get("customers")
    orphan_tables = [
        t for t in dataset.tables.values() if t.name != "customers" and "customer_id" in t.present
    ] if customers is not None and "customer_id" in customers.present else []
    for t in orphan_tables:
        plans.append(_orphans(t, customers))
        meta.append(
            (
                t,
                [
                    _Check(
                        Severity.WARNING,
                        "customer_id",
                        "orphan",
                        "customer_id not in customers (row left out of every total)",
                        pl.lit(True),
                        None,
                    )
                ],
            )
        )
    for (t, checks), result in zip(meta, pl.collect_all(plans), strict=True):
        row = result.row(0, named=True)
        for i, c in enumerate(checks):
            if row[f"n{i}"]:
                problems.append(
                    Problem(
                        c.severity,
                        t.name,
                        c.column,
                        c.check,
                        c.message,
                        int(row[f"n{i}"]),
                        list(row[f"r{i}"]),
                        row[f"e{i}"],
                    )
                )
    problems.sort(key=lambda p: p.severity != Severity.ERROR)
    return problems
