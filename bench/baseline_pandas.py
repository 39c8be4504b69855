"""The `powercrm score` pipeline written as typical pandas (a bench baseline, not part of powercrm).

    python -m bench.baseline_pandas DATASET_DIR OUT.parquet [--format parquet|csv]

Same population, windows, indicators, scores, value matrix, grades and credit as the DuckDB baseline
(`bench/baseline_duckdb.py`), the way an analyst writes it in pandas: read the needed columns,
groupby-sum per customer-month then per customer, merge, rank. Clean typed input assumed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.baseline_duckdb import INDICATORS, STRATEGIES, WEIGHTS


def read(data: Path, table: str, fmt: str, columns: list[str]) -> pd.DataFrame:
    if fmt == "parquet":
        return pd.read_parquet(data / f"{table}.parquet", columns=columns)
    df = pd.read_csv(data / f"{table}.csv", usecols=columns, dtype={"customer_id": str}, encoding="utf-8-sig")
    for c in ("period", "date"):
        if c in df:
            df[c] = pd.to_datetime(df[c].astype(str).str.slice(0, 7) + "-01" if c == "period" else df[c])
    return df


def score(data: Path, fmt: str) -> pd.DataFrame:
    cust = read(data, "customers", fmt, ["customer_id", "voltage_kv", "importance", "backup_power", "dual_supply", "status"])
    cust = cust[cust["customer_id"].notna()].drop_duplicates("customer_id", keep="first")
    scored = cust[cust["status"].ne("cancelled") | cust["status"].isna()].copy()

    bill = read(data, "billing", fmt, ["customer_id", "period", "kwh", "kvarh", "amount_due", "amount_paid", "late_fee", "transmission_fee"])
    bill = bill[bill["customer_id"].notna() & bill["kwh"].notna()]
    bill["period"] = pd.to_datetime(bill["period"]).dt.to_period("M")
    e = bill["period"].max()
    bill = bill[(bill["period"] >= e - 35) & (bill["period"] <= e)]
    months = bill.groupby(["customer_id", "period"])[
        ["kwh", "kvarh", "amount_due", "amount_paid", "late_fee", "transmission_fee"]
    ].sum(min_count=1).reset_index()
    m = months
    cur = m["period"] >= e - 11
    prev = (m["period"] >= e - 23) & (m["period"] <= e - 12)
    g = m.assign(
        kwh_current=m["kwh"].where(cur), kwh_previous=m["kwh"].where(prev),
        kwh_e=m["kwh"].where(m["period"] == e), kwh_e12=m["kwh"].where(m["period"] == e - 12),
        fee_current=m["transmission_fee"].where(cur), kwh_with_kvarh=m["kwh"].where(cur & m["kvarh"].notna()),
        kvarh_current=m["kvarh"].where(cur), amount_due_current=m["amount_due"].where(cur),
        late_fee_periods=(cur & (m["late_fee"] > 0)).astype(int),
    ).groupby("customer_id")
    bills = g[["kwh_current", "kwh_previous", "kwh_e", "kwh_e12", "fee_current", "kwh_with_kvarh", "kvarh_current",
               "amount_due", "amount_paid", "late_fee", "amount_due_current"]].sum(min_count=1)
    bills["late_fee_periods"] = g["late_fee_periods"].sum()
    bills = bills.rename(columns={"amount_due": "due_credit", "amount_paid": "paid_credit", "late_fee": "late_fee_credit"})

    load = read(data, "load", fmt, ["customer_id", "period", "avg_load_kw", "max_load_kw"]).dropna()
    load["period"] = pd.to_datetime(load["period"]).dt.to_period("M")
    load = load[(load["period"] >= e - 11) & (load["period"] <= e)].drop_duplicates(["customer_id", "period"], keep="first")
    loads = load.groupby("customer_id").agg(load_avg=("avg_load_kw", "mean"), load_max=("max_load_kw", "max"))

    ev = read(data, "events", fmt, ["customer_id", "date", "kind", "amount"]).dropna(subset=["customer_id", "date", "kind"])
    d = pd.to_datetime(ev["date"])
    last_day = (e + 1).to_timestamp() - pd.Timedelta(days=1)
    in_year = (d >= (e - 11).to_timestamp()) & (d <= last_day)
    ev = ev.assign(
        violations=((ev["kind"] == "violation") & (d >= (e - 35).to_timestamp()) & (d <= last_day)).astype(int),
        theft=ev["amount"].where((ev["kind"] == "theft") & in_year, 0.0),
        bounced=((ev["kind"] == "bounced_payment") & in_year).astype(int),
    ).groupby("customer_id")[["violations", "theft", "bounced"]].sum()

    x = scored.set_index("customer_id").join(bills).join(loads).join(ev)
    v = x["voltage_kv"]
    fee = np.select([v < 1, v <= 20, v <= 66, v.notna()], [0.20, 0.15, 0.10, 0.07], default=np.nan)
    x["cost_by_voltage"] = x["kwh_current"] * fee
    x["x_B11"] = x["kwh_current"]
    x["x_B21"] = (x["load_avg"] / x["load_max"]).where(x["load_max"] > 0)
    apparent = np.sqrt(x["kwh_with_kvarh"] ** 2 + x["kvarh_current"] ** 2)
    x["x_B22"] = (x["kwh_with_kvarh"] / apparent).where(apparent > 0)
    x["x_B31"] = (x["paid_credit"] / x["due_credit"]).where(x["due_credit"] > 0)
    x["x_B32"] = (x["late_fee_credit"].fillna(0) / x["due_credit"]).where(x["due_credit"] > 0)
    x["x_B41"] = ((x["kwh_current"] - x["kwh_previous"]) / x["kwh_previous"]).where(x["kwh_previous"] > 0)
    x["x_B42"] = x["kwh_e"] - x["kwh_e12"]
    fee_given = x["fee_current"].notna().any()
    x["x_B12"] = x["fee_current"] if fee_given else x["cost_by_voltage"]
    pos = x["x_B42"][x["x_B42"] > 0]
    mval = pos.quantile(0.9) if len(pos) else np.nan

    def ramp(s: pd.Series, lo: float, hi: float) -> pd.Series:
        out = ((s - lo) / (hi - lo)).where(s.notna())
        return out.mask(s <= lo, 0.0).mask(s >= hi, 1.0)

    kwh_total, cost_total = x["x_B11"].sum(), x["x_B12"].sum()
    x["B11"] = x["x_B11"] / kwh_total if kwh_total > 0 else np.nan
    x["B12"] = x["x_B12"] / cost_total if cost_total > 0 else np.nan
    x["B21"] = x["x_B21"].clip(0, 1)
    x["B22"] = ramp(x["x_B22"], 0.7, 0.9)
    x["B31"] = x["x_B31"]
    x["B32"] = ramp(-x["x_B32"], -0.5, 0.0)
    x["B41"] = ramp(x["x_B41"], 0.0, 0.3)
    x["B42"] = ramp(x["x_B42"], 0.0, mval) if not np.isnan(mval) else x["x_B42"].where(x["x_B42"] > 0, 0.0).where(x["x_B42"].notna())
    for i in INDICATORS:
        s = x[i]
        r = s.map(lambda a: a if a != a or a == 0 else round(a, 8 - int(np.floor(np.log10(abs(a))))))
        k = r.rank(method="max")
        n = r.notna().sum()
        x[f"s_{i}"] = ((5 * k + n - 1) // n).where(r.notna(), 1).astype("int8")
    x["current_value"] = (sum(WEIGHTS[i] * x[f"s_{i}"] for i in ("B11", "B12", "B21", "B22"))).round(6)
    x["potential_value"] = (sum(WEIGHTS[i] * x[f"s_{i}"] for i in ("B31", "B32", "B41", "B42"))).round(6)
    ox, oy = round(x["current_value"].mean(), 6), round(x["potential_value"].mean(), 6)
    hc, hp = x["current_value"] >= ox, x["potential_value"] >= oy
    x["segment"] = np.select([hc & hp, hp, hc], ["key", "develop", "maintain"], "low_value")
    n = len(x)
    larger = (x["current_value"] + x["potential_value"]).round(6).rank(method="min", ascending=False) - 1
    x["value_grade"] = np.select([larger * 1e6 < 1e5 * n, larger * 1e6 < 4e5 * n, larger * 1e6 < 9e5 * n],
                                 ["special", "level1", "level2"], "level3")
    amt = x["amount_due_current"]
    a_larger = amt.rank(method="min", ascending=False) - 1
    x["abc_class"] = np.select([amt.isna() | (amt <= 0), a_larger * 1e6 < 5e4 * n, a_larger * 1e6 < 2e5 * n], ["C", "A", "B"], "C")
    b31c = x["B31"].clip(0, 1)
    cs = (100 * (0.03 * b31c + 0.07 * x["B32"]) / (0.03 + 0.07) - 10 * x["violations"].fillna(0)).clip(0, 100).round(6)
    x["credit_score"] = cs
    grade = pd.Series(np.select([cs.isna(), cs >= 90, cs >= 75, cs >= 60], ["unrated", "A", "B", "C"], "D"), index=x.index)
    f_theft = x["theft"].fillna(0) >= 50000
    f_late = x["late_fee_periods"].fillna(0) >= 2
    f_bounced = x["bounced"].fillna(0) >= 2
    grade = grade.mask((f_late | f_bounced) & grade.isin(["A", "B", "unrated"]), "C").mask(f_theft, "D")
    x["credit_grade"] = grade
    flags = pd.DataFrame({"theft_50k": f_theft, "late_fee_2m": f_late, "bounced_2x": f_bounced})
    x["credit_flags"] = flags.apply(lambda r: ";".join(c for c in flags.columns if r[c]), axis=1)
    x["strategy"] = x["segment"].map(STRATEGIES)
    important = x["importance"].notna()
    a0 = amt.fillna(0)
    x["fee_level"] = pd.Series(np.select([a0 >= 1e7, a0 >= 1e6, a0 >= 1e5], ["D", "C", "B"], "A"), index=x.index).where(important)
    bp, ds = x["backup_power"].fillna(False).astype(bool), x["dual_supply"].fillna(False).astype(bool)
    x["supply_safety_level"] = pd.Series(np.select([bp & ds, ds, bp], ["A", "B", "C"], "D"), index=x.index).where(important)
    cols = [c for i in INDICATORS for c in (f"x_{i}", i, f"s_{i}")]
    return x.reset_index()[["customer_id", *cols, "current_value", "potential_value", "segment", "value_grade", "abc_class",
                            "credit_score", "credit_grade", "credit_flags", "strategy", "fee_level", "supply_safety_level"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    score(args.data, args.format).to_parquet(args.output, index=False)
    print(f"pandas {pd.__version__}: {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
