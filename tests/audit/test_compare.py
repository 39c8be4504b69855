"""Threshold tests that ignore float rounding: a value on a SPEC §7 limit in decimals is not past it.

The rule cases are the ones an independent implementation of SPEC §7 found flagged on 2026-12-03.
"""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from powercrm.audit.compare import RELATIVE, above, below
from tests.audit.frames import audit, bills, customer, found

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@given(finite, finite)
def test_above_and_below_differ_from_strict_comparisons_only_within_rounding(value, limit):
    x = pl.lit(value, pl.Float64)
    is_above, is_below = pl.select(above(x, limit)).item(), pl.select(below(x, limit)).item()
    assert not (is_above and is_below)
    assert is_above <= (value > limit) and is_below <= (value < limit)
    margin = 2 * RELATIVE * abs(limit)
    assert is_above == (value > limit) or abs(value - limit) <= margin
    assert is_below == (value < limit) or abs(value - limit) <= margin


@given(finite, finite)
def test_a_limit_given_as_a_column_tests_as_the_number(value, limit):
    frame = pl.DataFrame({"x": [value], "limit": [limit]})
    assert frame.select(above(pl.col("x"), pl.col("limit"))).item() == pl.select(above(pl.lit(value), limit)).item()
    assert frame.select(below(pl.col("x"), pl.col("limit"))).item() == pl.select(below(pl.lit(value), limit)).item()


def test_decimal_results_on_the_limit_are_not_past_it():
    assert 128.3 - 127.3 > 1 and 2.3 * 744 < 1711.2 and 1.05 / 0.7 > 1.5 and 2.01 / 6.7 < 0.3  # binary noise
    assert not pl.select(above(pl.lit(128.3) - 127.3, 1.0)).item()
    assert not pl.select(above(pl.lit(1711.2), pl.lit(2.3) * 744)).item()
    assert not pl.select(above(pl.lit(1.05) / 0.7, 1.5)).item()
    assert not pl.select(below(pl.lit(2.01) / 6.7, 0.3)).item()
    assert pl.select(above(pl.lit(1.0001), 1.0)).item() and pl.select(below(pl.lit(0.2999), 0.3)).item()
    assert pl.select(above(pl.lit(None, pl.Float64), 1.0)).item() is None


def test_a05_capacities_1_kva_apart_in_decimals(tmp_path):
    customers = [
        customer("C1", contract_capacity_kva=128.3, transformer_capacity_kva=127.3),
        customer("C2", contract_capacity_kva=128.4, transformer_capacity_kva=127.3),
    ]
    assert found(audit(tmp_path, customers=customers, rules="A05"), "customer_id") == [("C2",)]


def test_u03_kwh_equal_to_capacity_times_hours(tmp_path):
    # 2.3 kVA x 744 h = 1711.2 kWh (1711.1999999999998 in binary)
    billing = bills("C1", kwh=[1711.2], start="2024-01") + bills("C2", kwh=[1711.3], start="2024-01")
    customers = [customer(c, contract_capacity_kva=2.3, transformer_capacity_kva=2.3) for c in ("C1", "C2")]
    assert found(audit(tmp_path, customers=customers, billing=billing, rules="U03"), "customer_id") == [("C2",)]


def test_u05_power_factor_equal_to_the_standard(tmp_path):
    # 1.2 / hypot(1.2, 0.9) = 0.8 (0.7999999999999999 in binary)
    billing = bills("C1", kwh=[1.2], kvarh=[0.9], start="2024-01") + bills("C2", kwh=[1.2], kvarh=[0.91], start="2024-01")
    customers = [customer(c, pf_standard=0.8) for c in ("C1", "C2")]
    assert found(audit(tmp_path, customers=customers, billing=billing, rules="U05"), "customer_id") == [("C2",)]


def test_u07_unit_price_on_the_band_edges(tmp_path):
    billing = bills("C1", kwh=[0.7, 6.7, 0.7, 6.7], amount_due=[1.05, 2.01, 1.06, 2.0], start="2024-01")
    result = audit(tmp_path, customers=[customer("C1")], billing=billing, rules="U07")
    assert found(result, "period") == [("2024-03",), ("2024-04",)]


def test_u08_overpayment_of_exactly_1_yuan(tmp_path):
    billing = bills("C1", kwh=[100, 100], amount_due=[127.02, 127.02], amount_paid=[128.02, 128.03], start="2024-01")
    result = audit(tmp_path, customers=[customer("C1")], billing=billing, rules="U08")
    assert found(result, "period") == [("2024-02",)]


def test_l01_loss_of_exactly_8_percent(tmp_path):
    # (3333.3 - 3066.636) / 3333.3 = 0.08 (0.08000000000000006 in binary)
    customers = [customer("C1", line_id="L1"), customer("C2", line_id="L2")]
    billing = bills("C1", kwh=[3066.636], start="2024-01") + bills("C2", kwh=[3066.6], start="2024-01")
    supply = [{"line_id": line, "period": "2024-01", "supplied_kwh": 3333.3} for line in ("L1", "L2")]
    assert found(audit(tmp_path, customers=customers, billing=billing, supply=supply, rules="L01"), "line_id") == [("L2",)]
