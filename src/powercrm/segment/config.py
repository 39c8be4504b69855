"""Config sections for scoring, segmentation and credit (SPEC §5, §6): the `[scoring]` and `[credit]` tables."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from powercrm.ahp.hierarchy import HIERARCHY as CRITERIA
from powercrm.ahp.hierarchy import INDICATORS


DEFAULT_THRESHOLDS = (0.2, 0.4, 0.6, 0.8)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class ScoringConfig(_Section):
    method: Literal["quantile", "equal_width", "thresholds"] = Field(
        "quantile",
        description="assignment 赋值法: quantile = ceil(5k/N) of the customer's rank; equal_width = min-max into 5 "
        "equal bins; thresholds = four cut points per indicator from [scoring.thresholds]",
    )
    null_score: int = Field(1, ge=1, le=5, description="score given to a null indicator (counted and reported)")
    significant_digits: int = Field(9, ge=1, le=15, description="indicator values are rounded to this many significant digits before ranking")
    direction: dict[str, Literal["higher", "lower"]] = Field(
        default_factory=lambda: {i: "higher" for i in INDICATORS},
        description="per indicator: higher (higher is better) or lower (ranked on -value)",
    )
    thresholds: dict[str, list[float]] = Field(
        default_factory=lambda: {i: list(DEFAULT_THRESHOLDS) for i in INDICATORS},
        description="method = thresholds: four increasing cut points per indicator; score = 1 + number of cut points <= value",
    )
    current_axis: list[str] = Field(["B1", "B2"], description="criteria summed into current value (x axis)")
    potential_axis: list[str] = Field(["B3", "B4"], description="criteria summed into potential value (y axis)")
    origin: list[float] | None = Field(
        None, description="fixed origin [current, potential] of the value matrix; unset = mean of each axis"
    )
    value_grade_shares: list[float] = Field(
        [0.10, 0.30, 0.50, 0.10],
        description="shares of special / level1 / level2 / level3 by current + potential value (sum 1)",
    )
    abc_shares: list[float] = Field([0.05, 0.15], description="shares of class A and class B by amount due (the rest is C)")

    @field_validator("direction", "thresholds")
    @classmethod
    def _known_indicators(cls, value: dict) -> dict:
        unknown = sorted(set(value) - set(INDICATORS))
        if unknown:
            raise ValueError(f"unknown indicator {unknown[0]!r} (expected one of {', '.join(INDICATORS)})")
        return value

    @field_validator("thresholds")
    @classmethod
    def _four_increasing(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        """Four cut points per indicator; an indicator the table leaves out keeps the default ones (as a
        partial `direction` keeps "higher")."""
        for key, cuts in value.items():
            if len(cuts) != 4 or any(b < a for a, b in zip(cuts, cuts[1:])):
                raise ValueError(f"{key}: expected four non-decreasing cut points, got {cuts}")
        return {i: value.get(i, list(DEFAULT_THRESHOLDS)) for i in INDICATORS}

    @field_validator("current_axis", "potential_axis")
    @classmethod
    def _known_criteria(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CRITERIA]
        if unknown:
            raise ValueError(f"unknown criterion {unknown[0]!r} (expected B1, B2, B3 or B4)")
        return value

    @field_validator("origin")
    @classmethod
    def _pair(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 2 or not all(math.isfinite(v) for v in value)):
            raise ValueError(f"origin needs two finite numbers [current, potential], got {value}")
        return value

    @field_validator("value_grade_shares")
    @classmethod
    def _four_shares(cls, value: list[float]) -> list[float]:
        if len(value) != 4 or any(s < 0 for s in value) or abs(sum(value) - 1) > 1e-9:
            raise ValueError(f"expected four non-negative shares summing to 1, got {value}")
        return value

    @field_validator("abc_shares")
    @classmethod
    def _two_shares(cls, value: list[float]) -> list[float]:
        if len(value) != 2 or any(s < 0 for s in value) or sum(value) > 1:
            raise ValueError(f"expected two non-negative shares (A, B) summing to at most 1, got {value}")
        return value

    def unplaced_criteria(self) -> list[str]:
        """Criteria on neither value axis: their indicators are scored but count in neither value."""
        return [c for c in CRITERIA if c not in self.current_axis and c not in self.potential_axis]

    @model_validator(mode="after")
    def _axes_disjoint(self) -> "ScoringConfig":
        both = set(self.current_axis) & set(self.potential_axis)
        if both:
            raise ValueError(f"criterion {sorted(both)[0]} is on both axes")
        return self


class CreditConfig(_Section):
    grade_cut_points: list[float] = Field([90, 75, 60], description="credit score cut points for A, B, C (below the last: D)")
    violation_penalty: float = Field(10, ge=0, description="points subtracted per violation event in the credit window")
    theft_amount: float = Field(50_000, ge=0, description="theft_50k: theft amounts in the last 12 months at or above this (元) → grade D")
    late_fee_periods: int = Field(2, ge=1, description="late_fee_2m: late_fee > 0 in at least this many periods of E-11..E → at most C")
    bounced_count: int = Field(2, ge=1, description="bounced_2x: at least this many bounced payments in the last 12 months → at most C")
    fee_level_cut_points: list[float] = Field(
        [10_000_000, 1_000_000, 100_000],
        description="important customers: amount due in the current window at or above these (元) gives fee level D, C, B (else A)",
    )

    @field_validator("grade_cut_points", "fee_level_cut_points")
    @classmethod
    def _three_decreasing(cls, value: list[float]) -> list[float]:
        if len(value) != 3 or any(b > a for a, b in zip(value, value[1:])):
            raise ValueError(f"expected three non-increasing cut points, got {value}")
        return value

    @field_validator("grade_cut_points")
    @classmethod
    def _reachable(cls, value: list[float]) -> list[float]:
        """The credit score runs from 0 to 100 (SPEC §6): a cut point outside it makes a grade unreachable."""
        if any(not 0 <= v <= 100 for v in value):
            raise ValueError(f"credit scores run from 0 to 100, so cut points must too; got {value}")
        return value
