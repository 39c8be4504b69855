"""Interval load readings (`load_interval`): 96 readings a day for the last days of the range.

Each customer-month segment of readings is shaped by a daily profile of the customer's class
(residential evening peak, commercial daytime, industrial shifts), a day-to-day factor (quieter
weekends for businesses) and noise, then scaled so that the readings of that month have exactly
the monthly average load of the `load` table and, where the profile allows it without negative
readings, its maximum (otherwise a lower maximum). Customers are processed in chunks.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from powercrm.sample import pools
from powercrm.sample.generator import World

POINTS = 96
CHUNK = 20_000


def _templates() -> np.ndarray:
    """(7 classes × 96) daily profiles interpolated from the hourly templates."""
    x = np.arange(POINTS) / 4.0
    out = np.zeros((len(pools.CLASSES), POINTS))
    for c in range(len(pools.CLASSES)):
        hourly = np.asarray(pools.DAILY_PROFILE[c])
        out[c] = np.interp(x, np.arange(25), np.append(hourly, hourly[0]))
    return out


def interval_readings(rng: np.random.Generator, w: World, cid: pl.Series, days: int) -> pl.DataFrame:
    """Readings `customer_id, timestamp, load_kw` for the last `days` days ending at the last month's end."""
    last = int(w.starts[-1]) - 1
    day = np.arange(last - days + 1, last + 1)
    month = np.searchsorted(w.starts, day, side="right") - 1
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    weekend = weekday >= 5
    templates = _templates()
    frames = []
    for lo in range(0, w.n, CHUNK):
        c = np.arange(lo, min(lo + CHUNK, w.n))
        k = len(c)
        business = w.arc.cls[c] != pools.RES
        day_factor = np.clip(1 + 0.08 * rng.standard_normal((k, days)), 0.7, 1.3)
        day_factor = np.where(business[:, None] & weekend[None, :], day_factor * 0.7, day_factor)
        noise = np.clip(1 + 0.08 * rng.standard_normal((k, days, POINTS), dtype=np.float32), 0.6, 1.4)
        p = templates[w.arc.cls[c]][:, None, :] * day_factor[:, :, None] * noise
        readings = np.zeros_like(p, dtype=np.float64)
        for t in np.unique(month):
            sel = month == t
            seg = p[:, sel, :].reshape(k, -1)
            mu, hi, low = seg.mean(axis=1), seg.max(axis=1), seg.min(axis=1)
            avg = w.mon.avg_load[c, t]
            peak = w.mon.max_load[c, t]
            ratio = np.where(avg > 0, np.maximum(peak, avg * 1.05) / np.where(avg > 0, avg, 1), 1.0)
            qmin = (low - mu) / np.maximum(hi - mu, 1e-9)
            ratio = np.minimum(ratio, 1 + 0.95 / np.maximum(-qmin, 1e-9))
            q = (seg - mu[:, None]) / np.maximum(hi - mu, 1e-9)[:, None]
            readings[:, sel, :] = (avg[:, None] * (1 + (ratio[:, None] - 1) * q)).reshape(k, int(sel.sum()), POINTS)
        active = month[None, :] < w.arc.active_months[c][:, None]
        ci, di = np.nonzero(active)
        values = np.round(readings[ci, di, :], 3).ravel()
        minutes = (day[di][:, None] * 86400 + np.arange(POINTS)[None, :] * 900).ravel() * 1_000_000
        frames.append(
            pl.DataFrame(
                {
                    "customer_id": cid.gather(np.repeat(c[ci], POINTS)),
                    "timestamp": pl.Series(minutes, dtype=pl.Int64).cast(pl.Datetime("us")),
                    "load_kw": values,
                }
            )
        )
    if not frames:
        return pl.DataFrame(schema={"customer_id": pl.String, "timestamp": pl.Datetime("us"), "load_kw": pl.Float64})
    return pl.concat(frames)
