"""The whole indicator run on a tiny hand-computed dataset (E = 2024-12).

Windows: current 2024-01…2024-12, previous 2023-01…2023-12, credit 2022-01…2024-12.

C1  10 kV, every kind of data; 2024-12 has a main bill and an adjustment bill (退补) to be summed.
C2  0.4 kV, overpays, no late_fee column values, load only as interval readings.
C3  no bills in the current window (only 2023-03), load rows whose max is 0.
C4  no bills at all.
C5  cancelled: not scored, and its kWh is in no total.
C6  110 kV, kWh falling, amount_due 0.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powercrm.errors import DataError, InputError
from powercrm.indicators import AUX_COLUMNS, OUTPUT_COLUMNS, IndicatorConfig, compute_indicators, null_counts
from powercrm.indicators.pipeline import _order_free_sum, customer_local, global_stage
from tests.indicators.frames import month, table

CUSTOMERS = table(
    "customers",
    [
        {"customer_id": "C1", "voltage_kv": 10.0, "customer_class": "general_industry", "importance": "level1", "backup_power": True},
        {"customer_id": "C2", "voltage_kv": 0.4, "customer_class": "residential", "status": "active"},
        {"customer_id": "C3", "voltage_kv": None, "customer_class": "commercial"},
        {"customer_id": "C4", "voltage_kv": 10.0},
        {"customer_id": "C5", "voltage_kv": 10.0, "status": "cancelled"},
        {"customer_id": "C6", "voltage_kv": 110.0, "dual_supply": True},
    ],
)


def bill(customer: str, period: str, kwh: float, **values: float | None) -> dict:
    return {"customer_id": customer, "period": month(period), "kwh": kwh, **values}


BILLING_ROWS = [
    bill("C1", "2022-06", 500, amount_due=250, amount_paid=250),
    bill("C1", "2023-12", 1000, kvarh=500, amount_due=500, amount_paid=500),
    bill("C1", "2024-06", 2000, kvarh=1000, amount_due=1000, amount_paid=1000, late_fee=0),
    bill("C1", "2024-12", 1500, amount_due=800, amount_paid=700, late_fee=40),
    bill("C1", "2024-12", -100, amount_due=-50, amount_paid=-50),  # adjustment bill of the same month
    bill("C2", "2023-12", 500, amount_due=250, amount_paid=250),
    bill("C2", "2024-12", 600, kvarh=600, amount_due=300, amount_paid=330),
    bill("C3", "2023-03", 800, amount_due=400, amount_paid=0, late_fee=250),
    bill("C5", "2024-12", 99_999, amount_due=50_000),
    bill("C6", "2023-12", 2000),
    bill("C6", "2024-12", 1000, amount_due=0, amount_paid=0),
]

LOAD = table(
    "load",
    [
        {"customer_id": "C1", "period": month("2023-05"), "avg_load_kw": 999.0, "max_load_kw": 1000.0},  # outside
        {"customer_id": "C1", "period": month("2024-03"), "avg_load_kw": 50.0, "max_load_kw": 100.0},
        {"customer_id": "C1", "period": month("2024-09"), "avg_load_kw": 70.0, "max_load_kw": 140.0},
        {"customer_id": "C3", "period": month("2024-02"), "avg_load_kw": 0.0, "max_load_kw": 0.0},
    ],
)

LOAD_INTERVAL = table(
    "load_interval",
    [
        {"customer_id": "C2", "timestamp": dt.datetime(2024, 11, 30, 23, 45), "load_kw": 10.0},
        {"customer_id": "C2", "timestamp": dt.datetime(2024, 12, 1, 0, 0), "load_kw": 30.0},
        {"customer_id": "C2", "timestamp": dt.datetime(2024, 12, 1, 0, 15), "load_kw": 50.0},
        {"customer_id": "C2", "timestamp": dt.datetime(2025, 1, 1, 0, 0), "load_kw": 500.0},  # after E
    ],
)


def tables(billing_rows: list[dict] = BILLING_ROWS) -> dict[str, pl.LazyFrame]:
    return {"customers": CUSTOMERS, "billing": table("billing", billing_rows), "load": LOAD, "load_interval": LOAD_INTERVAL}


def run(cfg: IndicatorConfig | None = None, billing_rows: list[dict] = BILLING_ROWS) -> dict[str, dict]:
    result = compute_indicators(tables(billing_rows), cfg or IndicatorConfig())
    return {row["customer_id"]: row for row in result.frame.collect().iter_rows(named=True)}


@pytest.fixture(scope="module")
def out() -> dict[str, dict]:
    return run()


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_equal_months_summed_in_any_order_grow_by_exactly_zero(order):
    """100.1 + 200.2 + 300.3 is 600.6000000000001 added in one order and 600.6 in another: a growth of
    1e-13 was positive, so B42 ranked the customer above true zeros and moved M for everyone."""
    parts = [100.1, 200.2, 300.3]
    rows = [bill("C1", "2023-12", kwh) for kwh in parts] + [bill("C1", "2024-12", parts[i]) for i in order]
    rows += [bill("C2", "2023-12", 500), bill("C2", "2024-12", 600), bill("C4", "2023-12", 100), bill("C4", "2024-12", 100)]
    got = run(billing_rows=rows)
    assert got["C1"]["x_B41"] == 0.0 and got["C1"]["x_B42"] == 0.0 and got["C1"]["B42"] == 0.0
    assert got["C1"]["x_B11"] == 600.6


def test_one_row_per_scored_customer_in_customer_order_with_output_then_aux_columns():
    frame = compute_indicators(tables(), IndicatorConfig()).frame.collect()
    assert frame["customer_id"].to_list() == ["C1", "C2", "C3", "C4", "C6"]
    assert frame.columns == OUTPUT_COLUMNS + AUX_COLUMNS
    assert OUTPUT_COLUMNS[:5] == ["customer_id", "x_B11", "B11", "x_B12", "B12"]


def test_period_end_defaults_to_the_latest_billing_period():
    assert compute_indicators(tables(), IndicatorConfig()).period_end == dt.date(2024, 12, 1)


def test_energy_share_b11(out):
    # current kWh: C1 2000 + (1500 − 100) = 3400, C2 600, C6 1000; total 5000 (C5 cancelled, not counted)
    assert [out[c]["x_B11"] for c in ("C1", "C2", "C6")] == [3400, 600, 1000]
    assert [out[c]["B11"] for c in ("C1", "C2", "C6")] == [approx(0.68), approx(0.12), approx(0.2)]
    assert out["C3"]["B11"] is None and out["C4"]["B11"] is None  # no bills in the current window


def test_transmission_share_b12_by_voltage_when_no_fee_column(out):
    # C1 10 kV: 3400 × 0.15 = 510; C2 0.4 kV: 600 × 0.20 = 120; C6 110 kV: 1000 × 0.07 = 70; total 700
    assert [out[c]["x_B12"] for c in ("C1", "C2", "C6")] == [approx(510), approx(120), approx(70)]
    assert [out[c]["B12"] for c in ("C1", "C2", "C6")] == [approx(510 / 700), approx(120 / 700), approx(0.1)]
    assert out["C3"]["B12"] is None and out["C4"]["B12"] is None


def test_transmission_share_b12_from_the_fee_when_any_customer_has_one():
    rows = [dict(r) for r in BILLING_ROWS]
    rows[2]["transmission_fee"] = 100  # C1 2024-06
    rows[3]["transmission_fee"] = 50  # C1 2024-12
    rows[10]["transmission_fee"] = 50  # C6 2024-12
    got = run(billing_rows=rows)
    assert got["C1"]["x_B12"] == 150 and got["C6"]["x_B12"] == 50
    assert got["C1"]["B12"] == approx(0.75) and got["C6"]["B12"] == approx(0.25)
    assert got["C2"]["x_B12"] is None and got["C2"]["B12"] is None  # bills without a fee: not estimated


def test_load_rate_b21(out):
    # C1: mean(50, 70) / max(100, 140) = 60/140 (the 2023-05 row is outside the window)
    assert out["C1"]["x_B21"] == approx(60 / 140) and out["C1"]["B21"] == approx(60 / 140)
    # C2 from readings: Nov mean 10 max 10, Dec mean 40 max 50 (the 2025-01 reading is after E) → 25/50
    assert out["C2"]["B21"] == approx(0.5)
    assert out["C3"]["B21"] is None  # max 0
    assert out["C4"]["B21"] is None and out["C6"]["B21"] is None  # no load rows


def test_power_factor_b22(out):
    # C1: only 2024-06 has kvarh (2024-12 kvarh is null on both rows): 2000 / sqrt(2000² + 1000²)
    pf = 2000 / math.sqrt(2000**2 + 1000**2)
    assert out["C1"]["x_B22"] == approx(pf) and out["C1"]["B22"] == approx((pf - 0.7) / 0.2)
    pf2 = 600 / math.sqrt(600**2 + 600**2)  # 0.7071…
    assert out["C2"]["x_B22"] == approx(pf2) and out["C2"]["B22"] == pytest.approx((pf2 - 0.7) / 0.2, rel=1e-9)
    assert all(out[c]["B22"] is None for c in ("C3", "C4", "C6"))  # no kvarh


def test_recovery_rate_b31_and_punctuality_b32(out):
    # C1 credit window: due 250 + 500 + 1000 + (800 − 50) = 2500, paid 2400, late fee 40
    assert out["C1"]["B31"] == approx(0.96) and out["C1"]["x_B31"] == approx(0.96)
    assert out["C1"]["x_B32"] == approx(0.016) and out["C1"]["B32"] == approx((0.5 - 0.016) / 0.5)
    # C2 overpays: 580 / 550 is not clipped; no late fee recorded counts 0 → punctual
    assert out["C2"]["B31"] == approx(580 / 550) and out["C2"]["x_B32"] == 0 and out["C2"]["B32"] == 1
    # C3 paid nothing, late fee 250/400 = 0.625 ≥ a
    assert out["C3"]["B31"] == 0 and out["C3"]["x_B32"] == approx(0.625) and out["C3"]["B32"] == 0
    # C6 due 0, C4 no bills: null
    assert all(out[c][k] is None for c in ("C4", "C6") for k in ("x_B31", "B31", "x_B32", "B32"))


def test_growth_rate_b41(out):
    assert out["C1"]["x_B41"] == approx(2.4) and out["C1"]["B41"] == 1  # (3400 − 1000)/1000 ≥ r
    assert out["C2"]["x_B41"] == approx(0.2) and out["C2"]["B41"] == approx(0.2 / 0.3)
    assert out["C6"]["x_B41"] == approx(-0.5) and out["C6"]["B41"] == 0
    assert out["C3"]["B41"] is None  # current window without bills
    assert out["C4"]["B41"] is None


def test_growth_amount_b42_with_percentile_m(out):
    # x: C1 1400 − 1000 = 400, C2 600 − 500 = 100, C6 1000 − 2000 = −1000
    # M = PERCENTILE.INC([100, 400], 0.9) = 100 + 0.9 × 300 = 370
    assert [out[c]["x_B42"] for c in ("C1", "C2", "C6")] == [400, 100, -1000]
    assert out["C1"]["m_B42"] == approx(370)
    assert out["C1"]["B42"] == 1 and out["C2"]["B42"] == approx(100 / 370) and out["C6"]["B42"] == 0
    assert out["C3"]["B42"] is None  # month E has no kWh
    assert out["C4"]["B42"] is None


def test_growth_amount_b42_with_fixed_m():
    got = run(IndicatorConfig(m_policy="fixed", m_value=800))
    assert got["C1"]["B42"] == approx(0.5) and got["C2"]["B42"] == approx(0.125) and got["C1"]["m_B42"] == 800


def test_no_positive_growth_amount_gives_zero_not_null():
    rows = [r for r in BILLING_ROWS if r["customer_id"] in ("C3", "C6")]
    got = run(billing_rows=rows)
    assert got["C6"]["B42"] == 0 and got["C6"]["m_B42"] is None
    assert got["C3"]["B42"] is None


def test_aux_columns_for_scoring_and_credit(out):
    assert out["C1"]["amount_due_current"] == approx(1750)  # 1000 + 800 − 50
    assert out["C1"]["late_fee_periods"] == 1
    assert out["C3"]["late_fee_periods"] == 0  # its late fee is outside E−11…E
    assert out["C4"]["amount_due_current"] is None and out["C4"]["late_fee_periods"] == 0
    assert (out["C1"]["customer_class"], out["C1"]["importance"], out["C1"]["backup_power"]) == ("general_industry", "level1", True)
    assert out["C6"]["dual_supply"] is True


def test_late_fee_periods_count_months_not_rows():
    rows = [*BILLING_ROWS, bill("C1", "2024-12", 0, late_fee=5), bill("C1", "2024-01", 10, late_fee=3)]
    assert run(billing_rows=rows)["C1"]["late_fee_periods"] == 2


def test_a_month_with_kvarh_on_one_of_its_rows_counts_all_its_kwh_for_the_power_factor():
    # C2 2024-12 gets an adjustment row without kvarh: the month's kvarh is 600, its kWh 600 + 200
    rows = [*BILLING_ROWS, bill("C2", "2024-12", 200)]
    assert run(billing_rows=rows)["C2"]["x_B22"] == approx(800 / math.sqrt(800**2 + 600**2))


def test_a_late_fee_reversed_within_its_month_is_not_a_late_period():
    # C1 2024-12: late fee 40 reversed by −40 on an adjustment row; 2024-06 had 0 → no late month
    rows = [*BILLING_ROWS, bill("C1", "2024-12", 0, late_fee=-40)]
    assert run(billing_rows=rows)["C1"]["late_fee_periods"] == 0


def test_a_repeated_load_month_counts_its_first_row():
    load = pl.concat([LOAD, table("load", [{"customer_id": "C1", "period": month("2024-03"), "avg_load_kw": 5.0, "max_load_kw": 500.0}])])
    monthly_only = {name: lf for name, lf in tables().items() if name != "load_interval"}
    got = compute_indicators({**monthly_only, "load": load}, IndicatorConfig())
    local = got.local.filter(pl.col("customer_id") == "C1")
    assert got.frame.collect().filter(pl.col("customer_id") == "C1")["x_B21"].item() == approx(60 / 140)
    assert local["_rows_load"].item() == 3  # distinct months: 2023-05, 2024-03, 2024-09


def test_load_months_outside_the_counted_pages_still_count_once():
    # E = 2024-12; month bits cover the 126 months before it: 2010-01 (twice) lies before them, 2025-03 after E
    far = [
        {"customer_id": "C1", "period": month(p), "avg_load_kw": 5.0, "max_load_kw": 500.0} for p in ("2010-01", "2010-01", "2025-03")
    ]
    monthly_only = {name: lf for name, lf in tables().items() if name != "load_interval"}
    got = compute_indicators({**monthly_only, "load": pl.concat([LOAD, table("load", far)])}, IndicatorConfig(period_end="2024-12"))
    local = got.local.filter(pl.col("customer_id") == "C1")
    assert local["_rows_load"].item() == 5  # distinct: 2010-01, 2023-05, 2024-03, 2024-09, 2025-03
    assert got.frame.collect().filter(pl.col("customer_id") == "C1")["x_B21"].item() == approx(60 / 140)


def test_null_counts(out):
    frame = compute_indicators(tables(), IndicatorConfig()).frame.collect()
    assert null_counts(frame) == {"B11": 2, "B12": 2, "B21": 3, "B22": 3, "B31": 2, "B32": 2, "B41": 2, "B42": 2}


def test_period_end_moves_every_window():
    # E = 2023-12: current 2023-01…2023-12 holds C1 1000, C2 500, C3 800, C6 2000
    got = run(IndicatorConfig(period_end="2023-12"))
    assert got["C1"]["x_B11"] == 1000 and got["C3"]["x_B11"] == 800 and got["C3"]["B11"] == approx(800 / 4300)
    assert got["C1"]["x_B41"] == approx(1.0)  # previous 2022-01…2022-12 holds only 2022-06: 500
    assert got["C2"]["B41"] is None  # nothing billed in the previous window
    assert got["C1"]["B21"] == approx(999 / 1000)


def test_a_whole_months_export_gives_no_note():
    # C1, C2, C6 of the four billed active customers have their last bill in E; C3 in 2023-03
    assert compute_indicators(tables(), IndicatorConfig()).notes == ()


def test_a_stray_later_month_is_noted_as_period_end():
    stray = pl.concat([tables()["billing"], table("billing", [bill("C3", "2029-01", 5)])], how="diagonal_relaxed")
    result = compute_indicators({**tables(), "billing": stray}, IndicatorConfig())
    assert result.period_end == dt.date(2029, 1, 1)  # E is still the latest period billed (SPEC §3): only noted
    assert result.notes == (
        "period end 2029-01 is the last bill of 1 of 4 billed active customers (2024-12: 3); "
        "if 2029-01 holds a stray row or is not fully billed, set --period-end",
    )
    assert compute_indicators({**tables(), "billing": stray}, IndicatorConfig(period_end="2024-12")).notes == ()


@pytest.mark.parametrize("period_end", ["2022-05", "2025-01"])
def test_period_end_outside_the_billing_data_is_a_data_error(period_end):
    with pytest.raises(DataError, match="outside the billing data"):
        compute_indicators(tables(), IndicatorConfig(period_end=period_end))


def test_billing_without_rows_is_a_data_error():
    empty = table("billing", [bill("C1", "2024-01", 1)]).clear()
    with pytest.raises(DataError, match="no usable periods"):
        compute_indicators({"customers": CUSTOMERS, "billing": empty}, IndicatorConfig())


def test_billing_of_no_archive_customer_names_an_id_of_each_table():
    # an export that lost the ids' leading zeros: every bill is an orphan
    orphans = table("billing", [bill("33000001", "2024-01", 1), bill("33000002", "2024-01", 2)])
    with pytest.raises(DataError, match=r"none of its rows belongs to a customer of the archive \(a billing customer_id: '33000001'; an archive customer_id: 'C1'\)"):
        compute_indicators({"customers": CUSTOMERS, "billing": orphans}, IndicatorConfig())


def test_missing_billing_table_is_an_input_error():
    with pytest.raises(InputError, match="billing"):
        compute_indicators({"customers": CUSTOMERS}, IndicatorConfig())


def test_without_any_load_table_b21_is_null_for_everyone():
    result = compute_indicators({"customers": CUSTOMERS, "billing": table("billing", BILLING_ROWS)}, IndicatorConfig())
    assert result.frame.collect()["B21"].null_count() == 5


def test_customer_local_stage_of_one_customer_does_not_see_the_others():
    one = {name: lf.filter(pl.col("customer_id") == "C1") for name, lf in tables().items()}
    alone = customer_local(one, IndicatorConfig(), dt.date(2024, 12, 1))
    together = customer_local(tables(), IndicatorConfig(), dt.date(2024, 12, 1)).filter(pl.col("customer_id") == "C1")
    assert alone.equals(together)


def test_global_stage_output_is_lazy_until_the_caller_collects():
    local = customer_local(tables(), IndicatorConfig(), dt.date(2024, 12, 1)).lazy()
    assert isinstance(global_stage(local, IndicatorConfig()), pl.LazyFrame)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=30), data=st.data())
def test_share_totals_do_not_depend_on_the_order_of_customers(values, data):
    """0.1 + 0.2 + 0.3 is 0.6000000000000001, 0.3 + 0.2 + 0.1 is 0.6: score and indicators, which order
    customers differently, gave B12 totals one bit apart."""
    shuffled = data.draw(st.permutations(values))
    total = pl.select(_order_free_sum(pl.lit(pl.Series(values, dtype=pl.Float64)))).item()
    assert total == pl.select(_order_free_sum(pl.lit(pl.Series(shuffled, dtype=pl.Float64)))).item()
    assert total == pytest.approx(math.fsum(values), rel=1e-12)
    assert pl.select(_order_free_sum(pl.lit(pl.Series([0.3, 0.2, 0.1])))).item() == pl.select(_order_free_sum(pl.lit(pl.Series([0.1, 0.2, 0.3])))).item()
