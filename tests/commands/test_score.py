"""`powercrm score` through the CLI: outputs, formats, languages, errors, rejects."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import polars as pl
import pytest

from powercrm.cli import app
from powercrm.segment.pipeline import output_columns


def score(runner, *args):
    return runner.invoke(app, ["score", *map(str, args)])


def test_writes_bom_csv_and_a_summary(runner, data, tmp_path):
    out = tmp_path / "scores.csv"
    result = score(runner, data, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pl.read_csv(out)
    assert table.columns == output_columns()
    assert table.height == 3
    assert "3 customers scored" in result.stderr and "origin (1.761000, 1.099000); B42 M = 100.00 kWh" in result.stderr
    assert result.stdout == ""


def test_the_summary_is_chinese_with_lang_zh(runner, data, tmp_path):
    out, rejects = tmp_path / "scores.csv", tmp_path / "rejects.csv"
    result = score(runner, data, "-o", out, "--rejects", rejects, "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr
    assert "已评分客户 3 户，统计截止月 " in lines and "原点 (1.761000, 1.099000); B42 M = 100.00 kWh" in lines
    assert "信用等级" in lines and "客户档案：读入 3 行，使用 3 行" in lines
    assert f"已写入 {out}，用时 " in lines and f"已写入 {rejects}（拒绝行 " in lines
    assert "customers scored" not in lines and "wrote" not in lines


def test_stdout_carries_csv_without_bom(runner, data):
    result = score(runner, data, "-o", "-", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("customer_id,x_B11,")
    assert len(result.stdout.splitlines()) == 4


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_every_format_round_trips(runner, data, tmp_path, suffix):
    reference = tmp_path / "ref.parquet"
    assert score(runner, data, "-o", reference, "-q").exit_code == 0
    out = tmp_path / f"scores{suffix}"
    assert score(runner, data, "-o", out, "-q").exit_code == 0
    expected = pl.read_parquet(reference)
    if suffix == ".csv":
        got = pl.read_csv(out, schema=expected.schema)
    elif suffix == ".xlsx":
        got = pl.read_excel(out, sheet_name="scores", schema_overrides=expected.schema)
        summary = pl.read_excel(out, sheet_name="summary")
        assert summary.schema == pl.Schema({"item": pl.String, "value": pl.Float64, "text": pl.String})
        figures = dict(zip(summary["item"], summary["value"]))
        assert (figures["customers"], figures["customers rows used"], figures["billing rows in"]) == (3, 3, 60)
    else:
        got = pl.read_parquet(out)
    # Excel keeps 15 significant digits and turns empty text into nulls
    expected = expected.with_columns(pl.col("credit_flags").replace("", None))
    got = got.with_columns(pl.col("credit_flags").replace("", None))
    assert got.columns == expected.columns
    for name in expected.columns:
        if expected[name].dtype.is_float():
            nan = float("nan")
            assert got[name].fill_null(nan).to_list() == pytest.approx(
                expected[name].fill_null(nan).to_list(), rel=1e-12, nan_ok=True
            ), name
        else:
            assert got[name].to_list() == expected[name].to_list(), name


def test_chinese_headers_and_labels(runner, data, tmp_path):
    out = tmp_path / "客户价值.csv"
    assert score(runner, data, "-o", out, "--lang", "zh", "-q").exit_code == 0
    table = pl.read_csv(out)
    assert table.columns[0] == "户号"
    assert set(table["客户类型"]) == {"贵宾型", "放弃型"}
    assert "2期及以上违约金" in table["失信标记"].to_list()


def test_json_summary_is_one_line(runner, data, tmp_path):
    result = score(runner, data, "-o", tmp_path / "s.parquet", "--json", "-q")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    info = json.loads(lines[0])
    assert info["customers"] == 3
    assert info["segments"]["key"] == 2
    assert info["period_end"] == "2025-12"


def test_json_goes_to_stderr_when_stdout_carries_data(runner, data):
    result = score(runner, data, "-o", "-", "--json")
    assert result.stdout.startswith("customer_id,")
    assert json.loads(result.stderr.strip().splitlines()[-1])["customers"] == 3


def test_fixed_origin_and_period_end(runner, data, tmp_path):
    out = tmp_path / "s.csv"
    result = score(runner, data, "-o", out, "--origin", "2.2,1.1", "--period-end", "2025-12", "-q")
    assert result.exit_code == 0, result.stderr
    assert pl.read_csv(out)["segment"].to_list() == ["develop", "key", "low_value"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--origin", "2.2"], "--origin"),
        (["--origin", "nan,1"], "finite"),
        (["--origin", "1,-inf"], "finite"),
        (["--period-end", "2025-13"], "--period-end"),
        (["--lang", "fr"], "--lang"),
        (["-o", "scores.json"], "unknown output type"),
        (["--chart", "c.pdf"], "unknown chart type"),
    ],
)
def test_usage_errors_exit_2(runner, data, tmp_path, args, message):
    result = score(runner, data, *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_missing_required_column_stops_before_writing(runner, data, tmp_path):
    billing = pl.read_csv(data / "billing.csv").drop("有功电量")
    billing.write_csv(data / "billing.csv")
    out = tmp_path / "s.csv"
    result = score(runner, data, "-o", out)
    assert result.exit_code == 1
    assert "required column 'kwh'" in result.stderr
    assert not out.exists()
    assert list(tmp_path.glob(".s.csv*")) == []


def test_unusable_rows_are_rejected_counted_and_written(runner, data, tmp_path):
    billing = pl.read_csv(data / "billing.csv", infer_schema=False)
    bad = pl.DataFrame({"户号": ["A", "ZZ"], "账期": ["2025-12", "2025-12"], "有功电量": ["abc", "1"]})
    pl.concat([billing, bad], how="diagonal").write_csv(data / "billing.csv")
    customers = pl.read_csv(data / "customers.csv", infer_schema=False)
    pl.concat([customers, customers.head(1)]).write_csv(data / "customers.csv")
    out, rejects = tmp_path / "s.csv", tmp_path / "rejects.csv"
    result = score(runner, data, "-o", out, "--rejects", rejects, "--json", "-q")
    assert result.exit_code == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["rows"]["billing"] == {"in": 62, "used": 60, "rejected": 2}
    assert info["rows"]["customers"] == {"in": 4, "used": 3, "rejected": 1}
    written = pl.read_csv(rejects)
    assert sorted(written["reason"].to_list()) == [
        "duplicate customer_id (first row kept)",
        "kwh='abc'",
        "orphan: customer_id not among the usable rows of customers",
    ]
    assert pl.read_csv(out).height == 3


def test_chart_option_draws_the_matrix(runner, data, tmp_path):
    chart = tmp_path / "vm.png"
    result = score(runner, data, "-o", tmp_path / "s.csv", "--chart", chart, "--lang", "zh", "-q")
    assert result.exit_code == 0, result.stderr
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_command_reads_chinese_scores(runner, data, tmp_path):
    scores = tmp_path / "s.csv"
    assert score(runner, data, "-o", scores, "--lang", "zh", "-q").exit_code == 0
    result = runner.invoke(app, ["chart", str(scores), "-o", str(tmp_path / "vm.svg")])
    assert result.exit_code == 0, result.stderr
    assert "origin 1.761000, 1.099000" in result.stderr
    assert (tmp_path / "vm.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.skipif(shutil.which("powercrm") is None and sys.platform != "linux", reason="console script not installed")
def test_pipe_into_head_as_a_real_process(data):
    script = shutil.which("powercrm") or f"{sys.executable} -m powercrm.cli"
    result = subprocess.run(
        f"{script} score {data} -o - | head -2", shell=True, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.splitlines()[0].startswith("customer_id,")
    assert len(result.stdout.splitlines()) == 2
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


@pytest.mark.parametrize("clash", ["input", "rejects", "rejects-onto-input"])
def test_an_output_never_replaces_an_input_or_another_output(runner, data, tmp_path, clash):
    """`-o customers.csv` in the dataset directory replaced the archive with the scores, exit 0."""
    archive = (data / "customers.csv").read_bytes()
    args = {
        "input": ["-o", data / "customers.csv"],
        "rejects": ["-o", tmp_path / "same.csv", "--rejects", tmp_path / "same.csv"],
        "rejects-onto-input": ["-o", tmp_path / "s.csv", "--rejects", data / "billing.csv"],
    }[clash]
    result = score(runner, data, *args, "-q")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert (data / "customers.csv").read_bytes() == archive
    assert not (tmp_path / "same.csv").exists() and not (tmp_path / "s.csv").exists()


def test_stdout_honours_the_gb18030_output_encoding(runner, data):
    result = score(runner, data, "-o", "-", "--lang", "zh", "--output-encoding", "gb18030", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith("户号,".encode("gb18030"))


@pytest.mark.parametrize("option", ["--encoding", "--output-encoding"])
def test_encoding_chooses_the_encoding_of_the_csv_written(runner, data, tmp_path, option):
    """SPEC §8: '--encoding to choose, e.g. gb18030'; the input's encoding is detected (--input-encoding forces it)."""
    out = tmp_path / "s.csv"
    result = score(runner, data, "-o", out, "--lang", "zh", option, "gb18030", "-q")
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith("户号,".encode("gb18030"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "s.xlsx", "--encoding", "gb18030"], "error: --encoding gb18030 applies to CSV only, and {tmp}/s.xlsx is XLSX; leave it out, or write .csv"),
        (["-o", "s.parquet", "--encoding", "utf-8"], "error: --encoding utf-8 applies to CSV only, and {tmp}/s.parquet is PARQUET; leave it out, or write .csv"),
        (["-o", "s.csv", "--encoding", "latin-1"], "error: unknown output encoding --encoding 'latin-1': use utf-8-sig, utf-8 or gb18030"),
    ],
)
def test_an_encoding_nothing_uses_or_unknown_stops_the_run_before_any_work(runner, data, tmp_path, monkeypatch, args, message):
    """It was ignored for XLSX and Parquet, and an unknown one failed only when writing, after the run."""
    from powercrm.commands import score as score_command

    monkeypatch.setattr(score_command, "open_dataset", lambda *a, **k: pytest.fail("the dataset was read"))
    result = score(runner, data, *[str(tmp_path / a) if a.startswith("s.") else a for a in args])
    assert result.exit_code == 2
    assert result.stderr.strip() == message.format(tmp=tmp_path)
    assert not list(tmp_path.glob("s.*"))


