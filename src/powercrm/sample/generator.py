"""Clean, realistic sample data: the customer archive and 36 months of bills, load and supply.

Everything is vectorised numpy/polars: customers are rows of arrays, monthly quantities are
(customers × months) matrices; the only Python loops run over months, classes or vocabularies.
A `World` holds that state; `powercrm.sample.anomalies` edits it, `World.frames()` turns it into
the canonical tables of SPEC §2.

Realism, by construction (checked by the tests):
- classes: mostly residential; commercial, industry (large industry ≥ 315 kVA at 10/35/110 kV),
  agricultural (industry code A); voltage 0.22/0.38 kV for small customers, 10/35/110 kV for the
  large ones, never 0.22 kV above 30 kVA nor below 1 kV above 1000 kVA;
- a dedicated transformer (专变) for customers at 10 kV and above: contract capacity = the sum of
  standard transformer ratings; a CT where needed (≥ 1 kV, or from 100 kVA below 1 kV) with a
  primary current between 0.9× and 2.8× the rated current S/(√3·U); a PT at 10 kV and above;
- power-factor standard 0.9 (industry at 10 kV from 160 kVA, large industry), 0.85 (others from
  100 kVA), 0.8 (agriculture from 100 kVA), none below;
- consumption = base × season × trend × noise with bounded factors, so a clean month never falls
  below 60 % of the median of the 12 before it, never exceeds capacity × hours, the monthly
  maximum load stays below the contract capacity, and kWh never repeats 3 months running;
- PF between the standard (+0.8 %) and 0.99, mostly 0.8–0.98; unit price 0.42–0.95 元/kWh;
- payments: on time mostly, some late with a late fee (1‰ a day for residents, 2‰ others),
  some arrears but never 3 months in a row, the last bill sometimes not yet paid;
- several hundred customers per 10 kV line: low-voltage customers in areas (台区) of 40–200,
  2–5 areas per line, 10 kV customers on those lines, 35/110 kV customers on their own lines;
  supply = billed kWh of the line's customers (cancelled ones included) × (1 + 2…6 % loss).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from powercrm.sample import ids, pools
from powercrm.sample.pools import AGRI, COM, GEN, LARGE, NONIND, NONRES, RES

SQRT3 = math.sqrt(3.0)
EPOCH = np.datetime64("1970-01-01", "D")


def month_starts(period_end: date, months: int) -> np.ndarray:
    """Days since 1970 of the first day of each month, `months + 1` values ending the month after period_end."""
    end = np.datetime64(f"{period_end.year:04d}-{period_end.month:02d}", "M")
    m = end - np.arange(months - 1, -2, -1)
    return (m.astype("datetime64[D]") - EPOCH).astype(np.int64)


def days_to_ymd(days: np.ndarray) -> np.ndarray:
    """Days since 1970 -> YYYYMMDD integers."""
    d = (EPOCH + np.asarray(days, dtype=np.int64)).astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return y * 10000 + m * 100 + day


def _pick(rng: np.random.Generator, choices, n: int, p=None) -> np.ndarray:
    choices = np.asarray(choices)
    if p is not None:
        p = np.asarray(p, dtype=np.float64)
        p = p / p.sum()
    return choices[rng.choice(len(choices), size=n, p=p)]


def _gather(values, index: np.ndarray) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(np.asarray(index, dtype=np.int64))


def _concat(*parts) -> pl.Series:
    """Element-wise concatenation of String Series and literal strings."""
    exprs = [pl.lit(p) if isinstance(p, pl.Series) else pl.lit(p, dtype=pl.String) for p in parts]
    return pl.select(pl.concat_str(exprs)).to_series()


def _zfill(values: np.ndarray, width: int) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=np.int64)).cast(pl.String).str.zfill(width)


@dataclass
class Archive:
    """The customer archive as arrays (physical truth) plus text columns and the archive's own edits."""

    n: int
    cls: np.ndarray  # class index (pools.CLASSES)
    level: np.ndarray  # supply level 0 below 1 kV, 1 = 10 kV, 2 = 35 kV, 3 = 110 kV
    voltage: np.ndarray
    cap: np.ndarray  # contract capacity kVA
    tcount: np.ndarray  # transformer count (0 = public transformer, shown empty)
    tcap: np.ndarray  # transformer capacity kVA (NaN = empty)
    pf_std: np.ndarray  # NaN = no standard
    ct_primary: np.ndarray  # NaN = no CT
    line: np.ndarray  # physical line index
    area: np.ndarray  # area index, -1 = none (customers with their own transformer)
    meter: np.ndarray  # meter number
    importance: np.ndarray  # -1 none, else index into IMPORTANCE codes
    backup: np.ndarray
    dual: np.ndarray
    open_days: np.ndarray
    active_months: np.ndarray  # months with bills (= M unless cancelled)
    tariff_price: np.ndarray
    text: dict[str, pl.Series]  # name, phone, address, id_number, industry, tariff_code, ct_ratio, pt_ratio
    line_names: list[str] = field(default_factory=list)
    # archive edits applied when the frame is built: column -> list of (indices, values)
    overrides: list[tuple[str, np.ndarray, object]] = field(default_factory=list)

    @property
    def active(self) -> np.ndarray:
        return self.active_months == self.active_months.max(initial=0)

    def override(self, column: str, index: np.ndarray, values) -> None:
        """Write `values` (a scalar or one value per index) into an archive column when the frame is built."""
        index = np.asarray(index, dtype=np.int64)
        if len(index):
            self.overrides.append((column, index, values))


IMPORTANCE_CODES = ("special", "level1", "level2", "temporary")


