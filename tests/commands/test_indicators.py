"""`powercrm indicators` through the CLI runner, on a tiny dataset written to tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from powercrm.cli import app
from powercrm.indicators import OUTPUT_COLUMNS
from tests.conftest import write_csv

# 001: adjustment bill in 2024-12; 002: overpays, kvarh given; 003: cancelled (not scored); 004: no bills
CUSTOMERS = [["001", "10kV", ""], ["002", "0.4kV", "正常"], ["003", "10kV", "销户"], ["004", "10kV", ""]]
BILLING = [
    ["001", "2023-12", "1000", "500", "500", "500", ""],
    ["001", "2024-12", "1500", "", "800", "700", "40"],
    ["001", "2024-12", "-100", "", "-50", "-50", ""],
    ["002", "2023-12", "500", "", "250", "250", ""],
    ["002", "2024-12", "600", "600", "300", "330", ""],
    ["003", "2024-12", "999", "", "", "", ""],
]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    write_csv(directory / "customers.csv", ["户号", "供电电压", "状态"], CUSTOMERS)
    write_csv(directory / "billing.csv", ["户号", "账期", "有功电量", "无功电量", "应收电费", "实收电费", "违约金"], BILLING)
    return directory


def test_writes_one_row_per_scored_customer_and_reports_nulls(runner, dataset, tmp_path):
    out = tmp_path / "indicators.csv"
    result = runner.invoke(app, ["indicators", str(dataset), "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out, schema_overrides={"customer_id": pl.String})
    assert frame.columns == OUTPUT_COLUMNS
    assert frame["customer_id"].to_list() == ["001", "002", "004"]
    assert frame["x_B11"].to_list() == [1400.0, 600.0, None]
    assert frame["B11"].to_list() == [0.7, 0.3, None]
    assert "period end 2024-12" in result.stderr
    assert "B11 1, B12 1, B21 3, B22 2" in result.stderr


def test_json_summary(runner, dataset, tmp_path):
    out = tmp_path / "indicators.parquet"
    result = runner.invoke(app, ["indicators", str(dataset), "-o", str(out), "--json", "--period-end", "2024-12"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["customers"] == 3 and summary["period_end"] == "2024-12"
    assert summary["windows"]["credit"] == "2022-01…2024-12"
    assert summary["m_b42"] == pytest.approx(370.0)  # PERCENTILE.INC([100, 400], 0.9)
    assert summary["null_counts"]["B42"] == 1
    assert pl.read_parquet(out).height == 3


def test_stdout_carries_csv_without_bom_and_json_goes_to_stderr(runner, dataset):
    result = runner.invoke(app, ["indicators", str(dataset), "-o", "-", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("customer_id,x_B11,B11")
    assert json.loads(result.stderr)["customers"] == 3


def test_single_table_files_and_a_config(runner, dataset, tmp_path):
    config = tmp_path / "powercrm.toml"
    config.write_text('[indicators]\nm_policy = "fixed"\nm_value = 800.0\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        ["indicators", "--customers", str(dataset / "customers.csv"), "--billing", str(dataset / "billing.csv"),
         "--config", str(config), "-o", str(out), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert pl.read_csv(out)["B42"].to_list() == [0.5, 0.125, None]


def test_bad_period_end_is_a_usage_error(runner, dataset, tmp_path):
    result = runner.invoke(app, ["indicators", str(dataset), "-o", str(tmp_path / "x.csv"), "--period-end", "2024-13"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.stderr


def test_period_end_outside_the_data_is_a_data_error(runner, dataset, tmp_path):
    out = tmp_path / "x.csv"
    result = runner.invoke(app, ["indicators", str(dataset), "-o", str(out), "--period-end", "2025-01"])
    assert result.exit_code == 1
    assert "outside the billing data (2023-12 to 2024-12)" in result.stderr
    assert not out.exists()


def test_missing_billing_table_stops_before_writing(runner, dataset, tmp_path):
    (dataset / "billing.csv").unlink()
    out = tmp_path / "x.csv"
    result = runner.invoke(app, ["indicators", str(dataset), "-o", str(out)])
    assert result.exit_code == 1
    assert "billing" in result.stderr and not out.exists()


def test_help_has_examples(runner):
    result = runner.invoke(app, ["indicators", "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.output and "--period-end" in result.output


def test_chinese_headers_with_lang_zh(runner, dataset):
    result = runner.invoke(app, ["indicators", str(dataset), "-o", "-", "--lang", "zh", "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("户号,B11")


def test_the_summary_is_chinese_with_lang_zh(runner, dataset, tmp_path):
    result = runner.invoke(app, ["indicators", str(dataset), "-o", str(tmp_path / "i.csv"), "--lang", "zh"])
    assert result.exit_code == 0, result.stderr
    assert "统计截止月" in result.stderr and "空指标：B11 " in result.stderr and "已写入 " in result.stderr
    assert "customers, period end" not in result.stderr


def test_a_customers_x_does_not_move_when_unrelated_customers_are_added(runner, tmp_path):
    """SPEC §9: the customer-local stage depends on the customer's rows only. The streaming engine adds a
    customer's rows in chunks that other customers' rows shift, so float sums differed in the last bit
    (5926.599999999999 beside 5926.6) with 5 or 200 customers more on another line."""
    import random

    rnd = random.Random(3)
    kwh = [round(rnd.uniform(100, 999), 1) for _ in range(24)]
    months = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(24)]
    seen = set()
    for extra in (0, 5, 200):
        data = tmp_path / f"d{extra}"
        data.mkdir()
        ids = ["C1", *(f"Z{i}" for i in range(extra))]
        (data / "customers.csv").write_text("customer_id,line_id\n" + "".join(f"{c},{'L1' if c == 'C1' else 'LZ'}\n" for c in ids))
        bills = [f"C1,{p},{k},{round(k * 0.8, 2)},{round(k * 0.8, 2)}\n" for p, k in zip(months, kwh)]
        bills += [f"Z{i},{p},{round(5000 + rnd.uniform(0, 100), 1)},1,1\n" for i in range(extra) for p in months]
        (data / "billing.csv").write_text("customer_id,period,kwh,amount_due,amount_paid\n" + "".join(bills))
        result = runner.invoke(app, ["indicators", str(data), "-o", "-", "-q"])
        assert result.exit_code == 0, result.stderr
        c1 = next(line for line in result.stdout.splitlines() if line.startswith("C1,"))
        header = result.stdout.splitlines()[0].split(",")
        seen.add(tuple(v for h, v in zip(header, c1.split(",")) if h.startswith("x_")))
    assert len(seen) == 1


def test_rows_read_used_and_rejected_are_reported(runner, data, tmp_path):
    """indicators set unusable bills aside without a word, where score and audit count them."""
    billing = data / "billing.csv"
    billing.write_text(billing.read_text() + "A,2025-12,abc,0,1,1,0\nZZ,2025-12,5,0,1,1,0\n")
    result = runner.invoke(app, ["indicators", str(data), "-o", str(tmp_path / "i.csv")])
    assert result.exit_code == 0, result.stderr
    assert "billing: 62 rows, 60 used, 2 rejected" in result.stderr  # an unreadable kWh and an orphan
    line = json.loads(runner.invoke(app, ["indicators", str(data), "-o", str(tmp_path / "i.csv"), "--json", "-q"]).stdout)
    assert line["rows"]["billing"] == {"in": 62, "used": 60, "rejected": 2}


def test_extra_archive_columns_pass_through(runner, tmp_path):
    directory = tmp_path / "data"
    write_csv(directory / "customers.csv", ["户号", "供电电压", "状态", "供电单位"], [[*row, f"所{i}"] for i, row in enumerate(CUSTOMERS)])
    write_csv(directory / "billing.csv", ["户号", "账期", "有功电量", "无功电量", "应收电费", "实收电费", "违约金"], BILLING)
    out = tmp_path / "indicators.csv"
    assert runner.invoke(app, ["indicators", str(directory), "-o", str(out), "-q"]).exit_code == 0
    frame = pl.read_csv(out, schema_overrides={"customer_id": pl.String})
    assert frame.columns == [*OUTPUT_COLUMNS, "供电单位"]
    assert frame["供电单位"].to_list() == ["所0", "所1", "所3"]


def test_every_table_is_accounted_for_and_rejects_are_written(runner, data, tmp_path):
    """indicators counted billing and load only, and had no --rejects: a repeated archive row or an orphan
    event was dropped without a word. The accounting is score's, table by table."""
    customers = data / "customers.csv"
    lines = customers.read_text(encoding="utf-8-sig").splitlines()
    customers.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")  # the first customer again
    billing = data / "billing.csv"
    billing.write_text(billing.read_text() + "A,2025-12,abc,0,1,1,0\n")
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(app, ["indicators", str(data), "-o", str(tmp_path / "i.csv"), "--rejects", str(rejects), "--json", "-q"])
    assert result.exit_code == 0, result.stderr
    scored = json.loads(runner.invoke(app, ["score", str(data), "-o", str(tmp_path / "s.csv"), "--json", "-q"]).stdout)
    assert json.loads(result.stdout)["rows"] == scored["rows"]
    assert scored["rows"]["customers"]["rejected"] == 1 and scored["rows"]["billing"]["rejected"] == 1
    assert sorted(pl.read_csv(rejects)["reason"].to_list()) == ["duplicate customer_id (first row kept)", "kwh='abc'"]
