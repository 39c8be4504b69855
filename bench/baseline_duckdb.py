"""The `powercrm score` pipeline written plainly as DuckDB SQL (a bench baseline, not part of powercrm).

    python -m bench.baseline_duckdb DATASET_DIR OUT.parquet [--format parquet|csv] [--threads N]

Same population, windows, indicators, 1–5 scores, value matrix, grades and credit as SPEC §2–§6 with
the default configuration, written as one SQL statement the way a strong analyst would: one scan of
each table, filters on the window before grouping, conditional aggregates (FILTER) instead of joins,
window functions for the ranks. It assumes clean typed input (the bench datasets): no parsing of
Chinese spellings, no reject report. `--explain` prints the physical plan instead of running it.

DuckDB 2.0's `partitioned_execution` optimizer may split a group-by into branches that each re-read
the Parquet file; `--explain` shows whether it did (count the READ_PARQUET nodes over billing).
"""

from __future__ import annotations

import argparse
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
    # the sample's CSV files are UTF-8 with a BOM; ids stay text
    return (
        f"(SELECT *{', row_number() OVER () - 1 AS file_row_number' if row_number else ''} "
        f"FROM read_csv('{data / (table + '.csv')}', header = true, "
        "types = {'customer_id': 'VARCHAR', 'line_id': 'VARCHAR', 'area_id': 'VARCHAR', 'meter_id': 'VARCHAR', "
        "'phone': 'VARCHAR', 'id_number': 'VARCHAR'}))"
    )


