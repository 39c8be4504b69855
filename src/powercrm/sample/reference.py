"""A plain reference implementation of the deterministic audit rules of SPEC §7 with their defaults.

It serves the sample generator (listing what an injected anomaly also triggers) and its tests
(a clean customer triggers nothing). The audit engine of powercrm is elsewhere; this module
exists so the ground truth does not depend on it. U10 (theft score) is not deterministic and is
not here.

Conventions taken where SPEC §7 leaves room (the generator avoids the ambiguous cases):
- archive rules run over active customers (status not cancelled); A04 counts a meter_id over
  active customers and flags every customer sharing it;
- monthly rules use customer-month sums of billing rows (several rows are summed; a column whose
  rows are all null stays null); "consecutive" means consecutive calendar months with a row;
- U05 only where kWh > 0 and kvarh is known; U07 unit price where kWh ≠ 0;
- U06 gives one finding per customer-month whatever the field (billing or load);
- L01 sums billed kWh by the customers' archive line_id, cancelled customers included.

Every function returns `rule, customer_id, line_id, period, detail` (period a Date or null).
"""

from __future__ import annotations

import polars as pl

from powercrm.sample.ids import id_number_ok, phone_ok

REQUIRED = (
    "name", "phone", "address", "customer_class", "tariff_code", "voltage_kv", "contract_capacity_kva",
    "line_id", "meter_id",
)
SCHEMA = {"rule": pl.String, "customer_id": pl.String, "line_id": pl.String, "period": pl.Date, "detail": pl.String}
LOSS_HIGH = 0.08
LOSS_LOW = -0.01
PRICE_BAND = (0.3, 1.5)
DROP_SHARE = 0.5
ZERO_RUN = 3
ARREARS_RUN = 3
FLAT_RUN = 6


