"""Fuzzy complementary judgment matrices: validation, additive consistency, Lü's weights (SPEC §4).

An expert fills R on the 0.1–0.9 scale (0.5 equal … 0.9 extremely more important) with
r_ij + r_ji = 1 and r_ii = 0.5. The computing functions expect a matrix that passed
`validate_complementary`; the hierarchy and the config loader validate before they compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from powercrm.ahp.matrix import DEFAULT_TOLERANCE, cell, fmt, square_array
from powercrm.errors import ConfigError, MatrixError


def validate_complementary(values: Any, name: str = "R", tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """R as an n×n array after checking SPEC §4: square, finite, 0 ≤ r_ij ≤ 1, r_ii = 0.5, r_ij + r_ji = 1 (± tolerance).

    Raises MatrixError naming the matrix and the first bad cell (1-based).
    """
    R = square_array(values, name, "r")
    n = len(R)
    for i in range(n):
        for j in range(n):
            if not 0.0 <= R[i, j] <= 1.0:
                raise MatrixError(f"matrix {name}: {cell('r', i, j)} = {fmt(R[i, j])} is outside [0, 1]")
    for i in range(n):
        if abs(R[i, i] - 0.5) > tolerance:
            raise MatrixError(f"matrix {name}: {cell('r', i, i)} = {fmt(R[i, i])}, expected 0.5 on the diagonal")
    for i in range(n):
        for j in range(i + 1, n):
            total = R[i, j] + R[j, i]
            if abs(total - 1.0) > tolerance:
                raise MatrixError(
                    f"matrix {name}: {cell('r', i, j)} + {cell('r', j, i)} = {fmt(total)}, expected 1 "
                    f"(row {i + 1} col {j + 1} is {fmt(R[i, j])}, row {j + 1} col {i + 1} is {fmt(R[j, i])})"
                )
    return R


@dataclass(frozen=True)
class AdditiveConsistency:
    """How far R is from fuzzy consistency r_ij = r_ik − r_jk + 0.5 (0 = consistent)."""

    max_deviation: float
    mean_deviation: float
    is_consistent: bool


def additive_consistency(R: Any, tolerance: float = DEFAULT_TOLERANCE) -> AdditiveConsistency:
    """Max and mean of |r_ij − (r_ik − r_jk + 0.5)| over all i, j, k; consistent when the max ≤ tolerance (SPEC §4)."""
    R = np.asarray(R, dtype=float)
    # deviation[i, j, k] = r_ij − (r_ik − r_jk + 0.5)
    deviation = np.abs(R[:, :, None] - (R[:, None, :] - R[None, :, :] + 0.5))
    worst = float(deviation.max())
    return AdditiveConsistency(max_deviation=worst, mean_deviation=float(deviation.mean()), is_consistent=worst <= tolerance)


def fuzzy_consistent(R: Any) -> np.ndarray:
    """The fuzzy consistent transform r'_ij = (r_i − r_j)/(2n) + 0.5, r_i the row sums of R (SPEC §4).

    The result is complementary and additively consistent for every complementary R.
    """
    R = np.asarray(R, dtype=float)
    row_sums = R.sum(axis=1)
    return (row_sums[:, None] - row_sums[None, :]) / (2 * len(R)) + 0.5


def min_a(n: int) -> float:
    """The smallest admissible a of Lü's formula for an n×n matrix: (n − 1)/2."""
    return (n - 1) / 2


def lu_weights(R: Any, a: float | None = None, name: str = "R") -> np.ndarray:
    """Lü Yuejin (2002): w_i = 1/n − 1/(2a) + (Σ_j r_ij)/(n·a), a ≥ (n − 1)/2, default a = (n − 1)/2 (SPEC §4).

    The default gives the largest spread (for n = 2, w = (r12, r21)); a = n/2 is row-sum
    normalisation and a = n − 1 equals Lü on the fuzzy consistent transform. A 1×1 matrix
    gets weight 1 whatever a is (the default a = 0 would divide by zero). Raises ConfigError
    when a < (n − 1)/2, where the weights are no longer guaranteed non-negative.
    """
    R = np.asarray(R, dtype=float)
    n = len(R)
    if n == 1:
        return np.ones(1)
    smallest = min_a(n)
    if a is None:
        a = smallest
    elif not a >= smallest:  # also rejects nan
        raise ConfigError(
            f"matrix {name}: a = {fmt(a)} is below (n − 1)/2 = {fmt(smallest)} for this {n}×{n} matrix; "
            f"Lü's weights need a ≥ (n − 1)/2"
        )
    return 1 / n - 1 / (2 * a) + R.sum(axis=1) / (n * a)