def score_sql(data: Path, fmt: str) -> str:
    """One SELECT from the files to the SPEC §8 table (English codes)."""
    cust = source(data, "customers", fmt, row_number=True)
    bill = source(data, "billing", fmt)
    load = source(data, "load", fmt, row_number=True)
    events = source(data, "events", fmt)
    month = "CAST(date_trunc('month', CAST(period AS DATE)) AS DATE)"
    s = [f"s_{i}" for i in INDICATORS]
    cur = " + ".join(f"{WEIGHTS[i]} * s_{i}" for i in ("B11", "B12", "B21", "B22"))
    pot = " + ".join(f"{WEIGHTS[i]} * s_{i}" for i in ("B31", "B32", "B41", "B42"))
    score_cols = ",\n    ".join(
        # k = number of non-null values <= v (rank 'max'), n = non-null count: ceil(5k/n) in integers
        f"CASE WHEN r_{i} IS NULL THEN 1 ELSE (5 * count(r_{i}) OVER (ORDER BY r_{i} ASC NULLS LAST "
        f"RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) + count(r_{i}) OVER () - 1) // count(r_{i}) OVER () END AS s_{i}"
        for i in INDICATORS
    )
    rounded = ",\n    ".join(
        f"CASE WHEN {i} IS NULL OR {i} = 0 THEN {i} ELSE round({i}, CAST(8 - floor(log10(abs({i}))) AS INTEGER)) END AS r_{i}"
        for i in INDICATORS
    )
    strategy = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STRATEGIES.items()).replace("'s ", "''s ")
    return f"""
WITH e AS (
  SELECT max({month}) AS e FROM {bill} WHERE customer_id IS NOT NULL AND kwh IS NOT NULL
), w AS (
  SELECT e,
         CAST(e - INTERVAL 11 MONTH AS DATE) AS cur_start,
         CAST(e - INTERVAL 23 MONTH AS DATE) AS prev_start,
         CAST(e - INTERVAL 12 MONTH AS DATE) AS e12,
         CAST(e - INTERVAL 35 MONTH AS DATE) AS credit_start,
         CAST(e + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS e_last_day
  FROM e
), customers AS (              -- a repeated customer_id keeps its first row
  SELECT customer_id,
         arg_min(voltage_kv, file_row_number) AS voltage_kv,
         arg_min(customer_class, file_row_number) AS customer_class,
         arg_min(importance, file_row_number) AS importance,
         arg_min(backup_power, file_row_number) AS backup_power,
         arg_min(dual_supply, file_row_number) AS dual_supply,
         arg_min(status, file_row_number) AS status
  FROM {cust} WHERE customer_id IS NOT NULL GROUP BY customer_id
), scored AS (
  SELECT * FROM customers WHERE status IS DISTINCT FROM 'cancelled'
), months AS (                 -- adjustment bills summed per customer-month, credit window only
  SELECT customer_id, {month} AS period,
         sum(kwh) AS kwh, sum(kvarh) AS kvarh, sum(amount_due) AS amount_due, sum(amount_paid) AS amount_paid,
         sum(late_fee) AS late_fee, sum(transmission_fee) AS transmission_fee
  FROM {bill}, w
  WHERE customer_id IS NOT NULL AND kwh IS NOT NULL AND {month} BETWEEN w.credit_start AND w.e
  GROUP BY ALL
), bills AS (
  SELECT customer_id,
    sum(kwh) FILTER (period >= cur_start) AS kwh_current,
    sum(kwh) FILTER (period BETWEEN prev_start AND e12) AS kwh_previous,
    sum(kwh) FILTER (period = e) AS kwh_e,
    sum(kwh) FILTER (period = e12) AS kwh_e12,
    sum(transmission_fee) FILTER (period >= cur_start) AS fee_current,
    sum(kwh) FILTER (period >= cur_start AND kvarh IS NOT NULL) AS kwh_with_kvarh,
    sum(kvarh) FILTER (period >= cur_start) AS kvarh_current,
    sum(amount_due) AS due_credit, sum(amount_paid) AS paid_credit, sum(late_fee) AS late_fee_credit,
    sum(amount_due) FILTER (period >= cur_start) AS amount_due_current,
    count(*) FILTER (period >= cur_start AND late_fee > 0) AS late_fee_periods
  FROM months, w GROUP BY customer_id
), load_months AS (            -- a repeated customer-month keeps its first row
  SELECT customer_id, {month} AS period,
         arg_min(avg_load_kw, file_row_number) AS avg_kw, arg_min(max_load_kw, file_row_number) AS max_kw
  FROM {load}, w
  WHERE customer_id IS NOT NULL AND avg_load_kw IS NOT NULL AND max_load_kw IS NOT NULL
    AND {month} BETWEEN w.cur_start AND w.e
  GROUP BY ALL
), loads AS (
  SELECT customer_id, avg(avg_kw) AS load_avg, max(max_kw) AS load_max FROM load_months GROUP BY customer_id
), ev AS (
  SELECT customer_id,
    count(*) FILTER (kind = 'violation' AND date BETWEEN credit_start AND e_last_day) AS violations,
    sum(amount) FILTER (kind = 'theft' AND date BETWEEN cur_start AND e_last_day) AS theft,
    count(*) FILTER (kind = 'bounced_payment' AND date BETWEEN cur_start AND e_last_day) AS bounced
  FROM {events}, w WHERE customer_id IS NOT NULL AND date IS NOT NULL AND kind IS NOT NULL GROUP BY customer_id
), local AS (
  SELECT c.*, b.* EXCLUDE (customer_id), l.load_avg, l.load_max, ev.violations, ev.theft, ev.bounced,
    b.kwh_current * CASE WHEN c.voltage_kv < 1 THEN 0.20 WHEN c.voltage_kv <= 20 THEN 0.15
                         WHEN c.voltage_kv <= 66 THEN 0.10 WHEN c.voltage_kv IS NOT NULL THEN 0.07 END AS cost_by_voltage
  FROM scored c LEFT JOIN bills b USING (customer_id) LEFT JOIN loads l USING (customer_id)
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
), s AS (
  SELECT *, {score_cols} FROM r
), v AS (
  SELECT *, round({cur}, 6) AS current_value, round({pot}, 6) AS potential_value FROM s
), credit AS (
  SELECT *,
    round(greatest(least(100 * (0.03 * greatest(least(B31, 1.0), 0.0) + 0.07 * B32) / (0.03 + 0.07)
                         - 10 * coalesce(violations, 0), 100), 0), 6) AS credit_score,
    coalesce(theft, 0) >= 50000 AS f_theft, late_fee_periods >= 2 AS f_late, coalesce(bounced, 0) >= 2 AS f_bounced,
    round(avg(current_value) OVER (), 6) AS ox, round(avg(potential_value) OVER (), 6) AS oy,
    (rank() OVER (ORDER BY round(current_value + potential_value, 6) DESC) - 1) * 1000000 AS t_larger_ppm,
    (rank() OVER (ORDER BY amount_due_current DESC NULLS LAST) - 1) * 1000000 AS a_larger_ppm,
    count(*) OVER () AS n
  FROM v
), graded AS (
  SELECT *,
    CASE WHEN current_value >= ox AND potential_value >= oy THEN 'key' WHEN potential_value >= oy THEN 'develop'
         WHEN current_value >= ox THEN 'maintain' ELSE 'low_value' END AS segment,
    CASE WHEN credit_score IS NULL THEN 'unrated' WHEN credit_score >= 90 THEN 'A' WHEN credit_score >= 75 THEN 'B'
         WHEN credit_score >= 60 THEN 'C' ELSE 'D' END AS score_grade
  FROM credit
)
SELECT customer_id,
  {", ".join(f"x_{i}, {i}, CAST(s_{i} AS TINYINT) AS s_{i}" for i in INDICATORS)},
  current_value, potential_value, segment,
  CASE WHEN t_larger_ppm < 100000 * n THEN 'special' WHEN t_larger_ppm < 400000 * n THEN 'level1'
       WHEN t_larger_ppm < 900000 * n THEN 'level2' ELSE 'level3' END AS value_grade,
  CASE WHEN amount_due_current IS NULL OR amount_due_current <= 0 THEN 'C' WHEN a_larger_ppm < 50000 * n THEN 'A'
       WHEN a_larger_ppm < 200000 * n THEN 'B' ELSE 'C' END AS abc_class,
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
FROM graded
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 16GB (default: DuckDB's 80%% of RAM)")
    parser.add_argument("--explain", action="store_true", help="print the physical plan and exit")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    if args.memory_limit:
        con.execute(f"SET memory_limit = '{args.memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    sql = score_sql(args.data, args.format)
    if args.explain:
        for _, plan in con.execute("EXPLAIN " + sql).fetchall():
            print(plan)
        return 0
    con.execute(f"COPY ({sql}) TO '{args.output}' (FORMAT parquet)")
    print(f"duckdb {duckdb.__version__}: {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
