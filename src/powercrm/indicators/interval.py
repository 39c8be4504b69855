"""Interval load readings → monthly load statistics (SPEC §2 `load_interval`).

A reading belongs to the calendar month of its timestamp; avg_load_kw is the mean and
max_load_kw the maximum of that month's readings. Customer-local: grouped by customer and month.
"""

from __future__ import annotations

import polars as pl


def monthly_load(readings: pl.LazyFrame) -> pl.LazyFrame:
    """customer_id, period (first of month), avg_load_kw, max_load_kw from customer_id, timestamp, load_kw."""
    return (
        readings.filter(pl.col("timestamp").is_not_null() & pl.col("load_kw").is_not_null())
        .group_by("customer_id", pl.col("timestamp").dt.truncate("1mo").cast(pl.Date).alias("period"))
        .agg(avg_load_kw=pl.col("load_kw").mean(), max_load_kw=pl.col("load_kw").max())
    )


def combined_monthly_load(monthly: pl.LazyFrame | None, readings: pl.LazyFrame | None) -> pl.LazyFrame | None:
    """Monthly statistics from both sources; where both give a customer-month, the `load` table's row wins
    (it is the metering system's own statistic, the readings may be incomplete)."""
    columns = ["customer_id", "period", "avg_load_kw", "max_load_kw"]
    if readings is None:
        return monthly.select(columns) if monthly is not None else None
    from_readings = monthly_load(readings).select(columns)
    if monthly is None:
        return from_readings
    monthly = monthly.select(columns)
    return pl.concat([monthly, from_readings.join(monthly, on=["customer_id", "period"], how="anti")])
