"""Consumption and billing rules U01–U09 (用电与电费稽查, SPEC §7) over the months of every archive
customer, cancelled ones included (arrears left at cancellation 销户欠费 are an audit finding); U01 over
active customers only, as the SPEC says ("while active").

Monthly rules give one finding per customer-month. Run rules (U01, U08 arrears, U09) give one per
run of consecutive calendar months that each have a billing row, dated at the run's first month.
"""

from __future__ import annotations

import polars as pl

from powercrm.audit.compare import above, below
from powercrm.audit.config import AuditConfig, U02Config
from powercrm.audit.data import CUSTOMER, AuditData, lag
from powercrm.audit.finding import empty_findings, findings, fmt, month_text, num, num_past, rule
from powercrm.notes import Note

RUN = "_run"


def runs(months: pl.LazyFrame, flag: pl.Expr, min_months: int, continues: pl.Expr | None = None) -> pl.LazyFrame:
    """The flagged customer-months of `months` (sorted by customer and month, as `AuditData.months`)
    that can be in a run of `min_months`, each labelled with the id of its run (`_run`).

    A run is a stretch of flagged rows of one customer in consecutive calendar months (month
    index step 1); `continues` adds a condition for a row to extend the run of the row before it
    (e.g. the same kWh). Run ids are a cumulative sum of run starts over the sorted rows: no loop.
    From two months on, a row alone in its run is dropped here: grouping every month of 35 M as a
    run of its own took 15 s for U09.
    """
    flagged = flag.fill_null(False)
    next_month = (pl.col("month") - lag(pl.col("month"))) == 1
    extends = lag(flagged).fill_null(False) & next_month.fill_null(False)
    if continues is not None:
        extends = extends & continues.fill_null(False)
    joined = pl.col("_flagged") & pl.col("_extends")  # in the run of the row before
    kept = pl.col("_flagged") & (joined | joined.shift(-1).fill_null(False)) if min_months > 1 else pl.col("_flagged")
    return (
        months.with_columns(_flagged=flagged, _extends=extends)
        .with_columns((pl.col("_flagged") & ~pl.col("_extends")).cum_sum().alias(RUN))
        .filter(kept)
        .drop("_flagged", "_extends")
    )


def run_summary(data: AuditData, flagged: pl.LazyFrame, min_months: int, *aggregates: pl.Expr) -> pl.LazyFrame:
    """One row per run of at least `min_months`: the customer's id, line and area, first and last period, months."""
    summary = (
        flagged.group_by(RUN)
        .agg(
            pl.col(CUSTOMER).first(),
            first=pl.col("period").min(),
            last=pl.col("period").max(),
            months=pl.len().cast(pl.Int64),
            *aggregates,
        )
        .filter(pl.col("months") >= min_months)
    )
    return data.archive(summary)


