"""`powercrm weights`: the table, --json, matrix files, --method/--a, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from powercrm.cli import guarded
from powercrm.commands.weights import weights

CORRECTED_CRITERIA = [[0.5, 0.6, 0.9, 0.7], [0.4, 0.5, 0.7, 0.7], [0.1, 0.3, 0.5, 0.2], [0.3, 0.3, 0.8, 0.5]]
SUB_MATRICES = """
[weights.matrices]
B1 = [[0.5, 0.7], [0.3, 0.5]]
B2 = [[0.5, 0.4], [0.6, 0.5]]
B3 = [[0.5, 0.3], [0.7, 0.5]]
B4 = [[0.5, 0.6], [0.4, 0.5]]
"""

# The command joined to an app the way powercrm.cli joins every command (guarded: errors -> one line + exit code).
app = typer.Typer(rich_markup_mode="rich", pretty_exceptions_enable=False)


@app.callback()
def _root() -> None:
    """Test app."""


app.command("weights")(guarded(weights))


@pytest.fixture
def run(runner: CliRunner):
    def invoke(*args: str):
        return runner.invoke(app, ["weights", *args])

    return invoke


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def one_line_error(result) -> str:
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- default run --------------------------------------------------------------------------------

def test_default_table_shows_computed_published_and_difference(run):
    result = run()
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("AHP weights, matrices from the config, method fuzzy (Lü, a = (n-1)/2 of each matrix)")
    assert lines[1].split() == ["criterion", "weight", "published", "diff", "indicator", "local", "global", "published", "diff"]
    assert lines[2].split() == ["B1", "0.3667", "0.367", "-0.0003", "B11", "0.7000", "0.2567", "0.257", "-0.0003"]
    # the discrepancy of SPEC §4: computed 0.133/0.2 against published 0.1/0.233
    assert lines[6].split() == ["B3", "0.1333", "0.100", "+0.0333", "B31", "0.3000", "0.0400", "0.030", "+0.0100"]
    assert lines[8].split() == ["B4", "0.2000", "0.233", "-0.0330", "B41", "0.6000", "0.1200", "0.140", "-0.0200"]
    assert lines[9].split() == ["B42", "0.4000", "0.0800", "0.093", "-0.0130"]
    assert "criteria  max deviation  0.1000  not consistent" in result.stdout
    assert "consistent transform of criteria" in result.stdout
    assert lines[-1] == 'scoring uses the published weights (weights.use = "published" in the config)'
    assert result.stderr == ""


def test_terminal_gets_a_rich_table(run, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")
    result = run()
    assert result.exit_code == 0, result.stderr
    assert "┃" in result.stdout and "0.1333" in result.stdout


def test_json(run):
    result = run("--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["method"], doc["a"], doc["matrices_from"]) == ("fuzzy", None, "the config")
    assert [round(w, 3) for w in doc["criteria"]["weights"]] == [0.367, 0.3, 0.133, 0.2]
    assert doc["criteria"]["consistency"]["consistent"] is False
    assert len(doc["criteria"]["consistency"]["consistent_matrix"]) == 4
    assert doc["groups"]["B2"]["weights"] == pytest.approx([0.4, 0.6])
    rows = {row["indicator"]: row for row in doc["indicators"]}
    assert list(rows) == ["B11", "B12", "B21", "B22", "B31", "B32", "B41", "B42"]
    assert rows["B31"]["global_weight"] == pytest.approx(0.04)
    assert rows["B31"]["published"] == 0.03
    assert rows["B31"]["difference"] == pytest.approx(0.01)
    assert doc["scoring"] == {"use": "published", "weights": {k: row["published"] for k, row in rows.items()}}


def test_a_option(run):
    doc = json.loads(run("--json", "--a", "3").stdout)
    assert doc["a"] == 3.0
    assert doc["groups"]["B1"]["weights"] == pytest.approx([0.5 - 1 / 6 + 1.2 / 6, 0.5 - 1 / 6 + 0.8 / 6])


# --- options and files --------------------------------------------------------------------------

def test_a_below_the_bound_is_a_usage_error(run):
    result = run("--a", "1")
    assert result.exit_code == 2
    assert one_line_error(result) == (
        "error: --a 1 is below (n − 1)/2 = 1.5 of the 4×4 criteria matrix; Lü's weights need a ≥ (n − 1)/2"
    )


def test_a_with_saaty_is_a_usage_error(run):
    result = run("--method", "saaty", "--a", "2")
    assert result.exit_code == 2
    assert "--method saaty has none" in one_line_error(result)


def test_saaty_on_the_fuzzy_config_names_the_cell(run):
    result = run("--method", "saaty")
    assert result.exit_code == 1
    assert one_line_error(result) == (
        "error: matrix criteria: a[3,1] = 0.1 is outside Saaty's scale [1/9, 9] "
        "(matrix criteria is the config's, written for --method fuzzy: give it in --matrix or --config)"
    )


def test_a_saaty_criteria_file_beside_the_configs_fuzzy_groups_says_whose_matrix_failed(run, tmp_path):
    path = tmp_path / "criteria.json"
    path.write_text(json.dumps({"criteria_matrix": [[1, 2, 5, 3], ["1/2", 1, 3, 2], ["1/5", "1/3", 1, "1/2"], ["1/3", "1/2", 2, 1]]}))
    result = run("--matrix", str(path), "--method", "saaty")
    assert result.exit_code == 1
    assert one_line_error(result).endswith("expected 1 on the diagonal (matrix B1 is the config's, written for --method fuzzy: give it in --matrix or --config)")


def test_bad_matrix_file_names_the_cell(run, tmp_path):
    path = write(tmp_path, "experts.json", json.dumps({"matrices": {
        "B1": [[0.5, 0.7], [0.3, 0.5]], "B2": [[0.5, 0.4], [0.6, 0.5]],
        "B3": [[0.5, 0.3], [0.7, 0.5]], "B4": [[0.5, 0.6], [0.45, 0.5]],
    }}))
    result = run("--matrix", path)
    assert result.exit_code == 1
    assert one_line_error(result) == (
        f"error: matrix B4 in {path}: r[1,2] + r[2,1] = 1.05, expected 1 (row 1 col 2 is 0.6, row 2 col 1 is 0.45)"
    )


def test_bad_csv_matrix_names_the_cell(run, tmp_path):
    path = write(tmp_path, "m.csv", ",B11,B12\nB11,0.5,0.7\nB12,0.4,0.5\n")
    result = run("--matrix", path)
    assert result.exit_code == 1
    assert one_line_error(result).startswith(f"error: matrix {path}: r[1,2] + r[2,1] = 1.1, expected 1")


def test_missing_matrix_file(run, tmp_path):
    result = run("--matrix", str(tmp_path / "nope.json"))
    assert result.exit_code == 1
    assert one_line_error(result).endswith("nope.json: matrix file not found")


def test_corrected_criteria_matrix_gives_the_published_weights(run, tmp_path):
    path = write(tmp_path, "corrected.toml", f"criteria_matrix = {CORRECTED_CRITERIA}\n")
    doc = json.loads(run("--matrix", path, "--json").stdout)
    assert doc["matrices_from"] == f"{path} and the config"
    assert all(abs(row["difference"]) < 0.0005 for row in doc["indicators"])


def test_single_saaty_matrix(run, tmp_path):
    path = write(tmp_path, "saaty.csv", "price,quality,service\n1,3,5\n1/3,1,3\n1/5,1/3,1\n")
    result = run("--matrix", path, "--method", "saaty")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"AHP weights of {path}, method saaty (principal eigenvector; consistent when CR < 0.1)"
    assert [line.split() for line in lines[2:5]] == [["price", "0.6370"], ["quality", "0.2583"], ["service", "0.1047"]]
    assert "CR       0.0332  acceptable (lambda_max 3.0385, CI 0.0193, RI 0.58)" in result.stdout
    doc = json.loads(run("--matrix", path, "--method", "saaty", "--json").stdout)
    assert doc["matrix"]["labels"] == ["price", "quality", "service"]
    assert round(doc["matrix"]["consistency"]["details"]["CR"], 3) == 0.033


def test_inconsistent_saaty_matrix_warns_on_stderr(run, tmp_path):
    path = write(tmp_path, "cyclic.json", json.dumps({"matrix": [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]}))
    result = run("--matrix", path, "--method", "saaty")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"warning: matrix {path}: CR = 6.130 ≥ 0.1")
    assert "CR >= 0.1: revise the matrix" in result.stdout


def test_single_fuzzy_matrix_reports_its_a(run, tmp_path):
    path = write(tmp_path, "m.csv", "0.5,0.7\n0.3,0.5\n")
    result = run("--matrix", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith("method fuzzy (Lü, a = 0.5)")


# --- config -------------------------------------------------------------------------------------

def test_config_with_computed_weights(run, tmp_path):
    config = write(tmp_path, "powercrm.toml", f'[weights]\nuse = "computed"\na = 3.0\ncriteria_matrix = {CORRECTED_CRITERIA}\n')
    result = run("--config", config)
    assert result.exit_code == 0, result.stderr
    assert "method fuzzy (Lü, a = 3)" in result.stdout.splitlines()[0]
    assert result.stdout.splitlines()[-1].startswith('scoring uses the weights computed from the config\'s matrices')
    doc = json.loads(run("--config", config, "--json").stdout)
    assert doc["scoring"]["use"] == "computed"
    assert doc["scoring"]["weights"] == {row["indicator"]: row["global_weight"] for row in doc["indicators"]}


def test_config_with_a_bad_matrix_names_the_key(run, tmp_path):
    config = write(tmp_path, "powercrm.toml", SUB_MATRICES.replace("B2 = [[0.5, 0.4], [0.6, 0.5]]", "B2 = [[0.5, 0.4], [0.5, 0.5]]"))
    result = run("--config", config)
    assert result.exit_code == 1
    line = one_line_error(result)
    assert "weights.matrices" in line and "matrix weights.matrices.B2: r[1,2] + r[2,1] = 0.9, expected 1" in line


def test_help_has_examples_and_the_config_section(run):
    result = run("--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "[weights] use" in text
    assert "powercrm weights --matrix data/matrices/experts_saaty.json --method saaty" in text


def test_the_weights_table_is_written_with_o(run, tmp_path):
    out = tmp_path / "weights.csv"
    result = run("-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    assert "wrote" not in run("-o", str(out), "-q").stderr
    table = pl.read_csv(out)
    assert table.columns == ["criterion", "criterion_weight", "indicator", "local_weight", "global_weight", "published", "difference"]
    assert table["global_weight"].sum() == pytest.approx(1.0)
    assert table.filter(pl.col("indicator") == "B11")["global_weight"].item() == pytest.approx(0.3666667 * 0.7, rel=1e-6)
    piped = run("-o", "-")
    assert piped.stdout.startswith("criterion,criterion_weight,indicator") and len(piped.stdout.splitlines()) == 9


def test_the_weights_written_have_no_float_noise(run, tmp_path):
    """0.7 × 0.1 / 0.7 … left 0.30000000000000004 and differences of 2.8e-17 where the paper has 0.3 and 0."""
    run("-o", str(tmp_path / "w.csv"))
    lines = (tmp_path / "w.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[2] == "B1,0.366666666667,B12,0.3,0.11,0.11,0.0"
    assert lines[4] == "B2,0.3,B22,0.6,0.18,0.18,0.0"
    run("--matrix", write(tmp_path, "m.csv", "0.5,0.8\n0.2,0.5\n"), "-o", str(tmp_path / "single.csv"))
    assert (tmp_path / "single.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == ["1,0.8", "2,0.2"]


def test_json_says_ok(run):
    assert json.loads(run("--json").stdout)["ok"] is True


def test_json_goes_to_stderr_when_the_table_goes_to_stdout(run, tmp_path):
    """`weights -o - --json` printed no JSON line at all; cron scripts pass -q and --encoding to every command."""
    piped = run("-o", "-", "--json", "-q")
    assert piped.exit_code == 0, piped.stderr
    assert piped.stdout.startswith("criterion,") and json.loads(piped.stderr)["ok"] is True
    single = run("--matrix", write(tmp_path, "m.csv", "0.5,0.7\n0.3,0.5\n"), "-o", "-", "--json")
    assert single.stdout.startswith("label,weight") and json.loads(single.stderr)["matrix"]["weights"] == pytest.approx([0.7, 0.3])
    out = tmp_path / "w.csv"
    assert run("-o", str(out), "--encoding", "gb18030", "-q").exit_code == 0
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_an_infinite_a_is_a_usage_error(run):
    result = run("--a", "inf")
    assert result.exit_code == 2 and "finite" in result.stderr


def test_a_matrix_csv_with_full_width_commas(run, tmp_path):
    result = run("--matrix", write(tmp_path, "fw.csv", "0.5，0.7\n0.3，0.5\n"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["matrix"]["weights"] == pytest.approx([0.7, 0.3])


MATRICES = Path(__file__).resolve().parents[2] / "data" / "matrices"


def test_the_shipped_example_matrices_weigh(run):
    saaty = run("--matrix", str(MATRICES / "experts_saaty.json"), "--method", "saaty", "--json")
    assert saaty.exit_code == 0, saaty.output
    assert json.loads(saaty.stdout)["criteria"]["consistency"]["consistent"] is True
    corrected = run("--matrix", str(MATRICES / "criteria_corrected.csv"), "--json")
    assert corrected.exit_code == 0, corrected.output
    assert json.loads(corrected.stdout)["matrix"]["weights"] == pytest.approx([0.3666667, 0.3, 0.1, 0.2333333], abs=1e-6)
