"""Classic Saaty AHP on reciprocal 1–9 matrices: principal eigenvector, λmax, CI, RI, CR (SPEC §4).

The computing function expects a matrix that passed `validate_reciprocal`. Nothing here
prints: an inconsistent matrix comes back with a warning text for the caller to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from powercrm.ahp.matrix import DEFAULT_TOLERANCE, cell, fmt, square_array
from powercrm.errors import MatrixError

# Saaty's random consistency index RI for n = 1..15 (mean CI of random reciprocal matrices).
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
CR_LIMIT = 0.1
SCALE_MIN, SCALE_MAX = 1 / 9, 9.0


def validate_reciprocal(values: Any, name: str = "A", tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """A as an n×n array after checking: square, finite, 1/9 ≤ a_ij ≤ 9, a_ii = 1, a_ij·a_ji = 1 (± tolerance).

    Raises MatrixError naming the matrix and the first bad cell (1-based).
    """
    A = square_array(values, name, "a")
    n = len(A)
    for i in range(n):
        for j in range(n):
            if not SCALE_MIN - tolerance <= A[i, j] <= SCALE_MAX + tolerance:
                raise MatrixError(
                    f"matrix {name}: {cell('a', i, j)} = {fmt(A[i, j])} is outside Saaty's scale [1/9, 9]"
                )
    for i in range(n):
        if abs(A[i, i] - 1.0) > tolerance:
            raise MatrixError(f"matrix {name}: {cell('a', i, i)} = {fmt(A[i, i])}, expected 1 on the diagonal")
    for i in range(n):
        for j in range(i + 1, n):
            product = A[i, j] * A[j, i]
            if abs(product - 1.0) > tolerance:
                raise MatrixError(
                    f"matrix {name}: {cell('a', i, j)} × {cell('a', j, i)} = {fmt(product)}, expected 1 "
                    f"(row {i + 1} col {j + 1} is {fmt(A[i, j])}, row {j + 1} col {i + 1} is {fmt(A[j, i])}; "
                    f'write reciprocals as fractions, e.g. "1/3")'
                )
    return A


def random_index(n: int) -> float:
    """Saaty's RI for an n×n matrix, n = 1..15."""
    if not 1 <= n <= len(RANDOM_INDEX):
        raise MatrixError(f"Saaty's random index is tabulated for n = 1..{len(RANDOM_INDEX)}, not n = {n}")
    return RANDOM_INDEX[n - 1]


@dataclass(frozen=True)
class SaatyWeights:
    """Eigenvector weights of a reciprocal matrix and its consistency; `warning` is set when CR ≥ 0.1."""

    weights: np.ndarray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    warning: str | None

    @property
    def is_consistent(self) -> bool:
        """Saaty's rule: the judgments are acceptable when CR < 0.1."""
        return self.cr < CR_LIMIT


def saaty_weights(A: Any, name: str = "A") -> SaatyWeights:
    """w = principal eigenvector of A normalised to sum 1; CI = (λmax − n)/(n − 1); CR = CI/RI, 0 for n ≤ 2 (SPEC §4)."""
    A = np.asarray(A, dtype=float)
    n = len(A)
    ri = random_index(n)
    eigenvalues, eigenvectors = np.linalg.eig(A)
    principal = int(np.argmax(eigenvalues.real))
    # Perron: a positive matrix has a real principal eigenvector with entries of one sign
    vector = np.abs(eigenvectors[:, principal].real)
    lambda_max = float(eigenvalues[principal].real)
    # λmax ≥ n holds for every positive reciprocal matrix; clip float noise below n
    ci = max(0.0, (lambda_max - n) / (n - 1)) if n > 1 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    warning = None
    if cr >= CR_LIMIT:
        warning = (
            f"matrix {name}: CR = {cr:.3f} ≥ {CR_LIMIT}, the judgments are too inconsistent for Saaty's rule; "
            f"revise the matrix"
        )
    return SaatyWeights(weights=vector / vector.sum(), lambda_max=lambda_max, ci=ci, ri=ri, cr=cr, warning=warning)
