"""`powercrm sample` through the CLI: files written, messages on stderr, --quiet, usage errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from powercrm.cli import app


def run(runner: CliRunner, *args: str | Path):
    return runner.invoke(app, ["sample", *map(str, args)])


def test_help_has_examples() -> None:
    result = CliRunner().invoke(app, ["sample", "--help"])
    assert result.exit_code == 0
    assert "powercrm sample data/samples" in result.stdout
    assert "--interval-days" in result.stdout and "--zh" in result.stdout


def test_writes_a_dataset_and_reports_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = run(CliRunner(), out, "--customers", "150", "--months", "14", "--seed", "3")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "wrote" in result.stderr and "billing.csv" in result.stderr
    names = {p.name for p in out.iterdir()}
    assert names == {"customers.csv", "billing.csv", "load.csv", "events.csv", "supply.csv", "ground_truth.csv"}
    assert (out / "customers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    truth = pl.read_csv(out / "ground_truth.csv", infer_schema=False)
    assert truth.height > 0


def test_zh_parquet_with_interval(tmp_path: Path) -> None:
    result = run(CliRunner(), tmp_path, "-n", "60", "-m", "3", "--zh", "--format", "parquet", "--interval-days", "1", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    df = pl.read_parquet(tmp_path / "customers.parquet")
    assert df.columns[:2] == ["户号", "户名"]
    assert pl.read_parquet(tmp_path / "load_interval.parquet").height == 60 * 96 - 96 * pl.read_parquet(tmp_path / "customers.parquet").filter(pl.col("状态") == "销户").height


def test_gbk_csv(tmp_path: Path) -> None:
    result = run(CliRunner(), tmp_path, "-n", "40", "-m", "2", "--zh", "--encoding", "gbk", "-q")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "customers.csv").read_bytes().decode("gb18030").startswith("户号")


@pytest.mark.parametrize(("args", "bom"), [([], True), (["--encoding", "utf-8-sig"], True), (["--encoding", "utf-8"], False)])
def test_utf8_with_and_without_bom_as_the_other_commands_name_them(tmp_path: Path, args, bom) -> None:
    assert run(CliRunner(), tmp_path, "-n", "20", "-m", "2", *args, "-q").exit_code == 0
    assert (tmp_path / "billing.csv").read_bytes().startswith(b"\xef\xbb\xbf") == bom


def test_same_seed_same_files(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("a", "b"):
        assert run(runner, tmp_path / name, "-n", "80", "-m", "6", "-s", "9", "-q").exit_code == 0
    for f in ("customers.csv", "billing.csv", "ground_truth.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_existing_dataset_needs_force(tmp_path: Path) -> None:
    runner = CliRunner()
    assert run(runner, tmp_path, "-n", "30", "-m", "2", "-q").exit_code == 0
    result = run(runner, tmp_path, "-n", "30", "-m", "2")
    assert result.exit_code == 2 and "--force" in result.stderr
    assert run(runner, tmp_path, "-n", "30", "-m", "2", "--force", "-q").exit_code == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--customers", "-5"], "--customers"),
        (["--customers", "0"], "--customers"),
        (["--months", "0"], "--months"),
        (["--format", "json"], "--format"),
        (["--encoding", "latin-1"], "--encoding"),
        (["--format", "parquet", "--encoding", "gbk"], "CSV only"),
        (["--period-end", "2025-13"], "--period-end"),
        (["--interval-days", "-1"], "--interval-days"),
        (["--format", "xlsx", "--customers", "100000"], "Excel"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    result = run(CliRunner(), tmp_path / "x", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert not (tmp_path / "x").exists()
