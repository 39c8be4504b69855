"""The indicators of SPEC §3 for every scored customer, in the two stages of SPEC §9.

`customer_local` reduces one customer's raw rows (bills summed per month first, monthly load,
interval readings) to one row of window sums and raw x values; it never looks at another
customer's rows, so it can run partition by partition. `global_stage` works on that per-customer
table: the share totals (B11, B12), M of B42, and the indicators. `compute_indicators` collects
the customer-local stage with the streaming engine (one scan of billing and of load, per-customer
reductions: the 35 M rows of a 1 M-customer export never sit in memory) and leaves the global stage
lazy for the caller.

Output columns (`OUTPUT_COLUMNS`): customer_id, then x_<id>, <id> for B11 … B42, where x is the raw
value the share or piecewise function is computed from:
x_B11 current-window kWh; x_B12 current-window transmission cost (Σ transmission_fee, or kWh ×
unit fee by voltage); x_B21 load rate; x_B22 power factor; x_B31 recovery ratio; x_B32 late-fee
ratio; x_B41 growth rate; x_B42 growth amount (kWh). Then `AUX_COLUMNS` for the scoring and
credit stages: the customer's class, importance, backup_power, dual_supply; amount_due_current
(Σ amount_due over the current window, ABC class and fee level); late_fee_periods (months of
E−11…E with late_fee > 0, flag late_fee_2m); m_B42 (M used, the same on every row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from powercrm.errors import DataError, InputError
from powercrm.indicators import energy, growth, load_rate, payment, power_factor
from powercrm.indicators.config import IndicatorConfig
from powercrm.indicators.interval import combined_monthly_load
from powercrm.indicators.windows import Windows, choose_period_end, format_period, latest_period, month_bits, parse_period, window_sum
from powercrm.io.parse import text
from powercrm.io.readers import ROW
from powercrm.io.schema import TABLES
from powercrm.notes import Note
from powercrm.segment.config import INDICATORS

OUTPUT_COLUMNS = ["customer_id", *(c for i in INDICATORS for c in (f"x_{i}", i))]
CUSTOMER_ATTRIBUTES = ["customer_class", "importance", "backup_power", "dual_supply"]
M_COLUMN = "m_B42"
AUX_COLUMNS = [*CUSTOMER_ATTRIBUTES, "amount_due_current", "late_fee_periods", M_COLUMN]
FIRST_PERIOD, LAST_PERIOD = "_first_period", "_last_period"
ROWS_USED = {"billing": "_rows_billing", "load": "_rows_load"}
ROWS_SEEN = {"billing": "_rows_billing", "load": "_rows_load_seen"}
_EXACT = {"billing": "_exact_billing", "load": "_exact_load"}


@dataclass(frozen=True)
class IndicatorResult:
    """The lazy per-customer indicator frame (OUTPUT_COLUMNS + AUX_COLUMNS), the E it was computed for and
    the collected customer-local stage it starts from (one row per archive customer), and the rows of
    billing and load its reductions saw (`ROWS_USED` tables)."""

    frame: pl.LazyFrame
    windows: Windows
    local: pl.DataFrame
    rows_seen: dict[str, int]
    notes: tuple[str, ...] = ()

    @property
    def period_end(self) -> dt.date:
        return self.windows.period_end

    @property
    def rows(self) -> dict[str, dict[str, int]]:
        """Rows of billing and load read, used (readable, of an archive customer) and rejected, from the
        reductions themselves (no other scan)."""
        counts = {}
        for name, seen in self.rows_seen.items():
            used = int(self.local[ROWS_USED[name]].sum())
            counts[name] = {"in": seen, "used": used, "rejected": seen - used}
        return counts

    @staticmethod
    def m_used(collected: pl.DataFrame) -> float | None:
        """M of B42 after the collect (null when no customer has a positive growth amount)."""
        return collected[M_COLUMN][0] if collected.height else None


@dataclass(frozen=True)
class Reduction:
    """A per-customer reduction in parts. `partial` groups rows by customer_id as they hold it; `combine`
    (one expression per column of `partial` but the key) merges partial rows of one customer, so groups
    of ids spelled apart (" C1" and "C1") add up, as would partitions of a table; `finish` adds the final
    columns, and the `temporary` ones are dropped. `combine` is None where the ids are normalised before
    grouping. Stripping the 1 M grouped ids instead of the 71 M billing and load rows' took a 1 M-customer
    Parquet run from 24.5 to 20.3 CPU-s."""

    partial: pl.LazyFrame
    combine: dict[str, pl.Expr] | None
    finish: dict[str, pl.Expr]
    temporary: list[str]

    def result(self, partial: pl.DataFrame) -> pl.DataFrame:
        """The collected `partial` with its ids normalised (stripped, blank as null), the rows of one id merged."""
        if self.combine is not None:
            ids = partial.get_column("customer_id")
            normal = partial.select(text(pl.col("customer_id"))).to_series()
            if not normal.equals(ids):
                partial = partial.with_columns(normal).group_by("customer_id", maintain_order=True).agg(**self.combine)
        return partial.with_columns(**self.finish).drop(self.temporary)


def _canonical(name: str, lf: pl.LazyFrame) -> pl.LazyFrame:
    """The frame with every canonical column of its table, absent ones as typed nulls (readers already
    guarantee this; frames built by hand may not)."""
    present = lf.collect_schema().names()
    missing = [pl.lit(None, c.dtype).alias(c.name) for c in TABLES[name].columns if c.name not in present]
    return lf.with_columns(missing) if missing else lf


def scored_customers(customers: pl.LazyFrame) -> pl.LazyFrame:
    """SPEC §2 population: customers whose status is not cancelled (null status = active)."""
    return customers.filter(pl.col("status").ne_missing("cancelled"))


def settled(total: pl.Expr) -> pl.Expr:
    """A float sum of a customer's rows to twelve significant digits. Its last bits depend on the order
    its terms are added in: the file's order, and how the streaming engine splits the rows, which other
    customers' rows change. Settled, a customer's x does not move when other customers are added or rows
    reordered (SPEC §9), and equal months subtract to exactly 0 (100.1 + 200.2 + 300.3 is
    600.6000000000001 in one order and 600.6 in another: a B42 growth of 1e-13, then positive, moved M
    for every customer). Twelve digits keep every figure an export holds, averaged loads included."""
    return total.round_sig_figs(12)


def _row_sum(value: pl.Expr, rows: pl.Expr | None = None) -> pl.Expr:
    """`window_sum` as a streaming-friendly reduction (when/then instead of a per-group filter)."""
    selected = value if rows is None else pl.when(rows).then(value)
    return pl.when(selected.count() > 0).then(selected.sum())


def _billing_sums(billing: pl.LazyFrame, w: Windows) -> Reduction:
    """One row per customer: the window sums of the billing indicators (adjustment rows summed per month
    first), the customer's first and last billed period, its number of bill rows, and `_EXACT["billing"]`
    for the few customers whose month-level quantities need `_billing_month_level`.

    Σ over months of monthly sums is Σ over rows, so every window sum is one conditional reduction in
    one group-by on customer_id over all rows (a customer-month group-by has 35 M groups at 1 M
    customers and took 10 s and 5.5 GB alone). Two quantities are month-level: kWh of the months
    whose kvarh is not null, and the months whose late_fee sum is positive. Counted as the distinct
    months holding a positive late fee, the second is exact unless a month holds a negative one; the
    first is exact unless a month mixes rows with and without kvarh. Months are counted as bits
    (`month_bits`), so each customer's state stays a few numbers. Only customers with a repeated month
    holding a null kvarh, a negative late fee or two positive ones (none in most exports) are flagged.
    """
    period, late, kvarh = pl.col("period"), pl.col("late_fee"), pl.col("kvarh")
    current = w.current.holds(period)
    credit = w.credit.holds(period)
    month = month_bits(period, w.e, 12)
    late_month = pl.when(late > 0).then(month)
    window_sums = {
        "kwh_current": (pl.col("kwh"), current),
        "kwh_previous": (pl.col("kwh"), w.previous.holds(period)),
        "kwh_month_e": (pl.col("kwh"), w.month_e.holds(period)),
        "kwh_month_e_minus_12": (pl.col("kwh"), w.month_e_minus_12.holds(period)),
        "transmission_fee_current": (pl.col("transmission_fee"), current),
        "kwh_with_kvarh": (pl.col("kwh"), current & kvarh.is_not_null()),
        "kvarh_current": (kvarh, current),
        "amount_due_credit": (pl.col("amount_due"), credit),
        "amount_paid_credit": (pl.col("amount_paid"), credit),
        "late_fee_credit": (late, credit),
        "amount_due_current": (pl.col("amount_due"), current),
    }
    counts = {"_months": month.sum(), "_rows": month.count(), "_late_months": late_month.sum(), "_late_rows": late_month.count()}
    total = {name: pl.col(name).sum() for name in (*counts, ROWS_USED["billing"])}
    partial = billing.group_by("customer_id").agg(
        **{name: _row_sum(value, rows) for name, (value, rows) in window_sums.items()},
        **counts,
        _odd=(current & (kvarh.is_null() | (late < 0))).any(),
        **{FIRST_PERIOD: period.min(), LAST_PERIOD: period.max(), ROWS_USED["billing"]: pl.len().cast(pl.Int64)},
    )
    combine = {
        **{name: _row_sum(pl.col(name)) for name in window_sums},
        **total,
        "_odd": pl.col("_odd").any(),
        FIRST_PERIOD: pl.col(FIRST_PERIOD).min(),
        LAST_PERIOD: pl.col(LAST_PERIOD).max(),
    }
    late_months = pl.col("_late_months").bitwise_count_ones()
    split = pl.col("_months").bitwise_count_ones() != pl.col("_rows")
    finish = {
        **{name: settled(pl.col(name)) for name in window_sums},
        "late_fee_periods": late_months.cast(pl.Int64),
        _EXACT["billing"]: (split & pl.col("_odd")) | (late_months != pl.col("_late_rows")),
    }
    return Reduction(partial, combine, finish, ["_months", "_rows", "_late_months", "_late_rows", "_odd"])


def _billing_month_level(billing: pl.LazyFrame, w: Windows) -> pl.LazyFrame:
    """kwh_with_kvarh and late_fee_periods per customer from monthly sums of the current window."""
    return (
        billing.filter(w.current.holds(pl.col("period")))
        .group_by("customer_id", "period")
        .agg(window_sum(pl.col(c)).alias(c) for c in ("kwh", "kvarh", "late_fee"))
        .group_by("customer_id")
        .agg(
            kwh_with_kvarh=settled(window_sum(pl.col("kwh"), pl.col("kvarh").is_not_null())),
            late_fee_periods=(pl.col("late_fee") > 0).sum().cast(pl.Int64),
        )
    )


def _first_per_month(monthly: pl.LazyFrame) -> pl.LazyFrame:
    """The first row of each customer-month (by source row `_row` when present, else frame order)."""
    cols = ["avg_load_kw", "max_load_kw"]
    if ROW in monthly.collect_schema().names():
        firsts = [pl.col(c).sort_by(ROW).first() for c in cols]
    else:
        firsts = [pl.col(c).first() for c in cols]
    return monthly.group_by("customer_id", "period", maintain_order=True).agg(firsts)


def _monthly_load_stats(monthly: pl.LazyFrame, w: Windows) -> Reduction:
    """Mean of avg and max of max over the current window per customer, its number of distinct load
    months, and `_EXACT["load"]` for a customer with a repeated month (none in a usable table) or a
    month more than 125 months before E or after it, whose figures `_load_month_level` recomputes.

    Distinct months are counted as bits in two 63-month pages before E (`month_bits`): the pages hold
    as many one-bits as the customer has rows exactly when every row lies in them and no month repeats
    (a repeat carries, losing a bit). The mean is kept as a sum and a count until the end, so
    reductions of parts of a customer's rows combine."""
    current = w.current.holds(pl.col("period"))
    avg = pl.when(current).then(pl.col("avg_load_kw"))
    pages = [month_bits(pl.col("period"), w.e - 63 * i, 63) for i in range(2)]
    partial = monthly.group_by("customer_id").agg(
        _avg_sum=avg.sum(),
        _avg_count=avg.count(),
        load_max_max=pl.when(current).then(pl.col("max_load_kw")).max(),
        _page0=pages[0].sum(),
        _page1=pages[1].sum(),
        **{ROWS_USED["load"]: pl.len().cast(pl.Int64), ROWS_SEEN["load"]: pl.len().cast(pl.Int64)},
    )
    summed = ("_avg_sum", "_avg_count", "_page0", "_page1", ROWS_USED["load"], ROWS_SEEN["load"])
    combine = {"load_max_max": pl.col("load_max_max").max(), **{name: pl.col(name).sum() for name in summed}}
    distinct = pl.col("_page0").bitwise_count_ones() + pl.col("_page1").bitwise_count_ones()
    finish = {
        "load_avg_mean": pl.when(pl.col("_avg_count") > 0).then(settled(pl.col("_avg_sum")) / pl.col("_avg_count")),
        _EXACT["load"]: distinct != pl.col(ROWS_USED["load"]),
    }
    return Reduction(partial, combine, finish, ["_avg_sum", "_avg_count", "_page0", "_page1"])


