"""Builders for small typed input frames: rows as dicts, canonical dtypes from the schema."""

from __future__ import annotations

import datetime as dt

import polars as pl

from powercrm.io.schema import TABLES


def month(text: str) -> dt.date:
    """`2024-06` → the first of that month, as readers store a period."""
    year, mon = text.split("-")
    return dt.date(int(year), int(mon), 1)


def table(name: str, rows: list[dict]) -> pl.LazyFrame:
    """A lazy table of the given rows; only the columns the rows use, with canonical dtypes."""
    used = {key for row in rows for key in row}
    schema = {c.name: c.dtype for c in TABLES[name].columns if c.name in used}
    return pl.LazyFrame([tuple(row.get(k) for k in schema) for row in rows], schema=schema, orient="row")
