import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powercrm.segment.config import ScoringConfig
from powercrm.segment.scores import assign_scores, score_expr


def scores(values, **cfg):
    frame = pl.DataFrame({"B11": values}, schema={"B11": pl.Float64})
    return frame.select(score_expr("B11", ScoringConfig(**cfg)).alias("s"))["s"].to_list()


def test_quantile_is_ceil_5k_over_n():
    # N = 10: k = 1..10 -> ceil(5k/10) = 1,1,2,2,3,3,4,4,5,5
    assert scores([float(v) for v in range(10)]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_quantile_ties_share_the_better_score():
    # k for the three 2.0s is 4 (number of values <= 2.0), N = 5 -> ceil(20/5) = 4
    assert scores([1.0, 2.0, 2.0, 2.0, 3.0]) == [1, 4, 4, 4, 5]


def test_values_equal_to_9_significant_digits_are_ties():
    assert scores([0.1 + 0.2, 0.3, 0.1]) == [5, 5, 2]


def test_null_gets_null_score_and_is_not_counted_in_n():
    # N = 2 non-null values: ceil(5*1/2) = 3, ceil(5*2/2) = 5
    assert scores([None, 1.0, 2.0]) == [1, 3, 5]
    assert scores([None, 1.0, 2.0], null_score=3) == [3, 3, 5]


def test_lower_is_better_ranks_on_minus_value():
    assert scores([1.0, 2.0, 3.0, 4.0, 5.0], direction={"B11": "lower"}) == [5, 4, 3, 2, 1]


def test_equal_width_bins():
    assert scores([0.0, 0.19, 0.2, 0.5, 0.99, 1.0], method="equal_width") == [1, 1, 2, 3, 5, 5]
    assert scores([2.0, 2.0], method="equal_width") == [5, 5]


def test_thresholds_count_cut_points_at_or_below():
    cuts = {"B11": [0.2, 0.4, 0.6, 0.8]}
    assert scores([0.0, 0.2, 0.39, 0.6, 0.8, 1.0], method="thresholds", thresholds=cuts) == [1, 2, 2, 4, 5, 5]


values = st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=60)


def _by_definition(vals, lower=False):
    """SPEC §5.1 in plain Python: k = number of non-null values <= this one, N = non-null values."""
    keyed = [None if v is None else (-v if lower else v) for v in vals]
    known = [v for v in keyed if v is not None]
    return [1 if v is None else -(-5 * sum(u <= v for u in known) // len(known)) for v in keyed]


# few distinct values, so ties are common; 0.0 and -0.0 are one value
tied = st.lists(st.one_of(st.none(), st.sampled_from([-0.0, 0.0, 1.5, -2.0, 7.0, float("inf"), -float("inf")])), min_size=1, max_size=40)


@given(st.one_of(values, tied), st.booleans())
@settings(max_examples=300)
def test_quantile_scores_follow_the_definition(vals, lower):
    # the values are exact to 9 significant digits, so rounding leaves them as they are
    vals = [None if v is None else float(f"{v:.9g}") for v in vals]
    direction = {"B11": "lower"} if lower else {}
    assert scores(vals, direction=direction) == _by_definition(vals, lower)


@given(values)
@settings(max_examples=200)
def test_scores_lie_in_1_to_5(vals):
    assert all(1 <= s <= 5 for s in scores(vals))


@given(values, st.randoms(use_true_random=False))
@settings(max_examples=100)
def test_permuting_customers_permutes_scores(vals, rnd):
    order = list(range(len(vals)))
    rnd.shuffle(order)
    before = scores(vals)
    after = scores([vals[i] for i in order])
    assert after == [before[i] for i in order]


@given(values)
@settings(max_examples=200)
def test_a_larger_value_never_scores_lower(vals):
    s = scores(vals)
    pairs = [(v, x) for v, x in zip(vals, s) if v is not None]
    for v1, s1 in pairs:
        for v2, s2 in pairs:
            if v1 < v2:
                assert s1 <= s2


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=40), st.integers(0, 39), st.floats(1, 1e5))
@settings(max_examples=150)
def test_raising_one_customers_kwh_never_lowers_its_b11_score(kwh, who, extra):
    who %= len(kwh)
    share = [k / sum(kwh) if sum(kwh) else 0.0 for k in kwh]
    raised = list(kwh)
    raised[who] += extra
    share_raised = [k / sum(raised) for k in raised]
    assert scores(share_raised)[who] >= scores(share)[who]


def test_assign_scores_adds_every_score_column():
    frame = pl.LazyFrame({i: [0.1, 0.2] for i in ("B11", "B12")})
    out = assign_scores(frame, ScoringConfig(), ("B11", "B12")).collect()
    assert out.columns == ["B11", "B12", "s_B11", "s_B12"]
    assert out["s_B11"].to_list() == [3, 5]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"method": "median"}, "Input should be 'quantile', 'equal_width' or 'thresholds'"),
        ({"null_score": 0}, "null_score\n  Input should be greater than or equal to 1"),
        ({"null_score": 6}, "null_score\n  Input should be less than or equal to 5"),
        ({"thresholds": {"B11": [0.5, 0.1, 0.6, 0.7]}}, "B11: expected four non-decreasing cut points, got [0.5, 0.1, 0.6, 0.7]"),
        ({"thresholds": {"B99": [1, 2, 3, 4]}}, "unknown indicator 'B99'"),
    ],
)
def test_bad_config_is_rejected(bad, message):
    with pytest.raises(ValueError) as err:
        ScoringConfig(**bad)
    assert message in str(err.value)


def test_a_partial_thresholds_table_keeps_the_default_cut_points_for_the_others():
    """`thresholds = { B11 = [...] }` alone crashed with KeyError 'B12' in the middle of a run."""
    from powercrm.segment.config import DEFAULT_THRESHOLDS

    cfg = ScoringConfig(method="thresholds", thresholds={"B11": [0.05, 0.1, 0.2, 0.3]})
    assert cfg.thresholds["B11"] == [0.05, 0.1, 0.2, 0.3]
    assert all(cfg.thresholds[i] == list(DEFAULT_THRESHOLDS) for i in cfg.thresholds if i != "B11")
    assert len(cfg.thresholds) == 8