def _load_month_level(monthly: pl.LazyFrame, w: Windows) -> pl.LazyFrame:
    """load_avg_mean and load_max_max per customer, a repeated customer-month counting its first row,
    and its number of distinct load months."""
    stats = (
        _first_per_month(monthly.filter(w.current.holds(pl.col("period"))))
        .group_by("customer_id")
        .agg(
            load_avg_mean=pl.when(pl.col("avg_load_kw").count() > 0).then(settled(pl.col("avg_load_kw").sum()) / pl.col("avg_load_kw").count()),
            load_max_max=pl.col("max_load_kw").max(),
        )
    )
    months = monthly.group_by("customer_id").agg(pl.col("period").n_unique().cast(pl.Int64).alias(ROWS_USED["load"]))
    return months.join(stats, on="customer_id", how="left")


_MONTH_LEVEL = {"billing": _billing_month_level, "load": _load_month_level}


def _regroup_flagged(frame: pl.DataFrame, tables: Mapping[str, pl.LazyFrame], w: Windows) -> pl.DataFrame:
    """`frame` with the month-level quantities of flagged customers recomputed from their own rows.

    A second, filtered pass over the table runs only when some customer is flagged: planned lazily
    beside the first pass it cost a full rescan of 35 M rows even when no customer needed it.
    """
    for name, flag in _EXACT.items():
        if flag not in frame.columns:
            continue
        flagged = frame.filter(pl.col(flag))["customer_id"]
        if flagged.len():
            rows = _canonical(name, tables[name]).with_columns(text(pl.col("customer_id")))
            rows = rows.filter(pl.col("customer_id").is_in(flagged.implode()))
            frame = frame.update(_MONTH_LEVEL[name](rows, w).collect(), on="customer_id", how="left", include_nulls=True)
        frame = frame.drop(flag)
    return frame


