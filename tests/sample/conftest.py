"""Shared generated datasets (session-scoped: generation is deterministic, tests only read them)."""

from __future__ import annotations

import polars as pl
import pytest

from powercrm.sample import SampleData, generate, reference


@pytest.fixture(scope="session")
def data() -> SampleData:
    """1,500 customers × 36 months: large enough for every injected variant."""
    return generate(1500, 36, 42)


@pytest.fixture(scope="session")
def findings(data: SampleData) -> pl.DataFrame:
    """Every finding of the reference rules on `data`, period as YYYY-MM."""
    found = reference.findings(data.customers, data.billing, data.load, data.supply)
    return found.with_columns(period=pl.col("period").dt.strftime("%Y-%m"))