def _capacities(rng: np.random.Generator, cls: np.ndarray) -> tuple[np.ndarray, ...]:
    """Supply level, voltage, contract capacity, transformer count and capacity per customer."""
    n = len(cls)
    level = np.zeros(n, dtype=np.int8)
    voltage = np.full(n, 0.38)
    cap = np.zeros(n)
    tcount = np.zeros(n, dtype=np.int64)
    # (share at 0.22 kV, share at 0.38 kV, share at 10 kV, share at 35 kV, share at 110 kV)
    modes = {
        RES: (0.84, 0.16, 0, 0, 0),
        NONRES: (0.35, 0.52, 0.13, 0, 0),
        COM: (0.30, 0.55, 0.15, 0, 0),
        NONIND: (0.0, 0.70, 0.30, 0, 0),
        GEN: (0.0, 0.58, 0.42, 0, 0),
        LARGE: (0.0, 0.0, 0.82, 0.14, 0.04),
        AGRI: (0.0, 0.86, 0.14, 0, 0),
    }
    lv_caps = {
        (RES, 0): ((4, 6, 8, 10), (0.25, 0.35, 0.3, 0.1)),
        (RES, 1): ((10, 12, 16, 20, 25), (0.3, 0.25, 0.25, 0.12, 0.08)),
        (NONRES, 0): ((4, 6, 8, 10, 16, 20), (0.2, 0.2, 0.2, 0.2, 0.1, 0.1)),
        (NONRES, 1): ((10, 16, 20, 25, 32, 40, 50, 63, 80, 100, 125), (8, 8, 8, 8, 8, 8, 6, 5, 4, 3, 2)),
        (COM, 0): ((4, 6, 8, 10, 16, 20), (0.15, 0.2, 0.2, 0.2, 0.15, 0.1)),
        (COM, 1): ((10, 16, 20, 25, 32, 40, 50, 63, 80, 100, 125, 160, 200), (8, 8, 8, 8, 8, 7, 7, 6, 5, 4, 3, 2, 1)),
        (NONIND, 1): ((10, 16, 20, 32, 50, 63, 80, 100, 125, 160), (6, 6, 6, 6, 6, 5, 4, 3, 2, 1)),
        (GEN, 1): ((16, 20, 32, 40, 50, 63, 80, 100, 125, 160, 200, 250), (5, 5, 6, 6, 6, 6, 5, 4, 3, 3, 2, 1)),
        (AGRI, 1): ((10, 16, 20, 25, 32, 40, 50, 63, 80, 100), (6, 7, 7, 6, 6, 5, 4, 3, 2, 1)),
    }
    hv_units = {  # (unit sizes, weights, count choices, count weights)
        (NONRES, 2): ((200, 250, 315, 400, 500, 630, 800), (2, 2, 3, 3, 2, 2, 1), (1, 2), (0.7, 0.3)),
        (COM, 2): ((200, 250, 315, 400, 500, 630, 800, 1000, 1250), (2, 2, 3, 3, 3, 3, 2, 1, 1), (1, 2), (0.7, 0.3)),
        (NONIND, 2): ((200, 250, 315, 400, 500, 630, 800, 1000), (2, 2, 3, 3, 2, 2, 1, 1), (1, 2), (0.75, 0.25)),
        (GEN, 2): ((100, 125, 160, 200, 250), (2, 2, 3, 3, 2), (1,), (1.0,)),
        (LARGE, 2): ((315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500), (3, 4, 4, 5, 4, 4, 3, 2, 1, 1), (1, 2, 3), (0.62, 0.32, 0.06)),
        (LARGE, 3): ((3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000), (2, 2, 3, 3, 2, 2, 1, 1), (1, 2), (0.5, 0.5)),
        (LARGE, 4): ((16000, 20000, 25000, 31500, 40000), (2, 3, 3, 2, 1), (1, 2), (0.5, 0.5)),
        (AGRI, 2): ((100, 125, 160, 200, 250, 315, 400, 500, 630), (3, 3, 3, 2, 2, 2, 1, 1, 1), (1,), (1.0,)),
    }
    mode = np.zeros(n, dtype=np.int8)
    for c, shares in modes.items():
        members = np.flatnonzero(cls == c)
        mode[members] = _pick(rng, np.arange(5), len(members), shares)
    voltage = np.asarray(pools.VOLTAGES)[mode]
    level = np.maximum(mode - 1, 0).astype(np.int8)
    tcap = np.full(n, np.nan)
    for (c, m), (sizes, weights) in lv_caps.items():
        members = np.flatnonzero((cls == c) & (mode == m))
        cap[members] = _pick(rng, sizes, len(members), weights)
    for (c, m), (sizes, weights, counts, cweights) in hv_units.items():
        members = np.flatnonzero((cls == c) & (mode == m))
        unit = _pick(rng, sizes, len(members), weights)
        k = _pick(rng, counts, len(members), cweights)
        cap[members] = unit * k
        tcap[members] = unit * k
        tcount[members] = k
    return level, voltage, cap, tcount, tcap


def _ct_primary(rng: np.random.Generator, cap: np.ndarray, voltage: np.ndarray, low: float, high: float) -> np.ndarray:
    """Smallest standard CT primary at or above f × rated current, f uniform in [low, high]."""
    rated = cap / (SQRT3 * voltage)
    wanted = rated * rng.uniform(low, high, len(cap))
    i = np.searchsorted(pools.CT_PRIMARIES, wanted, side="left")
    return pools.CT_PRIMARIES[np.minimum(i, len(pools.CT_PRIMARIES) - 1)]


