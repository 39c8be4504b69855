"""The `powercrm score` pipeline written plainly as DuckDB SQL (a bench baseline, not part of powercrm).

    python -m bench.baseline_duckdb DATASET_DIR OUT.parquet [--format parquet|csv] [--threads N]

Same population, windows, indicators, 1–5 scores, value matrix, grades and credit as SPEC §2–§6 with
the default configuration, written as a strong analyst writes it for DuckDB. It assumes clean typed
input (the bench datasets): no parsing of Chinese spellings, no reject report. `--explain` prints
the physical plan instead of running it; `--analyze` runs it under EXPLAIN ANALYZE.

What makes it fast (1M customers x 36 months Parquet, 35.6 M bills, 2 cores; see the commit for figures):

- E (the latest billed month) comes first, from billing's period, customer_id and kwh columns only
  (~0.2 s at 1M). Every window is then a DATE literal: DuckDB pushes it into the Parquet scans and
  compares dates, with no `date_trunc` on each of 35 M rows.
- Billing is aggregated in one group-by on customer_id with FILTER sums (Σ over months of monthly
  sums is Σ over rows), not per customer-month first: that group-by had 35 M groups at 1M
  customers and took most of the time and memory. The two month-level quantities are computed per
  row as well: the months with a positive late fee as a set of month bits (a month counts once
  however many bills it has), and the kWh of the bills with kvarh. They equal the month-level form
  unless a current-window month mixes bills with and without kvarh, or a late fee is negative (a
  refund); those customers (none in the bench data) are flagged and recomputed from monthly sums on
  their own rows (`bill_months`).
- Load likewise: one group-by on customer_id; a repeated customer-month (its first row counts) is
  found as rows > distinct months, and only those customers are regrouped by month (`load_months`).
- Scores without a window sort per indicator: ceil(5k/N) (k = values <= v, N = non-null values) is
  1 + #{j in 1..4 : v >= the (⌊jN/5⌋+1)-th smallest value}, so each indicator needs four cut points
  from one sorted list. The grades likewise: G < share <=> T >= the ceil(share·N)-th largest T.
- Only the columns used are read; preserve_insertion_order is off (the output order is free).

Two optimizers are disabled, both found with EXPLAIN ANALYZE at 1M (figures from one profiled run
each, same machine and hour):

- `partitioned_execution` (new in DuckDB 2.0) split the billing and the load group-by, each sitting
  on a plain Parquet scan, into a UNION of 4 customer_id-range branches (the files are sorted by
  customer_id and carry min/max statistics). Billing's branches read disjoint row groups, but each
  of load's read the whole current window again (4 x 11.7 M rows): 1.91 GB read instead of
  1.04 GB, 20.0 s CPU instead of 14.6 s.
- `build_side_probe_side` built the `bill_months` join's hash table on the 11.7 M current-window
  bills instead of on the flagged customers (DuckDB has no distinct count for customer_id, so it
  guesses the flagged set large), so the exact path re-read the current window on every run:
  1.26 GB read, 18.7 s CPU. With the build side as written (the flagged customers, none here), the
  probe scan stops after its first vector.

EXPLAIN of the score statement, 100k and 1M: one READ_PARQUET per table (billing: 8 columns, load:
4, customers: 7, events: 4), plus one each for `bill_months` and `load_months`, which read about
one vector (~1,400 rows) when no customer is flagged; the E query reads billing's period,
customer_id and kwh before it. No UNION, so nothing split.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import duckdb

WEIGHTS = {"B11": 0.257, "B12": 0.11, "B21": 0.12, "B22": 0.18, "B31": 0.03, "B32": 0.07, "B41": 0.14, "B42": 0.093}
STRATEGIES = {
    "key": "integrated energy solutions, demand-side management, long-term partnership",
    "develop": "technical support, learn the customer's needs, grow current usage",
    "maintain": "keep with professional, convenient service at low cost",
    "low_value": "basic service only, minimise the cost to serve",
}
INDICATORS = list(WEIGHTS)


def source(data: Path, table: str, fmt: str, row_number: bool = False) -> str:
    if fmt == "parquet":
        return f"read_parquet('{data / (table + '.parquet')}'{', file_row_number = true' if row_number else ''})"
    # the sample's CSV files are UTF-8 with a BOM; ids stay text (DuckDB 2.0 rejects types for absent
    # columns); a period is written YYYY-MM
    text = ["customer_id"] + (["line_id", "area_id", "meter_id", "phone", "id_number"] if table == "customers" else [])
    text += ["period"] if table in ("billing", "load") else []
    types = ", ".join(f"'{c}': 'VARCHAR'" for c in text)
    period = " REPLACE (CAST(period || '-01' AS DATE) AS period)" if "period" in text else ""
    return (
        f"(SELECT *{period}{', row_number() OVER () - 1 AS file_row_number' if row_number else ''} "
        f"FROM read_csv('{data / (table + '.csv')}', header = true, types = {{{types}}}))"
    )


def period_end_sql(data: Path, fmt: str) -> str:
    """E: the latest month holding a bill with a customer and a kWh value."""
    return (
        f"SELECT CAST(date_trunc('month', max(period)) AS DATE) FROM {source(data, 'billing', fmt)} "
        "WHERE customer_id IS NOT NULL AND kwh IS NOT NULL"
    )


def month(e: dt.date, offset: int) -> str:
    """The first day of month E + offset as a SQL DATE literal."""
    i = e.year * 12 + e.month - 1 + offset
    return f"DATE '{i // 12:04d}-{i % 12 + 1:02d}-01'"


def score_sql(data: Path, fmt: str, e: dt.date) -> str:
    """One SELECT from the files to the SPEC §8 table (English codes), for period end E."""
    cust = source(data, "customers", fmt, row_number=True)
    bill = source(data, "billing", fmt)
    load = source(data, "load", fmt, row_number=True)
    events = source(data, "events", fmt)
    # windows as [first day, first day after): current E-11..E, previous E-23..E-12, credit E-35..E
    end, cur, prev, e12, credit = month(e, 1), month(e, -11), month(e, -23), month(e, -12), month(e, -35)
    e_month = month(e, 0)
    usable_bill = f"customer_id IS NOT NULL AND kwh IS NOT NULL AND period >= {credit} AND period < {end}"
    usable_load = (
        "customer_id IS NOT NULL AND avg_load_kw IS NOT NULL AND max_load_kw IS NOT NULL "
        f"AND period >= {cur} AND period < {end}"
    )
    cur_value = " + ".join(f"{WEIGHTS[i]} * s_{i}" for i in ("B11", "B12", "B21", "B22"))
    pot_value = " + ".join(f"{WEIGHTS[i]} * s_{i}" for i in ("B31", "B32", "B41", "B42"))
    rounded = ",\n    ".join(  # 9 significant digits, so equal values tie whatever the summation order
        f"CASE WHEN {i} IS NULL OR {i} = 0 THEN {i} ELSE round({i}, CAST(8 - floor(log10(abs({i}))) AS INTEGER)) END AS r_{i}"
        for i in INDICATORS
    )
    sorted_values = ",\n    ".join(f"list_sort(list(r_{i}) FILTER (r_{i} IS NOT NULL)) AS {i}" for i in INDICATORS)
    # the (⌊jN/5⌋+1)-th smallest value, j = 1..4 (DuckDB lists are 1-based)
    cut_points = ",\n    ".join(f"{i}[{j} * len({i}) // 5 + 1] AS c{j}_{i}" for i in INDICATORS for j in range(1, 5))
    score_cols = ",\n    ".join(
        f"CASE WHEN r_{i} IS NULL THEN 1 ELSE 1 + "
        + " + ".join(f"CAST(r_{i} >= c{j}_{i} AS INTEGER)" for j in range(1, 5))
        + f" END AS s_{i}"
        for i in INDICATORS
    )
    # value grade and ABC class: cumulative shares in parts per million (decisions: integer ppm, no float)
    value_shares = {"special": 100_000, "level1": 400_000, "level2": 900_000}
    abc_shares = {"A": 50_000, "B": 200_000}
    grade_cuts = ",\n    ".join(
        [f"t_desc[({ppm} * n + 999999) // 1000000] AS t_{g}" for g, ppm in value_shares.items()]
        + [f"coalesce(amount_desc[({ppm} * n + 999999) // 1000000], '-infinity') AS amount_{g}" for g, ppm in abc_shares.items()]
    )
    value_grade = " ".join(f"WHEN t >= t_{g} THEN '{g}'" for g in value_shares)
    abc_class = " ".join(f"WHEN amount >= amount_{g} THEN '{g}'" for g in abc_shares)
    strategy = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STRATEGIES.items()).replace("'s ", "''s ")
    return f"""
