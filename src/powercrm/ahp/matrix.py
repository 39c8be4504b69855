"""Shared plumbing for judgment matrices: entries, square arrays and the cell names used in messages.

Messages use 1-based indices (`r[1,2]` is row 1, column 2), as experts number their matrices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from powercrm.errors import MatrixError

DEFAULT_TOLERANCE = 1e-6


def fmt(value: float) -> str:
    """A number as an analyst wrote it: 0.9, not 0.8999999999999999."""
    return f"{value:.6g}"


def cell(symbol: str, i: int, j: int) -> str:
    """`r[1,2]` for the 0-based cell (0, 1)."""
    return f"{symbol}[{i + 1},{j + 1}]"


def parse_entry(value: Any) -> float:
    """A matrix entry as a float: a number, or text holding a number or a fraction such as "1/3".

    Fractions let analysts write Saaty's reciprocals exactly (0.333 × 3 is not 1 within 1e-6).
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        numerator, slash, denominator = value.strip().partition("/")
        try:
            return float(numerator) / float(denominator) if slash else float(numerator)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a number or a fraction like 1/3") from None
    raise ValueError(f"{value!r} is not a number")


def square_array(values: Any, name: str, symbol: str) -> np.ndarray:
    """`values` (a sequence of rows) as an n×n float array; MatrixError naming the matrix and cell otherwise."""
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if not isinstance(values, Sequence) or isinstance(values, str) or len(values) == 0:
        raise MatrixError(f"matrix {name}: expected a non-empty list of rows, got {values!r}")
    n = len(values)
    rows = []
    for i, row in enumerate(values):
        if not isinstance(row, Sequence) or isinstance(row, str):
            raise MatrixError(f"matrix {name}: row {i + 1} is {row!r}, expected a list of {n} numbers")
        if len(row) != n:
            raise MatrixError(f"matrix {name}: row {i + 1} has {len(row)} entries, expected {n} (the matrix has {n} rows and must be square)")
        parsed = []
        for j, value in enumerate(row):
            try:
                number = parse_entry(value)
            except ValueError as exc:
                raise MatrixError(f"matrix {name}: {cell(symbol, i, j)}: {exc}") from None
            if not math.isfinite(number):
                raise MatrixError(f"matrix {name}: {cell(symbol, i, j)} = {number} is not finite")
            parsed.append(number)
        rows.append(parsed)
    return np.array(rows, dtype=float)
