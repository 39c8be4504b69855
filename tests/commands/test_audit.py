"""`powercrm audit` through the CLI: outputs, --rules, --fail-on exit codes, reports, errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from powercrm.cli import app
from tests.audit.frames import _write, bills, customer, months


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Twelve clean customers on one area; C3 loses 70 % from 2024-06 (U02 for 7 months, U10); C99 has a
    bad phone (A02, low) and a capacity mismatch (A05, high); the area's loss is 4.8 % every month."""
    directory = tmp_path / "data"
    directory.mkdir()
    people = [customer(f"C{i}", area_id="A1") for i in range(12)]
    people.append(customer("C99", area_id="A1", phone="<b>123</b>", transformer_capacity_kva=300))
    rows = []
    for c in people:
        for b in bills(c["customer_id"]):
            if c["customer_id"] == "C3" and b["period"] >= "2024-06":
                b = {**b, **{k: b[k] * 0.3 for k in ("kwh", "kvarh", "amount_due", "amount_paid")}}
            rows.append(b)
    _write(directory / "customers.csv", people)
    _write(directory / "billing.csv", rows)
    billed = {p: sum(r["kwh"] for r in rows if r["period"] == p) for p in months("2023-01", 24)}
    _write(directory / "supply.csv", [{"area_id": "A1", "line_id": "L1", "period": p, "supplied_kwh": kwh * 1.05} for p, kwh in billed.items()])
    return directory


def test_findings_file_and_summary(runner, dataset, tmp_path):
    out = tmp_path / "findings.csv"
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(out)])
    assert result.exit_code == 0, result.output
    findings = pl.read_csv(out, schema_overrides={"customer_id": pl.String})
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert findings.group_by("rule", "customer_id").len().sort("rule").rows() == [("A02", "C99", 1), ("A05", "C99", 1), ("U02", "C3", 7), ("U10", "C3", 1)]
    assert "#1 C3" in result.stderr and "wrote" in result.stderr


def test_rules_selects_ids_and_families(runner, dataset):
    result = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--rules", "a05,theft", "--quiet"])
    assert result.exit_code == 0, result.output
    assert not result.stdout.startswith("\ufeff")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("rule,severity,customer_id")
    assert [line.split(",")[0] for line in lines[1:]] == ["A05", "U10"]


def test_unknown_rule_is_a_usage_error(runner, dataset):
    result = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--rules", "A05,X99"])
    assert result.exit_code == 2
    assert "unknown audit rule 'X99'" in result.stderr and "A01" in result.stderr


@pytest.mark.parametrize(
    ("rules", "fail_on", "code"),
    [
        ("A02", "low", 1),  # a low finding fails --fail-on low
        ("A02", "medium", 0),  # but not medium
        ("A05", "high", 1),
        ("A01", "low", 0),  # no findings at all
        (None, "high", 1),
    ],
)
def test_fail_on_sets_the_exit_code(runner, dataset, tmp_path, rules, fail_on, code):
    args = ["audit", str(dataset), "-o", str(tmp_path / "f.parquet"), "--fail-on", fail_on, "--quiet"]
    result = runner.invoke(app, args + (["--rules", rules] if rules else []))
    assert result.exit_code == code, result.output
    # quiet, yet the failure says why in one line
    assert (result.stderr.strip().startswith("error: ") and f"(--fail-on {fail_on})" in result.stderr) == (code == 1)
    if code:
        as_json = runner.invoke(app, [*args, "--json"] + (["--rules", rules] if rules else []))
        line = json.loads(as_json.stdout)
        assert (line["ok"], line["exit_code"]) == (False, 1) and "--fail-on" in line["error"]


def test_fail_on_takes_any_case_as_rules_does(runner, dataset, tmp_path):
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(tmp_path / "f.csv"), "--fail-on", "High", "--rules", "a05", "-q"])
    assert result.exit_code == 1 and "(--fail-on high)" in result.stderr


def test_bad_fail_on_value(runner, dataset):
    result = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--fail-on", "critical"])
    assert result.exit_code == 2 and "--fail-on 'critical'" in result.stderr


def test_html_report_is_self_contained_and_escaped(runner, dataset, tmp_path):
    report = tmp_path / "audit.html"
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(tmp_path / "f.csv"), "--report", str(report), "--quiet"])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 3  # findings per rule, loss by line, suspects
    assert "<script" not in page and 'src="http' not in page and 'href="http' not in page and "<link" not in page
    assert "&lt;b&gt;123&lt;/b&gt;" in page and "<b>123</b>" not in page
    assert "合同容量与变压器容量不符" in page and "contract capacity differs from transformer capacity" in page


