"""Realism bounds of the clean data (customers that no anomaly touched)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from powercrm.sample import SampleData, generate, reference
from powercrm.sample.ids import id_number_ok, phone_ok, resident_id_ok, uscc_ok


def clean_ids(data: SampleData) -> pl.Series:
    touched = data.ground_truth["customer_id"].drop_nulls().unique()
    return data.customers.filter(~pl.col("customer_id").is_in(touched.implode()))["customer_id"]


def monthly(data: SampleData) -> pl.DataFrame:
    """Clean customer-months with the customer's archive fields."""
    ids = clean_ids(data).implode()
    m = (
        data.billing.filter(pl.col("customer_id").is_in(ids))
        .group_by("customer_id", "period")
        .agg(pl.col("kwh", "kvarh", "amount_due").sum())
    )
    return m.join(data.customers, on="customer_id")


def test_class_mix_is_mostly_residential(data: SampleData) -> None:
    share = data.customers["customer_class"].value_counts(normalize=True).sort("proportion", descending=True)
    assert share["customer_class"][0] == "residential"
    assert 0.75 < share["proportion"][0] < 0.93
    assert set(share["customer_class"]) >= {"commercial", "general_industry", "large_industry", "agricultural"}


def test_power_factor_mostly_between_080_and_098(data: SampleData) -> None:
    m = monthly(data).with_columns(pf=pl.col("kwh") / (pl.col("kwh") ** 2 + pl.col("kvarh") ** 2).sqrt())
    inside = m.select(pl.col("pf").is_between(0.8, 0.98).mean()).item()
    assert inside > 0.9
    assert m.filter(pl.col("pf_standard").is_not_null()).select((pl.col("pf") >= pl.col("pf_standard")).all()).item()


def test_unit_price_between_040_and_120_by_class(data: SampleData) -> None:
    m = monthly(data).with_columns(price=pl.col("amount_due") / pl.col("kwh"))
    assert m["price"].is_between(0.4, 1.2).all()
    by_class = m.group_by("customer_class").agg(pl.col("price").median()).sort("price")
    assert by_class["customer_class"][0] == "agricultural"


def test_archive_fields_are_consistent(data: SampleData) -> None:
    c = data.customers.filter(pl.col("customer_id").is_in(clean_ids(data).implode()))
    v, cap = pl.col("voltage_kv"), pl.col("contract_capacity_kva")
    assert set(c["voltage_kv"].unique()) <= {0.22, 0.38, 10.0, 35.0, 110.0}
    assert c.filter(pl.col("customer_class") == "large_industry").select((cap >= 315).all() & (v >= 10).all()).item()
    assert c.filter(pl.col("customer_class") == "residential").select((v < 1).all()).item()
    assert c.filter(pl.col("customer_class") == "agricultural")["industry"].str.starts_with("A").all()
    assert c.filter(v == 0.22).select((cap <= 30).all()).item()
    # own transformers (专变) at 10 kV and above, their ratings add up to the contract capacity
    hv = c.filter(v >= 10)
    assert hv["transformer_count"].is_between(1, 3).all()
    assert (hv["transformer_capacity_kva"] == hv["contract_capacity_kva"]).all()
    assert c.filter(v < 1)["transformer_count"].is_null().all()
    # PT at 10 kV and above; power-factor standards by class and capacity
    assert hv["pt_ratio"].is_not_null().all()
    assert set(c["pf_standard"].drop_nulls().unique()) <= {0.8, 0.85, 0.9}
    assert c.filter(cap < 100)["pf_standard"].is_null().all()
    assert c.filter(pl.col("customer_class") == "residential")["pf_standard"].is_null().all()


def test_ct_ratios_where_needed_within_band(data: SampleData) -> None:
    c = data.customers.filter(pl.col("customer_id").is_in(clean_ids(data).implode()))
    v, cap = pl.col("voltage_kv"), pl.col("contract_capacity_kva")
    needed = c.filter((v >= 1) | (cap >= 100))
    not_needed = c.filter((v < 1) & (cap < 100))
    assert not_needed["ct_ratio"].is_null().all()
    primary = reference._ct_primary(pl.col("ct_ratio"))
    rated = cap / (math.sqrt(3) * v)
    ratio = needed.select((primary / rated).alias("r"))["r"]
    assert ratio.is_not_null().all() and ratio.is_between(0.8, 3.0).all()
    assert needed["ct_ratio"].str.contains("/").any() and (~needed["ct_ratio"].str.contains("/")).any()


