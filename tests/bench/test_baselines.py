"""The DuckDB and polars baselines' exact paths (month-level billing quantities, first rows) against powercrm score.

The bench datasets never mix bills with and without kvarh in a month, never refund a late fee and never
repeat a load month or a customer, so the baseline's fallbacks for those cases run here on a perturbed
1k sample; each perturbation changes the result if handled row by row.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("duckdb") is None, reason="bench extra not installed (pip install -e '.[bench]')"
)

import polars as pl  # noqa: E402

POWERCRM = str(Path(sys.executable).with_name("powercrm"))  # the console script beside this interpreter
CURRENT = pl.col("period") >= dt.date(2025, 1, 1)  # the sample ends in 2025-12


def _perturb(data) -> dict[str, list[str]]:
    billing = pl.read_parquet(data / "billing.parquet")
    load = pl.read_parquet(data / "load.parquet")
    customers = pl.read_parquet(data / "customers.parquet")
    ids = customers["customer_id"].to_list()
    late = billing.filter(CURRENT & (pl.col("late_fee") > 0))["customer_id"].unique().to_list()
    kvarh_ids, refund_ids = ids[0:5], [c for c in ids[5:100] if c not in late][:5]
    load_ids, repeated_ids = ids[100:105], ids[200:205]
    extra = []
    # a bill without kvarh in a month with kvarh: its kWh counts in the power factor
    for cid in kvarh_ids:
        row = billing.filter((pl.col("customer_id") == cid) & (pl.col("period") == dt.date(2025, 6, 1))).head(1)
        extra.append(row.with_columns(kwh=pl.lit(5000.0), kvarh=pl.lit(None, pl.Float64)))
    # January's late fee is refunded (sum 0: no late-fee period), February has two fees (one period):
    # 1 period, so no late_fee_2m flag; row by row it would be 2 months or 3 bills
    for cid in refund_ids:
        row = billing.filter((pl.col("customer_id") == cid) & (pl.col("period") == dt.date(2025, 1, 1))).head(1)
        fee = row.with_columns(late_fee=pl.lit(7.5), kwh=pl.lit(0.0), kvarh=pl.lit(0.0), amount_due=pl.lit(0.0),
                               amount_paid=pl.lit(0.0), transmission_fee=pl.lit(0.0))
        feb = fee.with_columns(period=pl.lit(dt.date(2025, 2, 1)))
        extra += [fee, fee.with_columns(late_fee=pl.lit(-7.5)), feb, feb]
    billing = pl.concat([billing, *extra])
    # a repeated load month: the first row counts, not the later one with 9x the maximum
    repeats = load.filter(pl.col("customer_id").is_in(load_ids) & CURRENT).group_by("customer_id").head(1)
    load = pl.concat([load, repeats.with_columns(max_load_kw=pl.col("max_load_kw") * 9)])
    # a repeated customer_id: the first row counts, not the later cancelled copy
    again = customers.filter(pl.col("customer_id").is_in(repeated_ids)).with_columns(status=pl.lit("cancelled"))
    customers = pl.concat([customers, again])
    billing.write_parquet(data / "billing.parquet")
    load.write_parquet(data / "load.parquet")
    customers.write_parquet(data / "customers.parquet")
    return {"kvarh": kvarh_ids, "refund": refund_ids, "load": load_ids, "repeated": repeated_ids}


@pytest.mark.parametrize("baseline", ["bench.baseline_duckdb", "bench.baseline_polars"])
def test_baseline_matches_powercrm_on_month_level_cases(tmp_path, baseline):
    data = tmp_path / "data"
    subprocess.run([POWERCRM, "sample", str(data), "--customers", "1000", "--months", "36", "--seed", "3",
                    "--format", "parquet"], check=True, stdout=subprocess.DEVNULL)
    ids = _perturb(data)
    expected, actual = tmp_path / "powercrm.parquet", tmp_path / "baseline.parquet"
    subprocess.run([POWERCRM, "score", str(data), "-o", str(expected), "--quiet"], check=True)
    subprocess.run([sys.executable, "-m", baseline, str(data), str(actual)], check=True)
    check = subprocess.run([sys.executable, "-m", "bench.compare", str(expected), str(actual)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    out = pl.read_parquet(actual)
    by_id = {r["customer_id"]: r for r in out.iter_rows(named=True)}
    bills = pl.read_parquet(data / "billing.parquet").filter(CURRENT)
    for cid in ids["kvarh"]:  # month-level: every kWh of the customer's current window has a kvarh month
        mine = bills.filter(pl.col("customer_id") == cid)
        kwh, kvarh = mine["kwh"].sum(), mine["kvarh"].sum()
        assert by_id[cid]["x_B22"] == pytest.approx(kwh / math.hypot(kwh, kvarh), rel=1e-12)
    for cid in ids["refund"]:
        assert "late_fee_2m" not in (by_id[cid]["credit_flags"] or "")
    load = pl.read_parquet(data / "load.parquet").filter(CURRENT)
    for cid in ids["load"]:  # row by row, the 9x copy would be the maximum
        assert by_id[cid]["x_B21"] > load.filter(pl.col("customer_id") == cid)["avg_load_kw"].mean() / load.filter(
            pl.col("customer_id") == cid)["max_load_kw"].max()
    assert all(cid in by_id for cid in ids["repeated"])  # the first copy (active) is scored
