"""Consumption and billing rules U01-U09 on hand-made bills: exact findings, just inside and just outside each threshold."""

from __future__ import annotations

import pytest

from powercrm.audit.config import AuditConfig
from tests.audit.frames import CLEAN_KWH, audit, bills, customer, found


def test_clean_bills_break_no_consumption_rule(tmp_path):
    load = [{"customer_id": "C1", "period": b["period"], "avg_load_kw": 80, "max_load_kw": 200} for b in bills()]
    result = audit(tmp_path, customers=[customer("C1")], billing=bills("C1"), load=load, rules="consumption")
    assert found(result) == []


class TestU01:
    def test_runs_of_zero_months(self, tmp_path):
        billing = (
            bills("C1", kwh=[100, 0, 0, 0, 100, 0, 0, 100])
            + bills("C2", kwh=[100, 0, 0, 100, 0, 0, 0, 0])
            + bills("C3", kwh=[100, 0, 0, 0, 100], start="2023-01")
        )
        billing = [b for b in billing if not (b["customer_id"] == "C3" and b["period"] == "2023-03")]  # a gap breaks the run
        result = audit(tmp_path, customers=[customer(c) for c in ("C1", "C2", "C3")], billing=billing, rules="U01")
        assert found(result, "customer_id", "period", "value", "message_en") == [
            ("C1", "2023-02", 3.0, "zero kWh for 3 consecutive months, 2023-02 to 2023-04"),
            ("C2", "2023-05", 4.0, "zero kWh for 4 consecutive months, 2023-05 to 2023-08"),
        ]

    def test_adjustment_rows_are_summed_first(self, tmp_path):
        billing = bills("C1", kwh=[100, 0, 0, 100]) + [{"customer_id": "C1", "period": "2023-04", "kwh": -100}]
        result = audit(tmp_path, customers=[customer("C1")], billing=billing, rules="U01")
        assert found(result) == [("U01", "C1", "2023-02")]

    def test_cancelled_customers_are_not_audited(self, tmp_path):
        result = audit(tmp_path, customers=[customer("C1", status="cancelled")], billing=bills("C1", kwh=[0] * 6), rules="U01")
        assert found(result) == []


class TestU02:
    def test_drop_below_half_the_median_of_the_12_months_before(self, tmp_path):
        history = [100.0] * 12
        billing = (
            bills("C1", kwh=history + [49.9])
            + bills("C2", kwh=history + [50])  # exactly half: not below
            + bills("C3", kwh=[100] * 5 + [10])  # only 5 months of history
            + bills("C4", kwh=[100] * 30 + [10], start="2021-01")
        )
        result = audit(tmp_path, customers=[customer(c) for c in ("C1", "C2", "C3", "C4")], billing=billing, rules="U02")
        assert found(result, "customer_id", "period", "value", "threshold") == [("C1", "2024-01", 49.9, 50.0), ("C4", "2023-07", 10.0, 50.0)]

    def test_history_is_calendar_months_and_needs_6_present(self, tmp_path):
        # 2023-01..06 billed, 2023-07..12 missing: 2024-01's 12-month window holds 6 months -> assessed;
        # 2024-02's holds 5 (2023-02..06) plus 2024-01 = 6 -> assessed; C2 has one month fewer -> not assessed
        c1 = bills("C1", kwh=[100] * 6) + bills("C1", kwh=[40, 40], start="2024-01")
        c2 = bills("C2", kwh=[100] * 5, start="2023-02") + bills("C2", kwh=[40], start="2024-01")
        result = audit(tmp_path, customers=[customer("C1"), customer("C2")], billing=c1 + c2, rules="U02")
        assert found(result, "customer_id", "period", "threshold") == [("C1", "2024-01", 50.0), ("C1", "2024-02", 50.0)]


def test_u03_kwh_above_capacity_times_hours(tmp_path):
    # 400 kVA: January 744 h -> 297,600 kWh; February 2024 696 h -> 278,400 kWh
    billing = bills("C1", kwh=[297_600, 278_401], start="2024-01") + bills("C2", kwh=[297_601, 278_400], start="2024-01")
    result = audit(tmp_path, customers=[customer("C1"), customer("C2")], billing=billing, rules="U03")
    assert found(result, "customer_id", "period", "value", "threshold") == [("C1", "2024-02", 278_401.0, 278_400.0), ("C2", "2024-01", 297_601.0, 297_600.0)]


