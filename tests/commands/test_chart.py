"""`powercrm chart` through the CLI: the points agree with the cross lines drawn, whatever file it reads."""

from __future__ import annotations

import json

import polars as pl

from powercrm.cli import app


def run(runner, *args):
    return runner.invoke(app, [*map(str, args)])


def test_a_gb18030_scores_file_is_read(runner, data, tmp_path):
    scores = tmp_path / "s.csv"
    assert run(runner, "score", data, "-o", scores, "--lang", "zh", "--output-encoding", "gb18030", "-q").exit_code == 0
    result = run(runner, "chart", scores, "-o", tmp_path / "vm.png")
    assert result.exit_code == 0, result.stderr
    assert "origin 1.761000, 1.099000" in result.stderr


def test_scores_made_with_another_origin_are_recoloured_with_a_note(runner, data, tmp_path):
    """score --origin 0,0 makes every customer key; drawn at the mean, the points must follow the mean's
    cross lines (they kept the file's colours on the wrong side), and a note says how many moved."""
    at_mean, at_zero = tmp_path / "mean.csv", tmp_path / "zero.csv"
    assert run(runner, "score", data, "-o", at_mean, "-q").exit_code == 0
    assert run(runner, "score", data, "-o", at_zero, "--origin", "0,0", "-q").exit_code == 0
    not_key = pl.read_csv(at_mean).filter(pl.col("segment") != "key").height
    assert 0 < not_key < 3
    result = run(runner, "chart", at_zero, "-o", tmp_path / "vm.svg")
    assert result.exit_code == 0, result.stderr
    assert f"note: {not_key:,} customers are in another quadrant" in result.stderr
    for args in (["--origin", "0,0"], ["--config", tmp_path / "zero.toml"]):
        (tmp_path / "zero.toml").write_text("[scoring]\norigin = [0.0, 0.0]\n", encoding="utf-8")
        result = run(runner, "chart", at_zero, "-o", tmp_path / "vm.png", *args)
        assert result.exit_code == 0, result.stderr
        assert "note:" not in result.stderr and "origin 0.000000, 0.000000" in result.stderr


def test_svg_and_html_charts_are_the_same_bytes_on_a_rerun(runner, data, tmp_path):
    scores = tmp_path / "s.csv"
    assert run(runner, "score", data, "-o", scores, "-q").exit_code == 0
    for suffix in (".svg", ".html"):
        first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        for target in (first, second):
            assert run(runner, "chart", scores, "-o", target, "-q").exit_code == 0
        assert first.read_bytes() == second.read_bytes()
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<body" in page


def test_json_line(runner, data, tmp_path):
    scores = tmp_path / "s.csv"
    assert run(runner, "score", data, "-o", scores, "-q").exit_code == 0
    result = run(runner, "chart", scores, "-o", tmp_path / "vm.png", "--json")
    assert result.exit_code == 0, result.stderr
    line = json.loads(result.stdout)
    assert (line["ok"], line["customers"], line["origin"], line["moved"]) == (True, 3, [1.761, 1.099], 0)
    assert sum(line["segments"].values()) == 3


def test_an_empty_scores_file_is_one_line(runner, tmp_path):
    (tmp_path / "s.csv").write_bytes(b"")
    result = run(runner, "chart", tmp_path / "s.csv", "-o", tmp_path / "vm.png")
    assert result.exit_code == 1 and result.stderr.strip() == f"error: {tmp_path / 's.csv'}: the file is empty"


def test_an_xlsx_scores_file_with_a_column_empty_in_its_first_rows_is_read_quietly(tmp_path):
    """fastexcel warned 'Could not determine dtype for column 4' on stderr under -q (fee_level is empty
    for every customer that is not important, often the first thousand rows)."""
    from powercrm.io.writers import write_table

    n = 1500
    write_table(
        pl.DataFrame({
            "customer_id": [str(i) for i in range(n)], "current_value": [1.0 + i % 3 for i in range(n)],
            "potential_value": [1.0 + i % 2 for i in range(n)], "segment": ["key"] * n, "fee_level": [None] * 1200 + ["x"] * 300,
        }),
        tmp_path / "s.xlsx",
    )
    import subprocess
    import sys

    # a process: the warning came from fastexcel's native code, past Python's sys.stderr
    run = [sys.executable, "-m", "powercrm.cli", "chart", str(tmp_path / "s.xlsx"), "-o", str(tmp_path / "c.svg"), "-q"]
    result = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == ""
