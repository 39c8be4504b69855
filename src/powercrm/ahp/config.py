"""The `[weights]` config section (SPEC §4): method, Lü's a, the judgment matrices and the published weights.

The default config ships the paper's matrices and its published global weights, and scoring
uses the published ones: the printed criteria matrix gives B3/B4 0.133/0.2 instead of the
published 0.1/0.233 (a likely typo in r34, see SPEC §4), and `powercrm weights` shows both.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from powercrm.ahp import fuzzy
from powercrm.ahp.hierarchy import (
    CRITERIA_MATRIX,
    HIERARCHY,
    INDICATORS,
    HierarchyWeights,
    Method,
    check_criteria_keys,
    compose,
    validate_hierarchy_matrix,
)
from powercrm.ahp.matrix import DEFAULT_TOLERANCE, parse_entry
from powercrm.errors import PowercrmError

# Published weights are rounded to 3 decimals; eight of them may miss a sum of 1 by up to 0.004.
PUBLISHED_SUM_TOLERANCE = 0.005

Entry = Annotated[float, BeforeValidator(parse_entry)]
Matrix = list[list[Entry]]


def _invalid(exc: PowercrmError) -> PydanticCustomError:
    # a custom error keeps pydantic's "Value error, " prefix out of the one-line message
    return PydanticCustomError("invalid_matrix", "{detail}", {"detail": str(exc)})


class WeightsConfig(BaseModel):
    """The `[weights]` table. Fields are validated in order: the matrix validators read method and tolerance."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    method: Method = Field(
        default="fuzzy",
        description="fuzzy = Lü's weights on fuzzy complementary matrices (0.1-0.9 scale); "
        "saaty = principal eigenvector of reciprocal 1-9 matrices, with CR",
    )
    a: float | None = Field(
        default=None,
        description="Lü's a for every fuzzy matrix, at least (n-1)/2 of the largest (1.5 for the 4x4 criteria matrix); "
        "unset = (n-1)/2 of each matrix (largest spread); n/2 = row-sum normalisation, n-1 = consistent transform first",
    )
    tolerance: float = Field(
        default=DEFAULT_TOLERANCE,
        gt=0,
        description="tolerance of r_ij + r_ji = 1, a_ij * a_ji = 1 and of the consistency check",
    )
    use: Literal["published", "computed"] = Field(
        default="published",
        description="global weights used by scoring: published (the paper's, below) or computed from the matrices",
    )
    published: dict[str, float] = Field(
        validate_default=True,
        default_factory=lambda: {
            "B11": 0.257, "B12": 0.110, "B21": 0.12, "B22": 0.18,
            "B31": 0.03, "B32": 0.07, "B41": 0.14, "B42": 0.093,
        },
        description="published global weight per indicator (SPEC §4), non-negative, summing to 1",
    )
    # validate_default: `method = "saaty"` with the default fuzzy matrices must fail when the config loads
    criteria_matrix: Matrix = Field(
        validate_default=True,
        default_factory=lambda: [[0.5, 0.6, 0.9, 0.7], [0.4, 0.5, 0.7, 0.7], [0.1, 0.3, 0.5, 0.4], [0.3, 0.3, 0.6, 0.5]],
        description="judgment matrix of the criteria B1, B2, B3, B4 (rows and columns in that order), as printed in the paper",
    )
    matrices: dict[str, Matrix] = Field(
        validate_default=True,
        default_factory=lambda: {
            "B1": [[0.5, 0.7], [0.3, 0.5]],
            "B2": [[0.5, 0.4], [0.6, 0.5]],
            "B3": [[0.5, 0.3], [0.7, 0.5]],
            "B4": [[0.5, 0.6], [0.4, 0.5]],
        },
        description="judgment matrix of each criterion's indicators (B1: B11, B12; B2: B21, B22; B3: B31, B32; B4: B41, B42)",
    )

    @field_validator("published")
    @classmethod
    def _published_weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(INDICATORS))
        missing = [i for i in INDICATORS if i not in value]
        if unknown or missing:
            raise ValueError(
                f"expected one weight per indicator {', '.join(INDICATORS)}"
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
                + (f"; missing {', '.join(missing)}" if missing else "")
            )
        negative = [k for k, w in value.items() if not w >= 0]
        if negative:
            raise ValueError(f"weight of {negative[0]} is {value[negative[0]]}, expected ≥ 0")
        total = sum(value.values())
        if abs(total - 1) > PUBLISHED_SUM_TOLERANCE:
            raise ValueError(f"weights sum to {total:.6g}, expected 1")
        return value

    @field_validator("criteria_matrix")
    @classmethod
    def _criteria_matrix(cls, value: list[list[float]], info: ValidationInfo) -> list[list[float]]:
        method, tolerance = info.data.get("method", "fuzzy"), info.data.get("tolerance", DEFAULT_TOLERANCE)
        try:
            validate_hierarchy_matrix(CRITERIA_MATRIX, value, method, "weights.criteria_matrix", tolerance)
        except PowercrmError as exc:
            raise _invalid(exc) from None
        return value

    @field_validator("matrices")
    @classmethod
    def _matrices(cls, value: dict[str, list[list[float]]], info: ValidationInfo) -> dict[str, list[list[float]]]:
        method, tolerance = info.data.get("method", "fuzzy"), info.data.get("tolerance", DEFAULT_TOLERANCE)
        try:
            check_criteria_keys(value, "weights.matrices")
            for key, matrix in value.items():
                validate_hierarchy_matrix(key, matrix, method, f"weights.matrices.{key}", tolerance)
        except PowercrmError as exc:
            raise _invalid(exc) from None
        return value

    @model_validator(mode="after")
    def _a_admissible(self) -> WeightsConfig:
        smallest = fuzzy.min_a(len(HIERARCHY))
        if self.method == "fuzzy" and self.a is not None and not self.a >= smallest:
            raise PydanticCustomError(
                "a_too_small",
                "weights.a = {a} is below (n − 1)/2 = {smallest} of the 4×4 criteria matrix; Lü's weights need a ≥ (n − 1)/2",
                {"a": self.a, "smallest": smallest},
            )
        return self


def compute_hierarchy(cfg: WeightsConfig, method: Method | None = None, a: float | None = None) -> HierarchyWeights:
    """The hierarchy's local and global weights from the config's matrices; `method` and `a` override the config's."""
    return compose(
        cfg.criteria_matrix,
        cfg.matrices,
        method=method or cfg.method,
        a=a if a is not None else cfg.a,
        tolerance=cfg.tolerance,
    )


def global_weights(cfg: WeightsConfig) -> dict[str, float]:
    """The global weight per indicator that scoring uses: the published ones or the computed ones, per `use`."""
    if cfg.use == "published":
        return {indicator: cfg.published[indicator] for indicator in INDICATORS}
    return compute_hierarchy(cfg).global_weights()