def ct_text(primary: np.ndarray, bare: np.ndarray) -> pl.Series:
    """`400/5`, or the bare multiplier `80` (= 400/5) where `bare`; null where primary is NaN."""
    has = ~np.isnan(primary)
    p = np.where(has, primary, 0).astype(np.int64)
    slash = _concat(pl.Series(p).cast(pl.String), "/5")
    mult = pl.Series(p // 5).cast(pl.String)
    out = pl.select(
        pl.when(pl.lit(pl.Series(~has))).then(None).when(pl.lit(pl.Series(bare))).then(pl.lit(mult)).otherwise(pl.lit(slash))
    ).to_series()
    return out


def _names_and_ids(rng, cls, level, area_district, start_year):
    """Names, id numbers, phones, industry codes of every customer."""
    n = len(cls)
    person = cls == RES
    # personal names: surname + 1 or 2 given characters
    sur = _gather(pools.SURNAMES, rng.choice(len(pools.SURNAMES), n, p=pools.SURNAME_WEIGHTS))
    g1 = _gather(pools.GIVEN_CHARS, rng.integers(0, len(pools.GIVEN_CHARS), n))
    g2 = _gather(pools.GIVEN_CHARS, rng.integers(0, len(pools.GIVEN_CHARS), n))
    two = pl.Series(rng.random(n) < 0.7)
    person_name = pl.select(
        pl.concat_str(pl.lit(sur), pl.lit(g1), pl.when(pl.lit(two)).then(pl.lit(g2)).otherwise(pl.lit("")))
    ).to_series()
    # organisation names and industry codes by class
    word = pl.Series([None] * n, dtype=pl.String)
    industry = pl.Series([None] * n, dtype=pl.String)
    for c, pairs in pools.INDUSTRY_WORDS.items():
        members = np.flatnonzero(cls == c)
        if not len(members):
            continue
        k = rng.integers(0, len(pairs), len(members))
        word = word.scatter(members, _gather([w for w, _ in pairs], k))
        industry = industry.scatter(members, _gather([code for _, code in pairs], k))
    district = _gather([d for d, _ in pools.DISTRICTS], area_district)
    brand = _gather(pools.BRANDS, rng.integers(0, len(pools.BRANDS), n))
    suffix = _gather(pools.COMPANY_SUFFIXES, rng.integers(0, len(pools.COMPANY_SUFFIXES), n))
    street = _gather([s[:2] for s in pools.STREETS], rng.integers(0, len(pools.STREETS), n))
    village = _gather(pools.VILLAGES, rng.integers(0, len(pools.VILLAGES), n))
    cls_s = pl.Series(cls)
    org_name = pl.select(
        pl.when(pl.lit(cls_s) == NONRES)
        .then(pl.concat_str(pl.lit("杭州市"), pl.lit(district), pl.lit(street), pl.lit(word)))
        .when(pl.lit(cls_s) == AGRI)
        .then(pl.concat_str(pl.lit(district), pl.lit(village), pl.lit(word)))
        .when(pl.lit(cls_s) == NONIND)
        .then(pl.concat_str(pl.lit("杭州"), pl.lit(brand), pl.lit(word), pl.lit("有限公司")))
        .otherwise(pl.concat_str(pl.lit("杭州"), pl.lit(brand), pl.lit(word), pl.lit(suffix)))
    ).to_series()
    name = pl.select(pl.when(pl.lit(pl.Series(person))).then(pl.lit(person_name)).otherwise(pl.lit(org_name))).to_series()

    # id numbers: resident ids for persons, unified social credit codes for organisations
    local = np.array([code for _, code in pools.DISTRICTS])[area_district]
    division = np.where(rng.random(n) < 0.75, local, _pick(rng, pools.OTHER_DIVISIONS, n))
    birth_year = rng.integers(start_year - 85, start_year - 19, n)
    birth_days = (np.array([f"{y}-01-01" for y in range(1900, 2200)], dtype="datetime64[D]") - EPOCH).astype(np.int64)
    birth = birth_days[birth_year - 1900] + rng.integers(0, 365, n)
    sequence = rng.integers(1, 1000, n)
    codes = np.empty((n, 18), dtype=np.uint8)
    codes[person] = ids.resident_ids(division[person], days_to_ymd(birth[person]), sequence[person])
    prefix = np.full((n, 2), ord("1"), dtype=np.uint8)
    prefix[:, 0] = ord("9")
    for c, p in pools.USCC_PREFIX.items():
        prefix[cls == c] = np.frombuffer(p.encode(), dtype=np.uint8)
    codes[~person] = ids.usccs(rng, prefix[~person], local[~person])
    id_number = ids.codes_to_strings(codes)
    # a few old organisation archives have no id number on file (not an error: only non-empty ids are checked)
    missing_id = (~person) & (rng.random(n) < 0.04)
    id_number = id_number.scatter(np.flatnonzero(missing_id), None) if missing_id.any() else id_number

    # phones: residents mostly mobiles, organisations half landlines
    landline = rng.random(n) < np.where(person, 0.06, 0.5)
    phone = pl.select(
        pl.when(pl.lit(pl.Series(landline)))
        .then(pl.lit(ids.landline_numbers(rng, n)))
        .otherwise(pl.lit(ids.mobile_numbers(rng, n)))
    ).to_series()
    return name, id_number, phone, industry, birth


def build_archive(rng: np.random.Generator, n: int, months: int, starts: np.ndarray) -> Archive:
    """Every customer's archive fields and their physical supply structure."""
    cls = _pick(rng, np.arange(7), n, pools.CLASS_SHARES).astype(np.int8)
    level, voltage, cap, tcount, tcap = _capacities(rng, cls)

    # areas (台区) of low-voltage customers in id order, areas grouped onto 10 kV lines
    lv = np.flatnonzero(level == 0)
    area = np.full(n, -1, dtype=np.int64)
    sizes = rng.integers(40, 201, len(lv) // 40 + 2)
    area[lv] = np.searchsorted(np.cumsum(sizes), np.arange(len(lv)), side="right")
    n_areas = int(area.max()) + 1 if len(lv) else 0
    per_line = rng.integers(2, 6, n_areas + 1)
    area_line = np.searchsorted(np.cumsum(per_line), np.arange(n_areas), side="right")
    n10 = max(int(area_line.max()) + 1 if n_areas else 0, 1)
    line = np.zeros(n, dtype=np.int64)
    line[lv] = area_line[area[lv]]
    ten = np.flatnonzero(level == 1)
    line[ten] = rng.integers(0, n10, len(ten))
    high = np.flatnonzero(level >= 2)
    line[high] = n10 + np.arange(len(high))  # 35/110 kV customers have their own line
    line_names = [f"XL{i + 1:05d}" for i in range(n10 + len(high))]

    # district per area (customers of an area share district, street and community)
    area_district = rng.integers(0, len(pools.DISTRICTS), max(n_areas, 1))
    district = np.where(area >= 0, area_district[np.maximum(area, 0)], rng.integers(0, len(pools.DISTRICTS), n))
    area_street = rng.integers(0, len(pools.STREETS), max(n_areas, 1))
    street = np.where(area >= 0, area_street[np.maximum(area, 0)], rng.integers(0, len(pools.STREETS), n))
    area_comm = rng.integers(0, len(pools.COMMUNITIES), max(n_areas, 1))
    community = np.where(area >= 0, area_comm[np.maximum(area, 0)], 0)

    start_year = int(str((EPOCH + starts[0]).astype("datetime64[Y]")))
    name, id_number, phone, industry, birth = _names_and_ids(rng, cls, level, district, start_year)

    number = rng.integers(1, 400, n)
    building = rng.integers(1, 30, n)
    unit = rng.integers(1, 7, n)
    room = rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)
    district_s = _gather([d for d, _ in pools.DISTRICTS], district)
    street_s = _gather(pools.STREETS, street)
    num_s = pl.Series(number).cast(pl.String)
    home = _concat(
        _gather(pools.COMMUNITIES, community), pl.Series(building).cast(pl.String), "幢",
        pl.Series(unit).cast(pl.String), "单元", pl.Series(room).cast(pl.String), "室",
    )
    is_res = pl.Series(cls == RES)
    address = pl.select(
        pl.concat_str(
            pl.lit("浙江省杭州市"), pl.lit(district_s), pl.lit(street_s), pl.lit(num_s), pl.lit("号"),
            pl.when(pl.lit(is_res)).then(pl.lit(home)).otherwise(pl.lit("")),
        )
    ).to_series()

    # power-factor standard (功率因数调整电费办法)
    industrial = np.isin(cls, (GEN, LARGE))
    pf_std = np.full(n, np.nan)
    pf_std[(cap >= 100) & (cls != RES)] = 0.85
    pf_std[(cap >= 100) & (cls == AGRI)] = 0.80
    pf_std[((cap >= 160) & industrial & (level >= 1)) | (cls == LARGE)] = 0.90
    pf_std[cls == RES] = np.nan

    # metering: CT where needed, PT at 10 kV and above
    needs_ct = (voltage >= 1) | (cap >= 100)
    ct_primary = np.full(n, np.nan)
    ct_primary[needs_ct] = _ct_primary(rng, cap[needs_ct], voltage[needs_ct], 0.9, 1.4)
    bare = (rng.random(n) < 0.2) & (np.nan_to_num(ct_primary) >= 50)
    ct_ratio = ct_text(ct_primary, bare)
    pt = np.where(level >= 1, np.where(voltage >= 100, "110000/100", np.where(voltage >= 30, "35000/100", "10000/100")), "")
    pt_ratio = pl.Series(pt).replace("", None)

    # important customers: a few % of the large ones, with backup power and dual supply
    big = (level >= 1) & (cap >= 630)
    importance = np.full(n, -1, dtype=np.int8)
    imp = big & (rng.random(n) < np.where(cls == LARGE, 0.10, 0.06))
    importance[imp] = _pick(rng, np.arange(4), int(imp.sum()), (0.04, 0.3, 0.6, 0.06))
    backup = imp | ((level >= 1) & (rng.random(n) < 0.15))
    dual = imp | ((level >= 2) & (rng.random(n) < 0.5))

    # tariff by class and supply level; customer's own price factor (capacity charge, time-of-use mix)
    tariff_code = np.empty(n, dtype=object)
    tariff_price = np.zeros(n)
    for (c, lvl), (code, price) in pools.TARIFFS.items():
        sel = (cls == c) & (np.minimum(level, 3) == lvl) if c == LARGE else (cls == c) & ((level >= 1) == (lvl == 1))
        tariff_code[sel] = code
        tariff_price[sel] = price

    # open date before the first month, at least 18 years after a resident's birth
    first = starts[0]
    lo = np.maximum((np.datetime64("1992-01-01") - EPOCH).astype(np.int64), np.where(cls == RES, birth + 18 * 366, 0))
    lo = np.minimum(lo, first - 60)
    open_days = lo + (rng.random(n) * (first - 30 - lo)).astype(np.int64)

    # a few % cancelled during the period range: bills until the month before cancellation
    active_months = np.full(n, months, dtype=np.int64)
    if months >= 2:
        cancelled = rng.random(n) < 0.03
        active_months[cancelled] = rng.integers(1, months, int(cancelled.sum()))

    meter = rng.permutation(n).astype(np.int64) + 10**12
    text = {
        "name": name,
        "phone": phone,
        "address": address,
        "id_number": id_number,
        "industry": industry,
        "tariff_code": pl.Series(tariff_code, dtype=pl.String),
        "ct_ratio": ct_ratio,
        "pt_ratio": pt_ratio,
    }
    return Archive(
        n=n, cls=cls, level=level, voltage=voltage, cap=cap, tcount=tcount, tcap=tcap, pf_std=pf_std,
        ct_primary=ct_primary, line=line, area=area, meter=meter, importance=importance, backup=backup,
        dual=dual, open_days=open_days, active_months=active_months, tariff_price=tariff_price, text=text,
        line_names=line_names,
    )


@dataclass
class Monthly:
    """Per customer × month matrices; `kwh` is billed, `meter_kwh` what the meter saw (load follows it)."""

    kwh: np.ndarray
    pf: np.ndarray
    price: np.ndarray
    avg_load: np.ndarray
    peak: np.ndarray  # max load / avg load per customer
    kvarh: np.ndarray | None = None
    amount_due: np.ndarray | None = None
    amount_paid: np.ndarray | None = None
    late_fee: np.ndarray | None = None
    tfee: np.ndarray | None = None
    max_load: np.ndarray | None = None
    paid_offset: np.ndarray | None = None  # days from the due date; -9999 = not paid
    due_day: np.ndarray | None = None  # day of the following month the bill is due


NOT_PAID = -9999


def consumption(rng: np.random.Generator, arc: Archive, starts: np.ndarray) -> Monthly:
    """Monthly kWh, PF, unit price and load of every customer (clean)."""
    n, months = arc.n, len(starts) - 1
    hours = np.diff(starts).astype(np.float64) * 24
    moy = ((EPOCH + starts[:-1]).astype("datetime64[M]").astype(np.int64)) % 12
    cls = arc.cls

    # base average load (kW): residents from a kWh distribution, others from capacity utilisation
    util_lo = np.array([0.0, 0.05, 0.08, 0.08, 0.10, 0.20, 0.05])[cls]
    util_hi = np.array([0.0, 0.25, 0.30, 0.30, 0.40, 0.50, 0.25])[cls]
    peak_lo = np.array([3.0, 1.8, 1.6, 1.5, 1.4, 1.2, 1.5])[cls]
    peak_hi = np.array([6.0, 3.0, 2.6, 2.5, 2.2, 1.8, 2.5])[cls]
    peak = rng.uniform(peak_lo, peak_hi)
    util = rng.uniform(util_lo, util_hi)
    res_kwh = np.clip(rng.lognormal(np.log(175), 0.55, n), 40, 1500)
    base = np.where(cls == RES, res_kwh / 730.0, arc.cap * util)
    # keep the peak (base × peak × season × trend × noise) below ~0.9 × capacity
    base = np.minimum(base, 0.45 * arc.cap / peak)

    # season (amplitude per customer) × trend (growth per year, within ±20 %) × noise, in float32
    season_table = np.array([np.asarray(pools.SEASON[c]) / np.mean(pools.SEASON[c]) for c in range(7)], dtype=np.float32)
    amp = rng.uniform(0.5, 1.0, n).astype(np.float32)
    growth = np.clip(rng.normal(0.02, 0.04, n), -0.08, 0.12)
    sigma = np.where(cls == RES, rng.uniform(0.05, 0.10, n), rng.uniform(0.03, 0.08, n)).astype(np.float32)
    tt = ((np.arange(months) - (months - 1) / 2) / 12).astype(np.float32)
    factor = np.ascontiguousarray(season_table[cls][:, moy])  # advanced indexing on axis 1 gives F order
    factor -= 1
    factor *= amp[:, None]
    factor += 1
    exponent = rng.standard_normal((n, months), dtype=np.float32)
    np.clip(exponent, -2, 2, out=exponent)
    exponent *= sigma[:, None]
    log_trend = np.log1p(growth).astype(np.float32)[:, None] * tt[None, :]
    np.clip(log_trend, np.float32(np.log(0.8)), np.float32(np.log(1.2)), out=log_trend)
    exponent += log_trend
    del log_trend
    factor *= np.exp(exponent, out=exponent)
    del exponent
    kwh = factor.astype(np.float64)
    del factor
    kwh *= (base[:, None] * hours[None, :])
    np.round(kwh, out=kwh)
    np.maximum(kwh, 1.0, out=kwh)
    # estimated readings repeat values; a clean series never repeats a kWh value 3 months running
    for t in range(2, months):
        same = (kwh[:, t] == kwh[:, t - 1]) & (kwh[:, t - 1] == kwh[:, t - 2])
        kwh[same, t] += 1
    avg_load = kwh / hours[None, :]

    # power factor per customer-month: above the standard where there is one
    std = arc.pf_std
    has_std = ~np.isnan(std)
    pf0 = np.where(
        has_std,
        rng.uniform(np.nan_to_num(std) + 0.025, np.minimum(np.nan_to_num(std) + 0.08, 0.975)),
        np.where(cls == RES, rng.uniform(0.86, 0.97, n), rng.uniform(0.82, 0.96, n)),
    ).astype(np.float32)
    lo = np.where(has_std, np.nan_to_num(std) + 0.008, 0.75).astype(np.float32)
    pf = rng.random((n, months), dtype=np.float32)
    pf -= np.float32(0.5)
    pf *= np.float32(0.04)  # ±0.02 month to month
    pf += pf0[:, None]
    np.clip(pf, lo[:, None], np.float32(0.99), out=pf)

    customer_price = (arc.tariff_price * rng.uniform(0.95, 1.08, n)).astype(np.float32)
    price = rng.random((n, months), dtype=np.float32)
    price -= np.float32(0.5)
    price *= np.float32(0.06)  # ±3 % month to month (time-of-use mix)
    price += 1
    price *= customer_price[:, None]
    return Monthly(kwh=kwh, pf=pf, price=price, avg_load=avg_load, peak=peak)


def derive_bills(rng: np.random.Generator, arc: Archive, mon: Monthly, starts: np.ndarray) -> None:
    """kvarh, amounts, fees, payments and maximum load from kWh, PF and price (clean behaviour)."""
    n, months = mon.kwh.shape
    tan = np.square(mon.pf, dtype=np.float32)
    np.divide(1, tan, out=tan)
    tan -= 1
    np.maximum(tan, 0, out=tan)
    np.sqrt(tan, out=tan)
    mon.kvarh = np.multiply(mon.kwh, tan)
    del tan
    np.rint(mon.kvarh, out=mon.kvarh)
    mon.amount_due = np.multiply(mon.kwh, mon.price)
    np.round(mon.amount_due, 2, out=mon.amount_due)
    fee = np.asarray(pools.TRANSMISSION_FEE)[np.minimum(arc.level, 3)] * rng.uniform(0.9, 1.1, n)
    mon.tfee = np.multiply(mon.kwh, fee[:, None])
    np.round(mon.tfee, 2, out=mon.tfee)
    wobble = rng.random((n, months), dtype=np.float32)
    wobble -= np.float32(0.5)
    wobble *= np.float32(0.16)  # ±8 % month to month
    wobble += 1
    wobble *= mon.peak.astype(np.float32)[:, None]
    np.maximum(wobble, np.float32(1.05), out=wobble)
    max_load = np.multiply(mon.avg_load, wobble)
    del wobble
    np.minimum(max_load, (0.97 * arc.cap)[:, None], out=max_load)
    np.round(max_load, 3, out=max_load)
    mon.max_load = max_load
    np.round(mon.avg_load, 3, out=mon.avg_load)
    mon.due_day = np.where(arc.level >= 1, 15, 25)

    # payment behaviour: most pay on time; chronic late payers; rare arrears, never 3 months running
    late_q = _pick(rng, np.array([0.004, 0.05, 0.25]), n, (0.8, 0.15, 0.05)).astype(np.float32)
    u = rng.random((n, months), dtype=np.float32)
    late = u < late_q[:, None]
    late[:, -1] = False  # the last bill is not overdue yet
    late &= mon.amount_due > 0
    arrears_q = _pick(rng, np.array([0.0, 0.01, 0.06]), n, (0.85, 0.12, 0.03)).astype(np.float32)
    rng.random((n, months), dtype=np.float32, out=u)
    arrears = u < arrears_q[:, None]
    del u
    arrears[:, -1] |= rng.random(n) < 0.12  # last bill not yet paid
    for t in range(2, months):
        arrears[:, t] &= ~(arrears[:, t - 1] & arrears[:, t - 2])
    late &= ~arrears
    # paid 1-24 days before the due date, late payers 1-45 days after
    offset = -rng.integers(1, 25, (n, months), dtype=np.int16)
    li, lt = np.nonzero(late)
    offset[li, lt] = rng.integers(1, 46, len(li))
    ai, at = np.nonzero(arrears)
    partial = rng.random(len(ai)) < 0.4
    paid = mon.amount_due.copy()
    paid[ai, at] = np.where(partial, np.round(mon.amount_due[ai, at] * rng.uniform(0.3, 0.9, len(ai)), 2), 0.0)
    offset[ai[~partial], at[~partial]] = NOT_PAID
    offset[mon.amount_due == 0] = NOT_PAID
    rate = np.where(arc.cls == RES, 0.001, 0.002)
    fee = np.zeros((n, months))
    fee[li, lt] = np.round(mon.amount_due[li, lt] * rate[li] * offset[li, lt], 2)
    mon.late_fee = fee
    mon.amount_paid = paid
    mon.paid_offset = offset


def supply_by_line(
    rng: np.random.Generator, phys_line: np.ndarray, billed: np.ndarray, n_lines: int
) -> tuple[np.ndarray, np.ndarray]:
    """Billed kWh per physical line and month (lines × months) and a technical loss of 2-6 %."""
    months = billed.shape[1]
    sums = np.zeros((n_lines, months))
    for t in range(months):
        sums[:, t] = np.bincount(phys_line, weights=billed[:, t], minlength=n_lines)
    base = rng.uniform(0.025, 0.055, n_lines)
    loss = np.clip(base[:, None] + 0.004 * rng.standard_normal((n_lines, months)), 0.02, 0.06)
    return sums, loss


# ------------------------------------------------------------------------------------------ world


@dataclass
class World:
    """The whole generated state: archive, monthly matrices, supply, labels of touched customers."""

    seed: int
    starts: np.ndarray  # months + 1 month starts (days since 1970)
    arc: Archive
    mon: Monthly
    archive_line: np.ndarray  # line index as written in the archive (-1 = blank)
    clean: np.ndarray  # customers no anomaly touched
    line_sums: np.ndarray | None = None  # billed kWh per physical line × month
    loss: np.ndarray | None = None  # technical loss factor per line × month (supply = sums × (1 + loss))
    supply_factor: np.ndarray | None = None  # extra factor on supply (L01 injections), lines × months
    adjustments: pl.DataFrame | None = None  # 退补 rows (customer index, month, share of the month's bill)
    touched_lines: dict[int, str] = field(default_factory=dict)  # line index -> what was injected

    @property
    def months(self) -> int:
        return len(self.starts) - 1

    @property
    def n(self) -> int:
        return self.arc.n

    def active_mask(self) -> np.ndarray:
        """(customers × months) True where the customer has a bill that month."""
        return np.arange(self.months)[None, :] < self.arc.active_months[:, None]


def customer_ids(n: int) -> pl.Series:
    """户号 with leading zeros (`0033000001`): ids must be read as text."""
    width = max(6, len(str(n)))
    return _concat("0033", _zfill(np.arange(1, n + 1), width))


def pick_adjustments(rng: np.random.Generator, w: World) -> None:
    """A small share of clean customer-months get a second bill row (退补, a supplementary charge)."""
    n, months = w.n, w.months
    k = rng.binomial(n * months, 0.003)
    flat = np.unique(rng.integers(0, n * months, k))
    c, t = flat // months, flat % months
    keep = w.clean[c] & (t < w.arc.active_months[c])
    w.adjustments = pl.DataFrame(
        {"c": c[keep], "t": t[keep], "share": rng.uniform(0.02, 0.2, int(keep.sum()))}
    )


def billed_matrix(w: World) -> np.ndarray:
    """Billed kWh per customer-month including adjustment rows (zero after cancellation)."""
    billed = np.where(w.active_mask(), w.mon.kwh, 0.0)
    if w.adjustments is not None and w.adjustments.height:
        c = w.adjustments["c"].to_numpy()
        t = w.adjustments["t"].to_numpy()
        np.add.at(billed, (c, t), np.round(w.mon.kwh[c, t] * w.adjustments["share"].to_numpy()))
    return billed


def _float(values: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=np.float64), nan_to_null=True)


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


