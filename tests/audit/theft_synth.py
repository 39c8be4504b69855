"""An independent synthetic theft model, to evaluate U10 on data the score was not shaped on.

It differs from `powercrm sample` on purpose: areas share seasons and can slump together (an
industrial park closing), customer noise is autocorrelated and heteroscedastic with spikes, and
theft comes in kinds the sample generator does not make (phase shifting that leaves kvarh alone,
a stopped meter) next to bypasses and intermittent tampering. Legitimate behaviour includes
permanent downsizing, temporary dips that recover, slow decline and growth.

All vectorised numpy: customers × months matrices.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from powercrm.audit.data import build

THEFT_KINDS = ("bypass", "intermittent", "ramp", "phase", "stopped")
LEGIT_KINDS = ("downsized", "dip", "decline", "growth")


def synthetic_theft(customers: int = 20_000, months: int = 36, seed: int = 0, theft_rate: float = 0.015, legit_rate: float = 0.04):
    """(the audit frames of customers and billing, labels with customer_id, label 1/0, kind)."""
    rng = np.random.default_rng(seed)
    n, m = customers, months
    t = np.arange(m)[None, :]

    area = rng.integers(0, max(1, n // 60), n)
    n_areas = area.max() + 1
    # area seasons: winter peak, summer peak or both, with an area trend and sometimes a lasting slump
    amplitude = rng.uniform(0.05, 0.35, n_areas)
    phase = rng.choice([0.0, np.pi, 0.0], n_areas)
    double = rng.random(n_areas) < 0.3
    season = np.where(
        double[:, None],
        1 + amplitude[:, None] * np.cos(4 * np.pi * t / 12),
        1 + amplitude[:, None] * np.cos(2 * np.pi * t / 12 + phase[:, None]),
    )
    slope = rng.uniform(-0.01, 0.01, n_areas)
    slump_at = np.where(rng.random(n_areas) < 0.1, rng.integers(6, m, n_areas), m + 1)
    slump = np.where(t >= slump_at[:, None], 1 - rng.uniform(0.15, 0.4, n_areas)[:, None], 1.0)
    area_level = season * (1 + slope[:, None] * t) * slump

    base = np.exp(rng.normal(np.log(300), 1.0, n))
    own_season = rng.uniform(0.5, 1.5, n)
    sigma = rng.uniform(0.03, 0.3, n)
    shocks = rng.normal(0, 1, (n, m)) * sigma[:, None]
    noise = np.zeros((n, m))
    for month in range(m):  # AR(1) over months (36 steps), vectorised over customers
        noise[:, month] = shocks[:, month] + (0.5 * noise[:, month - 1] if month else 0)
    spikes = np.where(rng.random((n, m)) < 0.03, rng.uniform(1.3, 2.0, (n, m)), 1.0)
    shape = 1 + own_season[:, None] * (area_level[area] - 1)
    kwh = base[:, None] * shape * np.exp(noise) * spikes
    tan_phi = np.tan(np.arccos(rng.uniform(0.8, 0.97, n)))[:, None] * np.exp(rng.normal(0, 0.03, (n, m)))
    kvarh = kwh * tan_phi

    label = np.zeros(n, dtype=np.int64)
    kind = np.full(n, "", dtype=object)
    order = rng.permutation(n)
    thieves = order[: int(theft_rate * n)]
    legit = order[int(theft_rate * n) : int((theft_rate + legit_rate) * n)]
    label[thieves] = 1
    kind[thieves] = rng.choice(THEFT_KINDS, len(thieves), p=[0.35, 0.2, 0.15, 0.15, 0.15])
    kind[legit] = rng.choice(LEGIT_KINDS, len(legit), p=[0.35, 0.3, 0.2, 0.15])
    onset = rng.integers(9, m - 2, n)[:, None]
    after = t >= onset
    r = rng.uniform(0.25, 0.75, n)[:, None]
    ramp = np.clip((t - onset + 1) / rng.integers(2, 7, n)[:, None], 0, 1)
    factor = np.ones((n, m))
    k = kind[:, None]
    factor = np.where((k == "bypass") & after, 1 - r, factor)
    factor = np.where((k == "phase") & after, 1 - r * 0.8, factor)
    factor = np.where((k == "intermittent") & after & (rng.random((n, m)) < 0.5), 1 - rng.uniform(0.4, 0.9, (n, m)), factor)
    factor = np.where((k == "ramp") & after, 1 - r * ramp, factor)
    factor = np.where((k == "stopped") & after, 0.0, factor)
    factor = np.where((k == "downsized") & after, 1 - rng.uniform(0.2, 0.6, n)[:, None], factor)
    dip = after & (t < onset + rng.integers(1, 6, n)[:, None])
    factor = np.where((k == "dip") & dip, 1 - rng.uniform(0.6, 0.95, n)[:, None], factor)
    factor = np.where((k == "decline") & after, np.maximum(0.3, 1 - 0.02 * (t - onset)), factor)
    factor = np.where((k == "growth") & after, 1 + rng.uniform(0.2, 0.8, n)[:, None], factor)
    metered = np.round(kwh * factor)
    # phase shifting slows the active element only: the reactive energy still registers in full
    kvarh = np.round(np.where(k == "phase", kvarh, kvarh * factor))

    ids = pl.Series([f"S{i:07d}" for i in range(n)])
    first = dt.date(2022, 1, 1)
    periods = pl.date_range(first, dt.date(first.year + (m - 1) // 12, (m - 1) % 12 + 1, 1), "1mo", eager=True)
    customers_frame = pl.DataFrame(
        {
            "customer_id": ids,
            "line_id": pl.Series([f"L{a // 4:05d}" for a in area]),
            "area_id": pl.Series([f"A{a:06d}" for a in area]),
            "customer_class": pl.Series(["residential"] * n),
            "contract_capacity_kva": np.full(n, 1e6),
            "pf_standard": pl.Series([None] * n, dtype=pl.Float64),
            "voltage_kv": np.full(n, 0.4),
            "status": pl.Series([None] * n, dtype=pl.String),
        }
    )
    billing = pl.DataFrame(
        {
            "customer_id": np.repeat(ids.to_numpy(), m),
            "period": pl.Series(np.tile(periods.to_numpy(), n)),
            "kwh": metered.ravel(),
            "kvarh": kvarh.ravel(),
        }
    ).with_columns(*[pl.lit(None, pl.Float64).alias(c) for c in ("amount_due", "amount_paid", "late_fee", "transmission_fee")])
    data = build({"customers": customers_frame.lazy(), "billing": billing.lazy()})
    labels = pl.DataFrame({"customer_id": ids, "label": label, "kind": pl.Series(kind.tolist(), dtype=pl.String)})
    return data, labels
