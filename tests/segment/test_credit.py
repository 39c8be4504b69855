from datetime import date

import polars as pl
import pytest

from powercrm.segment import credit
from powercrm.segment.config import CreditConfig

CFG = CreditConfig()


def run(rows):
    base = {"B31": 1.0, "B32": 1.0, credit.VIOLATIONS: 0, credit.THEFT_AMOUNT: None, credit.BOUNCED: 0, "late": 0}
    frame = pl.DataFrame([{**base, **r} for r in rows])
    return credit.with_credit(frame.lazy(), 0.03, 0.07, CFG, "late").select("credit_score", "credit_grade", "credit_flags").collect()


def test_score_is_weighted_mean_of_clipped_recovery_and_punctuality():
    out = run([{"B31": 1.2, "B32": 0.8}])
    # 100 * (0.03 * 1 + 0.07 * 0.8) / 0.1 = 86
    assert out["credit_score"].item() == pytest.approx(86.0)
    assert out["credit_grade"].item() == "B"


@pytest.mark.parametrize(
    ("b31", "b32", "grade"),
    [(1.0, 1.0, "A"), (0.9, 0.9, "A"), (0.75, 0.75, "B"), (0.6, 0.6, "C"), (0.59, 0.59, "D"), (None, 1.0, "unrated")],
)
def test_grade_cut_points(b31, b32, grade):
    assert run([{"B31": b31, "B32": b32}])["credit_grade"].item() == grade


def test_violations_cost_ten_points_each_and_clip_at_zero():
    out = run([{credit.VIOLATIONS: 2}, {credit.VIOLATIONS: 20}])
    assert out["credit_score"].to_list() == [80.0, 0.0]


def test_flags_force_d_or_cap_at_c():
    out = run(
        [
            {credit.THEFT_AMOUNT: 50_000.0},
            {credit.THEFT_AMOUNT: 49_999.0},
            {"late": 2},
            {credit.BOUNCED: 2},
            {"late": 2, "B31": None},
            {"late": 2, "B31": 0.1, "B32": 0.1},
        ]
    )
    assert out["credit_grade"].to_list() == ["D", "A", "C", "C", "C", "D"]
    assert out["credit_flags"].to_list() == ["theft_50k", "", "late_fee_2m", "bounced_2x", "late_fee_2m", "late_fee_2m"]


def test_event_counts_use_the_credit_window_and_the_last_12_months():
    events = pl.LazyFrame(
        {
            "customer_id": ["1"] * 6,
            "date": [date(2023, 1, 1), date(2022, 12, 31), date(2025, 1, 1), date(2025, 12, 31), date(2024, 12, 31), date(2025, 6, 1)],
            "kind": ["violation", "violation", "theft", "theft", "theft", "bounced_payment"],
            "amount": [None, None, 30_000.0, 20_000.0, 99_999.0, None],
        }
    )
    out = credit.event_counts(events, date(2025, 12, 1)).collect().row(0, named=True)
    assert out[credit.VIOLATIONS] == 1  # 2023-01-01 is E-35 (in); 2022-12-31 is out
    assert out[credit.THEFT_AMOUNT] == 50_000.0  # 2024-12-31 is before E-11
    assert out[credit.BOUNCED] == 1


def test_fee_level_and_supply_safety_only_for_important_customers():
    frame = pl.DataFrame(
        {
            "importance": ["level1", "special", "level2", "temporary", None],
            "amount_due_current": [10_000_000.0, 999_999.0, 100_000.0, None, 1e9],
            "backup_power": [True, False, True, None, True],
            "dual_supply": [True, True, None, None, True],
        }
    )
    out = frame.select(
        credit.fee_level_expr("amount_due_current", CFG).alias("fee"), credit.supply_safety_expr().alias("safety")
    )
    assert out["fee"].to_list() == ["D", "B", "B", "A", None]
    assert out["safety"].to_list() == ["A", "B", "C", "D", None]