WITH customers AS (            -- a repeated customer_id keeps its first row
  SELECT customer_id,
         arg_min(voltage_kv, file_row_number) AS voltage_kv,
         arg_min(importance, file_row_number) AS importance,
         arg_min(backup_power, file_row_number) AS backup_power,
         arg_min(dual_supply, file_row_number) AS dual_supply,
         arg_min(status, file_row_number) AS status
  FROM {cust} WHERE customer_id IS NOT NULL GROUP BY customer_id
), scored AS (
  SELECT * FROM customers WHERE status IS DISTINCT FROM 'cancelled'
), bill_rows AS (
  SELECT customer_id, period, kwh, kvarh, amount_due, amount_paid, late_fee, transmission_fee, period >= {cur} AS cur
  FROM {bill} WHERE {usable_bill}
), bills AS (                  -- one group-by per customer over the credit window
  SELECT customer_id,
    sum(kwh) FILTER (cur) AS kwh_current,
    sum(kwh) FILTER (period >= {prev} AND period < {cur}) AS kwh_previous,
    sum(kwh) FILTER (period >= {e_month}) AS kwh_e,
    sum(kwh) FILTER (period >= {e12} AND period < {cur}) AS kwh_e12,
    sum(transmission_fee) FILTER (cur) AS fee_current,
    sum(kvarh) FILTER (cur) AS kvarh_current,
    sum(amount_due) AS due_credit, sum(amount_paid) AS paid_credit, sum(late_fee) AS late_fee_credit,
    sum(amount_due) FILTER (cur) AS amount_due_current,
    -- the two month-level quantities in their row-level form: kWh of the bills with kvarh, and the
    -- months with a positive late fee as a set of month bits (a month counts once)
    sum(kwh) FILTER (cur AND kvarh IS NOT NULL) AS kwh_with_kvarh,
    coalesce(bit_count(bit_or(1 << month(period)) FILTER (cur AND late_fee > 0)), 0) AS late_fee_periods,
    -- they differ from the month-level form only with a bill without kvarh among bills with kvarh,
    -- or a negative late fee (a refund) in the current window
    coalesce(bool_or(kvarh IS NULL) FILTER (cur) AND sum(kvarh) FILTER (cur) IS NOT NULL, false)
      OR coalesce(bool_or(late_fee < 0) FILTER (cur), false) AS month_level
  FROM bill_rows GROUP BY customer_id
), bill_months AS (            -- for those customers only: the month-level form from monthly sums
  SELECT customer_id, sum(kwh) FILTER (kvarh IS NOT NULL) AS kwh_with_kvarh, count(*) FILTER (late_fee > 0) AS late_fee_periods
  FROM (SELECT customer_id, date_trunc('month', period) AS m, sum(kwh) AS kwh, sum(kvarh) AS kvarh, sum(late_fee) AS late_fee
        FROM {bill} JOIN (SELECT customer_id FROM bills WHERE month_level) USING (customer_id)
        WHERE kwh IS NOT NULL AND period >= {cur} AND period < {end}
        GROUP BY customer_id, m)
  GROUP BY customer_id
), loads AS (                  -- mean of monthly avg, max of monthly max, and whether a month has several rows
  SELECT customer_id, avg(avg_load_kw) AS load_avg, max(max_load_kw) AS load_max,
         count(*) > bit_count(bit_or(1 << month(period))) AS repeated_month
  FROM {load} WHERE {usable_load} GROUP BY customer_id
), load_months AS (            -- for those customers only: a repeated customer-month keeps its first row
  SELECT customer_id, avg(avg_kw) AS load_avg, max(max_kw) AS load_max
  FROM (SELECT customer_id, date_trunc('month', period) AS m,
               arg_min(avg_load_kw, file_row_number) AS avg_kw, arg_min(max_load_kw, file_row_number) AS max_kw
        FROM {load} JOIN (SELECT customer_id FROM loads WHERE repeated_month) USING (customer_id)
        WHERE {usable_load}
        GROUP BY customer_id, m)
  GROUP BY customer_id
), ev AS (                     -- events of the credit window; "last 12 months" = first day of E-11 to last day of E
  SELECT customer_id,
    count(*) FILTER (kind = 'violation') AS violations,
    sum(amount) FILTER (kind = 'theft' AND date >= {cur}) AS theft,
    count(*) FILTER (kind = 'bounced_payment' AND date >= {cur}) AS bounced
  FROM {events}
  WHERE customer_id IS NOT NULL AND kind IN ('violation', 'theft', 'bounced_payment') AND date >= {credit} AND date < {end}
  GROUP BY customer_id
), local AS (
  SELECT c.*, b.* EXCLUDE (customer_id, kwh_with_kvarh, late_fee_periods, month_level),
    CASE WHEN b.month_level THEN bm.kwh_with_kvarh ELSE b.kwh_with_kvarh END AS kwh_with_kvarh,
    CASE WHEN b.month_level THEN coalesce(bm.late_fee_periods, 0) ELSE b.late_fee_periods END AS late_fee_periods,
    CASE WHEN l.repeated_month THEN lm.load_avg ELSE l.load_avg END AS load_avg,
    CASE WHEN l.repeated_month THEN lm.load_max ELSE l.load_max END AS load_max,
    ev.violations, ev.theft, ev.bounced,
    b.kwh_current * CASE WHEN c.voltage_kv < 1 THEN 0.20 WHEN c.voltage_kv <= 20 THEN 0.15
                         WHEN c.voltage_kv <= 66 THEN 0.10 WHEN c.voltage_kv IS NOT NULL THEN 0.07 END AS cost_by_voltage
  FROM scored c LEFT JOIN bills b USING (customer_id) LEFT JOIN bill_months bm USING (customer_id)
       LEFT JOIN loads l USING (customer_id) LEFT JOIN load_months lm USING (customer_id)
       LEFT JOIN ev USING (customer_id)
), x AS (
  SELECT *,
    kwh_current AS x_B11,
    CASE WHEN load_max > 0 THEN load_avg / load_max END AS x_B21,
    CASE WHEN sqrt(kwh_with_kvarh ^ 2 + kvarh_current ^ 2) > 0
         THEN kwh_with_kvarh / sqrt(kwh_with_kvarh ^ 2 + kvarh_current ^ 2) END AS x_B22,
    CASE WHEN due_credit > 0 THEN paid_credit / due_credit END AS x_B31,
    CASE WHEN due_credit > 0 THEN coalesce(late_fee_credit, 0) / due_credit END AS x_B32,
    CASE WHEN kwh_previous > 0 THEN (kwh_current - kwh_previous) / kwh_previous END AS x_B41,
    kwh_e - kwh_e12 AS x_B42
  FROM local
), totals AS (
  SELECT bool_or(fee_current IS NOT NULL) AS fee_given, sum(kwh_current) AS kwh_total,
         sum(fee_current) AS fee_total, sum(cost_by_voltage) AS cost_by_voltage_total,
         quantile_cont(x_B42, 0.9) FILTER (x_B42 > 0) AS m
  FROM x
), ind AS (
  SELECT x.*, CASE WHEN fee_given THEN fee_current ELSE cost_by_voltage END AS x_B12,
    CASE WHEN kwh_total > 0 THEN x_B11 / kwh_total END AS B11,
    CASE WHEN (CASE WHEN fee_given THEN fee_total ELSE cost_by_voltage_total END) > 0
         THEN (CASE WHEN fee_given THEN fee_current ELSE cost_by_voltage END)
              / (CASE WHEN fee_given THEN fee_total ELSE cost_by_voltage_total END) END AS B12,
    greatest(least(x_B21, 1.0), 0.0) AS B21,
    CASE WHEN x_B22 <= 0.7 THEN 0.0 WHEN x_B22 >= 0.9 THEN 1.0 ELSE (x_B22 - 0.7) / (0.9 - 0.7) END AS B22,
    x_B31 AS B31,
    CASE WHEN -x_B32 <= -0.5 THEN 0.0 WHEN -x_B32 >= 0.0 THEN 1.0 ELSE (-x_B32 - -0.5) / (0.0 - -0.5) END AS B32,
    CASE WHEN x_B41 <= 0 THEN 0.0 WHEN x_B41 >= 0.3 THEN 1.0 ELSE (x_B41 - 0.0) / (0.3 - 0.0) END AS B41,
    CASE WHEN x_B42 <= 0 THEN 0.0 WHEN x_B42 >= m THEN 1.0 ELSE (x_B42 - 0.0) / (m - 0.0) END AS B42
  FROM x, totals
), r AS (
  SELECT *, {rounded} FROM ind
), sorted AS (                 -- each indicator's non-null values, ascending
  SELECT {sorted_values} FROM r
), cuts AS (                   -- score = 1 + number of cut points <= value, i.e. ceil(5k/N)
  SELECT {cut_points} FROM sorted
), s AS (
  SELECT r.*, {score_cols} FROM r, cuts
), v AS (
  SELECT *, round({cur_value}, 6) AS current_value, round({pot_value}, 6) AS potential_value FROM s
), grade_values AS (         -- the origin, and T and the ABC amount of every customer, largest first
  SELECT round(avg(current_value), 6) AS ox, round(avg(potential_value), 6) AS oy, count(*) AS n,
         list_sort(list(round(current_value + potential_value, 6)), 'DESC') AS t_desc,
         list_sort(list(round(amount_due_current, 2)) FILTER (amount_due_current IS NOT NULL), 'DESC') AS amount_desc
  FROM v
), grade_cuts AS (             -- G < share <=> value >= the ceil(share * N)-th largest (none: everyone)
  SELECT ox, oy, {grade_cuts} FROM grade_values
), graded AS (
  SELECT v.*, grade_cuts.*,
    round(greatest(least(100 * (0.03 * greatest(least(B31, 1.0), 0.0) + 0.07 * B32) / (0.03 + 0.07)
                         - 10 * coalesce(violations, 0), 100), 0), 6) AS credit_score,
    coalesce(theft, 0) >= 50000 AS f_theft, late_fee_periods >= 2 AS f_late, coalesce(bounced, 0) >= 2 AS f_bounced,
    round(current_value + potential_value, 6) AS t, round(amount_due_current, 2) AS amount
  FROM v, grade_cuts
), labelled AS (
  SELECT *,
    CASE WHEN current_value >= ox AND potential_value >= oy THEN 'key' WHEN potential_value >= oy THEN 'develop'
         WHEN current_value >= ox THEN 'maintain' ELSE 'low_value' END AS segment,
    CASE WHEN credit_score IS NULL THEN 'unrated' WHEN credit_score >= 90 THEN 'A' WHEN credit_score >= 75 THEN 'B'
         WHEN credit_score >= 60 THEN 'C' ELSE 'D' END AS score_grade
  FROM graded
)
SELECT customer_id,
  {", ".join(f"x_{i}, {i}, CAST(s_{i} AS TINYINT) AS s_{i}" for i in INDICATORS)},
  current_value, potential_value, segment,
  CASE {value_grade} ELSE 'level3' END AS value_grade,
  CASE WHEN amount IS NULL OR amount <= 0 THEN 'C' {abc_class} ELSE 'C' END AS abc_class,
  credit_score,
  CASE WHEN f_theft THEN 'D' WHEN (f_late OR f_bounced) AND score_grade IN ('A', 'B', 'unrated') THEN 'C'
       ELSE score_grade END AS credit_grade,
  concat_ws(';', CASE WHEN f_theft THEN 'theft_50k' END, CASE WHEN f_late THEN 'late_fee_2m' END,
            CASE WHEN f_bounced THEN 'bounced_2x' END) AS credit_flags,
  CASE segment {strategy} END AS strategy,
  CASE WHEN importance IS NOT NULL THEN
    CASE WHEN coalesce(amount_due_current, 0) >= 10000000 THEN 'D' WHEN coalesce(amount_due_current, 0) >= 1000000 THEN 'C'
         WHEN coalesce(amount_due_current, 0) >= 100000 THEN 'B' ELSE 'A' END END AS fee_level,
  CASE WHEN importance IS NOT NULL THEN
    CASE WHEN coalesce(backup_power, false) AND coalesce(dual_supply, false) THEN 'A'
         WHEN coalesce(dual_supply, false) THEN 'B' WHEN coalesce(backup_power, false) THEN 'C' ELSE 'D' END END
    AS supply_safety_level