def _load_stats(tables: Mapping[str, pl.LazyFrame], w: Windows) -> Reduction:
    """One row per customer with load: mean of monthly avg, max of monthly max over the current window,
    and the number of distinct months of its `load` rows.

    The monthly `load` table may still hold repeated customer-months (the score run passes readable
    rows, not deduplicated ones): the first row of a month counts.
    """
    monthly = tables.get("load")
    if monthly is not None:
        monthly = _canonical("load", monthly)
    readings = tables.get("load_interval")
    if readings is None and monthly is not None:
        return _monthly_load_stats(monthly, w)
    return Reduction(_combined_load_stats(monthly, readings, w), None, {}, [])


def _combined_load_stats(monthly: pl.LazyFrame | None, readings: pl.LazyFrame | None, w: Windows) -> pl.LazyFrame:
    """`_load_stats` where interval readings come in: monthly figures from the readings, the monthly table's first."""
    if monthly is not None:
        monthly = monthly.with_columns(text(pl.col("customer_id")))  # joined with the readings' ids
    if readings is not None:
        start = dt.datetime.combine(w.current.start, dt.time())
        end = dt.datetime.combine(w.current.end, dt.time())
        readings = _canonical("load_interval", readings).filter(pl.col("timestamp").is_between(start, end, closed="left"))
    current = monthly.filter(w.current.holds(pl.col("period"))) if monthly is not None else None
    load = combined_monthly_load(_first_per_month(current) if current is not None else None, readings)
    if load is None:
        return pl.LazyFrame(schema={"customer_id": pl.String, "load_avg_mean": pl.Float64, "load_max_max": pl.Float64})
    stats = load.group_by("customer_id").agg(
        load_avg_mean=pl.col("avg_load_kw").mean(), load_max_max=pl.col("max_load_kw").max()
    )
    if monthly is None:
        return stats
    months = monthly.group_by("customer_id").agg(
        pl.col("period").n_unique().cast(pl.Int64).alias(ROWS_USED["load"]), pl.len().cast(pl.Int64).alias(ROWS_SEEN["load"])
    )
    return stats.join(months, on="customer_id", how="full", coalesce=True)


