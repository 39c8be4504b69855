"""Judgment matrices from a file: a whole set (JSON/TOML) or a single matrix (JSON/TOML/CSV).

JSON and TOML hold either `{"criteria_matrix": [...], "matrices": {"B1": [...], ...}}` (either
key may be left out: the config's value is kept) or `{"matrix": [...], "labels": [...]}`
(labels optional). CSV holds one square matrix, optionally with a header row and a first
column of labels. Entries may be fractions such as "1/3". Every error names the file, and the
matrix and cell where there is one (`matrix B2 in experts.json: r[1,2] + r[2,1] = 0.9 ...`).
"""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powercrm.ahp.hierarchy import CRITERIA_MATRIX, Method, check_criteria_keys, validate_hierarchy_matrix, validate_matrix
from powercrm.ahp.matrix import DEFAULT_TOLERANCE, parse_entry
from powercrm.errors import ConfigError

SET_KEYS = ("criteria_matrix", "matrices")
SINGLE_KEYS = ("matrix", "labels")


@dataclass(frozen=True)
class MatrixSet:
    """Matrices of the hierarchy; what the file leaves out (criteria_matrix None, matrices empty) comes from the config."""

    source: Path
    criteria_matrix: list[list[float]] | None
    matrices: dict[str, list[list[float]]]


@dataclass(frozen=True)
class SingleMatrix:
    """One matrix outside the hierarchy, weighed on its own."""

    source: Path
    matrix: list[list[float]]
    labels: list[str] | None = None


def load_matrix_file(
    path: Path, method: Method = "fuzzy", tolerance: float = DEFAULT_TOLERANCE
) -> MatrixSet | SingleMatrix:
    """The matrices of a .json, .toml or .csv file, each checked for `method` (complementary or reciprocal)."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".toml", ".csv"):
        raise ConfigError(f"{path}: expected a .json, .toml or .csv matrix file")
    if suffix == ".csv":
        return _single_from_csv(path, method, tolerance)
    return _from_document(path, _read_document(path), method, tolerance)


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: matrix file not found") from None
    # UTF-8 first: decoding UTF-8 as GB18030 succeeds and garbles Chinese labels
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 or GB18030 text") from None


def _read_document(path: Path) -> Any:
    text = _read_text(path)
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lower()[1:].upper()} ({exc})") from None


def _from_document(path: Path, document: Any, method: Method, tolerance: float) -> MatrixSet | SingleMatrix:
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected an object with criteria_matrix and/or matrices, or with matrix")
    keys = set(document)
    if "matrix" in keys:
        unknown = sorted(keys - set(SINGLE_KEYS))
        if unknown:
            raise ConfigError(f"{path}: unknown key {unknown[0]!r} beside 'matrix' (expected only {', '.join(SINGLE_KEYS)})")
        matrix = validate_matrix(document["matrix"], method, str(path), tolerance)
        labels = document.get("labels")
        if labels is not None and (not isinstance(labels, list) or len(labels) != len(matrix)):
            raise ConfigError(f"{path}: labels should be a list of {len(matrix)} names, got {labels!r}")
        return SingleMatrix(path, matrix.tolist(), None if labels is None else [str(label) for label in labels])
    unknown = sorted(keys - set(SET_KEYS))
    if unknown or not keys:
        found = f"unknown key {unknown[0]!r}" if unknown else "no matrix"
        raise ConfigError(f"{path}: {found} (expected criteria_matrix and/or matrices, or matrix)")
    criteria_matrix = None
    if "criteria_matrix" in document:
        criteria_matrix = validate_hierarchy_matrix(
            CRITERIA_MATRIX, document["criteria_matrix"], method, f"criteria_matrix in {path}", tolerance
        ).tolist()
    matrices: dict[str, list[list[float]]] = {}
    if "matrices" in document:
        given = document["matrices"]
        if not isinstance(given, dict):
            raise ConfigError(f"{path}: matrices should map each criterion B1..B4 to its matrix, got {given!r}")
        check_criteria_keys(given, f"{path}: matrices")
        matrices = {
            key: validate_hierarchy_matrix(key, m, method, f"{key} in {path}", tolerance).tolist() for key, m in given.items()
        }
    return MatrixSet(path, criteria_matrix, matrices)


def _is_number(text: str) -> bool:
    try:
        parse_entry(text)
    except ValueError:
        return False
    return True


def _split_labels(rows: list[list[str]]) -> tuple[list[str] | None, list[list[str]]]:
    """Labels and matrix cells of a CSV: n×n plain, a header row (n+1 rows of n), a label column (n rows of n+1), or both.

    The shape decides, and labels must all be non-numeric, so a mistyped number stays a cell
    error instead of turning its row into a header.
    """
    height, widths = len(rows), {len(row) for row in rows}
    width = widths.pop() if len(widths) == 1 else None

    def all_labels(cells: list[str]) -> bool:
        return all(not _is_number(value) for value in cells)

    if width is not None and height == width + 1 and all_labels(rows[0]):
        return rows[0], rows[1:]
    if width == height + 1 and all_labels([row[0] for row in rows]):
        return [row[0] for row in rows], [row[1:] for row in rows]
    if width == height >= 2 and all_labels(rows[0][1:]) and all_labels([row[0] for row in rows[1:]]):
        return [row[0] for row in rows[1:]], [row[1:] for row in rows[1:]]
    return None, rows


def _single_from_csv(path: Path, method: Method, tolerance: float) -> SingleMatrix:
    # full-width commas and semicolons (a Chinese input method) separate cells as their ASCII forms do
    text = _read_text(path).replace("，", ",").replace("；", ";")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[value.strip() for value in row] for row in csv.reader(text.splitlines(), dialect) if any(v.strip() for v in row)]
    if not rows:
        raise ConfigError(f"{path}: empty matrix file")
    labels, cells = _split_labels(rows)
    matrix = validate_matrix(cells, method, str(path), tolerance)
    return SingleMatrix(path, matrix.tolist(), labels)
