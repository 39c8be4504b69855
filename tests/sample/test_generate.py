"""Determinism, row counts and the canonical schema of the generated frames."""

from __future__ import annotations

import polars as pl
import pytest

from powercrm.errors import UsageError
from powercrm.io.schema import TABLES
from powercrm.sample import SampleData, generate, parse_period_end


def test_same_seed_gives_identical_frames(data: SampleData) -> None:
    again = generate(1500, 36, 42)
    for name, df in data.tables().items():
        assert df.equals(again.tables()[name]), name
    assert data.ground_truth.equals(again.ground_truth)


def test_different_seed_gives_different_data() -> None:
    a, b = generate(200, 12, 1), generate(200, 12, 2)
    assert not a.billing["kwh"].equals(b.billing["kwh"])
    assert not a.customers["name"].equals(b.customers["name"])


def test_interval_option_does_not_change_the_other_tables() -> None:
    plain, with_interval = generate(150, 12, 7), generate(150, 12, 7, interval_days=3)
    for name, df in plain.tables().items():
        assert df.equals(with_interval.tables()[name]), name


def test_schema_matches_powercrm_io_schema(data: SampleData) -> None:
    for name, df in data.tables().items():
        table = TABLES[name]
        assert df.columns == table.names, name
        for col in table.columns:
            assert df.schema[col.name] == col.dtype, (name, col.name, df.schema[col.name])


def test_row_counts(data: SampleData) -> None:
    n, months = 1500, 36
    c, billing, load = data.customers, data.billing, data.load
    assert c.height == n and c["customer_id"].n_unique() == n
    cancelled = c.filter(pl.col("status") == "cancelled")
    assert 0 < cancelled.height < 0.1 * n
    # one load row per customer-month with a bill; cancelled customers stop before the end
    per_customer = load.group_by("customer_id").len().join(c.select("customer_id", "status"), on="customer_id")
    assert per_customer.height == n
    assert load.select(pl.struct("customer_id", "period").n_unique()).item() == load.height
    assert (per_customer.filter(pl.col("status") == "active")["len"] == months).all()
    assert per_customer.filter(pl.col("status") == "cancelled")["len"].is_between(1, months - 1).all()
    # billing: the same customer-months plus a few adjustment rows (退补) for existing customer-months
    months_billed = billing.select(pl.struct("customer_id", "period").n_unique()).item()
    assert months_billed == load.height
    extra = billing.height - load.height
    assert 0 < extra < 0.01 * load.height
    # supply: one row per line and month
    assert data.supply.select(pl.struct("line_id", "period").n_unique()).item() == data.supply.height


def test_periods_are_first_of_month_and_end_at_period_end() -> None:
    d = generate(50, 6, 3, period_end="2024-03")
    periods = d.billing["period"].unique().sort()
    assert periods.dt.day().unique().to_list() == [1]
    assert str(periods[0]) == "2023-10-01" and str(periods[-1]) == "2024-03-01"


def test_ids_are_text_with_leading_zeros(data: SampleData) -> None:
    assert data.customers["customer_id"][0] == "0033000001"
    assert data.customers["meter_id"].drop_nulls().str.len_chars().unique().to_list() == [18]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"customers": 0}, "--customers"),
        ({"customers": -5}, "--customers"),
        ({"months": 0}, "--months"),
        ({"seed": -1}, "--seed"),
        ({"interval_days": -1}, "--interval-days"),
        ({"period_end": "2025-13"}, "--period-end"),
        ({"period_end": "December"}, "--period-end"),
    ],
)
def test_bad_options_raise_usage_error(kwargs: dict, needle: str) -> None:
    args = {"customers": 10, "months": 3, "seed": 1} | kwargs
    with pytest.raises(UsageError, match=needle):
        generate(args.pop("customers"), args.pop("months"), args.pop("seed"), **args)


def test_period_end_spellings() -> None:
    assert str(parse_period_end("2024-06")) == "2024-06-01"
    assert str(parse_period_end("202406")) == "2024-06-01"
    assert str(parse_period_end("2024/6")) == "2024-06-01"


def test_tiny_datasets_work() -> None:
    """One customer, one month: no room for most anomalies, but valid tables."""
    d = generate(1, 1, 0)
    assert d.customers.height == 1 and d.billing.height >= 1
    d = generate(30, 2, 0, anomalies=False)
    assert d.ground_truth.height == 0