def customer_local(tables: Mapping[str, pl.LazyFrame], cfg: IndicatorConfig, period_end: dt.date) -> pl.DataFrame:
    """Stage 1 (customer-local), collected with the streaming engine: one row per archive customer
    (cancelled ones too) with its window sums, the raw x of every indicator whose x needs no other
    customer (all but x_B11/x_B12, which stay sums here), its first and last billed period and the
    rows of billing and load it uses (`ROWS_USED`)."""
    return _collect_local(tables, cfg, period_end)[0]


def _collect_local(
    tables: Mapping[str, pl.LazyFrame], cfg: IndicatorConfig, period_end: dt.date
) -> tuple[pl.DataFrame, dict[str, int]]:
    """`customer_local` and the rows of billing and load seen by its reductions, orphans and rows with
    a null customer_id included (the score run passes unreadable rows with a null customer_id, so a
    CSV export is not read once more just to count its rows)."""
    w = Windows(period_end)
    customers = _canonical("customers", tables["customers"]).select("customer_id", "status", "voltage_kv", *CUSTOMER_ATTRIBUTES)
    reductions = {"billing": _billing_sums(_canonical("billing", tables["billing"]), w), "load": _load_stats(tables, w)}
    frame, *partials = pl.collect_all([customers, *(r.partial for r in reductions.values())], engine="streaming")
    per_table = {name: r.result(p) for (name, r), p in zip(reductions.items(), partials, strict=True)}
    rows_seen = {name: int(per_table[name][ROWS_SEEN[name]].sum()) for name in ROWS_SEEN if name in tables}
    for stats in per_table.values():
        frame = frame.join(stats, on="customer_id", how="left", maintain_order="left")
    local = _regroup_flagged(frame, tables, w).with_columns(
        transmission_cost_by_voltage=pl.col("kwh_current") * energy.unit_fee(pl.col("voltage_kv"), cfg.unit_fee_by_voltage),
        late_fee_periods=pl.col("late_fee_periods").fill_null(0),
        x_B21=load_rate.load_rate(pl.col("load_avg_mean"), pl.col("load_max_max")),
        x_B22=power_factor.power_factor(pl.col("kwh_with_kvarh"), pl.col("kvarh_current")),
        x_B31=payment.recovery_rate(pl.col("amount_paid_credit"), pl.col("amount_due_credit")),
        x_B32=payment.late_fee_ratio(pl.col("late_fee_credit"), pl.col("amount_due_credit")),
        x_B41=growth.growth_rate(pl.col("kwh_current"), pl.col("kwh_previous")),
        x_B42=growth.growth_amount(pl.col("kwh_month_e"), pl.col("kwh_month_e_minus_12")),
    )
    return local, rows_seen


