"""Labelled anomalies: cases of every audit rule of SPEC §7 injected into a clean `World`.

Each injection picks customers that no other injection touched (active ones; a few per thousand
for each rule, at least one per variant), edits the archive or the monthly matrices, and records
one truth row per finding the rule should give (per customer for archive rules, per month for
monthly rules, per run dated at its first month for U01/U08/U09, per customer for U10, per line
and month for L01). Edits are designed to trigger their own rule and as little else as possible;
what they unavoidably also trigger (a theft drop below half the median is also a U02 drop) is
listed afterwards as side effects by `powercrm.sample.reference`.

Phases, because later quantities derive from earlier ones:
1. `physical`: what the meter sees (zero runs, drops, theft and legitimate drops): kWh and load;
2. `metered`: billing-only kWh errors (multiplier, negative reading, flat estimates) and PF;
3. `billed`: amounts, payments, kvarh sign, maximum load (after `derive_bills`);
4. `archive`: the customer archive fields;
5. `lines`: line loss (after the billed kWh per line is known).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from powercrm.sample import ids, pools
from powercrm.sample.generator import NOT_PAID, SQRT3, World, ct_text, meter_ids
from powercrm.sample.pools import AGRI, COM, GEN, LARGE, NONIND, NONRES, RES

# rate per active customer of each rule (split evenly across its variants, at least 1 per variant)
RATES = {
    "A01": 0.004, "A02": 0.003, "A03": 0.003, "A04": 0.002, "A05": 0.002, "A06": 0.003, "A07": 0.002,
    "A08": 0.003, "A09": 0.002, "U01": 0.003, "U02": 0.003, "U03": 0.003, "U04": 0.003, "U05": 0.003,
    "U06": 0.003, "U07": 0.003, "U08": 0.003, "U09": 0.003, "U10": 0.005, "U10_negative": 0.005,
}
L01_LINE_RATE = 0.03  # per 10 kV line and variant


@dataclass
class Injector:
    w: World
    rng: np.random.Generator
    free: np.ndarray  # active customers nobody touched yet
    records: list[dict] = field(default_factory=list)

    @classmethod
    def start(cls, w: World, rng: np.random.Generator) -> Injector:
        return cls(w, rng, w.arc.active.copy())

    @property
    def months(self) -> int:
        return self.w.months

    def count(self, rule: str, variants: int = 1) -> int:
        active = int(self.w.arc.active.sum())
        return max(1, int(round(RATES[rule] * active / variants)))

    def take(self, eligible: np.ndarray, k: int, weights: np.ndarray | None = None, common: bool = False) -> np.ndarray:
        """Up to k random customers among eligible free ones; they are marked touched.

        `common` draws from low-voltage customers first, keeping the few large customers for
        the injections that need them (A05, A07, A09 ...)."""
        if common:
            first = self.take(eligible & (self.w.arc.level == 0), k, weights)
            rest = self.take(eligible, k - len(first), weights) if len(first) < k else first[:0]
            return np.sort(np.concatenate([first, rest]))
        pool = np.flatnonzero(eligible & self.free)
        k = min(k, len(pool))
        if k <= 0:
            return pool[:0]
        p = None
        if weights is not None:
            p = weights[pool] / weights[pool].sum()
        chosen = np.sort(self.rng.choice(pool, size=k, replace=False, p=p))
        self.free[chosen] = False
        self.w.clean[chosen] = False
        return chosen

    def record(self, rule: str, who: np.ndarray, t=None, detail="", theft=None) -> None:
        who = np.asarray(who, dtype=np.int64)
        if not len(who):
            return
        t = np.full(len(who), -1) if t is None else np.broadcast_to(np.asarray(t, dtype=np.int64), who.shape)
        detail = pl.repeat(detail, len(who), dtype=pl.String, eager=True) if isinstance(detail, str) else pl.Series(detail, dtype=pl.String)
        self.records.append(
            {"rule": rule, "c": who, "line": np.full(len(who), -1), "t": np.asarray(t), "detail": detail, "theft": theft}
        )

    def runs(self, who: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Random start months for runs of the given lengths, and the (k × months) run mask."""
        t0 = (self.rng.random(len(who)) * (self.months - lengths + 1)).astype(np.int64)
        tt = np.arange(self.months)[None, :]
        return t0, (tt >= t0[:, None]) & (tt < (t0 + lengths)[:, None])

    def period(self, t: np.ndarray) -> pl.Series:
        """`YYYY-MM` of month indices."""
        days = self.w.starts[np.asarray(t, dtype=np.int64)]
        months = (np.datetime64("1970-01-01") + days).astype("datetime64[M]")
        return pl.Series(np.datetime_as_string(months, unit="M"), dtype=pl.String)


