"""Customer indicators B11–B42 of SPEC §3 (energy, load, power factor, payment, growth) in two stages (SPEC §9)."""

from powercrm.indicators.config import IndicatorConfig
from powercrm.indicators.pipeline import (
    AUX_COLUMNS,
    OUTPUT_COLUMNS,
    IndicatorResult,
    compute_indicators,
    customer_local,
    global_stage,
    null_counts,
)

__all__ = [
    "AUX_COLUMNS",
    "OUTPUT_COLUMNS",
    "IndicatorConfig",
    "IndicatorResult",
    "compute_indicators",
    "customer_local",
    "global_stage",
    "null_counts",
]
