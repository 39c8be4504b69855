"""Archive rules A01-A09 on hand-made customers: exact findings, just inside and just outside each threshold."""

from __future__ import annotations

import math

import pytest

from powercrm.audit.config import AuditConfig
from tests.audit.frames import VALID_RESIDENT_ID, audit, customer, found


def ids(result, rule: str) -> list[str]:
    return [c for r, c, _ in found(result) if r == rule]


def test_a_clean_customer_breaks_no_archive_rule(tmp_path):
    result = audit(tmp_path, customers=[customer("C1"), customer("C2", id_number=VALID_RESIDENT_ID)], rules="archive")
    assert found(result) == []


class TestA01:
    def test_blank_and_whitespace_fields_give_one_finding_listing_them(self, tmp_path):
        result = audit(
            tmp_path,
            customers=[customer("C1", name="   ", phone=None), customer("C2"), customer("C3", name=None, status="cancelled")],
            rules="A01",
        )
        assert found(result, "rule", "customer_id", "value", "message_en", "message_zh", "evidence") == [
            ("A01", "C1", 2.0, "required fields blank: name, phone", "必填字段为空：户名、联系电话", "missing=name,phone")
        ]

    def test_a_column_the_export_lacks_is_a_note_not_a_finding_per_customer(self, tmp_path):
        rows = [{k: v for k, v in customer(c).items() if k != "tariff_code"} for c in ("C1", "C2")]
        rows[1]["meter_id"] = None
        result = audit(tmp_path, customers=rows, rules="A01")
        assert found(result, "customer_id", "message_en") == [("C2", "required fields blank: meter_id")]
        assert result.notes == ["A01: customers has no column tariff_code; not checked"]

    def test_the_field_list_is_configurable(self, tmp_path):
        cfg = AuditConfig()
        cfg.A01.fields = ["area_id"]
        result = audit(tmp_path, customers=[customer("C1", name=None)], rules="A01", cfg=cfg)
        assert found(result, "customer_id", "message_en") == [("C1", "required fields blank: area_id")]


def test_a02_invalid_phones_of_active_customers(tmp_path):
    customers = [
        customer("C1", phone="0571-88888888"),
        customer("C2", phone="1381234567"),
        customer("C3", phone=None),  # blank is A01's business
        customer("C4", phone="123", status="cancelled"),
    ]
    result = audit(tmp_path, customers=customers, rules="A02")
    assert found(result, "customer_id", "severity", "evidence") == [("C2", "low", "phone=1381234567")]


def test_a03_invalid_id_numbers_say_why(tmp_path):
    customers = [
        customer("C1", id_number=VALID_RESIDENT_ID),
        customer("C2", id_number="110105194912310021"),
        customer("C3", id_number="91350100M000100Y44"),
        customer("C4", id_number="110105194902300020"),  # right check digit, 30 February
        customer("C5", id_number="12345"),
        customer("C6", id_number=None),
    ]
    result = audit(tmp_path, customers=customers, rules="A03")
    assert found(result, "customer_id", "evidence") == [
        ("C2", "id_number=110105194912310021; problem=resident ID check character should be X"),
        ("C3", "id_number=91350100M000100Y44; problem=credit code check character should be 3"),
        ("C4", "id_number=110105194902300020; problem=resident ID birth date 19490230 is not a date"),
        ("C5", "id_number=12345; problem=5 characters, expected 18"),
    ]


def test_a03_credit_code_with_a_foreign_letter_or_a_letter_in_its_division_code(tmp_path):
    # 'I' is not in the GB 32100 alphabet: no check character is due, whatever the last one is
    customers = [customer("C1", id_number="91330100MA27XYI12B"), customer("C2", id_number="913301A0MA27XY112U")]
    result = audit(tmp_path, customers=customers, rules="A03")
    assert found(result, "customer_id", "evidence") == [
        ("C1", "id_number=91330100MA27XYI12B; problem=credit code has a letter outside its alphabet (I, O, Z, S, V)"),
        ("C2", "id_number=913301A0MA27XY112U; problem=credit code characters 3-8 (the administrative division) should be digits"),
    ]