def test_an_encoding_for_the_csv_rejects_beside_an_xlsx_output(runner, data, tmp_path):
    result = score(runner, data, "-o", tmp_path / "s.xlsx", "--rejects", tmp_path / "r.csv", "--encoding", "gb18030", "-q")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "r.csv").read_bytes().startswith(b"table,")


def test_a_table_option_given_twice_is_refused(runner, data, tmp_path):
    """typer kept the last of two --billing files: half the bills scored, exit 0."""
    result = score(runner, data, "--billing", data / "billing.csv", "--billing", data / "billing.csv", "-o", tmp_path / "s.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --billing given 2 times (") and "put the files in one directory and give --billing DIR" in result.stderr
    assert not (tmp_path / "s.csv").exists()


def test_input_encoding_forces_the_encoding_read(runner, data, tmp_path):
    result = score(runner, data, "-o", tmp_path / "s.csv", "--input-encoding", "gbk", "-q")
    assert result.exit_code == 1 and "not valid GBK" in result.stderr  # the test archive is UTF-8 with Chinese


@pytest.mark.skipif(sys.platform != "linux", reason="locale encodings as on a Linux server")
def test_stdout_and_json_are_utf8_whatever_the_locale(data, tmp_path):
    """A zh_CN.GBK or Latin-1 locale encoded stdout in its own codec: Chinese text (or '€') ended in
    'internal error: UnicodeEncodeError' with no row written."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    run = [sys.executable, "-m", "powercrm.cli", "score", str(data), "--lang", "zh", "-q"]
    rows = subprocess.run([*run, "-o", "-"], capture_output=True, env=env, timeout=120)
    assert rows.returncode == 0, rows.stderr
    assert rows.stdout.decode("utf-8").startswith("户号,")
    line = subprocess.run([*run, "-o", str(tmp_path / "s.csv"), "--json"], capture_output=True, env=env, timeout=120)
    assert line.returncode == 0 and json.loads(line.stdout.decode("utf-8"))["ok"] is True


def test_json_with_stdout_closed_keeps_the_outcome(data, tmp_path):
    out = tmp_path / "s.csv"
    result = subprocess.run(
        [sys.executable, "-m", "powercrm.cli", "score", str(data), "-o", str(out), "--json", "-q"],
        stdout=subprocess.DEVNULL, capture_output=False, stderr=subprocess.PIPE, timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr and out.exists()


def _row2_formats(path, sheet: int) -> dict[str, str]:
    """The number format of each cell of the sheet's first data row, by column letter."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
        xml = z.read(f"xl/worksheets/sheet{sheet}.xml").decode()
    custom = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles))
    ids = re.findall(r'<xf numFmtId="(\d+)"', re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1))
    row = re.search(r'<row r="2"[^>]*>(.*?)</row>', xml, re.S).group(1)
    return {ref: custom.get(ids[int(s)] if s else "0", "General") for ref, s in re.findall(r'<c r="([A-Z]+)2"(?: s="(\d+)")?', row)}


