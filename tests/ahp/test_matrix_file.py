"""Matrix files: CSV layouts, JSON/TOML sets and single matrices, errors naming the file and cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from powercrm.ahp.matrix_file import MatrixSet, SingleMatrix, load_matrix_file
from powercrm.errors import ConfigError, MatrixError

MATRICES = {
    "B1": [[0.5, 0.7], [0.3, 0.5]],
    "B2": [[0.5, 0.4], [0.6, 0.5]],
    "B3": [[0.5, 0.3], [0.7, 0.5]],
    "B4": [[0.5, 0.6], [0.4, 0.5]],
}
CRITERIA = [[0.5, 0.6, 0.9, 0.7], [0.4, 0.5, 0.7, 0.7], [0.1, 0.3, 0.5, 0.2], [0.3, 0.3, 0.8, 0.5]]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- CSV ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("0.5,0.7\n0.3,0.5\n", None),
        ("B11,B12\n0.5,0.7\n0.3,0.5\n", ["B11", "B12"]),
        (",B11,B12\nB11,0.5,0.7\nB12,0.3,0.5\n", ["B11", "B12"]),
        ("B11,0.5,0.7\nB12,0.3,0.5\n", ["B11", "B12"]),
        ("0.5;0.7\n0.3;0.5\n", None),
        ("0.5\t0.7\n\n0.3\t0.5\n\n", None),
        ("\ufeff 0.5 , 0.7\n0.3,0.5\n", None),
    ],
)
def test_csv_layouts(tmp_path, text, labels):
    loaded = load_matrix_file(write(tmp_path, "m.csv", text))
    assert isinstance(loaded, SingleMatrix)
    assert loaded.matrix == [[0.5, 0.7], [0.3, 0.5]]
    assert loaded.labels == labels


def test_csv_gbk_chinese_labels(tmp_path):
    path = write(tmp_path, "m.csv", "指标,电量比率,输电成本\n电量比率,0.5,0.7\n输电成本,0.3,0.5\n", "gbk")
    assert load_matrix_file(path).labels == ["电量比率", "输电成本"]


def test_csv_saaty_fractions(tmp_path):
    loaded = load_matrix_file(write(tmp_path, "s.csv", "1,3,5\n1/3,1,3\n1/5,1/3,1\n"), method="saaty")
    assert loaded.matrix[2][1] == pytest.approx(1 / 3)


def test_csv_bad_cell_names_file_and_cell(tmp_path):
    path = write(tmp_path, "bad.csv", "0.5,0.7\n0.4,0.5\n")
    with pytest.raises(MatrixError) as err:
        load_matrix_file(path)
    assert str(err.value) == f"matrix {path}: r[1,2] + r[2,1] = 1.1, expected 1 (row 1 col 2 is 0.7, row 2 col 1 is 0.4)"


def test_csv_typo_is_a_cell_error_not_a_header(tmp_path):
    path = write(tmp_path, "typo.csv", "0.5,o.7\n0.3,0.5\n")
    with pytest.raises(MatrixError, match=r"r\[1,2\]: 'o.7' is not a number"):
        load_matrix_file(path)


def test_csv_not_square(tmp_path):
    with pytest.raises(MatrixError, match="row 1 has 3 entries, expected 2"):
        load_matrix_file(write(tmp_path, "m.csv", "0.5,0.7,0.5\n0.3,0.5,0.5\n"))


def test_csv_header_with_a_corner_but_no_label_column(tmp_path):
    with pytest.raises(MatrixError, match=r"r\[1,1\]: '' is not a number"):
        load_matrix_file(write(tmp_path, "m.csv", ",B11,B12\n0.5,0.7\n0.3,0.5\n"))


def test_empty_csv(tmp_path):
    with pytest.raises(ConfigError, match="empty matrix file"):
        load_matrix_file(write(tmp_path, "m.csv", "\n\n"))


# --- JSON and TOML ------------------------------------------------------------------------------

def test_json_set(tmp_path):
    path = write(tmp_path, "set.json", json.dumps({"criteria_matrix": CRITERIA, "matrices": MATRICES}))
    loaded = load_matrix_file(path)
    assert loaded == MatrixSet(path, CRITERIA, MATRICES)


def test_toml_partial_set_keeps_the_config_matrices(tmp_path):
    path = write(tmp_path, "set.toml", "criteria_matrix = " + json.dumps(CRITERIA) + "\n")
    loaded = load_matrix_file(path)
    assert loaded.criteria_matrix == CRITERIA and loaded.matrices == {}


def test_single_json_matrix_with_labels(tmp_path):
    path = write(tmp_path, "one.json", json.dumps({"matrix": [[1, 3], ["1/3", 1]], "labels": ["price", "service"]}))
    loaded = load_matrix_file(path, method="saaty")
    assert loaded.labels == ["price", "service"]
    assert loaded.matrix[1][0] == pytest.approx(1 / 3)


def test_set_bad_cell_names_file_matrix_and_cell(tmp_path):
    path = write(tmp_path, "set.json", json.dumps({"matrices": MATRICES | {"B4": [[0.5, 0.6], [0.45, 0.5]]}}))
    with pytest.raises(MatrixError) as err:
        load_matrix_file(path)
    assert str(err.value) == (
        f"matrix B4 in {path}: r[1,2] + r[2,1] = 1.05, expected 1 (row 1 col 2 is 0.6, row 2 col 1 is 0.45)"
    )


def test_set_criteria_matrix_error(tmp_path):
    bad = [row[:] for row in CRITERIA]
    bad[2][2] = 0.4
    path = write(tmp_path, "set.toml", "criteria_matrix = " + json.dumps(bad) + "\n")
    with pytest.raises(MatrixError, match=rf"^matrix criteria_matrix in {path}: r\[3,3\] = 0.4, expected 0.5"):
        load_matrix_file(path)


@pytest.mark.parametrize(
    ("document", "error", "message"),
    [
        ({"matrices": {"B1": MATRICES["B1"]}}, MatrixError, "matrices: missing the matrix of B2, B3, B4"),
        ({"matrices": MATRICES | {"B7": [[0.5]]}}, MatrixError, "matrices: unknown criterion 'B7'"),
        ({"matrices": MATRICES | {"B1": CRITERIA}}, MatrixError, r"matrix B1 in .* is 4×4, expected 2×2 \(B11, B12\)"),
        ({"matrices": [[0.5]]}, ConfigError, "matrices should map each criterion B1..B4 to its matrix"),
        ({"weights": {}}, ConfigError, "unknown key 'weights'"),
        ({}, ConfigError, "no matrix"),
        ([[0.5]], ConfigError, "expected an object"),
        ({"matrix": [[0.5]], "extra": 1}, ConfigError, "unknown key 'extra' beside 'matrix'"),
        ({"matrix": [[0.5, 0.5], [0.5, 0.5]], "labels": ["x"]}, ConfigError, "labels should be a list of 2 names"),
    ],
)
def test_json_structure_errors(tmp_path, document, error, message):
    path = write(tmp_path, "m.json", json.dumps(document))
    with pytest.raises(error, match=message) as err:
        load_matrix_file(path)
    assert str(path) in str(err.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="matrix file not found"):
        load_matrix_file(tmp_path / "nope.csv")
    with pytest.raises(ConfigError, match=r"not valid JSON"):
        load_matrix_file(write(tmp_path, "m.json", "{"))
    with pytest.raises(ConfigError, match=r"not valid TOML"):
        load_matrix_file(write(tmp_path, "m.toml", "matrix = ["))
    with pytest.raises(ConfigError, match=r"expected a .json, .toml or .csv matrix file"):
        load_matrix_file(write(tmp_path, "m.xlsx", ""))


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(b"\xff\xfe\xff,0.5\n")
    with pytest.raises(ConfigError, match="not UTF-8 or GB18030 text"):
        load_matrix_file(path)