def test_xlsx_report_has_a_summary_and_a_sheet_per_family(runner, dataset, tmp_path):
    report = tmp_path / "audit.xlsx"
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(tmp_path / "f.csv"), "--report", str(report), "--quiet", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    sheets = pl.read_excel(report, sheet_id=0)
    assert list(sheets) == ["汇总", "档案", "用电与电费", "窃电嫌疑", "线损"]
    archive = sheets["档案"]
    assert archive["户号"].dtype == pl.String and archive["户号"].to_list() == ["C99", "C99"]
    assert archive["严重程度"].to_list() == ["低", "高"]


def test_unknown_report_type(runner, dataset, tmp_path):
    result = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--report", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "use .html or .xlsx" in result.stderr


def test_json_summary(runner, dataset, tmp_path):
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(tmp_path / "f.xlsx"), "--json", "--fail-on", "high"])
    assert result.exit_code == 1
    info = json.loads(result.stdout)
    assert info["ok"] is False and info["findings"] == 10
    assert info["by_severity"] == {"high": 9, "medium": 0, "low": 1}
    assert info["top_suspects"][0]["customer_id"] == "C3"
    assert info["top_lines"][0]["area_id"] == "A1"


def test_unusable_rows_are_counted_and_written_with_rejects(runner, dataset, tmp_path):
    # one unreadable kWh, one month that is no month, an orphan's bill, a repeated customer
    billing = pl.read_csv(dataset / "billing.csv", infer_schema=False)
    broken = billing.with_columns(
        kwh=pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("abc")).otherwise("kwh"),
        period=pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("2024-13")).otherwise("period"),
    )
    orphan = billing.head(1).with_columns(customer_id=pl.lit("C404"))
    pl.concat([broken, orphan]).write_csv(dataset / "billing.csv")
    people = pl.read_csv(dataset / "customers.csv", infer_schema=False)
    pl.concat([people, people.head(1)]).write_csv(dataset / "customers.csv")
    rejects = tmp_path / "rejects.csv"
    args = ["audit", str(dataset), "-o", str(tmp_path / "f.csv"), "--rejects", str(rejects)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert rows["billing"] == {"in": billing.height + 1, "used": billing.height - 2, "rejected": 3}
    assert rows["customers"] == {"in": people.height + 1, "used": people.height, "rejected": 1}
    assert rows["supply"]["rejected"] == 0
    written = pl.read_csv(rejects)
    assert sorted(written["reason"].to_list()) == [
        "duplicate customer_id (first row kept)",
        "kwh='abc'",
        "orphan: customer_id not among the usable rows of customers",
        "period='2024-13'",
    ]
    result = runner.invoke(app, args)
    assert f"billing: {billing.height + 1:,} rows, {billing.height - 2:,} used, 3 rejected" in result.stderr
    assert "(4 rejected rows)" in result.stderr


def test_missing_required_table(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["audit", str(tmp_path / "empty"), "-o", "-"])
    assert result.exit_code == 1 and "customers" in result.stderr


def test_thresholds_come_from_the_config_file(runner, dataset, tmp_path):
    config = tmp_path / "powercrm.toml"
    config.write_text('[audit.A05]\ntolerance_kva = 150\n\n[audit.A02]\nenabled = false\n', encoding="utf-8")
    result = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--config", str(config), "--rules", "A05", "--quiet"])
    assert result.exit_code == 0 and result.stdout.splitlines()[1:] == []  # 100 kVA apart: inside 150
    result = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--config", str(config), "--rules", "archive", "--quiet"])
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.startswith("rule,severity,customer_id") and rows == []  # A02 disabled, A05 inside
    without = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--rules", "archive", "--quiet"])
    assert sorted(line.split(",")[0] for line in without.stdout.splitlines()[1:]) == ["A02", "A05"]  # what the config took away


def test_chinese_headers_and_labels(runner, dataset):
    result = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--rules", "A02", "--lang", "zh", "--quiet"])
    header, row = result.stdout.splitlines()
    assert header == "规则,严重程度,户号,供电线路,台区,账期,数值,阈值,说明,说明（英文）,依据"
    assert row.startswith("A02,低,C99,L1,A1,,,,联系电话“<b>123</b>”不是有效的大陆手机或固定电话号码,")
    summary = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--rules", "L01,U10", "--lang", "zh"]).stderr
    assert "  台区 A1：全部月份 " in summary and "；异常0个月；最差 " in summary and "第1名 C3（线路 L1，台区 A1）：" in summary
    assert "电费账单：读入 " in summary and "wrote" not in summary and "rows," not in summary


def test_a_run_that_does_not_fit_in_memory_stops_with_one_line(runner, dataset, tmp_path, monkeypatch):
    from powercrm.audit import memory

    monkeypatch.setattr(memory, "available_memory", lambda: int(memory.BASE_BYTES))
    out = tmp_path / "findings.csv"
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(out)])
    assert result.exit_code == 1
    base = f"{memory.BASE_BYTES / 1e9:.1f} GB"  # 312 rows add nothing visible to the base
    assert result.stderr.startswith(f"error: the audit needs about {base} of memory for 312 billing rows")
    assert f"only {base} is available" in result.stderr
    assert "--no-memory-check" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not out.exists()
    assert runner.invoke(app, ["audit", str(dataset), "-o", str(out), "--no-memory-check"]).exit_code == 0
    assert runner.invoke(app, ["audit", str(dataset), "-o", str(out), "--rules", "archive"]).exit_code == 0


