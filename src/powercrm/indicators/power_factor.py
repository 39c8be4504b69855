"""Usage characteristics 用电特性: B22 power-factor score 功率因数 (SPEC §3)."""

from __future__ import annotations

import polars as pl

from powercrm.indicators.piecewise import ramp


def power_factor(kwh: pl.Expr, kvarh: pl.Expr) -> pl.Expr:
    """x of B22 = Σ kWh / sqrt((Σ kWh)² + (Σ kvarh)²), both summed over the current-window months whose
    kvarh is not null; null without kvarh, or with no energy at all (0/0)."""
    apparent = (kwh.pow(2) + kvarh.pow(2)).sqrt()
    return pl.when(apparent > 0).then(kwh / apparent)


def power_factor_score(pf: pl.Expr, p1: float, p2: float) -> pl.Expr:
    """B22 = 0 if PF ≤ p1; (PF − p1)/(p2 − p1) between; 1 if PF ≥ p2."""
    return ramp(pf, p1, p2)