def test_xlsx_shares_and_summary_counts_are_not_cut_to_six_decimals(runner, data, tmp_path):
    """A province's B11 of 1.4e-7 showed as 0.000000, and the summary's 969 customers as 969.000000."""
    out = tmp_path / "s.xlsx"
    assert score(runner, data, "-o", out, "-q").exit_code == 0
    scores = _row2_formats(out, 1)
    assert scores["C"] == scores["F"] == "General"  # B11, B12
    assert scores["B"] == "#,##0" and scores["H"].startswith("#,##0.000000")  # x_B11, x_B21
    assert _row2_formats(out, 2)["B"] == "General"


def test_sigterm_while_writing_leaves_no_temporary_file(runner, data, tmp_path, monkeypatch):
    """A cron timeout or `systemctl stop` sends SIGTERM: a 0-byte `.s.csv.*.tmp` stayed beside the output."""
    import signal

    from powercrm import cli
    from powercrm.io import writers

    def killed_midway(frame, path, encoding):
        path.write_text("customer_id,")
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(writers, "_write_csv", killed_midway)
    previous = signal.signal(signal.SIGTERM, cli.terminate)
    try:
        result = score(runner, data, "-o", tmp_path / "s.csv", "--json", "-q")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert result.exit_code == 143
    assert result.stderr == "error: terminated\n" and json.loads(result.stdout)["exit_code"] == 143
    assert [p.name for p in tmp_path.iterdir()] == ["data"]  # the dataset, and nothing written


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_extra_archive_columns_reach_every_format_and_keep_their_header_in_chinese(runner, data, tmp_path, suffix):
    archive = pl.read_csv(data / "customers.csv").with_columns(供电单位=pl.Series(["城东所", "城西所", "城东所"]))
    archive.write_csv(data / "customers.csv")
    out = tmp_path / f"客户价值{suffix}"
    assert score(runner, data, "-o", out, "--lang", "zh", "-q").exit_code == 0
    table = {".csv": pl.read_csv, ".parquet": pl.read_parquet}.get(suffix, pl.read_excel)(out)
    assert table.columns[-2:] == ["供电安全等级", "供电单位"]
    assert table["供电单位"].to_list() == ["城东所", "城西所", "城东所"]