class TestA04:
    def test_duplicate_customer_id(self, tmp_path):
        customers = [customer("C1"), customer("C1", name="第二行"), customer("C1", name="第三行"), customer("C2")]
        result = audit(tmp_path, customers=customers, rules="A04")
        assert found(result, "customer_id", "value", "message_en") == [("C1", 3.0, "customer_id appears in 3 archive rows")]

    def test_one_meter_on_several_active_customers(self, tmp_path):
        customers = [
            customer("C1", meter_id="M9"),
            customer("C2", meter_id="M9"),
            customer("C3", meter_id="M8"),
            customer("C4", meter_id="M8", status="cancelled"),  # a cancelled customer's meter moved on
        ]
        result = audit(tmp_path, customers=customers, rules="A04")
        assert found(result, "customer_id", "message_zh") == [("C1", "电能表M9登记在2户上"), ("C2", "电能表M9登记在2户上")]

    def test_both_problems_in_one_finding(self, tmp_path):
        customers = [customer("C1", meter_id="M9"), customer("C1"), customer("C2", meter_id="M9")]
        result = audit(tmp_path, customers=customers, rules="A04")
        assert found(result, "customer_id", "message_en") == [
            ("C1", "customer_id appears in 2 archive rows; meter M9 is registered on 2 customers"),
            ("C2", "meter M9 is registered on 2 customers"),
        ]


def test_a05_capacity_mismatch_beyond_1_kva(tmp_path):
    customers = [
        customer("C1", transformer_capacity_kva=401),  # exactly the tolerance: not flagged
        customer("C2", transformer_capacity_kva=401.5),
        customer("C3", contract_capacity_kva=500, transformer_capacity_kva=250, transformer_count=2),
        customer("C4", transformer_capacity_kva=None),
    ]
    result = audit(tmp_path, customers=customers, rules="A05")
    assert found(result, "customer_id", "value", "threshold", "severity") == [("C2", -1.5, 1.0, "high"), ("C3", 250.0, 1.0, "high")]


def test_a06_class_inconsistent(tmp_path):
    customers = [
        customer("C1", customer_class="large_industry", contract_capacity_kva=315, transformer_capacity_kva=315, ct_ratio="20/5"),
        customer("C2", customer_class="large_industry", contract_capacity_kva=314.9, transformer_capacity_kva=314.9, ct_ratio="20/5"),
        customer("C3", customer_class="agricultural", industry="C3011"),
        customer("C4", customer_class="agricultural", industry="A0111"),
        customer("C5", customer_class="residential", voltage_kv=10),
        customer("C6", customer_class="residential", voltage_kv=0.22, contract_capacity_kva=8),
        customer("C7", customer_class="agricultural", industry=None),
    ]
    result = audit(tmp_path, customers=customers, rules="A06")
    assert found(result, "customer_id", "value", "threshold", "message_en") == [
        ("C2", 314.9, 315.0, "large_industry with contract capacity 314.9 kVA below 315 kVA"),
        ("C3", None, None, "agricultural class with industrial industry code C3011"),
        ("C5", 10.0, 10.0, "residential class supplied at 10 kV"),
    ]


def test_a07_voltage_implausible_for_capacity(tmp_path):
    customers = [
        customer("C1", voltage_kv=0.4, contract_capacity_kva=1000),
        customer("C2", voltage_kv=0.4, contract_capacity_kva=1000.5),
        customer("C3", voltage_kv="220V", contract_capacity_kva=30),
        customer("C4", voltage_kv=0.22, contract_capacity_kva=31),
        customer("C5", voltage_kv=0.22, contract_capacity_kva=1500),  # both: the single-phase limit is reported
        customer("C6", voltage_kv=10, contract_capacity_kva=2000),
    ]
    result = audit(tmp_path, customers=customers, rules="A07")
    assert found(result, "customer_id", "value", "threshold") == [("C2", 1000.5, 1000.0), ("C4", 31.0, 30.0), ("C5", 1500.0, 30.0)]


