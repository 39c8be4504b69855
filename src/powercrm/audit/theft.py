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

import polars as pl

from powercrm.audit.config import AuditConfig
from powercrm.audit.data import CUSTOMER, AuditData, lag
from powercrm.audit.finding import findings, fmt, month_text, num, rule

# weights of the noisy-OR; a full-strength step drop alone gives 85
WEIGHTS = {"drop": 0.85, "zero": 0.5, "volatility": 0.35, "reactive": 0.35}
MIN_HISTORY = 6  # months before an onset: the baseline the fall is measured against
NOISE_FLOOR = 0.05  # smallest month-to-month noise assumed (share of the usual level), so flat series give finite z

EVIDENCE_DECIMALS = {"drop": 3, "yoy_drop": 3, "z": 2, "zero_share": 2, "volatility_ratio": 2, "reactive_ratio": 2}

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


def _peer_trend(key: str, min_customers: int) -> pl.Expr:
    """Median x of the customers sharing `key` (area or line) in the month, where there are enough."""
    group = [key, "period"]
    trend = pl.col("x").median().over(group)
    return pl.when(pl.col(key).is_not_null() & (pl.len().over(group) >= min_customers) & (trend > 0)).then(trend)


def _relative_series(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    """Monthly y = (kWh / own median) / peer trend and y_lag, y twelve months earlier, per scored customer,
    sorted by customer and month. Window expressions only: no self-join of the monthly table."""
    c = cfg.U10
    cid = CUSTOMER
    # areas and lines by number: the peer medians group 35 M customer-months by them
    series = (
        data.archive(data.months.select(cid, "period", "month", "kwh", "kvarh"), area_id=pl.col("area_id").rank("dense"), line_id=pl.col("line_id").rank("dense"))
        # the usual level is the median of the months with consumption: a meter stopped for most of
        # the series must still have a level to fall from
        .with_columns(_n=pl.len().over(cid), _level=pl.col("kwh").filter(pl.col("kwh") > 0).median().over(cid))
        .filter((pl.col("_n") >= c.min_months) & (pl.col("_level") > 0))
        .with_columns(x=(pl.col("kwh") / pl.col("_level")).clip(lower_bound=0.0))
        .with_columns(_area=_peer_trend("area_id", c.peer_min_customers), _line=_peer_trend("line_id", c.peer_min_customers))
    )
    trend = pl.coalesce("_area", "_line", pl.lit(1.0))
    peer = pl.when(pl.col("_area").is_not_null()).then(pl.lit("area")).when(pl.col("_line").is_not_null()).then(pl.lit("line"))
    # twelve rows back is twelve calendar months back unless the customer has a gap in between
    year_back = lag(pl.col("month"), 12) == pl.col("month") - 12
    return series.with_columns(y=pl.col("x") / trend, peer=peer.otherwise(pl.lit("none"))).with_columns(
        y_lag=pl.when(year_back).then(lag(pl.col("y"), 12))
    )


def _splits(series: pl.LazyFrame, recent_months: int) -> pl.LazyFrame:
    """Every candidate onset with its statistics, from cumulative sums per customer (no loop).

    Row k of a customer with N months splits it into k months before and N − k from this one on.
    """
    cid = CUSTOMER
    y = pl.col("y")
    year_ago = pl.col("y_lag")
    has_lag = year_ago.is_not_null() & y.is_not_null()
    ratio = pl.when(pl.col("kwh") > 0).then(pl.col("kvarh") / pl.col("kwh"))
    step = (y - lag(y)).abs().fill_null(0.0)  # month-to-month change, 0 for the first month
    sums = {
        "s": y,
        "q": y * y,
        "zero": (pl.col("kwh") == 0).cast(pl.Float64),
        "step": step,
        "react": ratio.fill_null(0.0),
        "react_n": ratio.is_not_null().cast(pl.Float64),
        "yoy_now": pl.when(has_lag).then(y).otherwise(0.0),
        "yoy_then": pl.when(has_lag).then(year_ago).otherwise(0.0),
        "yoy_n": has_lag.cast(pl.Float64),
    }
    frame = series.with_columns(
        _n1=pl.int_range(pl.len()).over(cid).cast(pl.Float64),
        _n=pl.len().over(cid).cast(pl.Float64),
        _step=step,
        # b_x: sum of x over the months before this one; t_x: over all months
        **{f"b_{k}": e.cum_sum().shift(1, fill_value=0.0).over(cid) for k, e in sums.items()},
        **{f"t_{k}": e.sum().over(cid) for k, e in sums.items()},
    ).with_columns(
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
    # volatility per month on each side; the first month after the split carries the step itself, so it is left out
    vol1 = pl.col("b_step") / (n1 - 1)
    vol2 = (after("step") - pl.col("_step")) / (n2 - 1)
    yoy_known = pl.col("y_yoy_n") >= recent_months
    features = frame.filter((n1 >= MIN_HISTORY) & (n2 >= recent_months)).with_columns(
        drop=1 - mean2 / mean1,
        yoy_drop=pl.when(yoy_known).then(1 - pl.col("y_yoy_now") / pl.col("y_yoy_then")),
        z=(mean1 - mean2) / (noise * (1 / n1 + 1 / n2).sqrt()),
        zero_share=after("zero") / n2,
        zero_before=pl.col("b_zero") / n1,
        volatility_ratio=(vol2 / mean2.clip(lower_bound=1e-9)) / (vol1 / mean1).clip(lower_bound=NOISE_FLOOR),
        reactive_ratio=(after("react") / after("react_n")) / (pl.col("b_react") / pl.col("b_react_n")),
    )
    # 0/0 and x/0 (no reactive energy after the onset, a single month after it) are unknown, not numbers
    ratios = ["drop", "yoy_drop", "z", "volatility_ratio", "reactive_ratio"]
    return features.with_columns(
        pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in ratios
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
    """Score and rank of every customer with enough billed months (`THEFT_SCHEMA`), best suspect first."""
    c = cfg.U10
    series = _relative_series(data, cfg)
    months = series.group_by(CUSTOMER).agg(
        months=pl.len().cast(pl.Int64),
        peer=pl.col("peer").mode().first(),
    )
    # a fall that the same months of the year before also show is the customer's own season, not a fall
    drop = pl.min_horizontal("drop", "yoy_drop")
    # the onset is the split with the strongest fall; among equally strong ones the most significant
    onset = (
        _splits(series, c.recent_months)
        .select(*ONSET_FEATURES, _strength=_drop_signal(drop))
        .group_by(CUSTOMER)
        .agg(pl.all().sort_by("_strength", "z").last())
        .with_columns(score=_score(drop))
        .rename({"period": "onset"})
    )
    # `_c` is in customer_id order
    ranked = (
        months.join(onset, on=CUSTOMER, how="inner")
        .sort(["score", "drop", CUSTOMER], descending=[True, True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    )
    return (
        data.archive(ranked)
        .select(THEFT_SCHEMA.names())
        .cast(THEFT_SCHEMA)  # type: ignore[arg-type]
    )


@rule("U10", "theft", "窃电嫌疑", "theft suspicion")
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
            "窃电嫌疑第{}名（{}分）：自{}起电量较{}下降{}",
            "rank", num(pl.col("score"), 1), month_text(pl.col("onset")), basis_zh, fall,
        ),
        message_en=fmt(
            "theft suspect #{} (score {}): consumption {} lower than {} since {}",
            "rank", num(pl.col("score"), 1), fall, basis_en, month_text(pl.col("onset")),
        ),
        evidence=fmt(
            "rank={}; onset={}; drop={}; yoy_drop={}; z={}; zero_share={}; volatility_ratio={}; reactive_ratio={}; peer={}",
            "rank", month_text(pl.col("onset")),
            *[num(pl.col(c), d).fill_null("") for c, d in EVIDENCE_DECIMALS.items()],
            "peer",
        ),
    )