def meter_ids(meter: np.ndarray) -> pl.Series:
    """电能表号 from meter numbers (null for -1)."""
    return pl.select(
        pl.when(pl.lit(pl.Series(meter >= 0))).then(pl.concat_str(pl.lit("3301"), pl.lit(_zfill(meter, 14))))
    ).to_series()


def customers_frame(w: World, cid: pl.Series) -> pl.DataFrame:
    a = w.arc
    line_names = pl.Series(a.line_names + [None], dtype=pl.String)
    area_width = max(6, len(str(int(a.area.max(initial=0)) + 1)))
    area_id = pl.select(
        pl.when(pl.lit(pl.Series(a.area >= 0))).then(pl.concat_str(pl.lit("TQ"), pl.lit(_zfill(a.area + 1, area_width))))
    ).to_series()
    meter = meter_ids(a.meter)
    importance = pl.Series(list(IMPORTANCE_CODES) + [None], dtype=pl.String).gather(
        np.where(a.importance >= 0, a.importance, len(IMPORTANCE_CODES))
    )
    tcount = pl.Series(a.tcount).cast(pl.Int64)
    tcount = pl.select(pl.when(pl.lit(tcount) > 0).then(pl.lit(tcount))).to_series()
    df = pl.DataFrame(
        {
            "customer_id": cid,
            "name": a.text["name"],
            "phone": a.text["phone"],
            "address": a.text["address"],
            "id_number": a.text["id_number"],
            "customer_class": _gather(pools.CLASSES, a.cls),
            "industry": a.text["industry"],
            "tariff_code": a.text["tariff_code"],
            "voltage_kv": _float(a.voltage),
            "contract_capacity_kva": _float(a.cap),
            "transformer_count": tcount,
            "transformer_capacity_kva": _float(a.tcap),
            "line_id": line_names.gather(np.where(w.archive_line >= 0, w.archive_line, len(a.line_names))),
            "area_id": area_id,
            "meter_id": meter,
            "ct_ratio": a.text["ct_ratio"],
            "pt_ratio": a.text["pt_ratio"],
            "pf_standard": _float(a.pf_std),
            "importance": importance,
            "backup_power": pl.Series(a.backup, dtype=pl.Boolean),
            "dual_supply": pl.Series(a.dual, dtype=pl.Boolean),
            "open_date": _dates(a.open_days),
            "status": pl.Series(np.where(a.active_months == w.months, "active", "cancelled"), dtype=pl.String),
        }
    )
    columns = {name: df[name] for name in df.columns}
    for column, index, values in a.overrides:
        s = columns[column]
        if isinstance(values, pl.Series):
            new = values.cast(s.dtype)
        elif values is None or np.isscalar(values):
            new = pl.repeat(values, len(index), dtype=s.dtype, eager=True)
        else:
            new = pl.Series(values).cast(s.dtype)
        columns[column] = s.scatter(index, new)
    return pl.DataFrame(columns)


