"""The criteria hierarchy of SPEC §4 and the composition of local weights into global weights.

Global weight of an indicator = weight of its criterion in the criteria matrix × its local
weight in the criterion's matrix. Every matrix is weighed by one method: `fuzzy` (Lü's formula
on fuzzy complementary matrices) or `saaty` (eigenvector of reciprocal 1–9 matrices).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from powercrm.ahp import fuzzy, saaty
from powercrm.ahp.matrix import DEFAULT_TOLERANCE
from powercrm.errors import MatrixError

Method = Literal["fuzzy", "saaty"]

CRITERIA_MATRIX = "criteria"
HIERARCHY: dict[str, tuple[str, ...]] = {
    "B1": ("B11", "B12"),
    "B2": ("B21", "B22"),
    "B3": ("B31", "B32"),
    "B4": ("B41", "B42"),
}
CRITERION_NAMES = {
    "B1": "purchase level 购电水平",
    "B2": "usage characteristics 用电特性",
    "B3": "credit 信誉状况",
    "B4": "potential 用电潜力",
}
INDICATORS = tuple(i for indicators in HIERARCHY.values() for i in indicators)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Consistency(_Frozen):
    """Consistency of one matrix. fuzzy: max |r_ij − (r_ik − r_jk + 0.5)| (0 = consistent); saaty: CR (< 0.1 acceptable)."""

    measure: Literal["max_deviation", "CR"]
    value: float
    consistent: bool
    details: dict[str, float]
    warning: str | None = None
    consistent_matrix: list[list[float]] | None = None  # fuzzy: the consistent transform of an inconsistent R


class MatrixWeights(_Frozen):
    """One judgment matrix with its local weights (in the order of `labels`) and its consistency."""

    name: str
    labels: list[str]
    matrix: list[list[float]]
    weights: list[float]
    a: float | None  # the a Lü's formula used; None for saaty
    consistency: Consistency

    def weight(self, label: str) -> float:
        return self.weights[self.labels.index(label)]


class IndicatorWeight(_Frozen):
    indicator: str
    criterion: str
    criterion_weight: float
    local_weight: float
    global_weight: float


class HierarchyWeights(_Frozen):
    """The criteria matrix, one matrix per criterion, and every indicator's local and global weight."""

    method: Method
    a: float | None  # Lü's a as asked (None = (n − 1)/2 per matrix); always None for saaty
    criteria: MatrixWeights
    groups: dict[str, MatrixWeights]
    indicators: list[IndicatorWeight]

    def global_weights(self) -> dict[str, float]:
        return {row.indicator: row.global_weight for row in self.indicators}


def expected_labels(key: str) -> tuple[str, ...]:
    """Rows of hierarchy matrix `key`: the criteria for "criteria", the indicators for a criterion id."""
    if key == CRITERIA_MATRIX:
        return tuple(HIERARCHY)
    if key not in HIERARCHY:
        raise MatrixError(f"unknown criterion {key!r} (expected {', '.join(HIERARCHY)})")
    return HIERARCHY[key]


def validate_matrix(values: Any, method: Method, name: str, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """The matrix checked as fuzzy complementary or Saaty reciprocal, by method."""
    if method == "fuzzy":
        return fuzzy.validate_complementary(values, name, tolerance)
    return saaty.validate_reciprocal(values, name, tolerance)


def _check_size(name: str, n: int, labels: Sequence[str]) -> None:
    if n != len(labels):
        m = len(labels)
        raise MatrixError(f"matrix {name} is {n}×{n}, expected {m}×{m} ({', '.join(labels)})")


def validate_hierarchy_matrix(
    key: str, values: Any, method: Method, name: str | None = None, tolerance: float = DEFAULT_TOLERANCE
) -> np.ndarray:
    """Matrix `key` of the hierarchy ("criteria" or B1..B4) checked for its size and its entries; `name` goes in messages."""
    name = name or key
    labels = expected_labels(key)
    matrix = validate_matrix(values, method, name, tolerance)
    _check_size(name, len(matrix), labels)
    return matrix


def check_criteria_keys(matrices: Mapping[str, Any], name: str = "matrices") -> None:
    """Exactly one matrix per criterion B1..B4."""
    unknown = [key for key in matrices if key not in HIERARCHY]
    if unknown:
        raise MatrixError(f"{name}: unknown criterion {unknown[0]!r} (expected {', '.join(HIERARCHY)})")
    missing = [key for key in HIERARCHY if key not in matrices]
    if missing:
        raise MatrixError(f"{name}: missing the matrix of {', '.join(missing)} (give one per criterion {', '.join(HIERARCHY)})")


def weigh_matrix(
    values: Any,
    labels: Sequence[str] | None = None,
    name: str = "R",
    method: Method = "fuzzy",
    a: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> MatrixWeights:
    """Validate one matrix and weigh it: Lü's weights with a (fuzzy) or the principal eigenvector (saaty)."""
    matrix = validate_matrix(values, method, name, tolerance)
    labels = list(labels) if labels is not None else [str(i + 1) for i in range(len(matrix))]
    _check_size(name, len(matrix), labels)
    if method == "fuzzy":
        used_a = a if a is not None else fuzzy.min_a(len(matrix))
        weights = fuzzy.lu_weights(matrix, used_a, name)
        measure = fuzzy.additive_consistency(matrix, tolerance)
        consistency = Consistency(
            measure="max_deviation",
            value=measure.max_deviation,
            consistent=measure.is_consistent,
            details={"max_deviation": measure.max_deviation, "mean_deviation": measure.mean_deviation},
            consistent_matrix=None if measure.is_consistent else fuzzy.fuzzy_consistent(matrix).tolist(),
        )
    else:
        used_a = None
        result = saaty.saaty_weights(matrix, name)
        weights = result.weights
        consistency = Consistency(
            measure="CR",
            value=result.cr,
            consistent=result.is_consistent,
            details={"lambda_max": result.lambda_max, "CI": result.ci, "RI": result.ri, "CR": result.cr},
            warning=result.warning,
        )
    return MatrixWeights(
        name=name, labels=labels, matrix=matrix.tolist(), weights=weights.tolist(), a=used_a, consistency=consistency
    )


def compose(
    criteria_matrix: Any,
    matrices: Mapping[str, Any],
    method: Method = "fuzzy",
    a: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> HierarchyWeights:
    """Weigh the criteria matrix and each criterion's matrix; global weight = criterion weight × local weight (SPEC §4).

    One a serves every fuzzy matrix, so it must be ≥ (n − 1)/2 of the largest (3/2 for the 4×4
    criteria matrix); None takes (n − 1)/2 of each matrix. Saaty ignores a.
    """
    if method == "saaty":
        a = None
    check_criteria_keys(matrices)
    criteria = weigh_matrix(criteria_matrix, tuple(HIERARCHY), CRITERIA_MATRIX, method, a, tolerance)
    groups = {key: weigh_matrix(matrices[key], members, key, method, a, tolerance) for key, members in HIERARCHY.items()}
    indicators = [
        IndicatorWeight(
            indicator=indicator,
            criterion=key,
            criterion_weight=criteria.weight(key),
            local_weight=groups[key].weight(indicator),
            global_weight=criteria.weight(key) * groups[key].weight(indicator),
        )
        for key, members in HIERARCHY.items()
        for indicator in members
    ]
    return HierarchyWeights(method=method, a=a, criteria=criteria, groups=groups, indicators=indicators)
