"""U10 theft suspicion (窃电嫌疑): a 0–100 score per customer from the consumption series, and the
ranked inspection list (SPEC §7).

1. Own level (customer-local): each month's kWh over the customer's median month with consumption, x.
2. Peer trend (the only cross-customer step): per area and month the median x of the customers
   on the area (else on the line) when there are enough of them. Dividing by it removes what a
   customer shares with its neighbours — season, weather, an area-wide slump — so y = x / trend is
   the customer's consumption relative to its peers.
3. Onset (customer-local): every month t with at least MIN_HISTORY months before it and
   `recent_months` from it to the latest month is a candidate; the means of y before and after t,
   the noise before t and the counts come from cumulative sums per customer. A thief's meter stays
   low from the day of the bypass, so the fall is measured up to the latest month; a legitimate dip
   that recovered dilutes itself. The onset is the candidate with the strongest fall.
4. Signals at the onset, each in [0, 1]: the fall (no more than the fall against the same calendar
   months a year earlier: a customer's own season is not a fall) weighted by its significance z;
   the share of zero months after it (beyond the share before); a rise in month-to-month volatility
   (irregular bypassing); a rise of kvarh per kWh (phase-angle or shunt tampering shows up in the
   reactive energy the meter still records).
5. score = 100 × (1 − Π (1 − w_i · signal_i)): a noisy-OR, so one strong signal is enough to list
   a customer and each further signal raises the rank.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from powercrm.audit.config import AuditConfig
from powercrm.audit.data import CUSTOMER, AuditData, lag
from powercrm.audit.finding import findings, fmt, month_text, num, rule

# weights of the noisy-OR; a full-strength step drop alone gives 85
WEIGHTS = {"drop": 0.85, "zero": 0.5, "volatility": 0.35, "reactive": 0.35}
MIN_HISTORY = 6  # months before an onset: the baseline the fall is measured against
NOISE_FLOOR = 0.05  # smallest month-to-month noise assumed (share of the usual level), so flat series give finite z

EVIDENCE_DECIMALS = {"drop": 3, "yoy_drop": 3, "z": 2, "zero_share": 2, "volatility_ratio": 2, "reactive_ratio": 2}

PEERS = {0: "area", 1: "line", 2: "none"}  # what a customer's series was compared with, by code
ONSET_SLICE_ROWS = 2_000_000  # customer-months per slice of the onset search

# what is kept of the onset split
ONSET_FEATURES = [CUSTOMER, "period", "drop", "yoy_drop", "z", "zero_share", "zero_before", "volatility_ratio", "reactive_ratio"]

THEFT_SCHEMA = pl.Schema(
    {
        "customer_id": pl.String,
        "line_id": pl.String,
        "area_id": pl.String,
        "rank": pl.Int64,
        "score": pl.Float64,
        "onset": pl.Date,  # first month of the fall
        "months": pl.Int64,  # billed months scored
        "drop": pl.Float64,  # 1 − mean after / mean before, peer-adjusted
        "yoy_drop": pl.Float64,  # 1 − first year after / the same months a year earlier
        "z": pl.Float64,  # significance of the fall
        "zero_share": pl.Float64,  # zero-kWh months after the onset
        "volatility_ratio": pl.Float64,  # mean month-to-month change relative to the level, after / before
        "reactive_ratio": pl.Float64,  # kvarh per kWh after / before
        "peer": pl.String,  # area / line / none: what the series was compared with
    }
)


def _clip01(e: pl.Expr) -> pl.Expr:
    return e.clip(0.0, 1.0).fill_null(0.0).fill_nan(0.0)


class _Relative:
    """Step 1 and 2 of the docstring: y = (kWh / own level) / peer trend, per customer-month of the scored
    customers (at least `min_months` billed months and a level above 0).

    Only the peer trends need other customers' rows: they are computed once, as tables by area (line)
    and month; `series` then gives y for any slice of customers.
    """

    def __init__(self, data: AuditData, cfg: AuditConfig) -> None:
        c = cfg.U10
        self.months = data.months.collect()
        size = data.archive_rows.height
        # the usual level is the median of the months with consumption: a meter stopped for most of
        # the series must still have a level to fall from
        levels = (
            self.months.lazy()
            .group_by(CUSTOMER)
            .agg(_n=pl.len(), _level=pl.col("kwh").filter(pl.col("kwh") > 0).median())
            .filter((pl.col("_n") >= c.min_months) & (pl.col("_level") > 0))
            .collect(engine="streaming")  # see _trends
        )
        # the inspection list is of active customers: a cancelled one's meter has nothing to inspect, and its
        # fall to zero at cancellation is not its peers' trend
        levels = data.only_active(levels.lazy()).collect()
        self.level = pl.repeat(None, size, dtype=pl.Float64, eager=True).scatter(levels.get_column(CUSTOMER), levels.get_column("_level"))
        first, last = self.months.select(pl.col("month").min().alias("first"), pl.col("month").max().alias("last")).row(0)
        self.first, self.span = first or 0, 1 if first is None else last - first + 1
        # areas and lines by number; each area-month is one number, its cell: the medians are grouped by
        # it and looked up by it in a table of every cell (3× faster than windows over area and period)
        self.code = {key: data.archive_rows.get_column(key).rank("dense") for key in ("area_id", "line_id")}
        self.trend = {key: self._trends(key, c.peer_min_customers) for key in self.code}

    def _customer(self, values: pl.Series) -> pl.Expr:
        return pl.lit(values).gather(pl.col(CUSTOMER))

    def _cell(self, key: str) -> pl.Expr:
        return self._customer(self.code[key]).cast(pl.Int64) * self.span + pl.col("month") - self.first

    def _x(self) -> pl.Expr:
        return (pl.col("kwh") / self._customer(self.level)).clip(lower_bound=0.0)

    def _trends(self, key: str, min_customers: int) -> pl.Series:
        """Median x of the customers sharing the area (line) in the month, where there are enough, by cell."""
        medians = (
            self.months.lazy()
            .filter(self._customer(self.level).is_not_null())
            .select(_cell=self._cell(key), _x=self._x())
            .filter(pl.col("_cell").is_not_null())
            .group_by("_cell")
            .agg(_trend=pl.col("_x").median(), _n=pl.len())
            .filter((pl.col("_n") >= min_customers) & (pl.col("_trend") > 0))
            # streamed, the medians of 35 M customer-months take a quarter less CPU time than in memory
            # (a median does not depend on the order its values arrive in)
            .collect(engine="streaming")
        )
        cells = ((self.code[key].max() or 0) + 1) * self.span
        return pl.repeat(None, cells, dtype=pl.Float64, eager=True).scatter(medians.get_column("_cell"), medians.get_column("_trend"))

    def series(self, months: pl.DataFrame) -> pl.DataFrame:
        """`months` (whole customers) of the scored customers with y, y_lag (y twelve months earlier) and
        peer (what y was compared with: 0 area, 1 line, 2 none)."""
        area, line = (
            pl.when(self._customer(self.code[k]).is_not_null()).then(pl.lit(self.trend[k]).gather(self._cell(k).fill_null(0)))
            for k in ("area_id", "line_id")
        )
        trend = pl.coalesce(area, line, pl.lit(1.0))
        peer = pl.when(area.is_not_null()).then(0).when(line.is_not_null()).then(1).otherwise(2)
        # twelve rows back is twelve calendar months back unless the customer has a gap in between
        year_back = lag(pl.col("month"), 12) == pl.col("month") - 12
        return (
            months.lazy()
            .filter(self._customer(self.level).is_not_null())
            .select(CUSTOMER, "period", "month", "kwh", "kvarh", y=self._x() / trend, peer=peer.cast(pl.UInt8))
            .with_columns(y_lag=pl.when(year_back).then(lag(pl.col("y"), 12)))
            .collect()
        )


class _CustomerSums:
    """Sums over each customer's rows of a frame sorted by customer: `sums(x)` gives the sum of x over the
    customer's rows before each row and over all of them (at the rows `at`, default every row);
    `place`, a row's place among its customer's rows, and `count`, their number.

    The additions run left to right along a customer's rows, as in `cum_sum().shift(1, fill_value=0.0)
    .over(customer)`, on a customer × row array, one serving every x: a window per customer took 6 s
    per value at 1 M customers. A total is the last running sum, so it can differ in the last bit from
    polars's `sum()`, which adds in SIMD lanes; customers of 128 rows and more take polars's totals
    (pairwise), as does any x with a null (nulls are skipped by `cum_sum`).
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        customer = frame.get_column(CUSTOMER).to_numpy()
        starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]]) if len(customer) else np.zeros(0, np.int64)
        count = np.diff(np.r_[starts, len(customer)])
        width = int(count.max()) + 1 if len(count) else 1
        row = np.repeat(np.arange(len(starts)), count)
        self.place = np.arange(len(customer)) - starts[row]
        self.count = count[row]
        # a customer's k-th cell holds the sum of its first k values
        self.cell = row * width + self.place
        self.last = self.cell - self.place + self.count
        self.pairwise = width > 128
        self._grid = np.empty((len(starts), width))

    def _window(self, x: pl.Series, e: pl.Expr, at: np.ndarray | None) -> pl.Series:
        values = self.frame.select(CUSTOMER).with_columns(x.alias("_x")).select(e.over(CUSTOMER)).to_series()
        return values if at is None else values.gather(at)

    def sums(self, x: pl.Series, at: np.ndarray | None = None) -> tuple[pl.Series, pl.Series]:
        if x.null_count():  # nulls are skipped by cum_sum: the windows keep that rule
            return (self._window(x, pl.col("_x").cum_sum().shift(1, fill_value=0.0), at), self._window(x, pl.col("_x").sum(), at))
        grid = self._grid.ravel()
        grid.fill(0.0)
        grid[self.cell + 1] = x.to_numpy()
        np.cumsum(self._grid, axis=1, out=self._grid)
        before = pl.Series(grid[self.cell if at is None else self.cell[at]])
        if self.pairwise:
            return before, self._window(x, pl.col("_x").sum(), at)
        return before, pl.Series(grid[self.last if at is None else self.last[at]])


def _first_strongest(customer: np.ndarray, strength: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Per customer (rows sorted by customer), the row with the strongest fall, then (a NaN z counting as
    the smallest) the most significant, then the first: the row `sort_by(strength, z).last()` picked."""
    if not len(customer):
        return np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    segment = np.cumsum(np.r_[True, customer[1:] != customer[:-1]]) - 1
    strongest = strength == np.maximum.reduceat(strength, starts)[segment]
    significance = np.where(strongest & ~np.isnan(z), z, -np.inf)
    top = np.maximum.reduceat(significance, starts)[segment]
    best = np.flatnonzero(strongest & ((z == top) | (np.isnan(z) & (top == -np.inf))))
    return best[np.r_[True, segment[best][1:] != segment[best][:-1]]]


def _onsets(series: pl.DataFrame, recent_months: int) -> pl.DataFrame:
    """The onset of each customer of `series` (sorted by customer and month): the candidate split with the
    strongest fall, then the most significant one, then the earliest (as `sort_by(...).last()` picked),
    with its statistics (ONSET_FEATURES).

    Row k of a customer with N months splits it into k months before and N − k from this one on; every
    statistic of every split comes from sums over the rows before it and over all rows (no loop). The
    fall and its significance are needed at every split, the other signals at the onset only.
    """
    y = pl.col("y")
    year_ago = pl.col("y_lag")
    has_lag = year_ago.is_not_null() & y.is_not_null()
    ratio = pl.when(pl.col("kwh") > 0).then(pl.col("kvarh") / pl.col("kwh"))
    step = (y - lag(y)).abs().fill_null(0.0)  # month-to-month change, 0 for the first month
    values = series.select(
        s=y,
        q=y * y,
        zero=(pl.col("kwh") == 0).cast(pl.Float64),
        step=step,
        react=ratio.fill_null(0.0),
        react_n=ratio.is_not_null().cast(pl.Float64),
        yoy_now=pl.when(has_lag).then(y).otherwise(0.0),
        yoy_then=pl.when(has_lag).then(year_ago).otherwise(0.0),
        yoy_n=has_lag.cast(pl.Float64),
    )
    sums = _CustomerSums(series)
    # b_x: sum of x over the months before this one; t_x: over all months
    totals = {}
    for k in ("s", "q", "yoy_now", "yoy_then", "yoy_n"):
        totals[f"b_{k}"], totals[f"t_{k}"] = sums.sums(values.get_column(k))
    frame = series.select(CUSTOMER, "period").with_columns(
        _at=pl.int_range(pl.len(), dtype=pl.get_index_type()),
        _n1=pl.Series(sums.place, dtype=pl.Float64),
        _n=pl.Series(sums.count, dtype=pl.Float64),
        **totals,
    ).lazy().with_columns(
        # y_{k}: sum over the first year from this month on (the prefix 12 months ahead minus this one's)
        **{
            f"y_{k}": lag(pl.col(f"b_{k}"), -12).fill_null(pl.col(f"t_{k}")) - pl.col(f"b_{k}")
            for k in ("yoy_now", "yoy_then", "yoy_n")
        }
    )

    def after(k: str) -> pl.Expr:
        return pl.col(f"t_{k}") - pl.col(f"b_{k}")

    n1, n2 = pl.col("_n1"), pl.col("_n") - pl.col("_n1")
    mean1, mean2 = pl.col("b_s") / n1, after("s") / n2
    sd1 = (pl.col("b_q") / n1 - mean1.pow(2)).clip(lower_bound=0.0).sqrt()
    noise = pl.max_horizontal(sd1, mean1 * NOISE_FLOOR, pl.lit(1e-9))
    yoy_known = pl.col("y_yoy_n") >= recent_months
    # 0/0 and x/0 (no reactive energy after the onset, a single month after it) are unknown, not numbers
    known = lambda c: pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c)  # noqa: E731
    # computed at every row and then filtered: filtering the sums first copied them all
    splits = (
        frame.with_columns(
            drop=1 - mean2 / mean1,
            yoy_drop=pl.when(yoy_known).then(1 - pl.col("y_yoy_now") / pl.col("y_yoy_then")),
            z=(mean1 - mean2) / (noise * (1 / n1 + 1 / n2).sqrt()),
            mean1=mean1,
            mean2=mean2,
        )
        .with_columns(known(c) for c in ("drop", "yoy_drop", "z"))
        # a fall that the same months of the year before also show is the customer's own season, not a fall
        .with_columns(_strength=_drop_signal(pl.min_horizontal("drop", "yoy_drop")))
        .select(CUSTOMER, "period", "_at", "_n1", "_n", "drop", "yoy_drop", "z", "mean1", "mean2", "_strength")
        .filter((n1 >= MIN_HISTORY) & (n2 >= recent_months))
        .collect()
    )
    onset = splits[_first_strongest(*(splits.get_column(c).to_numpy() for c in (CUSTOMER, "_strength", "z")))]
    at = onset.get_column("_at").to_numpy()
    # the other signals, at the onset only
    side = {}
    for k in ("zero", "step", "react", "react_n"):
        side[f"b_{k}"], side[f"t_{k}"] = sums.sums(values.get_column(k), at)
    vol1 = pl.col("b_step") / (n1 - 1)
    # volatility per month on each side; the first month after the split carries the step itself, so it is left out
    vol2 = (after("step") - pl.col("_step")) / (n2 - 1)
    return (
        onset.with_columns(_step=values.get_column("step").gather(at), **side)
        .with_columns(
            zero_share=after("zero") / n2,
            zero_before=pl.col("b_zero") / n1,
            volatility_ratio=(vol2 / pl.col("mean2").clip(lower_bound=1e-9)) / (vol1 / pl.col("mean1")).clip(lower_bound=NOISE_FLOOR),
            reactive_ratio=(after("react") / after("react_n")) / (pl.col("b_react") / pl.col("b_react_n")),
        )
        .with_columns(known(c) for c in ("volatility_ratio", "reactive_ratio"))
        .select(ONSET_FEATURES)
    )


def _drop_signal(drop: pl.Expr) -> pl.Expr:
    """The size of the fall weighted by its significance: a 10 % fall is noise, 70 % is full strength;
    z below 1 is noise, from 4 on it is certain."""
    return _clip01((drop - 0.1) / 0.6) * _clip01((pl.col("z") - 1) / 3)


def _score(drop: pl.Expr) -> pl.Expr:
    """The noisy-OR of the signals at the onset, 0-100."""
    # zero months count only where the customer used to consume (a vacant house was zero all along)
    zero_signal = _clip01(pl.col("zero_share") - pl.col("zero_before"))
    volatility_signal = _clip01(pl.col("volatility_ratio").log(2) / 2) * _clip01(drop / 0.2)
    reactive_signal = _clip01(pl.col("reactive_ratio").log(2))
    miss = pl.lit(1.0)
    for name, signal in (
        ("drop", _drop_signal(drop)),
        ("zero", zero_signal),
        ("volatility", volatility_signal),
        ("reactive", reactive_signal),
    ):
        miss = miss * (1 - WEIGHTS[name] * signal)
    return ((1 - miss) * 100).round(2)


def theft_scores(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    """Score and rank of every customer with enough billed months (`THEFT_SCHEMA`), best suspect first.

    Computed once per run and kept on `data`: the U10 rule and the inspection list both read it.
    """
    key = _results_key(cfg)
    if key not in data.results:
        data.results[key] = _theft_scores(data, cfg)
    return data.results[key].lazy()


def keep_scores(data: AuditData, cfg: AuditConfig, scores: pl.DataFrame) -> None:
    """Make `scores` (`THEFT_SCHEMA`, e.g. merged from partitions) the scores U10 reads from `data`."""
    data.results[_results_key(cfg)] = scores


def _results_key(cfg: AuditConfig) -> str:
    return f"U10 {cfg.U10.model_dump_json()}"


def _customer_slices(frame: pl.DataFrame, rows: int) -> Iterator[pl.DataFrame]:
    """`frame` (sorted by customer) in slices of about `rows` rows, each customer's rows in one slice."""
    customer = frame.get_column(CUSTOMER)
    if frame.is_empty():
        yield frame
    start = 0
    while start < frame.height:
        end = frame.height if start + rows >= frame.height else int(customer.search_sorted(customer[start + rows], side="left"))
        end = max(end, int(customer.search_sorted(customer[start], side="right")))
        yield frame.slice(start, end - start)
        start = end


def _scored_slice(series: pl.DataFrame, recent_months: int) -> pl.DataFrame:
    """The onset and signals, months scored and peer of each customer of a slice of the relative series."""
    # the peer the series was compared with most often; on a tie the nearer (area, line, none) — a
    # mode of the names left ties to hash order, which changed from run to run
    count = {p: (pl.col("peer") == code).sum() for code, p in PEERS.items()}
    nearest = pl.when((count["area"] >= count["line"]) & (count["area"] >= count["none"])).then(0).when(count["line"] >= count["none"]).then(1).otherwise(2)
    months = series.group_by(CUSTOMER).agg(months=pl.len().cast(pl.Int64), peer=nearest)
    return months.join(_onsets(series, recent_months), on=CUSTOMER, how="inner")


def _theft_scores(data: AuditData, cfg: AuditConfig) -> pl.DataFrame:
    c = cfg.U10
    relative = _Relative(data, cfg)
    # everything but the peer trends is customer-local: slice by slice, the sums of every split stay
    # small; two slices at a time, as the array sums run on one core (numpy and polars release the GIL)
    with ThreadPoolExecutor(2) as pool:
        onset = pl.concat(
            pool.map(lambda part: _scored_slice(relative.series(part), c.recent_months), _customer_slices(relative.months, ONSET_SLICE_ROWS))
        )
    drop = pl.min_horizontal("drop", "yoy_drop")
    scored = onset.with_columns(score=_score(drop), peer=pl.col("peer").replace_strict(PEERS, return_dtype=pl.String))
    # `_c` is in customer_id order
    return (
        data.archive(ranked(scored.rename({"period": "onset"}), CUSTOMER).lazy())
        .select(THEFT_SCHEMA.names())
        .cast(THEFT_SCHEMA)  # type: ignore[arg-type]
        .collect()
    )


def ranked(scored: pl.DataFrame, customer: str = "customer_id") -> pl.DataFrame:
    """`scored` in the order of the inspection list, best suspect first (ties: the larger drop, then
    the customer in id order), with its rank."""
    return scored.sort(["score", "drop", customer], descending=[True, True, False]).with_columns(
        rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
    )


@rule("U10", "theft", "窃电嫌疑", "theft suspicion", reads=("billing",))
def theft_suspicion(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    c = cfg.U10
    suspects = theft_scores(data, cfg).filter(pl.col("score") >= c.min_score)
    peer = pl.col("peer")
    basis_zh = pl.when(peer == "area").then(pl.lit("自身历史和同台区用户")).when(peer == "line").then(pl.lit("自身历史和同线路用户")).otherwise(pl.lit("自身历史"))
    basis_en = (
        pl.when(peer == "area").then(pl.lit("its own history and its area's customers"))
        .when(peer == "line").then(pl.lit("its own history and its line's customers"))
        .otherwise(pl.lit("its own history"))
    )
    # the fall the score used: no more than the fall against the same months a year earlier
    fall = fmt("{}%", num(pl.min_horizontal("drop", "yoy_drop") * 100, 0))
    return findings(
        suspects,
        "U10",
        pl.when(pl.col("score") >= c.high_score).then(pl.lit("high")).otherwise(pl.lit(c.severity)),
        value=pl.col("score"),
        threshold=pl.lit(c.min_score),
        message_zh=fmt(
            "窃电嫌疑第{}名（{}分）：自{}起电量平均较{}下降{}",
            "rank", num(pl.col("score"), 1), month_text(pl.col("onset")), basis_zh, fall,
        ),
        message_en=fmt(
            "theft suspect #{} (score {}): consumption averaged {} lower than {} from {} on",
            "rank", num(pl.col("score"), 1), fall, basis_en, month_text(pl.col("onset")),
        ),
        evidence=fmt(
            "rank={}; onset={}; drop={}; yoy_drop={}; z={}; zero_share={}; volatility_ratio={}; reactive_ratio={}; peer={}",
            "rank", month_text(pl.col("onset")),
            *[num(pl.col(c), d).fill_null("") for c, d in EVIDENCE_DECIMALS.items()],
            "peer",
        ),
    )
