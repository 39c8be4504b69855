"""`powercrm validate` through the CLI: exit codes, one-line errors, problems with their rows, --json, --strict."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from typer.testing import CliRunner

from powercrm.cli import app
from tests.conftest import BILLING_ROWS, BILLING_ZH, CUSTOMERS_ROWS, CUSTOMERS_ZH, csv_bytes, write_csv


def run(runner: CliRunner, *args: str | Path, env: dict | None = None):
    return runner.invoke(app, ["validate", *map(str, args)], env=env)


def assert_one_line_error(result, code: int, *needles: str) -> str:
    """Exactly one line on stderr, `error: ...`, the given exit code, and no traceback anywhere."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(("error:", "warning:"))]


# --------------------------------------------------------------------------------------------
# acceptance


def test_valid_dataset_exits_0(runner, make_dataset):
    data = make_dataset()
    result = run(runner, data)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"customers: {data / 'customers.csv'} (utf-8, delimiter ',')" in result.stderr
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_columns_no_name_matched_are_listed(runner, tmp_path):
    write_csv(tmp_path / "customers.csv", [*CUSTOMERS_ZH, "供电单位"], [[*row, "城东所"] for row in CUSTOMERS_ROWS])
    write_csv(tmp_path / "billing.csv", [*BILLING_ZH, "抄表员"], [[*row, "甲"] for row in BILLING_ROWS])
    result = run(runner, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "  1 column no name matched (passed through to the score and indicators outputs): 供电单位" in result.stderr
    assert "  1 column no name matched (not used): 抄表员" in result.stderr
    tables = json.loads(run(runner, tmp_path, "--json").stdout)["tables"]
    assert (tables["customers"]["extra_columns"], tables["billing"]["extra_columns"]) == (["供电单位"], ["抄表员"])


def test_valid_gbk_dataset_is_detected(runner, make_dataset):
    result = run(runner, make_dataset(encoding="gbk"))
    assert result.exit_code == 0, result.stderr
    assert "(gb18030, delimiter ',')" in result.stderr


def test_broken_copy_names_each_problem_with_its_row(runner, make_dataset):
    customers = [*CUSTOMERS_ROWS, CUSTOMERS_ROWS[0]]  # duplicated customer on row 5 (header is row 1)
    billing = [r.copy() for r in BILLING_ROWS]
    billing[2][2] = "abc"  # kwh text on row 4
    result = run(runner, make_dataset(customers=customers, billing=billing))
    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: customers.customer_id: duplicate customer_id (first row kept) in 1 row (row 5: '0033001234')",
        "error: billing.kwh: unparsable number in 1 row (row 4: 'abc')",
    ]
    assert "2 error(s), 0 warning(s)" in result.stderr


def test_deleted_required_column_exits_1_naming_it(runner, make_dataset):
    data = make_dataset()
    write_csv(data / "billing.csv", ["户号", "账期", "应收电费"], [[r[0], r[1], r[3]] for r in BILLING_ROWS])
    result = run(runner, data)
    assert result.exit_code == 1
    assert error_lines(result) == [f"error: dataset: {data / 'billing.csv'}: required column 'kwh' (有功电量) missing"]


def test_every_problem_at_once(runner, make_dataset):
    customers = [*CUSTOMERS_ROWS, CUSTOMERS_ROWS[1]]
    billing = [r.copy() for r in BILLING_ROWS]
    billing[0][2] = "一百"
    data = make_dataset(customers=customers, billing=billing)
    write_csv(data / "load.csv", ["户号", "账期", "平均负荷"], [["0033001234", "2024-01", "1"]])  # no 最大负荷
    result = run(runner, data)
    assert result.exit_code == 1
    lines = error_lines(result)
    assert len(lines) == 3
    assert "required column 'max_load_kw' (最大负荷) missing" in lines[0]
    assert "customers.customer_id: duplicate" in lines[1] and "(row 5: '0033001235')" in lines[1]
    assert "billing.kwh: unparsable number in 1 row (row 2: '一百')" in lines[2]


def test_orphan_is_a_warning_and_fails_only_with_strict(runner, make_dataset):
    billing = [*BILLING_ROWS, ["0099999999", "2024-01", "5", "1"]]
    data = make_dataset(billing=billing)
    result = run(runner, data)
    assert result.exit_code == 0, result.stderr
    assert error_lines(result) == [
        "warning: billing.customer_id: customer_id not in customers (row left out of every total) in 1 row "
        "(row 7: '0099999999')"
    ]
    assert "0 error(s), 1 warning(s)" in result.stderr
    strict = run(runner, data, "--strict")
    assert strict.exit_code == 1
    assert error_lines(strict) == error_lines(result)
    # quiet and strict: the warning that fails the run is printed (it printed nothing, exit 1)
    quiet = run(runner, data, "--strict", "-q")
    assert quiet.exit_code == 1 and quiet.stderr.strip() == error_lines(result)[0]