class TestA08:
    RATED_10KV_400KVA = 400 / (math.sqrt(3) * 10)  # 23.09 A: band 18.48-69.28 A

    def test_primary_current_outside_the_band(self, tmp_path):
        customers = [
            customer("C1", ct_ratio="30/5"),
            customer("C2", ct_ratio="15/5"),  # 15 A < 0.8 x 23.09
            customer("C3", ct_ratio="75/5"),  # 75 A > 3 x 23.09
            customer("C4", ct_ratio="6"),  # bare: 6 x 5 A = 30 A
            customer("C5", ct_ratio="3"),  # bare: 15 A
            customer("C6", ct_ratio="20：1"),
        ]
        result = audit(tmp_path, customers=customers, rules="A08")
        rated = self.RATED_10KV_400KVA
        assert found(result, "customer_id", "value", "threshold") == [
            ("C2", 15.0, pytest.approx(0.8 * rated)),
            ("C3", 75.0, pytest.approx(3 * rated)),
            ("C5", 15.0, pytest.approx(0.8 * rated)),
        ]

    def test_band_edges_are_inside(self, tmp_path):
        # 0.4 kV, 100 kVA: rated 144.34 A; 0.8x = 115.47, 3x = 433.01
        customers = [
            customer("C1", voltage_kv=0.4, contract_capacity_kva=100, transformer_capacity_kva=100, ct_ratio="115.5/5"),
            customer("C2", voltage_kv=0.4, contract_capacity_kva=100, transformer_capacity_kva=100, ct_ratio="115.4/5"),
            customer("C3", voltage_kv=0.4, contract_capacity_kva=100, transformer_capacity_kva=100, ct_ratio="433/5"),
            customer("C4", voltage_kv=0.4, contract_capacity_kva=100, transformer_capacity_kva=100, ct_ratio="433.1/5"),
        ]
        result = audit(tmp_path, customers=customers, rules="A08")
        assert ids(result, "A08") == ["C2", "C4"]

    def test_a_needed_ct_without_a_readable_ratio(self, tmp_path):
        customers = [
            customer("C1", voltage_kv=0.4, contract_capacity_kva=99, transformer_capacity_kva=99, ct_ratio=None),  # direct meter
            customer("C2", voltage_kv=0.4, contract_capacity_kva=100, transformer_capacity_kva=100, ct_ratio=None),
            customer("C3", ct_ratio="abc"),
            customer("C4", ct_ratio="-"),  # how an export writes "no CT"
            customer("C5", ct_ratio="无"),
        ]
        result = audit(tmp_path, customers=customers, rules="A08")
        assert found(result, "customer_id", "value", "message_en") == [
            ("C2", None, "a current transformer is needed but no CT ratio is registered"),
            ("C3", None, "a current transformer is needed but the CT ratio 'abc' is unreadable"),
            ("C4", None, "a current transformer is needed but no CT ratio is registered"),
            ("C5", None, "a current transformer is needed but no CT ratio is registered"),
        ]


def test_a09_important_customers_supply(tmp_path):
    customers = [
        customer("C1", importance="level1", backup_power="是", dual_supply="是"),
        customer("C2", importance="level1", backup_power="否", dual_supply=None),
        customer("C3", importance="special", backup_power="有", dual_supply="无"),
        customer("C4", importance=None),
    ]
    result = audit(tmp_path, customers=customers, rules="A09")
    assert found(result, "customer_id", "severity", "value", "message_en") == [
        ("C2", "high", 2.0, "important customer (level1) without backup power and dual supply"),
        ("C3", "medium", 1.0, "important customer (special) without dual supply"),
    ]
    assert found(result, "message_zh") == [("重要客户（一级）无自备应急电源和双回路供电",), ("重要客户（特级）无双回路供电",)]


def test_archive_rules_skip_cancelled_customers(tmp_path):
    bad = {"name": None, "phone": "1", "id_number": "1", "transformer_capacity_kva": 1, "customer_class": "residential", "ct_ratio": None}
    result = audit(tmp_path, customers=[customer("C1", status="cancelled", **bad), customer("C2", status="销户", **bad)], rules="archive")
    assert found(result) == []