def _order_free_sum(values: pl.Expr) -> pl.Expr:
    """The sum of `values` added smallest first, so the same customers give the same bits in whatever order
    they arrive (score and indicators order them differently: B12's total was 11638629.0 in one and
    11638629.000000002 in the other). A running sum, as polars drops a sort before `sum()`."""
    return values.drop_nulls().sort().cum_sum().last()


def global_stage(local: pl.LazyFrame, cfg: IndicatorConfig) -> pl.LazyFrame:
    """Stage 2 (over all scored customers): share totals, M, and every indicator; OUTPUT + AUX columns.

    The quantities over all customers form a one-row frame joined to every customer, so shares are
    column-by-column divisions: polars divides a column by a scalar through its reciprocal, which
    would print 1400/2000 as 0.7000000000000001 where Excel shows 0.7.
    """
    local = scored_customers(local)
    if cfg.m_policy == "percentile":
        m = growth.percentile_inc(pl.col("x_B42"), cfg.m_percentile)
    else:
        m = pl.lit(cfg.m_value, pl.Float64)
    fee_given = pl.col("transmission_fee_current").is_not_null().any()
    totals = local.select(
        fee_given=fee_given,
        kwh_total=_order_free_sum(pl.col("kwh_current")),
        cost_total=pl.when(fee_given)
        .then(_order_free_sum(pl.col("transmission_fee_current")))
        .otherwise(_order_free_sum(pl.col("transmission_cost_by_voltage"))),
        **{M_COLUMN: m},
    )
    with_x = local.join(totals, how="cross", maintain_order="left").with_columns(
        x_B11=pl.col("kwh_current"),
        x_B12=energy.transmission_cost(
            pl.col("transmission_fee_current"), pl.col("transmission_cost_by_voltage"), pl.col("fee_given")
        ),
    )
    return with_x.with_columns(
        B11=energy.energy_share(pl.col("x_B11"), pl.col("kwh_total")),
        B12=energy.transmission_share(pl.col("x_B12"), pl.col("cost_total")),
        B21=load_rate.load_rate_indicator(pl.col("x_B21")),
        B22=power_factor.power_factor_score(pl.col("x_B22"), cfg.p1, cfg.p2),
        B31=pl.col("x_B31"),
        B32=payment.punctuality(pl.col("x_B32"), cfg.a),
        B41=growth.growth_rate_indicator(pl.col("x_B41"), cfg.r),
        B42=growth.growth_amount_indicator(pl.col("x_B42"), pl.col(M_COLUMN)),
    ).select(*OUTPUT_COLUMNS, *AUX_COLUMNS)