def test_json_lists_problems(runner, make_dataset):
    customers = [*CUSTOMERS_ROWS, CUSTOMERS_ROWS[0]]
    billing = [*BILLING_ROWS, ["0099999999", "2024-01", "x", "1"]]
    data = make_dataset(customers=customers, billing=billing)
    result = run(runner, data, "--json")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert (payload["errors"], payload["warnings"]) == (2, 1)
    assert payload["tables"]["billing"] == {
        "source": str(data / "billing.csv"), "encoding": "utf-8", "delimiter": ",", "sheet": None, "extra_columns": [], "files": []
    }
    assert isinstance(payload["seconds"], float)
    problems = {(p["table"], p["column"], p["check"]): p for p in payload["problems"]}
    assert set(problems) == {
        ("customers", "customer_id", "duplicate"),
        ("billing", "kwh", "unparsable"),
        ("billing", "customer_id", "orphan"),
    }
    for p in payload["problems"]:
        assert {"severity", "table", "column", "check", "message", "count", "rows", "example"} <= set(p)
    kwh = problems[("billing", "kwh", "unparsable")]
    assert (kwh["severity"], kwh["rows"], kwh["count"], kwh["example"]) == ("error", [7], 1, "x")
    dup = problems[("customers", "customer_id", "duplicate")]
    assert (dup["rows"], dup["example"]) == ([5], "0033001234")
    assert problems[("billing", "customer_id", "orphan")]["severity"] == "warning"


def test_json_of_a_valid_dataset(runner, make_dataset):
    result = run(runner, make_dataset(), "--json", "--strict")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["ok"] is True and payload["problems"] == [] and payload["errors"] == 0


def test_json_warning_with_strict_is_not_ok(runner, make_dataset):
    data = make_dataset(billing=[*BILLING_ROWS, ["0099999999", "2024-01", "5", "1"]])
    passed = json.loads(run(runner, data, "--json").stdout)
    assert passed["ok"] is True and "exit_code" not in passed and "error" not in passed
    strict = run(runner, data, "--json", "--strict")
    line = json.loads(strict.stdout)
    assert strict.exit_code == 1 and line["ok"] is False
    # a failed run's line, as README promises for every command
    assert (line["exit_code"], line["error"]) == (1, "0 error(s), 1 warning(s) (--strict)")


