"""Ground truth: every rule and variant present, and exactly what the SPEC §7 rules find.

`powercrm.sample.reference` implements the deterministic rules independently of the audit engine;
on the generated data its findings must equal the ground truth (injected cases plus their side
effects), so clean customers and lines trigger nothing and every injected case triggers its rule.
"""

from __future__ import annotations

import polars as pl

from powercrm.sample import TRUTH_SCHEMA, SampleData

RULES = {f"A0{i}" for i in range(1, 10)} | {f"U0{i}" for i in range(1, 10)} | {"U10", "U10_negative", "L01"}


def key(df: pl.DataFrame) -> set[tuple]:
    """(rule, customer or line, period) of each row."""
    target = pl.when(pl.col("rule") == "L01").then(pl.col("line_id")).otherwise(pl.col("customer_id"))
    rows = df.select("rule", target.alias("who"), pl.col("period").fill_null(""))
    return set(rows.iter_rows())


def test_truth_columns(data: SampleData) -> None:
    gt = data.ground_truth
    assert gt.schema == pl.Schema(TRUTH_SCHEMA)
    assert gt.filter(pl.col("rule") != "L01")["customer_id"].is_not_null().all()
    assert gt.filter(pl.col("rule") == "L01")["line_id"].is_not_null().all()
    assert gt["detail"].is_not_null().all() and (gt["detail"].str.len_chars() > 0).all()


def test_every_rule_is_injected(data: SampleData) -> None:
    injected = data.ground_truth.filter("injected")
    assert set(injected["rule"].unique()) == RULES


def test_every_variant_is_injected(data: SampleData) -> None:
    detail = data.ground_truth.filter("injected").group_by("rule").agg(pl.col("detail"))
    d = {row["rule"]: " | ".join(row["detail"]) for row in detail.iter_rows(named=True)}
    for needle in ("name blank", "whitespace-only", "full-width", "line_id blank", "meter_id blank", "voltage_kv blank"):
        assert needle in d["A01"]
    for needle in ("wrong check digit", "wrong check character", "impossible birth date", "15-digit"):
        assert needle in d["A03"]
    for needle in ("large_industry at", "agricultural class with industry", "residential class at 10 kV"):
        assert needle in d["A06"]
    assert "below 1 kV" in d["A07"] and "at 0.22 kV" in d["A07"]
    for needle in ("missing", "unparsable", "below 0.8x", "above 3x"):
        assert needle in d["A08"]
    assert "high:" in d["A09"] and "medium: no backup" in d["A09"] and "medium: no dual" in d["A09"]
    for needle in ("negative kWh", "negative kvarh", "max_load_kw below"):
        assert needle in d["U06"]
    for needle in ("zero amount_due", "amount_due missing", "too low", "too high"):
        assert needle in d["U07"]
    assert "arrears for" in d["U08"] and "overpayment" in d["U08"]
    assert "x10" in d["U03"] or "x100" in d["U03"]
    for needle in ("step", "gradual", "zero runs", "partial"):
        assert needle in d["U10"]
    for needle in ("downsized", "retrofit", "seasonal irrigation", "vacant home"):
        assert needle in d["U10_negative"]


def test_l01_has_a_high_and_a_negative_line(data: SampleData) -> None:
    loss = data.ground_truth.filter(pl.col("rule") == "L01")["detail"].str.extract(r"^loss (-?[\d.]+)%").cast(pl.Float64)
    assert (loss > 8).any() and (loss < -1).any()


def test_ground_truth_equals_reference_findings(data: SampleData, findings: pl.DataFrame) -> None:
    expected = key(data.ground_truth.filter(~pl.col("rule").str.starts_with("U10")))
    found = key(findings)
    assert found - expected == set(), "findings not in the ground truth (a clean customer or line triggered a rule)"
    assert expected - found == set(), "ground-truth rows the rules do not find (an injection that does not trigger)"


def test_side_effects_are_marked_and_name_their_cause(data: SampleData) -> None:
    side = data.ground_truth.filter(~pl.col("injected"))
    assert side["detail"].str.starts_with("side effect of ").all()
    injected = data.ground_truth.filter("injected")["customer_id"].unique().implode()
    assert side["customer_id"].is_in(injected).all()
    # the only side effects by design: drops and zero runs of U01/U10 customers are U01/U02 findings
    assert set(side["rule"].unique()) <= {"U01", "U02"}


def test_injections_are_rare(data: SampleData) -> None:
    injected = data.ground_truth.filter(pl.col("injected") & (pl.col("rule") != "L01"))
    per_rule = injected.group_by("rule").agg(pl.col("customer_id").n_unique().alias("customers"))
    assert (per_rule["customers"] <= 0.012 * data.customers.height).all()
    touched = injected["customer_id"].n_unique()
    assert touched < 0.1 * data.customers.height


def test_monthly_rows_have_periods_and_archive_rows_none(data: SampleData) -> None:
    gt = data.ground_truth
    archive = gt.filter(pl.col("rule").str.starts_with("A") | pl.col("rule").str.starts_with("U10"))
    assert archive["period"].is_null().all()
    monthly = gt.filter(pl.col("rule").str.contains(r"^U0\d$|^L01$"))
    assert monthly["period"].str.contains(r"^\d{4}-\d{2}$").all()


def test_theft_labels(data: SampleData) -> None:
    gt = data.ground_truth
    assert gt.filter(pl.col("rule") == "U10")["theft"].all()
    assert (~gt.filter(pl.col("rule") == "U10_negative")["theft"]).all()
    assert gt.filter(~pl.col("rule").str.starts_with("U10"))["theft"].is_null().all()


def test_theft_drops_are_not_trivially_separable(data: SampleData) -> None:
    """Positives drop 30-80 % after onset, and legitimate drops overlap that range."""
    gt = data.ground_truth.filter(pl.col("rule").str.starts_with("U10"))
    onset = gt["detail"].str.extract(r"from (\d{4}-\d{2})").str.to_date("%Y-%m")
    gt = gt.with_columns(onset=onset).filter(pl.col("onset").is_not_null())
    b = data.billing.group_by("customer_id", "period").agg(pl.col("kwh").sum()).join(gt, on="customer_id")
    ratio = b.group_by("customer_id", "rule").agg(
        (pl.col("kwh").filter(pl.col("period") >= pl.col("onset")).median()
         / pl.col("kwh").filter(pl.col("period") < pl.col("onset")).median()).alias("ratio")
    )
    theft = ratio.filter(pl.col("rule") == "U10")["ratio"]
    negative = ratio.filter(pl.col("rule") == "U10_negative")["ratio"]
    assert theft.median() < 0.85
    assert negative.min() < theft.max() and negative.max() > theft.min()