def test_billing_as_a_directory_of_monthly_exports_scores_as_one_file(runner, data, tmp_path):
    """An analyst's monthly exports in `billing/` (a GBK one among them): the same scores as the one file;
    a reject names its part file and the line in it."""
    whole = tmp_path / "whole.csv"
    assert score(runner, data, "-o", whole, "-q").exit_code == 0
    billing = pl.read_csv(data / "billing.csv", infer_schema=False)
    (data / "billing.csv").unlink()
    (data / "电费账单").mkdir()
    for year, part in billing.group_by(pl.col("账期").str.slice(0, 4), maintain_order=True):
        path = data / "电费账单" / f"电费账单_{year[0]}.csv"
        path.write_bytes(part.write_csv().encode("gbk" if year[0] == "2024" else "utf-8"))
    assert [p.name for p in sorted((data / "电费账单").iterdir())] == ["电费账单_2024.csv", "电费账单_2025.csv"]
    parts = tmp_path / "parts.csv"
    assert score(runner, data, "-o", parts, "-q").exit_code == 0
    assert parts.read_bytes() == whole.read_bytes()

    last = sorted((data / "电费账单").iterdir())[-1]
    last.write_text(last.read_text(encoding="utf-8") + "0033000001,2025-12,abc\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = score(runner, data, "-o", parts, "--rejects", rejects, "--json", "-q")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"]["billing"]["rejected"] == 1
    assert pl.read_csv(rejects).select("file", "row", "reason").rows() == [(str(last), len(last.read_text().splitlines()), "kwh='abc'")]