def test_phones_and_ids_are_valid(data: SampleData) -> None:
    c = data.customers.filter(pl.col("customer_id").is_in(clean_ids(data).implode()))
    assert c.select(phone_ok(pl.col("phone")).all()).item()
    ids = c.filter(pl.col("id_number").is_not_null())
    assert ids.select(id_number_ok(pl.col("id_number")).all()).item()
    residents = ids.filter(pl.col("customer_class") == "residential")
    assert residents.select(resident_id_ok(pl.col("id_number")).all()).item()
    assert ids.filter(pl.col("customer_class") != "residential").select(uscc_ok(pl.col("id_number")).all()).item()
    births = residents["id_number"].str.slice(6, 8).str.to_date("%Y%m%d")
    assert births.dt.year().is_between(1920, 2006).all()
    # adults when they opened the account
    opened = residents["open_date"]
    assert ((opened - births).dt.total_days() >= 18 * 365).all()


def test_meters_unique_and_lines_hold_hundreds_of_customers(data: SampleData) -> None:
    c = data.customers.filter(pl.col("customer_id").is_in(clean_ids(data).implode()))
    assert c["meter_id"].n_unique() == c.height
    per_line = data.customers.filter(pl.col("voltage_kv") <= 10).group_by("line_id").len().drop_nulls()
    assert per_line["len"].max() >= 200
    per_area = data.customers.group_by("area_id").len().drop_nulls()
    assert per_area["len"].is_between(10, 210).all()


def test_load_consistent_with_energy_and_capacity(data: SampleData) -> None:
    ids = clean_ids(data).implode()
    load = data.load.filter(pl.col("customer_id").is_in(ids)).join(data.customers, on="customer_id")
    bills = data.billing.filter(pl.col("customer_id").is_in(ids)).group_by("customer_id", "period", maintain_order=True).agg(pl.col("kwh").first())
    j = load.join(bills, on=["customer_id", "period"])
    hours = pl.col("period").dt.days_in_month().cast(pl.Float64) * 24
    assert j.select(((pl.col("avg_load_kw") * hours - pl.col("kwh")).abs() <= 0.001 * hours + 0.5).all()).item()
    assert j.select((pl.col("max_load_kw") > pl.col("avg_load_kw")).all()).item()
    assert j.select((pl.col("max_load_kw") < pl.col("contract_capacity_kva")).all()).item()


def test_seasonality_and_trend_are_visible(data: SampleData) -> None:
    m = monthly(data).filter(pl.col("customer_class") == "residential")
    by_month = m.group_by(pl.col("period").dt.month().alias("m")).agg(pl.col("kwh").mean()).sort("m")
    summer, spring = by_month.filter(pl.col("m") == 8)["kwh"][0], by_month.filter(pl.col("m") == 4)["kwh"][0]
    assert summer > 1.2 * spring


def test_payments_mostly_on_time_with_some_late_fees_and_arrears(data: SampleData) -> None:
    b = data.billing.filter(pl.col("customer_id").is_in(clean_ids(data).implode()))
    paid_in_full = b.select((pl.col("amount_paid") == pl.col("amount_due")).mean()).item()
    assert 0.9 < paid_in_full < 0.999
    late = b.filter(pl.col("late_fee") > 0)
    assert late.height > 0
    assert (late["paid_date"] > late["due_date"]).all()
    on_time = b.filter((pl.col("late_fee") == 0) & pl.col("paid_date").is_not_null())
    assert (on_time["paid_date"] <= on_time["due_date"]).all()


def test_events_of_every_kind(data: SampleData) -> None:
    kinds = set(data.events["kind"].unique())
    assert kinds == {"theft", "violation", "bounced_payment", "late_payment"}
    assert (data.events["amount"] > 0).all()


@pytest.fixture(scope="module")
def larger() -> SampleData:
    return generate(8000, 36, 11)


def test_clean_lines_lose_between_0_and_8_percent(larger: SampleData) -> None:
    rates = reference.line_loss_rates(larger.customers, larger.billing, larger.supply)
    touched = larger.ground_truth.filter(pl.col("rule") == "L01")["line_id"].unique().implode()
    clean = rates.filter(~pl.col("line_id").is_in(touched))
    assert clean["line_id"].n_unique() >= 10
    assert clean["rate"].is_between(0.0, 0.08).all()
    assert clean["rate"].is_between(0.015, 0.06).mean() > 0.95


def test_clean_customers_trigger_no_rule_at_larger_scale(larger: SampleData) -> None:
    found = reference.findings(larger.customers, larger.billing, larger.load, larger.supply)
    touched = larger.ground_truth["customer_id"].drop_nulls().unique().implode()
    lines = larger.ground_truth.filter(pl.col("rule") == "L01")["line_id"].unique().implode()
    stray = found.filter(
        pl.when(pl.col("rule") == "L01").then(~pl.col("line_id").is_in(lines)).otherwise(~pl.col("customer_id").is_in(touched))
    )
    assert stray.height == 0, stray