def compute_indicators(
    tables: Mapping[str, pl.LazyFrame], cfg: IndicatorConfig, *, latest_hint: dt.date | None = None
) -> IndicatorResult:
    """Indicators for every scored customer; the customer-local stage is collected (streaming engine),
    the global stage is left lazy for the caller.

    Tables are usable rows (`UsableTables.tables`), or for billing, load and events readable rows that
    still hold orphans and repeated load months (`UsableTables.readable`): orphans fall out at the join
    with customers, a repeated month counts its first row. E is `cfg.period_end` or the last period
    billed to an archive customer; the stage runs for the latest period in the file (`latest_hint`
    when the caller has it from a cheaper source, else one pass over the periods) and runs again only
    when that period belongs to orphans or unreadable rows alone. Raises DataError when billing has no
    usable periods or `cfg.period_end` lies outside them.
    """
    for required in ("customers", "billing"):
        if required not in tables:
            raise InputError(f"indicators need the {required!r} table ({TABLES[required].zh[0]})")
    requested = cfg.period_end
    guess = parse_period(requested) if requested else latest_hint or latest_period(tables["billing"])
    local, rows_seen = _collect_local(tables, cfg, guess) if guess else (None, {})
    first, last = (local[FIRST_PERIOD].min(), local[LAST_PERIOD].max()) if local is not None else (None, None)
    if last is None and guess is not None:
        raise DataError(_no_customer_billed(tables))
    period_end = choose_period_end(first, last, requested)
    if period_end != guess:
        local, rows_seen = _collect_local(tables, cfg, period_end)
    notes = () if requested else tuple(filter(None, [thin_period_end(local, period_end)]))
    return IndicatorResult(global_stage(local.lazy(), cfg), Windows(period_end), local, rows_seen, notes)


def thin_period_end(local: pl.DataFrame, period_end: dt.date) -> str | None:
    """A note when fewer than half of the billed active customers have their last bill in E: E, the latest
    period billed, then comes from a stray row of a later month or an export cut during E's billing run,
    and every window (SPEC §3) is shifted by it. In a whole month's export nearly every active customer's
    last bill is in E."""
    last = (
        scored_customers(local.lazy())
        .filter(pl.col(LAST_PERIOD).is_not_null())
        .group_by(LAST_PERIOD)
        .len()
        .sort("len", LAST_PERIOD, descending=[True, False])
        .collect()
    )
    billed = int(last["len"].sum())
    at_end = int(last.filter(pl.col(LAST_PERIOD) == period_end)["len"].sum())
    if 2 * at_end >= billed:
        return None
    common, many = last.row(0)
    end, usual = format_period(period_end), format_period(common)
    return Note(
        f"period end {end} is the last bill of {at_end:,} of {billed:,} billed active customers "
        f"({usual}: {many:,}); if {end} holds a stray row or is not fully billed, set --period-end",
        f"统计截止月 {end} 仅是 {billed:,} 户有账单的在用客户中 {at_end:,} 户的最后账期（{usual}：{many:,} 户）；"
        f"若 {end} 只有零星账单或尚未出账完毕，请用 --period-end 指定",
    )


def _no_customer_billed(tables: Mapping[str, pl.LazyFrame]) -> str:
    """Why no window can be set when billing has periods: none of its rows is an archive customer's."""

    def example(name: str) -> str:
        ids = tables[name].select(text(pl.col("customer_id"))).drop_nulls().head(1).collect()
        return repr(ids.item()) if ids.height else "none"

    billed = example("billing")
    if billed == "none":  # the score run passes unreadable rows with a null customer_id
        return (
            "billing has no usable periods, so no window can be set: no billing row could be read (each has a blank "
            "required value or an unreadable one, an amount included); `powercrm validate` names the cells"
        )
    return (
        "billing has no usable periods, so no window can be set: none of its rows belongs to a customer "
        f"of the archive (a billing customer_id: {billed}; an archive customer_id: {example('customers')}); "
        "check for ids that lost leading zeros or gained '.0' in an export"
    )


def null_counts(collected: pl.DataFrame) -> dict[str, int]:
    """Null count per indicator id (B11 … B42), to report."""
    return {i: collected[i].null_count() for i in INDICATORS}