def _fmt(template: str, **columns) -> pl.Series:
    """Detail texts from a template and arrays, vectorised: `{x:.0f}`, `{x:.2f}`, `{x:.0%}`, `{s}`."""
    parts: list[pl.Expr] = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal, dtype=pl.String))
        if name is None:
            continue
        values = columns[name]
        col = pl.lit(values if isinstance(values, pl.Series) else pl.Series(values))
        if spec and spec.endswith("%"):
            digits = int(spec[1:-1] or 0)
            col = (col * 100).round(digits)
            col = (col.cast(pl.Int64) if digits == 0 else col).cast(pl.String) + pl.lit("%")
        elif spec and spec.endswith("f"):
            digits = int(spec[1:-1] or 0)
            col = col.round(digits)
            col = (col.cast(pl.Int64) if digits == 0 else col).cast(pl.String)
        else:
            col = col.cast(pl.String)
        parts.append(col)
    return pl.select(pl.concat_str(parts)).to_series()


# ------------------------------------------------------------------------------- 1. physical


def physical(inj: Injector) -> None:
    w, rng, months = inj.w, inj.rng, inj.months
    arc, mon = w.arc, w.mon
    hours = np.diff(w.starts).astype(np.float64) * 24
    shared = arc.level <= 1
    no_std = np.isnan(arc.pf_std)

    # U01: zero kWh for 3-6 consecutive months (meter stopped, or a vacant home with the supply on)
    if months >= 3:
        who = inj.take(shared & no_std, inj.count("U01"), common=True)
        lengths = np.minimum(rng.integers(3, 7, len(who)), months)
        t0, run = inj.runs(who, lengths)
        mon.kwh[who] = np.where(run, 0.0, mon.kwh[who])
        mon.avg_load[who] = np.where(run, 0.0, mon.avg_load[who])
        inj.record("U01", who, t0, _fmt("zero kWh for {n} months", n=lengths))

    # U02: one month far below the median of the 12 before it
    if months >= 7:
        who = inj.take(shared, inj.count("U02"), common=True)
        lo = 12 if months > 12 else 6
        t = rng.integers(lo, months, len(who))
        window = t[:, None] - np.arange(1, 13)[None, :]
        hist = np.where(window >= 0, mon.kwh[who[:, None], np.maximum(window, 0)], np.nan)
        median = np.nanmedian(hist, axis=1)
        f = rng.uniform(0.1, 0.4, len(who))
        new = np.maximum(np.round(median * f), 1.0)
        ratio = new / mon.kwh[who, t]
        mon.kwh[who, t] = new
        mon.avg_load[who, t] *= ratio
        inj.record("U02", who, t, _fmt("one month at {p:.0f}% of the 12-month median", p=100 * new / median))

    # U10: theft (sustained drop from some month on) and legitimate drops as hard negatives
    if months >= 8:
        lo = min(12, months // 2)
        _theft(inj, lo, hours)
        _hard_negatives(inj, lo, hours)


def _shares(rng: np.random.Generator, k: int, shares: tuple[float, ...]) -> np.ndarray:
    """k variant indices in the given shares, every variant at least once when k allows, shuffled."""
    counts = np.floor(np.asarray(shares) * k).astype(np.int64)
    counts = np.maximum(counts, 1 if k >= len(shares) else 0)
    while counts.sum() > k:
        counts[np.argmax(counts)] -= 1
    counts[0] += k - counts.sum()
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _apply_factor(w: World, who: np.ndarray, factor: np.ndarray, hours: np.ndarray, allow_zero: bool) -> None:
    kwh = np.round(w.mon.kwh[who] * factor)
    if not allow_zero:
        kwh = np.maximum(kwh, 1.0)
    w.mon.kwh[who] = kwh
    w.mon.avg_load[who] = kwh / hours[None, :]


def _theft(inj: Injector, lo: int, hours: np.ndarray) -> None:
    w, rng, months = inj.w, inj.rng, inj.months
    arc = w.arc
    eligible = (arc.level == 0) & np.isnan(arc.pf_std)
    weights = np.where(arc.cls == RES, 1.0, 4.0)
    who = inj.take(eligible, inj.count("U10"), weights)
    k = len(who)
    if not k:
        return
    kinds = np.array(["step", "gradual", "zero runs", "partial"])[_shares(rng, k, (0.4, 0.25, 0.15, 0.2))]
    onset = rng.integers(lo, months - 2, k)
    drop = rng.uniform(0.3, 0.8, k)
    tt = np.arange(months)[None, :]
    after = tt >= onset[:, None]
    factor = np.where(after, 1 - drop[:, None], 1.0)
    ramp = rng.integers(3, 9, k)
    gradual = 1 - drop[:, None] * np.clip((tt - onset[:, None] + 1) / ramp[:, None], 0, 1)
    factor = np.where((kinds == "gradual")[:, None] & after, gradual, factor)
    intermittent = (rng.random((k, months)) < 0.6) | (tt == onset[:, None])
    factor = np.where((kinds == "partial")[:, None] & after & ~intermittent, 1.0, factor)
    zlen = rng.integers(1, 5, k)
    zstart = onset + (rng.random(k) * np.maximum(months - onset - zlen + 1, 1)).astype(np.int64)
    zero = (kinds == "zero runs")[:, None] & (tt >= zstart[:, None]) & (tt < (zstart + zlen)[:, None])
    factor = np.where(zero, 0.0, factor)
    _apply_factor(w, who, factor, hours, allow_zero=True)
    # only the deliberate zero runs may be zero
    w.mon.kwh[who] = np.where(~zero & (w.mon.kwh[who] < 1), 1.0, w.mon.kwh[who])
    w.mon.avg_load[who] = w.mon.kwh[who] / hours[None, :]
    detail = _fmt("{kind}: drop {d:.0f}% from {p}", kind=kinds, d=100 * drop, p=inj.period(onset))
    zeros = _fmt(", {z} zero months", z=zlen)
    detail = pl.select(
        pl.lit(detail) + pl.when(pl.lit(pl.Series(kinds == "zero runs"))).then(pl.lit(zeros)).otherwise(pl.lit(""))
    ).to_series()
    inj.record("U10", who, None, detail, theft=True)


def _hard_negatives(inj: Injector, lo: int, hours: np.ndarray) -> None:
    """Legitimate drops a theft score should not rank first: downsizing, efficiency retrofits,
    strongly seasonal irrigation, vacant homes."""
    w, rng, months = inj.w, inj.rng, inj.months
    arc = w.arc
    total = inj.count("U10_negative")
    tt = np.arange(months)[None, :]
    business = np.isin(arc.cls, (COM, GEN, NONIND, NONRES)) & (arc.level <= 1)

    # downsized business: a permanent step drop of 30-70 %
    who = inj.take(business, max(1, round(total * 0.35)), common=True)
    onset = rng.integers(lo, months - 2, len(who))
    drop = rng.uniform(0.3, 0.7, len(who))
    _apply_factor(w, who, np.where(tt >= onset[:, None], 1 - drop[:, None], 1.0), hours, allow_zero=False)
    inj.record("U10_negative", who, None, _fmt("downsized: step drop {d:.0f}% from {p}", d=100 * drop, p=inj.period(onset)), theft=False)

    # energy-efficiency retrofit: gradual drop of 20-45 % over 4-10 months
    who = inj.take(business, max(1, round(total * 0.2)), common=True)
    onset = rng.integers(lo, months - 2, len(who))
    drop = rng.uniform(0.2, 0.45, len(who))
    ramp = rng.integers(4, 11, len(who))
    f = 1 - drop[:, None] * np.clip((tt - onset[:, None] + 1) / ramp[:, None], 0, 1)
    _apply_factor(w, who, np.where(tt >= onset[:, None], f, 1.0), hours, allow_zero=False)
    inj.record("U10_negative", who, None, _fmt("efficiency retrofit: gradual drop {d:.0f}% from {p}", d=100 * drop, p=inj.period(onset)), theft=False)

    # strongly seasonal irrigation: off-season use a fraction of the peak, every year
    who = inj.take((arc.cls == AGRI) & (arc.level <= 1), max(1, round(total * 0.25)))
    moy = ((np.datetime64("1970-01-01") + w.starts[:-1]).astype("datetime64[M]").astype(np.int64)) % 12
    strong = np.asarray(pools.AGRI_STRONG) / np.mean(pools.AGRI_STRONG)
    normal = np.asarray(pools.SEASON[AGRI]) / np.mean(pools.SEASON[AGRI])
    f = np.broadcast_to(0.6 * strong[moy] / normal[moy], (len(who), months))
    _apply_factor(w, who, f, hours, allow_zero=False)
    inj.record("U10_negative", who, None, "seasonal irrigation: off-season use 15-40% of the season's", theft=False)

    # vacant home: 5-30 % of normal use for 3-12 months, then back (or until the end)
    who = inj.take((arc.cls == RES) & (arc.level == 0), max(1, round(total * 0.2)))
    onset = rng.integers(lo, months - 2, len(who))
    length = rng.integers(3, 13, len(who))
    level = rng.uniform(0.05, 0.3, len(who))
    vacant = (tt >= onset[:, None]) & (tt < (onset + length)[:, None])
    _apply_factor(w, who, np.where(vacant, level[:, None], 1.0), hours, allow_zero=False)
    inj.record(
        "U10_negative", who, None,
        _fmt("vacant home: {l:.0f}% of normal use for {n} months from {p}", l=100 * level, n=np.minimum(length, months - onset), p=inj.period(onset)),
        theft=False,
    )


# -------------------------------------------------------------------------------- 2. metered


def metered(inj: Injector) -> None:
    w, rng, months = inj.w, inj.rng, inj.months
    arc, mon = w.arc, w.mon
    hours = np.diff(w.starts).astype(np.float64) * 24
    shared = arc.level <= 1
    no_std = np.isnan(arc.pf_std)

    # U03: kWh above capacity × hours: a meter multiplier (倍率) error of ×10 or ×100 for a month
    t = rng.integers(0, months, arc.n)
    physical_max = arc.cap * hours[t]
    base = mon.kwh[np.arange(arc.n), t]
    mult = np.where(base * 10 > 1.3 * physical_max, 10, np.where(base * 100 > 1.3 * physical_max, 100, 0))
    who = inj.take(mult > 0, inj.count("U03"), common=True)
    mon.kwh[who, t[who]] *= mult[who]
    inj.record("U03", who, t[who], _fmt("multiplier error x{m}", m=mult[who]))

    # U06a: a negative reading in one of the first 6 months (too early for the U02 median)
    who = inj.take(shared & no_std, inj.count("U06", 3), common=True)
    t = rng.integers(0, min(6, months), len(who))
    mon.kwh[who, t] = -np.maximum(np.round(mon.kwh[who, t] * rng.uniform(0.3, 1.0, len(who))), 1.0)
    inj.record("U06", who, t, "negative kWh, kvarh and amount (reversed reading)")

    # U09: identical non-zero kWh for 6-12 months (estimated readings)
    if months >= 6:
        who = inj.take(shared, inj.count("U09"), common=True)
        lengths = np.minimum(rng.integers(6, 13, len(who)), months)
        t0, run = inj.runs(who, lengths)
        k = len(who)
        values = np.where(run, mon.kwh[who], np.nan)
        flat = np.maximum(np.round(np.nanmedian(values, axis=1)) if k else np.zeros(0), 1.0)
        mon.kwh[who] = np.where(run, flat[:, None], mon.kwh[who])
        before = np.maximum(t0 - 1, 0)
        after = np.minimum(t0 + lengths, months - 1)
        bump_before = (t0 > 0) & (mon.kwh[who, before] == flat)
        bump_after = (t0 + lengths < months) & (mon.kwh[who, after] == flat)
        mon.kwh[who[bump_before], before[bump_before]] += 1
        mon.kwh[who[bump_after], after[bump_after]] += 1
        inj.record("U09", who, t0, _fmt("flat {v:.0f} kWh for {n} months", v=flat, n=lengths))

    # U05: PF below the standard for 1-4 months (capacitor bank out of service)
    who = inj.take(~no_std, inj.count("U05"), common=True)
    lengths = np.minimum(rng.integers(1, 5, len(who)), months)
    t0, run = inj.runs(who, lengths)
    low = arc.pf_std[who] - rng.uniform(0.03, 0.2, len(who))
    mon.pf[who] = np.where(run, low[:, None], mon.pf[who])
    r, c = np.nonzero(run)
    inj.record("U05", who[r], c, _fmt("PF {pf:.2f} below standard {s:.2f}", pf=low[r], s=arc.pf_std[who[r]]))


# --------------------------------------------------------------------------------- 3. billed


def billed(inj: Injector) -> None:
    w, rng, months = inj.w, inj.rng, inj.months
    arc, mon = w.arc, w.mon
    n = arc.n
    cap_ok = ~np.isnan(arc.cap)

    # U04: max load above the contract capacity for 1-3 months (private capacity increase 私自增容)
    who = inj.take(cap_ok, inj.count("U04"), common=True)
    lengths = np.minimum(rng.integers(1, 4, len(who)), months)
    t0, run = inj.runs(who, lengths)
    over = np.round(arc.cap[who] * rng.uniform(1.05, 1.5, len(who)), 3)
    mon.max_load[who] = np.where(run, over[:, None], mon.max_load[who])
    r, c = np.nonzero(run)
    inj.record("U04", who[r], c, _fmt("max load {x:.1f} kW > {cap:.0f} kVA", x=over[r], cap=arc.cap[who[r]]))

    # U06b: negative kvarh; U06c: max load below average load
    who = inj.take(np.ones(n, bool), inj.count("U06", 3), common=True)
    t = rng.integers(0, months, len(who))
    mon.kvarh[who, t] = -np.maximum(np.abs(mon.kvarh[who, t]), 1.0)
    inj.record("U06", who, t, "negative kvarh")
    who = inj.take(np.ones(n, bool), inj.count("U06", 3), common=True)
    t = rng.integers(0, months, len(who))
    mon.max_load[who, t] = np.round(mon.avg_load[who, t] * rng.uniform(0.5, 0.9, len(who)), 3)
    inj.record("U06", who, t, "max_load_kw below avg_load_kw")

    # U07: bill inconsistent with energy
    for variant in ("zero amount_due", "amount_due missing", "unit price too low", "unit price too high"):
        who = inj.take(np.ones(n, bool), inj.count("U07", 4), common=True)
        t = rng.integers(0, months, len(who))
        kwh = mon.kwh[who, t]
        if variant == "zero amount_due":
            amount = np.zeros(len(who))
        elif variant == "amount_due missing":
            amount = np.full(len(who), np.nan)
        else:
            price = rng.uniform(0.05, 0.2, len(who)) if variant.endswith("low") else rng.uniform(2.0, 5.0, len(who))
            amount = np.round(kwh * price, 2)
        mon.amount_due[who, t] = amount
        mon.amount_paid[who, t] = amount
        mon.late_fee[who, t] = 0.0
        mon.paid_offset[who, t] = np.where(np.nan_to_num(amount) > 0, -3, NOT_PAID)
        if variant.startswith("unit price"):
            inj.record("U07", who, t, _fmt(variant + " ({p:.2f} yuan/kWh)", p=amount / kwh))
        else:
            inj.record("U07", who, t, variant)

    # U08a: arrears for 3-8 consecutive months; the months around the run are paid in full
    if months >= 3:
        who = inj.take(np.ones(n, bool), inj.count("U08", 2), common=True)
        lengths = np.minimum(rng.integers(3, 9, len(who)), months)
        t0, run = inj.runs(who, lengths)
        edge = np.zeros_like(run)
        k = np.arange(len(who))
        edge[k[t0 > 0], (t0 - 1)[t0 > 0]] = True
        end = t0 + lengths
        edge[k[end < months], end[end < months]] = True
        due = mon.amount_due[who]
        partial = rng.random(run.shape) < 0.3
        paid = np.where(run, np.where(partial, np.round(due * rng.uniform(0.3, 0.8, run.shape), 2), 0.0), mon.amount_paid[who])
        paid = np.where(edge, due, paid)
        mon.amount_paid[who] = paid
        mon.late_fee[who] = np.where(run, 0.0, mon.late_fee[who])
        mon.paid_offset[who] = np.where(run & ~partial, NOT_PAID, np.where(edge, -5, mon.paid_offset[who]))
        inj.record("U08", who, t0, _fmt("arrears for {n} months", n=lengths))

    # U08b: overpayment by more than 1 yuan
    who = inj.take(np.ones(n, bool), inj.count("U08", 2), common=True)
    t = rng.integers(0, months, len(who))
    extra = np.round(rng.uniform(5, 300, len(who)), 2)
    mon.amount_paid[who, t] = mon.amount_due[who, t] + extra
    mon.paid_offset[who, t] = -2
    inj.record("U08", who, t, _fmt("overpayment by {x:.2f} yuan", x=extra))


# -------------------------------------------------------------------------------- 4. archive


def archive(inj: Injector, cid: pl.Series) -> None:
    w, rng = inj.w, inj.rng
    arc = w.arc
    n = arc.n
    anyone = np.ones(n, bool)
    lv_small = (arc.level == 0) & (arc.cap < 100)

    # the injections that need one of the few large customers come first
    not_important = arc.importance < 0
    hv = arc.level >= 1

    # A07: voltage implausible for capacity
    who = inj.take((arc.level == 1) & (arc.cap > 1000) & (arc.cap <= 3150), inj.count("A07", 2))
    arc.voltage[who] = 0.38
    primary = _ct_for(rng, arc.cap[who], 0.38, 0.9, 1.4)
    arc.override("ct_ratio", who, ct_text(primary, np.zeros(len(who), bool)))
    arc.override("pt_ratio", who, None)
    inj.record("A07", who, None, _fmt("{c:.0f} kVA below 1 kV (0.38 kV)", c=arc.cap[who]))
    who = inj.take((arc.level == 0) & (arc.voltage == 0.38) & (arc.cap > 30) & (arc.cap < 100), inj.count("A07", 2))
    arc.voltage[who] = 0.22
    inj.record("A07", who, None, _fmt("{c:.0f} kVA at 0.22 kV", c=arc.cap[who]))

    # A09: important customer without backup power and/or dual supply
    big = (arc.level >= 1) & (arc.cap >= 630)
    for backup, dual, detail in (
        (False, False, "high: no backup power and no dual supply"),
        (False, True, "medium: no backup power"),
        (True, False, "medium: no dual supply"),
    ):
        who = inj.take(big, inj.count("A09", 3))
        arc.importance[who] = np.where(arc.importance[who] >= 0, arc.importance[who], 2)
        arc.backup[who] = backup
        arc.dual[who] = dual
        inj.record("A09", who, None, detail)

    # A05: contract capacity differs from the transformers' total
    who = inj.take(hv & (arc.tcount == 1), inj.count("A05", 2))
    arc.tcount[who] = 2
    arc.tcap[who] = 2 * arc.cap[who]
    inj.record("A05", who, None, _fmt("second transformer not in the contract: {t:.0f} kVA installed, {c:.0f} contracted", t=arc.tcap[who], c=arc.cap[who]))
    who = inj.take(hv & (arc.tcount >= 2), inj.count("A05", 2))
    arc.tcap[who] = arc.cap[who] / arc.tcount[who]
    inj.record("A05", who, None, _fmt("{k} transformers registered as one: {t:.0f} kVA vs {c:.0f} contracted", k=arc.tcount[who], t=arc.tcap[who], c=arc.cap[who]))

    # A06: class inconsistent with capacity, industry or voltage
    who = inj.take((arc.cls == GEN) & (arc.level == 1) & (arc.cap < 315) & not_important, inj.count("A06", 3))
    arc.cls[who] = LARGE
    arc.override("tariff_code", who, "601")
    inj.record("A06", who, None, _fmt("large_industry at {c:.0f} kVA", c=arc.cap[who]))
    who = inj.take(arc.cls == AGRI, inj.count("A06", 3))
    pick = rng.integers(0, len(pools.AGRI_MISUSE), len(who))
    codes = pl.Series([c for c, _ in pools.AGRI_MISUSE], dtype=pl.String).gather(pick)
    what = pl.Series([x for _, x in pools.AGRI_MISUSE], dtype=pl.String).gather(pick)
    arc.override("industry", who, codes)
    inj.record("A06", who, None, _fmt("agricultural class with industry {c} ({what})", c=codes, what=what))
    who = inj.take(np.isin(arc.cls, (NONRES, COM, NONIND)) & (arc.level == 1) & not_important, inj.count("A06", 3))
    arc.cls[who] = RES
    arc.override("tariff_code", who, "102")
    inj.record("A06", who, None, "residential class at 10 kV")

    # A01: a required field blank or whitespace-only
    variants = (
        ("name", None, anyone, "name blank"),
        ("name", "  ", anyone, "name whitespace-only"),
        ("phone", None, anyone, "phone blank"),
        ("address", None, anyone, "address blank"),
        ("address", "\u3000\u3000", anyone, "address full-width spaces only"),
        ("customer_class", None, lv_small, "customer_class blank"),
        ("tariff_code", " ", anyone, "tariff_code whitespace-only"),
        ("voltage_kv", None, lv_small, "voltage_kv blank"),
        ("contract_capacity_kva", None, lv_small, "contract_capacity_kva blank"),
        ("line_id", None, lv_small & (arc.cls == RES), "line_id blank"),
        ("meter_id", None, anyone, "meter_id blank"),
    )
    for column, value, eligible, detail in variants:
        who = inj.take(eligible, inj.count("A01", len(variants)), common=True)
        if column == "line_id":
            w.archive_line[who] = -1
        elif column == "meter_id":
            arc.meter[who] = -1
        else:
            arc.override(column, who, value)
        inj.record("A01", who, None, detail)

    # A02: phone not a valid mainland number
    bad = _bad_phones(rng)
    for kind, make in bad.items():
        who = inj.take(anyone, inj.count("A02", len(bad)), common=True)
        values = make(len(who))
        arc.override("phone", who, values)
        inj.record("A02", who, None, _fmt(kind + ": {v}", v=values))

    _bad_ids(inj)

    # A04: one meter on two customers
    k = inj.count("A04")
    who = inj.take(anyone, 2 * k, common=True)
    if len(who) >= 2:
        first, second = who[0 : len(who) // 2 * 2 : 2], who[1 : len(who) // 2 * 2 : 2]
        arc.meter[second] = arc.meter[first]
        meter_text = meter_ids(arc.meter[first])
        inj.record("A04", first, None, _fmt("meter_id {m} also on {o}", m=meter_text, o=cid.gather(second)))
        inj.record("A04", second, None, _fmt("meter_id {m} also on {o}", m=meter_text, o=cid.gather(first)))

    # A08: CT ratio missing, unparsable or out of band where a CT is needed
    needs = ~np.isnan(arc.ct_primary)
    rated = arc.cap / (SQRT3 * arc.voltage)
    who = inj.take(needs, inj.count("A08", 4), common=True)
    arc.override("ct_ratio", who, None)
    inj.record("A08", who, None, "CT ratio missing")
    who = inj.take(needs, inj.count("A08", 4), common=True)
    arc.override("ct_ratio", who, "见铭牌")
    inj.record("A08", who, None, "CT ratio unparsable")
    idx = np.searchsorted(pools.CT_PRIMARIES, 0.5 * rated, side="right") - 1
    small = pools.CT_PRIMARIES[np.maximum(idx, 0)]
    who = inj.take(needs & (idx >= 0), inj.count("A08", 4), common=True)
    arc.override("ct_ratio", who, ct_text(small[who], np.zeros(len(who), bool)))
    inj.record("A08", who, None, _fmt("CT {p:.0f}/5 below 0.8x rated current {i:.1f} A", p=small[who], i=rated[who]))
    idx = np.searchsorted(pools.CT_PRIMARIES, 4 * rated, side="left")
    large = pools.CT_PRIMARIES[np.minimum(idx, len(pools.CT_PRIMARIES) - 1)]
    who = inj.take(needs & (idx < len(pools.CT_PRIMARIES)), inj.count("A08", 4), common=True)
    bare = rng.random(len(who)) < 0.3
    arc.override("ct_ratio", who, ct_text(large[who], bare))
    inj.record("A08", who, None, _fmt("CT {p:.0f}/5 above 3x rated current {i:.1f} A", p=large[who], i=rated[who]))

def _ct_for(rng, cap, voltage, low, high):
    rated = cap / (SQRT3 * voltage)
    i = np.searchsorted(pools.CT_PRIMARIES, rated * rng.uniform(low, high, len(cap)), side="left")
    return pools.CT_PRIMARIES[np.minimum(i, len(pools.CT_PRIMARIES) - 1)]


def _bad_phones(rng: np.random.Generator) -> dict:
    def digits(k: int, width: int, lo: int = 0) -> pl.Series:
        return ids.codes_to_strings(ids.digits_codes(rng.integers(lo, 10**width, k), width))

    def cat(*parts) -> pl.Series:
        return pl.select(pl.concat_str([pl.lit(p) for p in parts])).to_series()

    return {
        "10 digits": lambda k: cat("13", digits(k, 8)),
        "12 digits": lambda k: cat("18", digits(k, 10)),
        "mobile prefix 12": lambda k: cat("12", digits(k, 9)),
        "no area code": lambda k: cat("8", digits(k, 7)),
        "landline with 5-digit number": lambda k: cat("0571-", digits(k, 5)),
        "two numbers in one field": lambda k: cat(ids.mobile_numbers(rng, k), "/", ids.mobile_numbers(rng, k)),
        "placeholder": lambda k: pl.Series(["0000000"] * k, dtype=pl.String),
        "text": lambda k: pl.Series(["无"] * k, dtype=pl.String),
    }


def _invalid(values: pl.Series) -> np.ndarray:
    ok = pl.select(ids.id_number_ok(pl.lit(values))).to_series().fill_null(False)
    return ~ok.to_numpy()


def _bad_ids(inj: Injector) -> None:
    """A03: id numbers valid as neither a resident id nor a credit code."""
    w, rng = inj.w, inj.rng
    arc = w.arc
    current = arc.text["id_number"]
    has_id = current.is_not_null().to_numpy()
    person = (arc.cls == RES) & has_id
    org = (arc.cls != RES) & has_id
    k = inj.count("A03", 4)

    # wrong check character: the first replacement that is valid as neither kind
    for eligible, alphabet, detail in (
        (person, "0123456789X", "resident id: wrong check digit"),
        (org, ids.USCC_ALPHABET, "credit code: wrong check character"),
    ):
        who = inj.take(eligible, k)
        base = current.gather(who).str.slice(0, 17)
        chosen = pl.Series([None] * len(who), dtype=pl.String)
        shift = rng.integers(0, len(alphabet), len(who))
        for step in range(len(alphabet)):
            if chosen.null_count() == 0:
                break
            cand_char = pl.Series(list(alphabet), dtype=pl.String).gather((shift + step) % len(alphabet))
            cand = pl.select(pl.concat_str(pl.lit(base), pl.lit(cand_char))).to_series()
            fill = chosen.is_null().to_numpy() & _invalid(cand)
            if fill.any():
                chosen = chosen.scatter(np.flatnonzero(fill), cand.filter(pl.Series(fill)))
        arc.override("id_number", who, chosen)
        inj.record("A03", who, None, _fmt(detail + ": {v}", v=chosen))

    # impossible birth date with a correct check digit
    who = inj.take(person, k)
    s = current.gather(who)
    division = s.str.slice(0, 6).cast(pl.Int64).to_numpy()
    year = s.str.slice(6, 4).cast(pl.Int64).to_numpy()
    mmdd = np.array([1315, 230, 632, 1100, 431])[rng.integers(0, 5, len(who))]
    seq = s.str.slice(14, 3).cast(pl.Int64).to_numpy()
    chosen = pl.Series([None] * len(who), dtype=pl.String)
    for attempt in range(20):
        if chosen.null_count() == 0:
            break
        cand = ids.codes_to_strings(ids.resident_ids(division, year * 10000 + mmdd, (seq + 2 * attempt) % 1000))
        fill = chosen.is_null().to_numpy() & _invalid(cand)
        if fill.any():
            chosen = chosen.scatter(np.flatnonzero(fill), cand.filter(pl.Series(fill)))
    arc.override("id_number", who, chosen)
    inj.record("A03", who, None, _fmt("resident id: impossible birth date {d}", d=chosen.str.slice(6, 8)))

    # first-generation 15-digit id (YYMMDD birth date, no check digit)
    who = inj.take(person, k)
    s = current.gather(who)
    old = pl.select(pl.concat_str(pl.lit(s.str.slice(0, 6)), pl.lit(s.str.slice(8, 9)))).to_series()
    arc.override("id_number", who, old)
    inj.record("A03", who, None, _fmt("resident id: old 15-digit {v}", v=old))


# ---------------------------------------------------------------------------------- 5. lines


def lines(inj: Injector, billed_kwh: np.ndarray) -> None:
    """L01: a line with unmetered use (loss above 8 %), an area moved to another line with the
    archive not updated (one line far above 8 %, the other below -1 %), a supply meter that
    under-registers (loss below -1 %)."""
    w, rng, months = inj.w, inj.rng, inj.months
    arc = w.arc
    n_lines = len(arc.line_names)
    ten_kv = np.unique(arc.line[arc.level == 0]) if (arc.level == 0).any() else np.zeros(0, np.int64)
    available = list(rng.permutation(ten_kv))
    count = max(1, int(round(L01_LINE_RATE * len(ten_kv))))
    w.supply_factor = np.ones((n_lines, months))

    def period(t: int) -> str:
        return inj.period(np.array([t]))[0]

    # an area fed from another line since month t_c, archive still on the old line
    for _ in range(count):
        if len(available) < 2 or months < 2:
            break
        old, new = int(available.pop()), int(available.pop())
        areas = np.unique(arc.area[(arc.line == old) & (arc.area >= 0)])
        area = int(areas[rng.integers(0, len(areas))])
        members = arc.area == area
        tc = int(rng.integers(0, months - 1)) if months > 2 else 0
        moved = billed_kwh[members].sum(axis=0)
        moved[:tc] = 0
        w.line_sums[old] -= moved
        w.line_sums[new] += moved
        area_name = f"TQ{area + 1:06d}"
        w.touched_lines[old] = f"area {area_name} fed from {arc.line_names[new]} since {period(tc)}, archive still on this line"
        w.touched_lines[new] = f"area {area_name} moved here from {arc.line_names[old]} in {period(tc)}, archive not updated"

    # unmetered use (or theft) on a line: loss 10-20 % for 2-6 months
    for _ in range(count):
        if not available:
            break
        line = int(available.pop())
        length = int(min(rng.integers(2, 7), months))
        t0 = int(rng.integers(0, months - length + 1))
        r = rng.uniform(0.10, 0.20)
        w.supply_factor[line, t0 : t0 + length] = 1 / ((1 - r) * (1 + w.loss[line, t0 : t0 + length]))
        w.touched_lines[line] = f"unmetered use: loss about {r:.0%} for {length} months from {period(t0)}"

    # a supply meter under-registering: loss -3 to -10 % for 2-6 months
    for _ in range(count):
        if not available:
            break
        line = int(available.pop())
        length = int(min(rng.integers(2, 7), months))
        t0 = int(rng.integers(0, months - length + 1))
        r = -rng.uniform(0.03, 0.10)
        w.supply_factor[line, t0 : t0 + length] = 1 / ((1 - r) * (1 + w.loss[line, t0 : t0 + length]))
        w.touched_lines[line] = f"supply meter under-registers: loss about {r:.0%} for {length} months from {period(t0)}"


def line_loss_truth(w: World, billed_kwh: np.ndarray, supply: pl.DataFrame, high: float = 0.08, low: float = -0.01) -> list[dict]:
    """Truth rows for L01: every month of a touched line whose loss rate is outside [low, high]."""
    n_lines = len(w.arc.line_names)
    months = w.months
    archive_sums = np.zeros((n_lines, months))
    lines = np.where(w.archive_line >= 0, w.archive_line, n_lines)  # a blank line_id counts nowhere
    for t in range(months):
        archive_sums[:, t] = np.bincount(lines, weights=billed_kwh[:, t], minlength=n_lines + 1)[:n_lines]
    supplied = np.full((n_lines, months), np.nan)
    index = {name: i for i, name in enumerate(w.arc.line_names)}
    line_idx = supply["line_id"].replace_strict(index, return_dtype=pl.Int64).to_numpy()
    start_idx = np.searchsorted(w.starts, supply["period"].cast(pl.Int32).to_numpy())
    supplied[line_idx, start_idx] = supply["supplied_kwh"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (supplied - archive_sums) / supplied
    out = []
    for line, detail in w.touched_lines.items():
        bad = np.flatnonzero(((rate[line] > high) | (rate[line] < low)) & ~np.isnan(rate[line]))
        if len(bad):
            out.append(
                {
                    "rule": "L01", "c": np.full(len(bad), -1), "line": np.full(len(bad), line), "t": bad,
                    "detail": _fmt("loss {r:.1%}: " + detail.replace("{", "{{").replace("}", "}}"), r=rate[line, bad]),
                    "theft": None,
                }
            )
    return out