def test_archive_rules_need_no_billing(runner, dataset, tmp_path):
    (dataset / "billing.csv").unlink()
    result = runner.invoke(app, ["audit", str(dataset), "--rules", "archive", "-o", "-", "-q"])
    assert result.exit_code == 0, result.output
    assert sorted({line.split(",")[0] for line in result.stdout.splitlines()[1:]}) == ["A02", "A05"]
    assert runner.invoke(app, ["audit", str(dataset), "--rules", "A05,U02", "-o", "-", "-q"]).exit_code == 1


@pytest.mark.parametrize("table", ["customers", "billing"])
def test_a_table_without_usable_rows_is_exit_1_not_a_clean_audit(runner, dataset, tmp_path, table):
    path = dataset / f"{table}.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    out = tmp_path / "findings.csv"
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {table}: no usable row (no data rows); nothing to audit"
    assert not out.exists()


def test_rejects_are_written_when_every_bill_is_rejected(runner, dataset, tmp_path):
    """The error says "see --rejects", and the file asked for was not written."""
    path = dataset / "billing.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    kwh = header.split(",").index("kwh")
    broken = [",".join("abc" if i == kwh else cell for i, cell in enumerate(row.split(","))) for row in rows]
    path.write_text("\n".join([header, *broken]) + "\n", encoding="utf-8")
    out, rejects = tmp_path / "findings.csv", tmp_path / "rejects.csv"
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(out), "--rejects", str(rejects), "-q"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: billing: no usable row (all {len(rows):,} rows rejected (see --rejects)); nothing to audit"
    assert not out.exists()
    written = pl.read_csv(rejects)
    assert written.height == len(rows) and set(written["table"]) == {"billing"}


def test_the_plain_zh_count_table_lines_up_by_display_width(runner, dataset):
    from rich.cells import cell_len

    lines = runner.invoke(app, ["audit", str(dataset), "-o", "-", "--rules", "A02", "--lang", "zh"]).stderr.splitlines()
    header, row = lines[0], lines[1]
    assert header.startswith("规则") and row.startswith("A02")
    # the last count ends where its header 合计 ends (规则 and 合计 are two columns wide each)
    assert cell_len(header.split("  规则名称")[0]) == cell_len(row.split("  联系")[0])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_findings_workbook_formats_values_as_the_report_does(runner, dataset, tmp_path, lang):
    import re
    import zipfile

    out = tmp_path / "findings.xlsx"
    assert runner.invoke(app, ["audit", str(dataset), "-o", str(out), "--lang", lang, "-q"]).exit_code == 0
    formats = set(re.findall(r'formatCode="([^"]+)"', zipfile.ZipFile(out).read("xl/styles.xml").decode()))
    assert formats == {"#,##0.00##"}


def test_notes_are_chinese_with_lang_zh_and_english_in_json(runner, dataset, tmp_path):
    billing = pl.read_csv(dataset / "billing.csv").drop("kvarh")
    billing.write_csv(dataset / "billing.csv")
    zh = runner.invoke(app, ["audit", str(dataset), "-o", str(tmp_path / "f.csv"), "--lang", "zh", "--report", str(tmp_path / "r.html")])
    assert zh.exit_code == 0, zh.stderr
    assert "说明：U05：电费账单没有无功电量（kvarh）列，未检查" in zh.stderr
    assert "U05：电费账单没有无功电量（kvarh）列，未检查" in (tmp_path / "r.html").read_text(encoding="utf-8")
    line = json.loads(runner.invoke(app, ["audit", str(dataset), "-o", str(tmp_path / "f.csv"), "--lang", "zh", "--json"]).stdout)
    assert line["notes"] == ["U05: billing has no kvarh column; not checked"]


def test_billing_as_a_directory_of_monthly_exports_gives_the_same_findings(runner, dataset, tmp_path):
    whole, parts = tmp_path / "whole.csv", tmp_path / "parts.csv"
    assert runner.invoke(app, ["audit", str(dataset), "-o", str(whole), "-q"]).exit_code == 0
    billing = pl.read_csv(dataset / "billing.csv", infer_schema=False)
    (dataset / "billing.csv").unlink()
    for (month,), part in billing.group_by("period", maintain_order=True):  # hive folders: the period is in the path only
        folder = dataset / "billing" / f"period={month}"
        folder.mkdir(parents=True)
        part.drop("period").write_csv(folder / "part.csv")
    result = runner.invoke(app, ["audit", str(dataset), "-o", str(parts), "-q", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"]["billing"] == {"in": billing.height, "used": billing.height, "rejected": 0}
    assert parts.read_bytes() == whole.read_bytes()
