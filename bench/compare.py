"""Compare a baseline's score table with powercrm's (same customers, same values within a tolerance)."""

from __future__ import annotations

import sys

import polars as pl

NUMERIC_TOL = 1e-12


def compare(expected_path: str, actual_path: str) -> dict[str, int]:
    """Number of rows differing per column (numbers compared with a relative tolerance)."""
    a = pl.read_parquet(expected_path)
    b = pl.read_parquet(actual_path)
    if set(a["customer_id"]) != set(b["customer_id"]):
        raise SystemExit(f"different customers: {a.height} vs {b.height}")
    j = a.join(b, on="customer_id", suffix="_b")
    out = {}
    for c in a.columns:
        if c == "customer_id" or c + "_b" not in j.columns:
            continue
        x, y = pl.col(c), pl.col(c + "_b")
        if a.schema[c].is_numeric():
            x, y = x.cast(pl.Float64), y.cast(pl.Float64)
            same = (x.is_null() & y.is_null()) | ((x - y).abs() <= NUMERIC_TOL * pl.max_horizontal(x.abs(), y.abs(), 1.0))
        else:
            same = x.eq_missing(y) | (x.is_null() & (y == "")) | ((x == "") & y.is_null())
        out[c] = int(j.select((~same.fill_null(False)).sum()).item())
    return out


if __name__ == "__main__":
    diffs = compare(sys.argv[1], sys.argv[2])
    bad = {k: v for k, v in diffs.items() if v}
    print("identical within tolerance" if not bad else f"differences: {bad}")
    sys.exit(1 if bad else 0)