def _blank(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.String:
        return col.is_null() | (col.str.strip_chars() == "")
    return col.is_null()


def _out(frame: pl.DataFrame, rule: str, detail: pl.Expr, period: pl.Expr | None = None) -> pl.DataFrame:
    return frame.select(
        rule=pl.lit(rule),
        customer_id=pl.col("customer_id") if "customer_id" in frame.columns else pl.lit(None, pl.String),
        line_id=pl.col("line_id") if "line_id" in frame.columns else pl.lit(None, pl.String),
        period=period if period is not None else pl.lit(None, pl.Date),
        detail=detail,
    ).cast(SCHEMA)


def _ct_primary(ratio: pl.Expr) -> pl.Expr:
    """Primary current of `400/5` (400) or of a bare multiplier `80` (80 × 5 A)."""
    s = ratio.str.strip_chars()
    parts = s.str.extract_groups(r"^(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)$")
    slash = parts.struct.field("1").cast(pl.Float64, strict=False)
    bare = s.str.extract(r"^(\d+(?:\.\d+)?)$", 1).cast(pl.Float64, strict=False) * 5
    return pl.coalesce(slash, bare)


def archive_findings(
    customers: pl.DataFrame, latest_birth: str = "2099-12-31", subset: pl.Series | None = None
) -> pl.DataFrame:
    """A01-A09 over active customers (only those in `subset` when given; A04 still counts every meter)."""
    c = customers.filter(pl.col("status").fill_null("active") != "cancelled")
    c = c.with_columns(_shared_meter=pl.col("meter_id").is_not_null() & pl.col("meter_id").is_duplicated())
    if subset is not None:
        c = c.filter(pl.col("customer_id").is_in(subset.implode()))
    schema = c.schema
    out = []
    blank = [pl.when(_blank(name, schema[name])).then(pl.lit(name)) for name in REQUIRED if name in schema]
    a01 = c.with_columns(_which=pl.concat_str(blank, separator=",", ignore_nulls=True)).filter(pl.col("_which") != "")
    out.append(_out(a01, "A01", pl.format("blank: {}", "_which")))
    phone = pl.col("phone")
    out.append(_out(c.filter(~_blank("phone", pl.String) & ~phone_ok(phone)), "A02", phone))
    idn = pl.col("id_number")
    out.append(_out(c.filter(~_blank("id_number", pl.String) & ~id_number_ok(idn, latest_birth)), "A03", idn))
    shared = c.filter("_shared_meter")
    out.append(_out(shared, "A04", pl.format("meter_id {} shared", "meter_id")))
    cap, tcap, v = pl.col("contract_capacity_kva"), pl.col("transformer_capacity_kva"), pl.col("voltage_kv")
    out.append(_out(c.filter((cap - tcap).abs() > 1), "A05", pl.format("contract {} vs transformers {}", cap, tcap)))
    cls = pl.col("customer_class")
    a06 = (
        ((cls == "large_industry") & (cap < 315))
        | ((cls == "agricultural") & pl.col("industry").str.contains(r"^[BCD]"))
        | ((cls == "residential") & (v >= 10))
    )
    out.append(_out(c.filter(a06.fill_null(False)), "A06", pl.format("{} {} kVA {} kV {}", cls, cap, v, pl.col("industry"))))
    a07 = ((v < 1) & (cap > 1000)) | (((v - 0.22).abs() < 1e-9) & (cap > 30))
    out.append(_out(c.filter(a07.fill_null(False)), "A07", pl.format("{} kVA at {} kV", cap, v)))
    needed = (v >= 1) | ((v < 1) & (cap >= 100))
    rated = cap / (3**0.5 * v)
    primary = _ct_primary(pl.col("ct_ratio"))
    a08 = needed & (primary.is_null() | (primary < 0.8 * rated) | (primary > 3 * rated))
    out.append(_out(c.filter(a08.fill_null(False)), "A08", pl.format("CT {} for rated {} A", pl.col("ct_ratio"), rated.round(1))))
    backup = pl.col("backup_power").fill_null(False)
    dual = pl.col("dual_supply").fill_null(False)
    a09 = pl.col("importance").is_not_null() & (~backup | ~dual)
    severity = pl.when(~backup & ~dual).then(pl.lit("high")).otherwise(pl.lit("medium"))
    out.append(_out(c.filter(a09), "A09", severity))
    return pl.concat(out)


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame sorted by customer_id then period (by one integer key; skipped if already sorted)."""
    cid, period = pl.col("customer_id"), pl.col("period")
    ordered = ((cid > cid.shift(1)) | ((cid == cid.shift(1)) & (period > period.shift(1)))).fill_null(True).all()
    if frame.height and frame.select(ordered).item():
        return frame
    month = period.dt.year().cast(pl.Int64) * 12 + period.dt.month().cast(pl.Int64)
    key = cid.rank("dense").cast(pl.Int64) * 1_000_000 + month
    return frame.with_columns(_key=key).sort("_key").drop("_key")


def _monthly(billing: pl.DataFrame) -> pl.DataFrame:
    """Customer-month sums (null where every row is null), sorted, with a break flag for gaps.

    Sort-based: only the customer-months with several rows are grouped (a group_by over tens of
    millions of nearly unique keys is far slower than a sort)."""
    cols = [c for c in ("kwh", "kvarh", "amount_due", "amount_paid", "late_fee", "transmission_fee") if c in billing.columns]
    b = _sorted(billing.select("customer_id", "period", *cols))
    same = (pl.col("customer_id") == pl.col("customer_id").shift(1)) & (pl.col("period") == pl.col("period").shift(1))
    b = b.with_columns(_same=same.fill_null(False))
    b = b.with_columns(_multi=pl.col("_same") | pl.col("_same").shift(-1).fill_null(False))
    if b["_multi"].any():
        agg = [pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(f"{c}_sum") for c in cols]
        several = b.filter("_multi").group_by("customer_id", "period").agg(agg)
        b = b.filter(~pl.col("_same")).join(several, on=["customer_id", "period"], how="left", maintain_order="left")
        b = b.select(
            "customer_id", "period", *[pl.when("_multi").then(pl.col(f"{c}_sum")).otherwise(pl.col(c)).alias(c) for c in cols]
        )
    else:
        b = b.select("customer_id", "period", *cols)
    index = pl.col("period").dt.year().cast(pl.Int64) * 12 + pl.col("period").dt.month().cast(pl.Int64)
    gap = (index - index.shift(1) != 1) | (pl.col("customer_id") != pl.col("customer_id").shift(1))
    return b.with_columns(_gap=gap.fill_null(True))


def _runs(m: pl.DataFrame, cond: pl.Expr, min_len: int, same: pl.Expr | None = None) -> pl.DataFrame:
    """First row of every run of `cond` over consecutive months (also requiring equal `same`) of ≥ min_len months.

    `m` is sorted by customer and period; a run starts at a gap, a new customer or a change of
    `cond` (or of `same`); its length is the distance to the next start."""
    flag = cond.fill_null(False)
    brk = pl.col("_gap") | (flag != flag.shift(1)).fill_null(True)
    if same is not None:
        brk = brk | (same != same.shift(1)).fill_null(True)
    starts = m.with_row_index("_i").with_columns(_flag=flag, _brk=brk).filter("_brk")
    starts = starts.with_columns(_len=(pl.col("_i").shift(-1).fill_null(m.height) - pl.col("_i")).cast(pl.Int64))
    return starts.filter(pl.col("_flag") & (pl.col("_len") >= min_len))


def monthly_findings(customers: pl.DataFrame, billing: pl.DataFrame, load: pl.DataFrame | None = None) -> pl.DataFrame:
    """U01-U09 for every customer in `billing` (and `load`)."""
    m = _monthly(billing).join(
        customers.select("customer_id", "contract_capacity_kva", "pf_standard").unique("customer_id", keep="first"),
        on="customer_id",
        how="left",
    )
    kwh, kvarh = pl.col("kwh"), pl.col("kvarh")
    due, paid = pl.col("amount_due"), pl.col("amount_paid")
    cap = pl.col("contract_capacity_kva")
    out = []
    u01 = _runs(m, kwh == 0, ZERO_RUN)
    out.append(_out(u01, "U01", pl.format("zero kWh for {} months", "_len"), pl.col("period")))
    median = kwh.rolling_median_by("period", window_size="12mo", min_samples=6, closed="left").over("customer_id")
    u02 = m.with_columns(_median=median).filter(kwh < DROP_SHARE * pl.col("_median"))
    out.append(_out(u02, "U02", pl.format("{} kWh vs median {}", kwh, "_median"), pl.col("period")))
    hours = pl.col("period").dt.days_in_month().cast(pl.Float64) * 24
    out.append(_out(m.filter(kwh > cap * hours), "U03", pl.format("{} kWh > {} kVA x {} h", kwh, cap, hours), pl.col("period")))
    pf = kwh / (kwh.pow(2) + kvarh.pow(2)).sqrt()
    u05 = m.filter((kwh > 0) & kvarh.is_not_null() & (pf < pl.col("pf_standard")))
    out.append(_out(u05, "U05", pl.format("PF {} < {}", pf.round(3), "pf_standard"), pl.col("period")))
    money = [c for c in ("kwh", "kvarh", "amount_due", "amount_paid", "late_fee", "transmission_fee") if c in m.columns]
    negative = pl.concat_str([pl.when(pl.col(c) < 0).then(pl.lit(c)) for c in money], separator=",", ignore_nulls=True)
    u06 = m.with_columns(_neg=negative).filter(pl.col("_neg") != "")
    u06 = _out(u06, "U06", pl.format("negative {}", "_neg"), pl.col("period"))
    if load is not None:
        lm = load.filter(pl.col("max_load_kw") < pl.col("avg_load_kw"))
        u06 = pl.concat([u06, _out(lm, "U06", pl.lit("max_load_kw < avg_load_kw"), pl.col("period"))])
        u04 = load.join(customers.select("customer_id", "contract_capacity_kva").unique("customer_id"), on="customer_id")
        u04 = u04.filter(pl.col("max_load_kw") > pl.col("contract_capacity_kva"))
        out.append(_out(u04, "U04", pl.format("max {} kW > {} kVA", "max_load_kw", "contract_capacity_kva"), pl.col("period")))
    out.append(u06.unique(["rule", "customer_id", "period"], keep="first"))
    price = due / kwh
    u07 = ((kwh > 0) & (due.is_null() | (due == 0))) | ((kwh != 0) & ((price < PRICE_BAND[0]) | (price > PRICE_BAND[1])))
    out.append(_out(m.filter(u07.fill_null(False)), "U07", pl.format("{} yuan for {} kWh", due, kwh), pl.col("period")))
    arrears = _runs(m, paid < due, ARREARS_RUN)
    out.append(_out(arrears, "U08", pl.format("arrears for {} months", "_len"), pl.col("period")))
    over = m.filter(paid > due + 1)
    out.append(_out(over, "U08", pl.format("overpayment {}", (paid - due).round(2)), pl.col("period")))
    flat = _runs(m, (kwh != 0) & kwh.is_not_null(), FLAT_RUN, same=kwh)
    out.append(_out(flat, "U09", pl.format("flat {} kWh for {} months", "kwh", "_len"), pl.col("period")))
    return pl.concat(out)


def line_loss_rates(customers: pl.DataFrame, billing: pl.DataFrame, supply: pl.DataFrame) -> pl.DataFrame:
    """Loss rate of every line and month of `supply`: `line_id, period, supplied_kwh, billed_kwh, rate`."""
    lines = customers.select("customer_id", "line_id").unique("customer_id", keep="first").filter(pl.col("line_id").is_not_null())
    billed = billing.join(lines, on="customer_id").group_by("line_id", "period").agg(pl.col("kwh").sum().alias("billed_kwh"))
    s = supply.filter(pl.col("line_id").is_not_null()).group_by("line_id", "period").agg(pl.col("supplied_kwh").sum())
    j = s.join(billed, on=["line_id", "period"], how="left").with_columns(pl.col("billed_kwh").fill_null(0.0))
    return j.with_columns(rate=(pl.col("supplied_kwh") - pl.col("billed_kwh")) / pl.col("supplied_kwh")).sort("line_id", "period")


def line_findings(customers: pl.DataFrame, billing: pl.DataFrame, supply: pl.DataFrame) -> pl.DataFrame:
    """L01 per line and month."""
    j = line_loss_rates(customers, billing, supply).filter((pl.col("rate") > LOSS_HIGH) | (pl.col("rate") < LOSS_LOW))
    return _out(j, "L01", pl.format("loss {}", pl.col("rate").round(4)), pl.col("period"))


def findings(
    customers: pl.DataFrame,
    billing: pl.DataFrame,
    load: pl.DataFrame | None = None,
    supply: pl.DataFrame | None = None,
    latest_birth: str = "2099-12-31",
) -> pl.DataFrame:
    """Every deterministic finding of the dataset (A01-A09, U01-U09, L01)."""
    parts = [archive_findings(customers, latest_birth), monthly_findings(customers, billing, load)]
    if supply is not None:
        parts.append(line_findings(customers, billing, supply))
    return pl.concat(parts).sort("rule", "customer_id", "line_id", "period", nulls_last=True)