def test_json_structural_problem(runner, tmp_path):
    result = run(runner, tmp_path, "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["table"], p["check"], p["column"], p["rows"]) for p in problems] == [("dataset", "structure", None, [])] * 2


def test_quiet_valid_dataset_prints_nothing(runner, make_dataset):
    result = run(runner, make_dataset(), "--quiet")
    assert result.exit_code == 0
    assert result.stderr == "" and result.stdout == ""


def test_quiet_still_prints_errors(runner, make_dataset):
    billing = [r.copy() for r in BILLING_ROWS]
    billing[0][2] = "abc"
    result = run(runner, make_dataset(billing=billing), "-q")
    assert result.exit_code == 1
    assert "billing.kwh" in result.stderr


# --------------------------------------------------------------------------------------------
# inputs that load


def test_tables_given_one_by_one(runner, tmp_path):
    c = write_csv(tmp_path / "客户档案导出.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS, encoding="gbk")
    b = write_csv(tmp_path / "2024年电费.csv", BILLING_ZH, BILLING_ROWS, encoding="utf-8-sig")
    result = run(runner, "--customers", c, "--billing", b)
    assert result.exit_code == 0, result.stderr
    assert f"customers: {c} (gb18030" in result.stderr


def test_optional_tables_given_one_by_one(runner, make_dataset, tmp_path):
    data = make_dataset()
    events = write_csv(tmp_path / "事件.csv", ["户号", "日期", "事件类型", "金额"],
                       [["0033001234", "2024/3/5", "窃电", "60,000"], ["0033001235", "2024-03-06", "偷电", "1"]])
    interval = write_csv(tmp_path / "曲线.csv", ["户号", "采集时间", "负荷"], [["0033001234", "2024-01-05 00:15", "12.5"]])
    supply = write_csv(tmp_path / "供电.csv", ["台区", "账期", "供电量"], [["T1", "2024-01", "1,000"]])
    result = run(runner, data, "--events", events, "--load-interval", interval, "--supply", supply)
    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: events.kind: not a known kind (expected theft, violation, bounced_payment, late_payment or a Chinese "
        "name) in 1 row (row 3: '偷电')"
    ]
    assert f"load_interval: {interval}" in result.stderr and f"supply: {supply}" in result.stderr


@pytest.mark.parametrize("encoding", ["gbk", "GB18030", "cp936"])
def test_forced_encoding(runner, make_dataset, encoding):
    result = run(runner, make_dataset(encoding="gbk"), "--input-encoding", encoding)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_other_delimiters_are_sniffed(runner, make_dataset, delimiter):
    data = make_dataset()
    (data / "billing.csv").write_bytes(csv_bytes(BILLING_ZH, BILLING_ROWS, delimiter=delimiter))
    result = run(runner, data)
    assert result.exit_code == 0, result.stderr
    assert f"delimiter {delimiter!r}" in result.stderr


def test_excel_with_title_row_loads(runner, make_dataset):
    data = make_dataset()
    (data / "customers.csv").unlink()
    with xlsxwriter.Workbook(data / "客户档案.xlsx") as wb:
        ws = wb.add_worksheet("客户档案")
        ws.merge_range(0, 0, 0, 7, "客户档案 2024年1月")
        ws.write_row(1, 0, CUSTOMERS_ZH)
        for r, row in enumerate([*CUSTOMERS_ROWS, CUSTOMERS_ROWS[0]], start=2):
            ws.write_row(r, 0, row)
    result = run(runner, data)
    assert result.exit_code == 1  # the duplicate we added, on Excel row 6
    assert error_lines(result) == [
        "error: customers.customer_id: duplicate customer_id (first row kept) in 1 row (row 6: '0033001234')"
    ]


def test_parquet_dataset(runner, tmp_path):
    pl.DataFrame({"customer_id": ["0033001234"], "status": ["正常"]}).write_parquet(tmp_path / "customers.parquet")
    pl.DataFrame({"customer_id": ["0033001234", "0033001234"], "period": ["2024-01", "2024-02"], "kwh": [1.0, 2.0]}).write_parquet(
        tmp_path / "billing", partition_by="period"
    )
    result = run(runner, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert f"billing: {tmp_path / 'billing'} (2 files)\n" in result.stderr


def test_user_aliases_from_config(runner, make_dataset, tmp_path):
    data = make_dataset()
    write_csv(data / "billing.csv", ["户号", "账期", "本月电量"], [[r[0], r[1], r[2]] for r in BILLING_ROWS])
    assert run(runner, data).exit_code == 1
    config = tmp_path / "powercrm.toml"
    config.write_text('[columns.aliases.billing]\n"本月电量" = "kwh"\n', encoding="utf-8")
    result = run(runner, data, "--config", config)
    assert result.exit_code == 0, result.stderr


# --------------------------------------------------------------------------------------------
# bad input: one clear line, non-zero exit, never a traceback


def test_missing_directory(runner, tmp_path):
    assert_one_line_error(run(runner, tmp_path / "nope"), 1, "nope: no such directory")


def test_missing_file(runner, make_dataset, tmp_path):
    result = run(runner, make_dataset(), "--customers", tmp_path / "nope.csv")
    assert_one_line_error(result, 1, "nope.csv: no such file or directory")


def test_a_file_instead_of_a_directory(runner, make_dataset):
    assert_one_line_error(run(runner, make_dataset() / "customers.csv"), 1, "not a directory")


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n"])
def test_empty_file(runner, make_dataset, content):
    data = make_dataset()
    (data / "billing.csv").write_bytes(content)
    assert_one_line_error(run(runner, data), 1, "billing.csv: the file is empty")


def test_binary_file(runner, make_dataset):
    data = make_dataset()
    (data / "customers.csv").write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4)
    assert_one_line_error(run(runner, data), 1, "customers.csv: binary data")


def test_undecodable_text_file(runner, make_dataset):
    data = make_dataset()
    (data / "customers.csv").write_bytes(b"\xff\xff\xfd\x80\x80,abc\n")
    assert_one_line_error(run(runner, data), 1, "customers.csv", "--input-encoding")


def test_excel_without_a_recognisable_header(runner, make_dataset):
    data = make_dataset()
    (data / "customers.csv").unlink()
    with xlsxwriter.Workbook(data / "customers.xlsx") as wb:
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["编号", "名称"])
        ws.write_row(1, 0, ["1", "a"])
    assert_one_line_error(run(runner, data), 1, "customers.xlsx: no header row with customer_id")


def test_corrupt_excel(runner, make_dataset):
    data = make_dataset()
    (data / "customers.csv").unlink()
    (data / "customers.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    result = run(runner, data)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "customers.xlsx: cannot read as an Excel workbook" in result.stderr
    assert "Traceback" not in result.stderr


def test_excel_with_empty_extra_sheets(runner, make_dataset):
    data = make_dataset()
    (data / "customers.csv").unlink()
    with xlsxwriter.Workbook(data / "customers.xlsx") as wb:
        ws = wb.add_worksheet()
        ws.write_row(0, 0, CUSTOMERS_ZH)
        for r, row in enumerate(CUSTOMERS_ROWS, start=1):
            ws.write_row(r, 0, row)
        wb.add_worksheet()
        wb.add_worksheet()
    result = run(runner, data)
    assert result.exit_code == 0, result.stderr


def test_directory_without_required_tables(runner, tmp_path):
    write_csv(tmp_path / "events.csv", ["户号", "日期", "事件类型"], [["1", "2024-01-05", "窃电"]])
    result = run(runner, tmp_path)
    assert result.exit_code == 1
    lines = error_lines(result)
    assert len(lines) == 2
    assert "required table 'customers' (客户档案) not found" in lines[0]
    assert "required table 'billing' (电费账单) not found" in lines[1]


def test_unknown_encoding_exits_2(runner, make_dataset):
    assert_one_line_error(run(runner, make_dataset(), "--input-encoding", "latin-1"), 2, "unknown encoding --input-encoding 'latin-1': use utf-8")


def test_unknown_encoding_exits_2_without_csv_files(runner, tmp_path):
    pl.DataFrame({"customer_id": ["1"]}).write_parquet(tmp_path / "customers.parquet")
    pl.DataFrame({"customer_id": ["1"], "period": ["2024-01"], "kwh": [1.0]}).write_parquet(tmp_path / "billing.parquet")
    assert_one_line_error(run(runner, tmp_path, "--input-encoding", "latin-1"), 2, "--input-encoding 'latin-1'")


def test_values_that_look_like_markup_in_a_terminal(runner, make_dataset):
    billing = [*BILLING_ROWS, ["0033001234", "2024-03", "[/]", "1"]]
    result = run(runner, make_dataset(billing=billing), env={"TTY_COMPATIBLE": "1", "COLUMNS": "200"})
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "[/]" in result.stderr


def test_terminal_output_is_a_table(runner, make_dataset):
    billing = [*BILLING_ROWS, ["0033001234", "2024-03", "abc", "1"]]
    result = run(runner, make_dataset(billing=billing), env={"TTY_COMPATIBLE": "1", "COLUMNS": "200"})
    assert result.exit_code == 1
    assert "Problems" in result.stderr and "billing.kwh" in result.stderr and "'abc'" in result.stderr


def test_no_dataset_is_a_usage_error(runner):
    assert_one_line_error(run(runner), 2, "give a dataset directory")


def test_unknown_option_exits_2(runner, make_dataset):
    result = run(runner, make_dataset(), "--no-such-option")
    assert result.exit_code == 2
    assert "No such option" in result.stderr


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[scoring]\nnull_score = 9\n", "scoring.null_score = 9"),
        ("[scoring]\nbogus = 1\n", "scoring.bogus"),
        ("[columns.aliases.billing]\n\"本月电量\" = \"kwhh\"\n", "kwhh"),
        ("[scoring\n", "not valid TOML"),
    ],
)
def test_bad_config_exits_1_naming_the_key(runner, make_dataset, tmp_path, toml, needle):
    config = tmp_path / "bad.toml"
    config.write_text(toml, encoding="utf-8")
    assert_one_line_error(run(runner, make_dataset(), "--config", config), 1, str(config), needle)


def test_missing_config_file(runner, make_dataset, tmp_path):
    assert_one_line_error(run(runner, make_dataset(), "-c", tmp_path / "nope.toml"), 1, "config file not found")


def test_config_path_is_a_directory(runner, make_dataset, tmp_path):
    assert_one_line_error(run(runner, make_dataset(), "-c", tmp_path), 1, "is a directory, not a config file")


def test_debug_env_shows_the_real_exception(runner, tmp_path):
    result = run(runner, tmp_path / "nope", env={"POWERCRM_DEBUG": "1"})
    assert result.exit_code == 1
    from powercrm.errors import InputError

    assert isinstance(result.exception, InputError)
