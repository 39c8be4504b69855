"""Config section for the audit rules of SPEC §7: the `[audit]` table, one sub-table per rule.

Every threshold of §7 is a default here. Each rule has `enabled` (whether it runs when the
command line does not name rules) and `severity`; rules with two kinds of finding carry a second
severity for the milder kind.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from powercrm.io.schema import CUSTOMER_CLASSES, CUSTOMERS

Severity = Literal["high", "medium", "low"]

A01_FIELDS = [
    "name",
    "phone",
    "address",
    "customer_class",
    "tariff_code",
    "voltage_kv",
    "contract_capacity_kva",
    "line_id",
    "meter_id",
]


def _check_band(value: list[float]) -> list[float]:
    if len(value) != 2 or value[0] > value[1]:
        raise ValueError(f"expected [low, high] with low <= high, got {value}")
    return value


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    enabled: bool = Field(True, description="run this rule when --rules does not name the rules to run")


class A01Config(_Rule):
    severity: Severity = Field("medium", description="severity of a finding")
    fields: list[str] = Field(
        default_factory=lambda: list(A01_FIELDS),
        description="customer-archive fields that must not be blank (whitespace-only counts as blank)",
    )

    @field_validator("fields")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [f for f in value if f not in CUSTOMERS.names]
        if unknown:
            raise ValueError(f"unknown customers column {unknown[0]!r}")
        return value


class A02Config(_Rule):
    severity: Severity = Field("low", description="severity of a finding")


class A03Config(_Rule):
    severity: Severity = Field("low", description="severity of a finding")
    earliest_birth_year: int = Field(1900, description="a resident ID whose birth date is before this year is implausible")


class A04Config(_Rule):
    severity: Severity = Field("high", description="severity of a finding")


class A05Config(_Rule):
    severity: Severity = Field("high", description="severity of a finding")
    tolerance_kva: float = Field(1.0, ge=0, description="contract and transformer capacity may differ by this much (kVA)")


class A06Config(_Rule):
    severity: Severity = Field("medium", description="severity of a finding")
    large_industry_min_kva: float = Field(315, ge=0, description="large_industry needs at least this contract capacity (kVA)")
    agricultural_forbidden_industries: list[str] = Field(
        ["B", "C", "D"],
        description="agricultural class with an industry code starting with one of these letters is inconsistent",
    )
    residential_max_kv: float = Field(10, gt=0, description="residential class at or above this voltage (kV) is inconsistent")


class A07Config(_Rule):
    severity: Severity = Field("medium", description="severity of a finding")
    low_voltage_kv: float = Field(1.0, gt=0, description="voltages below this (kV) are low voltage")
    low_voltage_max_kva: float = Field(1000, gt=0, description="low-voltage customers above this capacity (kVA) are implausible")
    single_phase_kv: float = Field(0.22, gt=0, description="single-phase supply voltage (kV); customers at or below it")
    single_phase_max_kva: float = Field(30, gt=0, description="single-phase customers above this capacity (kVA) are implausible")


class A08Config(_Rule):
    severity: Severity = Field("medium", description="severity of a finding")
    ct_from_kv: float = Field(1.0, gt=0, description="a current transformer (CT) is needed at or above this voltage (kV)")
    ct_from_kva: float = Field(100, gt=0, description="below ct_from_kv, a CT is needed from this capacity (kVA)")
    band: list[float] = Field(
        [0.8, 3.0], description="CT primary current must lie within these multiples of the rated current S/(√3·U)"
    )
    bare_ratio_secondary_a: float = Field(5.0, gt=0, description="a bare CT ratio such as 80 means 80 × this : this (A)")

    @field_validator("band")
    @classmethod
    def _valid_band(cls, value: list[float]) -> list[float]:
        return _check_band(value)


class A09Config(_Rule):
    severity: Severity = Field("high", description="severity when both backup power and dual supply are missing")
    severity_one_missing: Severity = Field("medium", description="severity when one of them is missing")


class U01Config(_Rule):
    severity: Severity = Field("medium", description="severity of a finding")
    min_months: int = Field(3, ge=1, description="zero kWh in at least this many consecutive months")


class U02Config(_Rule):
    severity: Severity = Field("high", description="severity of a finding")
    drop_ratio: float = Field(0.5, gt=0, le=1, description="a month's kWh below this share of the median of the months before it")
    history_months: int = Field(12, ge=1, description="calendar months before the month that form its history")
    min_history_months: int = Field(6, ge=1, description="history months that must have a billing row")

    @model_validator(mode="after")
    def _enough(self) -> U02Config:
        if self.min_history_months > self.history_months:
            raise ValueError(f"min_history_months ({self.min_history_months}) exceeds history_months ({self.history_months})")
        return self


class U03Config(_Rule):
    severity: Severity = Field("high", description="severity of a finding")
    multiplier: float = Field(
        1.0, gt=0, description="kWh above contract_capacity_kva × hours in the month × this multiplier is physically impossible"
    )


class U04Config(_Rule):
    severity: Severity = Field("high", description="severity of a finding")
    capacity_factor: float = Field(1.0, gt=0, description="max_load_kw above contract_capacity_kva × this factor is an overload")


class U05Config(_Rule):
    severity: Severity = Field("low", description="severity of a finding (the standard is each customer's pf_standard)")


class U06Config(_Rule):
    severity: Severity = Field("medium", description="severity of a finding")


class U07Config(_Rule):
    severity: Severity = Field("medium", description="severity of a finding")
    unit_price_band: list[float] = Field([0.3, 1.5], description="plausible amount_due / kWh in 元/kWh")
    unit_price_band_by_class: dict[str, list[float]] = Field(
        default_factory=dict,
        description="per customer_class, a band replacing unit_price_band (e.g. residential = [0.4, 0.8])",
    )

    @field_validator("unit_price_band")
    @classmethod
    def _valid_band(cls, value: list[float]) -> list[float]:
        return _check_band(value)

    @field_validator("unit_price_band_by_class")
    @classmethod
    def _classes(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        for key, band in value.items():
            if key not in CUSTOMER_CLASSES:
                raise ValueError(f"unknown customer_class {key!r} (expected one of {', '.join(CUSTOMER_CLASSES)})")
            _check_band(band)
        return value


class U08Config(_Rule):
    severity: Severity = Field("medium", description="severity of an arrears run")
    min_months: int = Field(3, ge=1, description="amount_paid below amount_due in at least this many consecutive months")
    overpayment_yuan: float = Field(1.0, ge=0, description="amount_paid above amount_due by more than this (元) is an overpayment")
    overpayment_severity: Severity = Field("low", description="severity of an overpayment")


class U09Config(_Rule):
    severity: Severity = Field("medium", description="severity of a finding")
    min_months: int = Field(6, ge=2, description="identical non-zero kWh in at least this many consecutive months")


class U10Config(_Rule):
    severity: Severity = Field("medium", description="severity of a suspect scoring at least min_score")
    min_score: float = Field(50, ge=0, le=100, description="customers scoring at least this (0-100) are listed as suspects")
    high_score: float = Field(75, ge=0, le=100, description="suspects scoring at least this get severity high")
    min_months: int = Field(12, ge=4, description="customers with fewer billed months are not scored")
    recent_months: int = Field(
        3, ge=1, description="a drop must last at least this many months, up to the latest month, to count"
    )
    peer_min_customers: int = Field(
        5, ge=2, description="peers (same area, else same line) needed for a peer trend; fewer → no peer correction"
    )

    @model_validator(mode="after")
    def _order(self) -> U10Config:
        if self.high_score < self.min_score:
            raise ValueError(f"high_score ({self.high_score}) is below min_score ({self.min_score})")
        return self


class L01Config(_Rule):
    severity: Severity = Field("high", description="severity of a loss rate above the maximum")
    max_loss_rate: float = Field(0.08, description="loss rate above this is flagged (share, 0.08 = 8 %)")
    max_loss_rate_by_voltage: dict[str, float] = Field(
        default_factory=dict,
        description="per voltage level in kV (the highest voltage_kv among the customers of the line or area), "
        "a maximum replacing max_loss_rate, e.g. { \"10\" = 0.06, \"0.4\" = 0.10 }",
    )
    min_loss_rate: float = Field(-0.01, description="loss rate below this is flagged (customers on the wrong line, metering error)")
    negative_severity: Severity = Field("medium", description="severity of a loss rate below the minimum")

    @field_validator("max_loss_rate_by_voltage")
    @classmethod
    def _voltages(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            try:
                float(key)
            except ValueError:
                raise ValueError(f"voltage level {key!r} is not a number in kV") from None
        return value

    @model_validator(mode="after")
    def _order(self) -> L01Config:
        if self.min_loss_rate >= self.max_loss_rate:
            raise ValueError(f"min_loss_rate ({self.min_loss_rate}) must be below max_loss_rate ({self.max_loss_rate})")
        return self


class AuditConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    summary_rows: int = Field(10, ge=1, description="rows in the summary's top lists (lines by loss rate, theft suspects)")
    A01: A01Config = Field(default_factory=A01Config, description="A01 required archive field missing or blank")
    A02: A02Config = Field(default_factory=A02Config, description="A02 phone is not a valid mainland number")
    A03: A03Config = Field(default_factory=A03Config, description="A03 id_number is neither a valid resident ID nor a valid unified social credit code")
    A04: A04Config = Field(default_factory=A04Config, description="A04 duplicate customer_id; one meter on several customers")
    A05: A05Config = Field(default_factory=A05Config, description="A05 contract capacity differs from transformer capacity")
    A06: A06Config = Field(default_factory=A06Config, description="A06 customer class inconsistent with capacity, industry or voltage")
    A07: A07Config = Field(default_factory=A07Config, description="A07 voltage implausible for the capacity")
    A08: A08Config = Field(default_factory=A08Config, description="A08 current transformer missing or its ratio implausible")
    A09: A09Config = Field(default_factory=A09Config, description="A09 important customer without backup power or dual supply")
    U01: U01Config = Field(default_factory=U01Config, description="U01 zero kWh for consecutive months")
    U02: U02Config = Field(default_factory=U02Config, description="U02 sudden drop against the customer's own history")
    U03: U03Config = Field(default_factory=U03Config, description="U03 kWh above the physical maximum of the contract capacity")
    U04: U04Config = Field(default_factory=U04Config, description="U04 maximum load above the contract capacity")
    U05: U05Config = Field(default_factory=U05Config, description="U05 monthly power factor below the customer's standard")
    U06: U06Config = Field(default_factory=U06Config, description="U06 negative energy or amounts; maximum load below average load")
    U07: U07Config = Field(default_factory=U07Config, description="U07 bill inconsistent with energy")
    U08: U08Config = Field(default_factory=U08Config, description="U08 arrears in consecutive months; overpayment")
    U09: U09Config = Field(default_factory=U09Config, description="U09 flat line: identical kWh in consecutive months")
    U10: U10Config = Field(default_factory=U10Config, description="U10 theft-suspicion score and inspection list")
    L01: L01Config = Field(default_factory=L01Config, description="L01 line or area loss rate out of range")

    def rule(self, rule_id: str) -> _Rule:
        return getattr(self, rule_id)
