import math
from collections import Counter
from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from powercrm.segment.grades import abc_class_expr, value_grade_expr
from powercrm.segment.value import CURRENT, POTENTIAL

SHARES = [0.10, 0.30, 0.50, 0.10]


def grades(totals, shares=SHARES):
    frame = pl.DataFrame({CURRENT: totals, POTENTIAL: [0.0] * len(totals)}, schema={CURRENT: pl.Float64, POTENTIAL: pl.Float64})
    return frame.select(value_grade_expr(shares).alias("g"))["g"].to_list()


def test_ten_distinct_customers_split_1_3_5_1():
    got = grades([float(v) for v in range(10, 0, -1)])
    assert got == ["special"] + ["level1"] * 3 + ["level2"] * 5 + ["level3"]


def test_ties_share_the_better_grade():
    # G for the tied pair is 1/10 -> level1 for both, although one of them would be the 3rd
    got = grades([10.0, 9.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0])
    assert got[:3] == ["special", "level1", "level1"]


def test_share_edges_are_exact_in_integers():
    # 0.1 + 0.3 = 0.4 exactly at N = 10: the 4th customer (G = 3/10) is level1, the 5th (G = 4/10) level2
    got = grades([float(v) for v in range(10, 0, -1)])
    assert got[3] == "level1" and got[4] == "level2"


@given(st.lists(st.integers(0, 50), min_size=1, max_size=300))
@settings(max_examples=150)
def test_grade_shares_match_the_config_within_one_customer(seed_values):
    totals = [float(i) + v / 100 for i, v in enumerate(seed_values)]  # distinct values
    n = len(totals)
    counts = Counter(grades(totals))
    labels = ("special", "level1", "level2", "level3")
    cumulative = Fraction(0)
    seen = 0
    for label, share in zip(labels, SHARES):
        cumulative += Fraction(str(share))
        assert abs(counts[label] - share * n) <= 1
        seen += counts[label]
        # G = i/n for the (i+1)-th customer, so exactly ceil(cumulative * n) customers have G < cumulative
        assert seen == math.ceil(cumulative * n)


def abc(amounts):
    frame = pl.DataFrame({"amount_due_current": amounts}, schema={"amount_due_current": pl.Float64})
    return frame.select(abc_class_expr("amount_due_current", [0.05, 0.15]).alias("c"))["c"].to_list()


def test_abc_top_5_percent_a_next_15_percent_b():
    got = abc([float(v) for v in range(20, 0, -1)])
    assert got == ["A"] + ["B"] * 3 + ["C"] * 16


def test_abc_no_or_zero_amount_is_c():
    got = abc([None, 0.0, -5.0] + [float(v) for v in range(17, 0, -1)])
    assert got[:3] == ["C", "C", "C"]
    assert got[3] == "A"


def test_abc_amounts_equal_to_the_fen_tie_whatever_the_summation_order():
    # 2595.46 summed in another order is 2595.4600000000005: both must rank as the same amount
    amounts = [5000.0, 2595.46, 2595.4600000000005, 2595.46] + [float(v) for v in range(16, 0, -1)]
    got = abc(amounts)
    assert got[1] == got[2] == got[3]


@given(st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=1, max_size=60), st.sampled_from([SHARES, [0.05, 0.15, 0.8], [0.0, 0.5, 0.5], [0.25, 0.25, 0.25]]))
@settings(max_examples=150)
def test_grade_is_the_first_label_whose_cumulative_share_exceeds_g(values, shares):
    # ties and missing totals: G = (customers with a strictly larger total) / N, in exact fractions
    frame = pl.DataFrame({CURRENT: values, POTENTIAL: [0.0] * len(values)}, schema={CURRENT: pl.Float64, POTENTIAL: pl.Float64})
    got = frame.select(value_grade_expr(shares).alias("g"))["g"].to_list()
    labels = ("special", "level1", "level2", "level3")
    cuts = [sum(Fraction(str(s)) for s in shares[: i + 1]) for i in range(3)]
    for value, grade in zip(values, got):
        if value is None:
            assert grade == "level3"
            continue
        g = Fraction(sum(1 for v in values if v is not None and v > value), len(values))
        assert grade == next((label for label, cut in zip(labels, cuts) if g < cut), "level3")
