"""Config section for the indicators of SPEC §3: the `[indicators]` table."""

from __future__ import annotations

import math

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from typing_extensions import TypedDict

from powercrm.indicators.windows import parse_period


class FeeBand(TypedDict, total=False):
    """One voltage band of the B12 unit fee: `below_kv` (exclusive) or `up_to_kv` (inclusive) bound, or neither (open)."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # type: ignore[misc]

    below_kv: float
    up_to_kv: float
    fee: float


# SPEC §3 B12: below 1 kV 0.20; 1–20 kV 0.15 (1 and 20 included); above 20 up to 66 kV 0.10 (66 included);
# above 66 kV 0.07. A band starts where the one before it ends.
DEFAULT_FEE_BANDS: list[FeeBand] = [
    {"below_kv": 1.0, "fee": 0.20},
    {"up_to_kv": 20.0, "fee": 0.15},
    {"up_to_kv": 66.0, "fee": 0.10},
    {"fee": 0.07},
]


def band_bound(band: FeeBand) -> float | None:
    return band.get("below_kv", band.get("up_to_kv"))


class IndicatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    period_end: str | None = Field(
        None, description="last month E of every window, YYYY-MM; unset = the latest period in billing"
    )
    p1: float = Field(0.70, ge=0, le=1, description="B22 power factor at or below which the score is 0")
    p2: float = Field(0.90, ge=0, le=1, description="B22 power factor at or above which the score is 1")
    a: float = Field(0.5, gt=0, description="B32 late-fee ratio (late fee / amount due) at or above which punctuality is 0")
    r: float = Field(0.3, gt=0, description="B41 growth rate at or above which the indicator is 1")
    m_policy: Literal["percentile", "fixed"] = Field(
        "percentile",
        description="B42 growth amount M giving 1: percentile = m_percentile of the positive growth amounts "
        "(Excel PERCENTILE.INC); fixed = m_value",
    )
    m_percentile: float = Field(0.9, ge=0, le=1, description="m_policy = percentile: the percentile, 0-1")
    m_value: float | None = Field(None, gt=0, description="m_policy = fixed: M in kWh")
    unit_fee_by_voltage: list[FeeBand] = Field(
        default_factory=lambda: [dict(b) for b in DEFAULT_FEE_BANDS],
        description="B12 without transmission_fee: 元/kWh by voltage_kv; bands in increasing order, each from the end "
        "of the one before: below_kv = bound excluded, up_to_kv = bound included, neither = all higher voltages",
    )

    @field_validator("period_end")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None:
            parse_period(value)
        return value

    @field_validator("unit_fee_by_voltage")
    @classmethod
    def _bands(cls, value: list[FeeBand]) -> list[FeeBand]:
        if not value:
            raise ValueError("at least one band is needed")
        bounds = [band_bound(b) for b in value]
        for i, band in enumerate(value):
            if "fee" not in band:
                raise ValueError(f"band {i + 1} has no fee")
            if "below_kv" in band and "up_to_kv" in band:
                raise ValueError(f"band {i + 1} has both below_kv and up_to_kv; give one")
            if not (math.isfinite(band["fee"]) and band["fee"] >= 0):
                raise ValueError(f"band {i + 1}: fee {band['fee']} is not a non-negative number (元/kWh)")
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError(
                "every band but the last needs below_kv or up_to_kv, and the last needs neither (it takes every "
                f"higher voltage); got {['open' if b is None else b for b in bounds]}"
            )
        if any(b <= a for a, b in zip(bounds[:-2], bounds[1:-1])):
            raise ValueError(f"band bounds must increase, got {bounds[:-1]}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorConfig:
        if self.p1 >= self.p2:
            raise ValueError(f"p1 ({self.p1}) must be below p2 ({self.p2})")
        if self.m_policy == "fixed" and self.m_value is None:
            raise ValueError("m_policy = fixed needs m_value")
        return self