@rule("U01", "consumption", "连续零电量", "zero kWh for consecutive months", reads=("billing",))
def zero_consumption(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    n = cfg.U01.min_months
    # "while active" (SPEC §7): a cancelled customer's meter reads zero once it is cancelled
    hits = data.only_active(run_summary(data, runs(data.months, pl.col("kwh") == 0, n), n))
    return findings(
        hits,
        "U01",
        cfg.U01.severity,
        period=pl.col("first"),
        value=pl.col("months").cast(pl.Float64),
        threshold=pl.lit(float(n)),
        message_zh=fmt("{}至{}连续{}个月零电量", month_text(pl.col("first")), month_text(pl.col("last")), "months"),
        message_en=fmt("zero kWh for {} consecutive months, {} to {}", "months", month_text(pl.col("first")), month_text(pl.col("last"))),
        evidence=fmt("first={}; last={}; months={}", month_text(pl.col("first")), month_text(pl.col("last")), "months"),
    )


def _drop_candidates(months: pl.LazyFrame, c: U02Config) -> pl.LazyFrame:
    """The months that can be a sudden drop (`_candidate`), and the rows their history medians need.

    The rolling median is the slow part of U02 (a window per customer-month). A month below
    drop_ratio × its history's median is below drop_ratio × its history's maximum (NaN counts as the
    largest value in both), its history lies in the customer's `history_months` rows before it, and
    it has `min_history_months` of them. So the candidates come from a cheap rolling maximum over the
    rows before (other customers' rows only raise it) and the month `min_history_months` rows back,
    and the median is computed on the candidates and the rows before them only: the windows of the
    candidates, and so their medians, are the ones the full table gives.
    """
    span = c.history_months
    peak = pl.col("kwh").shift(1).rolling_max(span, min_samples=1)
    enough = (pl.col("month") - lag(pl.col("month"), c.min_history_months)) <= span
    candidate = ((pl.col("kwh") < peak * c.drop_ratio) & enough).fill_null(False)
    needed = pl.col("_candidate").cast(pl.Int8).reverse().rolling_max(span + 1, min_samples=1).reverse() > 0
    return months.with_columns(_candidate=candidate).filter(needed)


@rule("U02", "consumption", "电量突降", "sudden drop in kWh", reads=("billing",))
def sudden_drop(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    c = cfg.U02
    # the calendar months before this one ("closed left" leaves the month itself out); a month
    # without a billing row is simply absent, so min_samples counts the months present. The window
    # runs over customer and month index in one number: the same windows as `"12mo"` by period over
    # each customer, without a group per customer (half the time)
    time = pl.col(CUSTOMER).cast(pl.Int64) * 2**32 + pl.col("month")
    median = pl.col("kwh").rolling_median_by(time, window_size=f"{c.history_months}i", closed="left", min_samples=c.min_history_months)
    limit = pl.col("_median") * c.drop_ratio
    hits = data.archive(_drop_candidates(data.months, c).with_columns(_median=median).filter(pl.col("_candidate") & below(pl.col("kwh"), limit)))
    return findings(
        hits,
        "U02",
        c.severity,
        period=pl.col("period"),
        value=pl.col("kwh"),
        threshold=limit,
        message_zh=fmt(
            "电量{} kWh低于前{}个月中位数{} kWh的{}，疑似窃电",
            num(pl.col("kwh")), pl.lit(c.history_months), num(pl.col("_median")), pl.lit(f"{c.drop_ratio:.0%}"),
        ),
        message_en=fmt(
            "{} kWh is below {} of the median {} kWh of the previous {} months (theft suspicion)",
            num(pl.col("kwh")), pl.lit(f"{c.drop_ratio:.0%}"), num(pl.col("_median")), pl.lit(c.history_months),
        ),
        evidence=fmt("kwh={}; history_median={}; ratio={}", num(pl.col("kwh")), num(pl.col("_median")), num(pl.col("kwh") / pl.col("_median"), 3)),
    )


@rule("U03", "consumption", "电量超过容量上限", "kWh above the physical maximum", reads=("billing",))
def above_physical_maximum(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    hours = pl.col("period").dt.days_in_month().cast(pl.Float64) * 24
    limit = pl.col("contract_capacity_kva") * hours * cfg.U03.multiplier
    hits = data.archive(data.archive(data.months, "contract_capacity_kva").filter(above(pl.col("kwh"), limit)))
    return findings(
        hits,
        "U03",
        cfg.U03.severity,
        period=pl.col("period"),
        value=pl.col("kwh"),
        threshold=limit,
        message_zh=fmt(
            "电量{} kWh超过合同容量{} kVA满负荷运行{}小时的上限{} kWh（倍率或互感器变比错误？）",
            num_past(pl.col("kwh"), limit), num(pl.col("contract_capacity_kva")), num(hours), num(limit),
        ),
        message_en=fmt(
            "{} kWh exceeds {} kWh, the contract capacity {} kVA running flat out for {} hours (multiplier or CT ratio error?)",
            num_past(pl.col("kwh"), limit), num(limit), num(pl.col("contract_capacity_kva")), num(hours),
        ),
        evidence=fmt("kwh={}; contract_capacity_kva={}; hours={}", num(pl.col("kwh")), num(pl.col("contract_capacity_kva")), num(hours)),
    )


@rule("U04", "consumption", "最大负荷超过合同容量", "maximum load above contract capacity", reads=("load", "load_interval"))
def overload(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    if data.load is None:
        return empty_findings()
    limit = pl.col("contract_capacity_kva") * cfg.U04.capacity_factor
    hits = data.archive(data.archive(data.load, "contract_capacity_kva").filter(above(pl.col("max_load_kw"), limit)))
    return findings(
        hits,
        "U04",
        cfg.U04.severity,
        period=pl.col("period"),
        value=pl.col("max_load_kw"),
        threshold=limit,
        message_zh=fmt("最大负荷{} kW超过合同容量{} kVA，疑似私自增容", num_past(pl.col("max_load_kw"), limit), num(pl.col("contract_capacity_kva"))),
        message_en=fmt(
            "maximum load {} kW exceeds contract capacity {} kVA (private capacity increase?)",
            num_past(pl.col("max_load_kw"), limit), num(pl.col("contract_capacity_kva")),
        ),
        evidence=fmt("max_load_kw={}; avg_load_kw={}; contract_capacity_kva={}", num(pl.col("max_load_kw")), num(pl.col("avg_load_kw")).fill_null(""), num(pl.col("contract_capacity_kva"))),
    )


@rule("U05", "consumption", "功率因数不达标", "power factor below standard", reads=("billing",))
def low_power_factor(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    if not data.has("billing", "kvarh"):
        data.notes.append(Note("U05: billing has no kvarh column; not checked", "U05：电费账单没有无功电量（kvarh）列，未检查"))
        return empty_findings()
    kwh, kvarh = pl.col("kwh"), pl.col("kvarh")
    pf = kwh / (kwh.pow(2) + kvarh.pow(2)).sqrt()
    # a month without active energy has no meaningful power factor
    assessed = data.archive(data.months.filter((kwh > 0) & kvarh.is_not_null()), "pf_standard")
    hits = data.archive(assessed.with_columns(_pf=pf).filter(below(pl.col("_pf"), pl.col("pf_standard"))))
    return findings(
        hits,
        "U05",
        cfg.U05.severity,
        period=pl.col("period"),
        value=pl.col("_pf"),
        threshold=pl.col("pf_standard"),
        message_zh=fmt("月功率因数{}低于考核标准{}", num_past(pl.col("_pf"), pl.col("pf_standard"), 3), num(pl.col("pf_standard"), 2)),
        message_en=fmt("monthly power factor {} below the standard {}", num_past(pl.col("_pf"), pl.col("pf_standard"), 3), num(pl.col("pf_standard"), 2)),
        evidence=fmt("kwh={}; kvarh={}", num(kwh), num(kvarh)),
    )


_NEGATIVE = {
    "kwh": ("有功电量", "kWh"),
    "kvarh": ("无功电量", "kvarh"),
    "amount_due": ("应收电费", "amount_due"),
    "amount_paid": ("实收电费", "amount_paid"),
    "late_fee": ("违约金", "late_fee"),
    "transmission_fee": ("输电费用", "transmission_fee"),
}


@rule("U06", "consumption", "负值或负荷异常", "negative values or load inconsistent", reads=("billing", "load", "load_interval"))
def negative_values(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    load_inverted = pl.col("max_load_kw") < pl.col("avg_load_kw")
    negative = pl.any_horizontal((pl.col(c) < 0).fill_null(False) for c in _NEGATIVE)
    bills = data.months.select(CUSTOMER, "period", "month", *_NEGATIVE)
    if data.load is not None:
        # the customer-months with a problem on either side first, then both sides of those only:
        # a full join of every bill with every load row is two 35 M-row hash tables
        key = [CUSTOMER, "month"]
        flagged = pl.concat([bills.filter(negative).select(key), data.load.filter(load_inverted.fill_null(False)).select(key)]).unique()
        frame = bills.join(flagged, on=key, how="semi").join(
            data.load.join(flagged, on=key, how="semi").select(CUSTOMER, "period", "avg_load_kw", "max_load_kw"),
            on=[CUSTOMER, "period"],
            how="full",
            coalesce=True,
        )
    else:
        frame = bills.filter(negative).with_columns(avg_load_kw=pl.lit(None, pl.Float64), max_load_kw=pl.lit(None, pl.Float64))
    frame = data.archive(frame)
    problems = [(pl.col(c) < 0, pl.col(c)) for c in _NEGATIVE] + [(load_inverted, pl.col("max_load_kw") - pl.col("avg_load_kw"))]
    any_problem = pl.any_horizontal(p.fill_null(False) for p, _ in problems)

    def listing(parts: list[pl.Expr], separator: str) -> pl.Expr:
        return pl.concat_str(parts, separator=separator, ignore_nulls=True)

    zh = [pl.when(pl.col(c) < 0).then(fmt("{}为负（{}）", pl.lit(z), num(pl.col(c)))) for c, (z, _) in _NEGATIVE.items()]
    en = [pl.when(pl.col(c) < 0).then(fmt("negative {} ({})", pl.lit(e), num(pl.col(c)))) for c, (_, e) in _NEGATIVE.items()]
    # loads as recorded (0.174 kW, not 0.17): the value, max − avg, must follow from the two figures shown
    max_kw, avg_kw = num(pl.col("max_load_kw"), 6), num(pl.col("avg_load_kw"), 6)
    zh.append(pl.when(load_inverted).then(fmt("最大负荷{} kW低于平均负荷{} kW", max_kw, avg_kw)))
    en.append(pl.when(load_inverted).then(fmt("maximum load {} kW below average load {} kW", max_kw, avg_kw)))
    return findings(
        frame.filter(any_problem),
        "U06",
        cfg.U06.severity,
        period=pl.col("period"),
        value=pl.coalesce(pl.when(p).then(v) for p, v in problems),
        threshold=pl.lit(0.0),
        message_zh=listing(zh, "；"),
        message_en=listing(en, "; "),
        evidence=listing(
            [pl.when(pl.col(c) < 0).then(fmt(f"{c}={{}}", num(pl.col(c)))) for c in _NEGATIVE]
            + [pl.when(load_inverted).then(fmt("max_load_kw={}; avg_load_kw={}", max_kw, avg_kw))],
            "; ",
        ),
    )


def _class_bound(cfg: AuditConfig, side: int) -> pl.Expr:
    """U07 band edge (0 low, 1 high) for the customer's class: its override, else the default band."""
    bound = pl.lit(cfg.U07.unit_price_band[side])
    for klass, band in cfg.U07.unit_price_band_by_class.items():
        bound = pl.when(pl.col("customer_class") == klass).then(pl.lit(band[side])).otherwise(bound)
    return bound


@rule("U07", "consumption", "电费与电量不符", "bill inconsistent with energy", reads=("billing",))
def bill_inconsistent(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    if not data.has("billing", "amount_due"):
        data.notes.append(Note("U07: billing has no amount_due column; not checked", "U07：电费账单没有应收电费（amount_due）列，未检查"))
        return empty_findings()
    kwh, due = pl.col("kwh"), pl.col("amount_due")
    price = due / kwh
    low, high = _class_bound(cfg, 0), _class_bound(cfg, 1)
    unbilled = due.is_null() | (due == 0)
    # months outside the band of some class first, then the customer's own band on those months only
    bands = [cfg.U07.unit_price_band, *cfg.U07.unit_price_band_by_class.values()]
    outside = data.months.filter((kwh > 0) & (unbilled | below(price, max(b[0] for b in bands)) | above(price, min(b[1] for b in bands))))
    hits = data.archive(data.archive(outside, "customer_class").filter(unbilled | below(price, low) | above(price, high)))
    return findings(
        hits,
        "U07",
        cfg.U07.severity,
        period=pl.col("period"),
        value=pl.when(~unbilled).then(price),
        threshold=pl.when(unbilled).then(None).when(below(price, low)).then(low).otherwise(high),
        message_zh=pl.when(unbilled)
        .then(fmt("有功电量{} kWh但应收电费为零或空", num(kwh)))
        .otherwise(fmt("电价{}元/kWh不在{}–{}元/kWh之间", num_past(price, pl.when(below(price, low)).then(low).otherwise(high), 3), num(low), num(high))),
        message_en=pl.when(unbilled)
        .then(fmt("{} kWh with zero or missing amount_due", num(kwh)))
        .otherwise(fmt("unit price {} 元/kWh outside {}–{} 元/kWh", num_past(price, pl.when(below(price, low)).then(low).otherwise(high), 3), num(low), num(high))),
        evidence=fmt("kwh={}; amount_due={}; customer_class={}", num(kwh), num(due).fill_null(""), pl.col("customer_class").fill_null("")),
    )


@rule("U08", "consumption", "连续欠费或多缴", "arrears in consecutive months, or overpayment", reads=("billing",))
def arrears(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    c = cfg.U08
    absent = [col for col in ("amount_due", "amount_paid") if not data.has("billing", col)]
    if absent:
        data.notes.append(
            Note(f"U08: billing has no {' or '.join(absent)} column; not checked", f"U08：电费账单没有 {'、'.join(absent)} 列，未检查")
        )
        return empty_findings()
    # money is in fen: compare rounded amounts so float sums of adjustment bills do not make arrears
    due, paid = pl.col("amount_due").round(2), pl.col("amount_paid").round(2)
    owed = pl.col("_owed")
    runs_ = run_summary(data, runs(data.months.with_columns(_owed=due - paid), owed > 0, c.min_months), c.min_months, owed.sum().alias("owed"))
    arrear_runs = findings(
        runs_,
        "U08",
        c.severity,
        period=pl.col("first"),
        value=pl.col("months").cast(pl.Float64),
        threshold=pl.lit(float(c.min_months)),
        message_zh=fmt(
            "{}至{}连续{}个月欠费，共欠{}元", month_text(pl.col("first")), month_text(pl.col("last")), "months", num(pl.col("owed"))
        ),
        message_en=fmt(
            "arrears in {} consecutive months, {} to {}, {} 元 in total", "months", month_text(pl.col("first")), month_text(pl.col("last")), num(pl.col("owed"))
        ),
        evidence=fmt("first={}; last={}; months={}; owed={}", month_text(pl.col("first")), month_text(pl.col("last")), "months", num(pl.col("owed"))),
    )
    over = (paid - due).round(2)  # fen: 1.01 元, not 1.009999999999998
    overpaid = findings(
        data.archive(data.months.filter(above(over, c.overpayment_yuan))),
        "U08",
        c.overpayment_severity,
        period=pl.col("period"),
        value=over,
        threshold=pl.lit(c.overpayment_yuan),
        message_zh=fmt("实收电费{}元超过应收{}元，多缴{}元", num(paid), num(due), num(over)),
        message_en=fmt("paid {} 元 against {} 元 due: overpaid by {} 元", num(paid), num(due), num(over)),
        evidence=fmt("amount_due={}; amount_paid={}", num(due), num(paid)),
    )
    return pl.concat([arrear_runs, overpaid])


@rule("U09", "consumption", "电量长期不变（估抄）", "flat line: identical kWh", reads=("billing",))
def flat_line(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    n = cfg.U09.min_months
    kwh = pl.col("kwh").round(3)
    same = kwh == lag(kwh)
    hits = run_summary(data, runs(data.months, pl.col("kwh") != 0, n, continues=same), n, pl.col("kwh").first().alias("_kwh"))
    return findings(
        hits,
        "U09",
        cfg.U09.severity,
        period=pl.col("first"),
        value=pl.col("months").cast(pl.Float64),
        threshold=pl.lit(float(n)),
        message_zh=fmt(
            "{}至{}连续{}个月电量均为{} kWh，疑似估抄", month_text(pl.col("first")), month_text(pl.col("last")), "months", num(pl.col("_kwh"))
        ),
        message_en=fmt(
            "identical {} kWh for {} consecutive months, {} to {} (estimated readings?)", num(pl.col("_kwh")), "months", month_text(pl.col("first")), month_text(pl.col("last"))
        ),
        evidence=fmt("first={}; last={}; months={}; kwh={}", month_text(pl.col("first")), month_text(pl.col("last")), "months", num(pl.col("_kwh"))),
    )