def test_u04_maximum_load_above_contract_capacity(tmp_path):
    load = [
        {"customer_id": "C1", "period": "2024-01", "avg_load_kw": 200, "max_load_kw": 400},
        {"customer_id": "C1", "period": "2024-02", "avg_load_kw": 200, "max_load_kw": 400.1},
    ]
    result = audit(tmp_path, customers=[customer("C1")], billing=bills("C1", kwh=[1, 1], start="2024-01"), load=load, rules="U04")
    assert found(result, "customer_id", "period", "value", "threshold") == [("C1", "2024-02", 400.1, 400.0)]


def test_u04_reads_interval_readings_too(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    readings = "C1,2024-01-05 00:15,300\nC1,2024-01-05 00:30,450\nC404,2024-01-05 00:30,1\nC1,yesterday,5\n"
    (directory / "load_interval.csv").write_text("customer_id,timestamp,load_kw\n" + readings)
    result = audit(tmp_path, customers=[customer("C1")], billing=bills("C1", kwh=[1], start="2024-01"), rules="U04")
    assert found(result, "customer_id", "period", "value") == [("C1", "2024-01", 450.0)]
    # an orphan's reading and an unreadable timestamp are counted, not used
    assert result.rows["load_interval"] == {"in": 4, "used": 2, "rejected": 2}


def test_u05_monthly_power_factor_below_the_customers_standard(tmp_path):
    # 80 kWh with 60 kvarh is PF 0.8 exactly
    billing = bills("C1", kwh=[80, 80, 80, 0], kvarh=[60, 60.1, None, 10], start="2024-01") + bills("C2", kwh=[80], kvarh=[100], start="2024-01")
    customers = [customer("C1", pf_standard=0.8), customer("C2", pf_standard=None)]
    result = audit(tmp_path, customers=customers, billing=billing, rules="U05")
    assert found(result, "customer_id", "period", "threshold") == [("C1", "2024-02", 0.8)]
    assert result.findings["value"].item() == pytest.approx(80 / (80**2 + 60.1**2) ** 0.5)


def test_u05_without_kvarh_column_is_a_note(tmp_path):
    billing = [{k: v for k, v in b.items() if k != "kvarh"} for b in bills("C1")]
    result = audit(tmp_path, customers=[customer("C1")], billing=billing, rules="U05")
    assert found(result) == [] and result.notes == ["U05: billing has no kvarh column; not checked"]


def test_u06_negative_values_and_inverted_load(tmp_path):
    billing = bills("C1", kwh=[100, 100, 100], start="2024-01") + [
        {"customer_id": "C1", "period": "2024-01", "kwh": -150},  # adjustment turns the month negative
        {"customer_id": "C1", "period": "2024-02", "kwh": -30},  # still positive after the adjustment
        {"customer_id": "C1", "period": "2024-03", "kwh": 0, "amount_paid": -200},
    ]
    load = [
        {"customer_id": "C1", "period": "2024-02", "avg_load_kw": 50, "max_load_kw": 49},
        {"customer_id": "C1", "period": "2024-03", "avg_load_kw": 50, "max_load_kw": 50},
    ]
    result = audit(tmp_path, customers=[customer("C1")], billing=billing, load=load, rules="U06")
    assert found(result, "period", "value", "message_en") == [
        ("2024-01", -50.0, "negative kWh (-50)"),
        ("2024-02", -1.0, "maximum load 49 kW below average load 50 kW"),
        ("2024-03", -130.0, "negative amount_paid (-130)"),
    ]


def test_u06_loads_are_shown_as_recorded_so_the_value_follows_from_them(tmp_path):
    load = [{"customer_id": "C1", "period": "2024-01", "avg_load_kw": 0.206, "max_load_kw": 0.174}]
    result = audit(tmp_path, customers=[customer("C1")], billing=bills("C1", kwh=[100], start="2024-01"), load=load, rules="U06")
    assert found(result, "value", "message_en", "evidence") == [
        (pytest.approx(-0.032), "maximum load 0.174 kW below average load 0.206 kW", "max_load_kw=0.174; avg_load_kw=0.206")
    ]


def test_u06_value_is_reported_without_float_noise(tmp_path):
    # 0.1 + 0.2 - 0.4 sums to -0.09999999999999998 in floats; an analyst's sheet shows -0.1
    billing = bills("C1", kwh=[100], start="2024-01") + [
        {"customer_id": "C1", "period": "2024-01", "kwh": 0, "late_fee": v} for v in (0.1, 0.2, -0.4)
    ]
    billing[0]["late_fee"] = 0
    result = audit(tmp_path, customers=[customer("C1")], billing=billing, rules="U06")
    assert found(result, "period", "value") == [("2024-01", -0.1)]


class TestU07:
    def test_unit_price_band_and_unbilled_energy(self, tmp_path):
        billing = bills("C1", kwh=[100] * 6, amount_due=[30, 29.9, 150, 150.1, 0, None], start="2024-01") + bills(
            "C2", kwh=[0], amount_due=[0], start="2024-01"
        )
        result = audit(tmp_path, customers=[customer("C1"), customer("C2")], billing=billing, rules="U07")
        assert found(result, "period", "value", "threshold", "message_en") == [
            ("2024-02", pytest.approx(0.299), 0.3, "unit price 0.299 元/kWh outside 0.3–1.5 元/kWh"),
            ("2024-04", pytest.approx(1.501), 1.5, "unit price 1.501 元/kWh outside 0.3–1.5 元/kWh"),
            ("2024-05", None, None, "100 kWh with zero or missing amount_due"),
            ("2024-06", None, None, "100 kWh with zero or missing amount_due"),
        ]

    def test_band_per_customer_class(self, tmp_path):
        cfg = AuditConfig()
        cfg.U07.unit_price_band_by_class = {"residential": [0.4, 0.8]}
        billing = bills("C1", kwh=[100], amount_due=[35], start="2024-01") + bills("C2", kwh=[100], amount_due=[35], start="2024-01")
        customers = [customer("C1", customer_class="residential"), customer("C2")]
        result = audit(tmp_path, customers=customers, billing=billing, rules="U07", cfg=cfg)
        assert found(result, "customer_id", "threshold") == [("C1", 0.4)]


class TestU08:
    def test_arrears_in_3_consecutive_months(self, tmp_path):
        due = [100.0] * 8
        billing = (
            bills("C1", kwh=[100] * 8, amount_due=due, amount_paid=[100, 0, 50, 99.99, 100, 0, 0, 100])
            + bills("C2", kwh=[100] * 8, amount_due=due, amount_paid=[0, 0, 100, 0, 0, 100, 0, 0])
        )
        result = audit(tmp_path, customers=[customer("C1"), customer("C2")], billing=billing, rules="U08")
        assert found(result, "customer_id", "period", "value", "severity", "message_en") == [
            ("C1", "2023-02", 3.0, "medium", "arrears in 3 consecutive months, 2023-02 to 2023-04, 150.01 元 in total"),
        ]

    def test_overpayment_above_1_yuan_is_low(self, tmp_path):
        billing = bills("C1", kwh=[100] * 3, amount_due=[100] * 3, amount_paid=[101, 101.01, 100.5])
        result = audit(tmp_path, customers=[customer("C1")], billing=billing, rules="U08")
        assert found(result, "period", "severity", "value", "threshold") == [("2023-02", "low", 1.01, 1.0)]  # to the fen, exactly

    def test_a_month_without_amount_paid_is_unknown_not_arrears(self, tmp_path):
        billing = bills("C1", kwh=[100] * 3, amount_due=[100] * 3, amount_paid=[None, None, None])
        result = audit(tmp_path, customers=[customer("C1")], billing=billing, rules="U08")
        assert found(result) == []


def test_cancelled_customers_bills_are_audited_apart_from_u01(tmp_path):
    """SPEC §7 restricts the archive rules and U01 ("while active") to active customers, not U02-U09:
    arrears left at cancellation (销户欠费) and a physically impossible month are findings."""
    billing = bills("C1", kwh=[100, 99_999, 0, 0, 0], amount_due=[60, 60, 60, 60, 60], amount_paid=[60, 0, 0, 0, 0])
    customers = [customer("C1", status="cancelled", contract_capacity_kva=50)]
    result = audit(tmp_path, customers=customers, billing=billing, rules="U01,U03,U08")
    assert found(result, "rule", "customer_id", "period") == [("U03", "C1", "2023-02"), ("U08", "C1", "2023-02")]


def test_u09_identical_kwh_in_6_consecutive_months(tmp_path):
    billing = (
        bills("C1", kwh=[100, 250, 250, 250, 250, 250, 250, 100])
        + bills("C2", kwh=[250] * 5 + [251])
        + bills("C3", kwh=[0] * 8)
        + bills("C4", kwh=CLEAN_KWH)
    )
    result = audit(tmp_path, customers=[customer(c) for c in ("C1", "C2", "C3", "C4")], billing=billing, rules="U09")
    assert found(result, "customer_id", "period", "value", "message_en") == [
        ("C1", "2023-02", 6.0, "identical 250 kWh for 6 consecutive months, 2023-02 to 2023-07 (estimated readings?)")
    ]