def billing_and_load(
    w: World, cid: pl.Series, subset: np.ndarray | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The billing rows (main bills, then adjustment rows) and the monthly load rows, customer by
    customer and month by month; only the customers of `subset` (indices; no adjustment rows) if given.

    The (customers × months) matrices become columns without copying; the months after a
    cancellation are dropped by one multi-threaded polars filter."""
    m = w.mon
    months = w.months
    who = np.arange(w.n) if subset is None else np.asarray(subset, dtype=np.int64)
    n = len(who)
    active = w.arc.active_months[who]

    def flat(a: np.ndarray) -> np.ndarray:
        return a.ravel() if subset is None else a[who].ravel()

    full = pl.DataFrame(
        {
            "kwh": flat(m.kwh),
            "kvarh": flat(m.kvarh),
            "amount_due": flat(m.amount_due),
            "amount_paid": flat(m.amount_paid),
            "late_fee": flat(m.late_fee),
            "transmission_fee": flat(m.tfee),
            "_offset": flat(m.paid_offset),
            "avg_load_kw": flat(m.avg_load),
            "max_load_kw": flat(m.max_load),
        }
    )
    if (active < months).any():
        full = full.filter(pl.Series((np.arange(months)[None, :] < active[:, None]).ravel()))
    # customer index and month of each remaining row, without a mask: each customer's months are a prefix
    c = np.repeat(np.arange(n, dtype=np.int32), active)
    first = np.cumsum(active) - active
    t = (np.arange(len(c), dtype=np.int64) - np.repeat(first, active)).astype(np.int32)
    c_global = who.astype(np.int32)[c] if subset is not None else c
    starts = w.starts.astype(np.int32)
    period = _dates(starts[t])
    due = starts[t + 1] + (m.due_day.astype(np.int32)[c_global] - 1)
    offset = full["_offset"].cast(pl.Int32)
    paid_date = pl.select(
        pl.when(pl.lit(offset) != NOT_PAID).then(pl.lit(pl.Series(due)) + pl.lit(offset)).cast(pl.Date)
    ).to_series()
    ids_rows = cid.gather(c_global)
    billing = full.select(
        pl.lit(ids_rows).alias("customer_id"),
        pl.lit(period).alias("period"),
        "kwh",
        "kvarh",
        pl.col("amount_due").fill_nan(None),
        pl.col("amount_paid").fill_nan(None),
        "late_fee",
        "transmission_fee",
        pl.lit(_dates(due)).alias("due_date"),
        pl.lit(paid_date).alias("paid_date"),
    )
    load = full.select(pl.lit(ids_rows).alias("customer_id"), pl.lit(period).alias("period"), "avg_load_kw", "max_load_kw")
    if subset is not None:
        return billing, load
    if w.adjustments is not None and w.adjustments.height:
        ac = w.adjustments["c"].to_numpy()
        at = w.adjustments["t"].to_numpy()
        share = w.adjustments["share"].to_numpy()
        akwh = np.round(m.kwh[ac, at] * share)
        adue = starts[at + 1] + (m.due_day[ac] - 1)
        amount = np.round(akwh * m.price[ac, at], 2)
        adjust = pl.DataFrame(
            {
                "customer_id": cid.gather(ac),
                "period": _dates(starts[at]),
                "kwh": akwh,
                "kvarh": np.round(m.kvarh[ac, at] * share),
                "amount_due": amount,
                "amount_paid": amount,
                "late_fee": np.zeros(len(ac)),
                "transmission_fee": np.round(m.tfee[ac, at] * share, 2),
                "due_date": _dates(adue),
                "paid_date": _dates(adue - 3),
            }
        )
        billing = pl.concat([billing, adjust])
    return billing, load


def supply_frame(w: World) -> pl.DataFrame:
    """Supplied kWh per line and month where the line carried any bill."""
    sums, loss = w.line_sums, w.loss
    factor = w.supply_factor if w.supply_factor is not None else 1.0
    supplied = np.round(sums * (1 + loss) * factor)
    mask = w.active_mask()
    n_lines = sums.shape[0]
    carried = np.zeros_like(sums, dtype=bool)
    for t in range(w.months):
        carried[:, t] = np.bincount(w.arc.line, weights=mask[:, t], minlength=n_lines) > 0
    li, ti = np.nonzero(carried)
    return pl.DataFrame(
        {
            "line_id": pl.Series(w.arc.line_names, dtype=pl.String).gather(li),
            "area_id": pl.Series([None] * len(li), dtype=pl.String),
            "period": _dates(w.starts[ti]),
            "supplied_kwh": _float(supplied[li, ti]),
        }
    )


def _mean_bill(w: World, who: np.ndarray) -> np.ndarray:
    """Average monthly amount due of the given customers over their billed months."""
    billed = np.arange(w.months)[None, :] < w.arc.active_months[who][:, None]
    due = np.where(billed, np.nan_to_num(w.mon.amount_due[who]), 0.0)
    return due.sum(axis=1) / np.maximum(billed.sum(axis=1), 1)


def events_frame(rng: np.random.Generator, w: World, cid: pl.Series) -> pl.DataFrame:
    """Theft, violation and bounced-payment events on random customers; a late_payment event for
    every bill that passed its due date without full payment (the last bill is not due yet)."""
    m, months, n = w.mon, w.months, w.n
    starts = w.starts
    mask = w.active_mask()
    mask[:, -1] = False
    # NaN amounts compare False: a bill without an amount is never overdue
    late = mask & ((m.paid_offset > 0) | np.less(m.amount_paid + 0.005, m.amount_due))
    c, t = np.nonzero(late)
    arrear = m.amount_due[c, t] - m.amount_paid[c, t]
    amount = np.where(arrear > 0.005, arrear, m.amount_due[c, t])
    frames = [
        pl.DataFrame(
            {"c": c, "days": starts[t + 1] + m.due_day[c], "kind": np.full(len(c), "late_payment"), "amount": np.round(amount, 2)}
        )
    ]
    span = (starts[np.minimum(w.arc.active_months, months)] - starts[0]).astype(np.float64)
    for kind, share, repeat, amounts in (
        ("theft", 0.0015, 1, lambda who: np.round(np.clip(rng.lognormal(np.log(6000), 1.3, len(who)), 300, 500000), 2)),
        ("violation", 0.003, 1, lambda who: np.round(rng.uniform(500, 30000, len(who)), 2)),
        ("bounced_payment", 0.004, 3, lambda who: np.round(np.maximum(_mean_bill(w, who), 10.0), 2)),
    ):
        who = np.flatnonzero(rng.random(n) < share)
        who = np.repeat(who, rng.integers(1, repeat + 1, len(who)))
        days = starts[0] + (rng.random(len(who)) * span[who]).astype(np.int64)
        frames.append(pl.DataFrame({"c": who, "days": days, "kind": np.full(len(who), kind), "amount": amounts(who)}))
    ev = pl.concat([f.with_columns(pl.col("c").cast(pl.Int64), pl.col("days").cast(pl.Int64)) for f in frames])
    ev = ev.sort(pl.col("c") * 1_000_000 + pl.col("days"), maintain_order=True)
    return pl.DataFrame(
        {
            "customer_id": cid.gather(ev["c"].to_numpy()),
            "date": _dates(ev["days"].to_numpy()),
            "kind": ev["kind"].cast(pl.String),
            "amount": ev["amount"].cast(pl.Float64),
        }
    )
