"""The shared audit frames equal what the usable rows give, whatever the order of the export's rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from powercrm.audit.data import BILL_SUMS, LOAD_COLUMNS, prepare
from powercrm.io.readers import ROW, Dataset, LoadedTable
from powercrm.io.schema import TABLES
from powercrm.io.usable import usable_tables

CUSTOMERS = 200
MONTHS = 24


def _tables(seed: int = 0) -> dict[str, pl.DataFrame]:
    """Customers (some cancelled, one repeated id), bills sorted by customer with adjustment rows (up to three
    for a month, amounts whose sum depends on the order of the additions), an orphan, and monthly load with
    repeated customer-months."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:04d}" for i in range(CUSTOMERS)]
    customers = pl.DataFrame(
        {
            "customer_id": [*ids, ids[7]],
            "status": ["cancelled" if i % 9 == 0 else None for i in range(CUSTOMERS)] + ["cancelled"],
            "line_id": [f"L{i % 7}" for i in range(CUSTOMERS + 1)],
        }
    )
    periods = [dt.date(2023 + m // 12, m % 12 + 1, 1) for m in range(MONTHS)]
    rows = []
    for c in ids:
        for p in periods:
            copies = rng.choice([1, 2, 3], p=[0.9, 0.07, 0.03])
            for _ in range(copies):
                rows.append((c, p, *(rng.normal(100, 50) for _ in BILL_SUMS)))
    rows.append(("ORPHAN", periods[0], *([1.0] * len(BILL_SUMS))))
    billing = pl.DataFrame(rows, schema=["customer_id", "period", *BILL_SUMS], orient="row")
    billing = billing.with_columns(kvarh=pl.when(pl.int_range(pl.len()) % 5 > 0).then("kvarh"))  # missing stays missing
    load = billing.select("customer_id", "period", avg_load_kw=pl.col("kwh") / 3, max_load_kw=pl.col("kwh"))
    return {"customers": customers, "billing": billing, "load": load}


def _dataset(tables: dict[str, pl.DataFrame]) -> Dataset:
    dataset = Dataset({})
    for name, frame in tables.items():
        lf = frame.lazy().with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        dataset.tables[name] = LoadedTable(TABLES[name], Path(f"<{name}>"), lf, set(frame.columns), [])
    return dataset


def _in_source_order(column: str) -> pl.Expr:
    """sum_or_null with the additions in source order. (A parallel group-by adds the rows of a customer-month
    in an order that depends on the threads when they lie far apart in the file: the last bit of a sum of
    three or more bills varied with POLARS_MAX_THREADS. prepare adds them in source order, as one thread did.)"""
    return pl.when(pl.col(column).count() > 0).then(pl.col(column).drop_nulls().cum_sum().last()).alias(column)


def _reference(dataset: Dataset) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Billing summed per customer-month and the load of every archive customer, cancelled ones included,
    straight from usable_tables."""
    usable = usable_tables(dataset).tables
    months = usable["billing"].group_by("customer_id", "period").agg(_in_source_order(c) for c in BILL_SUMS)
    load = usable["load"].select("customer_id", "period", *LOAD_COLUMNS)
    return months.sort("customer_id", "period").collect(), load.sort("customer_id", "period").collect()


def _orders(frame: pl.DataFrame, seed: int) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    moved = rng.choice(frame.height, 30, replace=False)  # a few rows listed at the end, after later months
    rest = np.setdiff1d(np.arange(frame.height), moved)
    return {
        "sorted by customer": frame,
        "a few rows late": frame[np.concatenate([rest, moved])],
        "sorted by month": frame.sort("period", maintain_order=True),
        "shuffled": frame[rng.permutation(frame.height)],
    }


@pytest.mark.parametrize("order", ["sorted by customer", "a few rows late", "sorted by month", "shuffled"])
def test_months_and_load_are_the_usable_rows_per_customer_month(order):
    tables = _tables()
    tables["billing"] = _orders(tables["billing"], 1)[order]
    tables["load"] = _orders(tables["load"], 2)[order]
    dataset = _dataset(tables)
    want_months, want_load = _reference(dataset)
    data = prepare(dataset)
    months = data.archive(data.months, "customer_id", "active").collect()
    load = data.archive(data.load, "customer_id").collect()
    assert_frame_equal(months.select(want_months.columns), want_months, check_exact=True)
    assert_frame_equal(load.select(want_load.columns), want_load, check_exact=True)
    assert months.get_column("month").to_list() == [p.year * 12 + p.month - 1 for p in months.get_column("period")]
    assert not months.get_column("active").all()  # cancelled customers' months are there


def test_rows_in_used_and_rejected_agree_with_the_rejects():
    dataset = _dataset(_tables())
    data = prepare(dataset)
    rejects = dict(usable_tables(dataset).rejects.collect().group_by("table").len().iter_rows())
    assert set(data.rows) == {"customers", "billing", "load"}
    for name, rows in data.rows.items():
        assert rows["in"] == dataset[name].lf.collect().height
        assert rows["rejected"] == rejects.get(name, 0) == rows["in"] - rows["used"]
    # the repeated customer id, the orphan's bills, the repeated load months
    assert data.rows["customers"]["rejected"] == 1
    assert data.rows["billing"]["rejected"] > 0 and data.rows["load"]["rejected"] > 0


@given(st.lists(st.integers(1, 40), max_size=60), st.integers(1, 7))
def test_late_and_repeated_rows_are_found_across_blocks(keys, block):
    from powercrm.audit.data import _out_of_order

    half = len(keys) // 2  # in two chunks, as a streamed frame holds hundreds
    series = pl.concat([pl.Series(keys[:half], dtype=pl.UInt64), pl.Series(keys[half:], dtype=pl.UInt64)], rechunk=False)
    late, repeat = _out_of_order(series, block)
    largest_before = [max(keys[:i], default=0) for i in range(len(keys))]
    assert late.tolist() == [i for i, k in enumerate(keys) if k < largest_before[i]]
    assert repeat.tolist() == [i for i, k in enumerate(keys) if k == largest_before[i]]