FROM labelled
"""


def connect(threads: int | None, memory_limit: str | None, fmt: str = "parquet") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if fmt == "parquet":  # the output order is free; CSV keeps file order for its row_number() OVER ()
        con.execute("SET preserve_insertion_order = false")
    # both found with EXPLAIN ANALYZE; see the module docstring
    con.execute("SET disabled_optimizers = 'partitioned_execution, build_side_probe_side'")
    return con


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 16GB (default: DuckDB's 80%% of RAM)")
    parser.add_argument("--explain", action="store_true", help="print the physical plan and exit")
    parser.add_argument("--analyze", action="store_true", help="run under EXPLAIN ANALYZE and print the profiled plan")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    con = connect(args.threads, args.memory_limit, args.format)
    (e,) = con.execute(period_end_sql(args.data, args.format)).fetchone()
    if e is None:
        raise SystemExit("billing has no usable periods, so no window can be set")
    sql = score_sql(args.data, args.format, e)
    if args.explain or args.analyze:
        print(f"-- period_end {e:%Y-%m}")
        for _, plan in con.execute(("EXPLAIN ANALYZE " if args.analyze else "EXPLAIN ") + sql).fetchall():
            print(plan)
        return 0
    con.execute(f"COPY ({sql}) TO '{args.output}' (FORMAT parquet)")
    print(f"duckdb {duckdb.__version__}: {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
