import polars as pl
import pytest

from powercrm.segment.config import ScoringConfig
from powercrm.segment.value import CURRENT, POTENTIAL, axis_value, sample_origin, segment_expr, with_values

PUBLISHED = {"B11": 0.257, "B12": 0.110, "B21": 0.12, "B22": 0.18, "B31": 0.03, "B32": 0.07, "B41": 0.14, "B42": 0.093}


def test_papers_customers_land_in_their_quadrants():
    # SPEC §5.3: origin (2.2, 1.1); M (2.638, 1.059) maintain, N (2.261, 1.292) key, D (2.131, 1.309) develop
    frame = pl.DataFrame({CURRENT: [2.638, 2.261, 2.131, 2.0], POTENTIAL: [1.059, 1.292, 1.309, 1.0]})
    got = frame.select(segment_expr((2.2, 1.1)))["literal"].to_list()
    assert got == ["maintain", "key", "develop", "low_value"]


def test_on_the_origin_counts_as_high():
    frame = pl.DataFrame({CURRENT: [2.2], POTENTIAL: [1.1]})
    assert frame.select(segment_expr((2.2, 1.1))).item() == "key"


def test_average_score_3_3_on_every_indicator_gives_the_papers_origin():
    # The paper's origin (2.2, 1.1) is an average score of 3.3 on both axes with the published weights.
    frame = pl.DataFrame({f"s_{i}": [3.3] for i in PUBLISHED})
    out = frame.select(axis_value(["B1", "B2"], PUBLISHED).alias("c"), axis_value(["B3", "B4"], PUBLISHED).alias("p"))
    assert out.row(0) == pytest.approx((2.2011, 1.0989), abs=1e-9)


def test_values_are_weighted_sums_rounded_to_6_decimals():
    scores = {"s_B11": 5, "s_B12": 4, "s_B21": 3, "s_B22": 2, "s_B31": 1, "s_B32": 5, "s_B41": 4, "s_B42": 3}
    frame = pl.LazyFrame({k: [v] for k, v in scores.items()})
    out = with_values(frame, PUBLISHED, ScoringConfig()).collect()
    assert out[CURRENT].item() == round(0.257 * 5 + 0.110 * 4 + 0.12 * 3 + 0.18 * 2, 6)
    assert out[POTENTIAL].item() == round(0.03 * 1 + 0.07 * 5 + 0.14 * 4 + 0.093 * 3, 6)


def test_axis_split_is_configurable():
    scores = {f"s_{i}": [1] for i in PUBLISHED}
    cfg = ScoringConfig(current_axis=["B1"], potential_axis=["B2", "B3", "B4"])
    out = with_values(pl.LazyFrame(scores), PUBLISHED, cfg).collect()
    assert out[CURRENT].item() == pytest.approx(0.367)
    assert out[POTENTIAL].item() == pytest.approx(0.633)


def test_sample_origin_is_the_rounded_mean():
    frame = pl.DataFrame({CURRENT: [1.0, 2.0, 2.0], POTENTIAL: [1.0, 1.0, 2.0]})
    assert sample_origin(frame) == (1.666667, 1.333333)


def test_at_origin_places_customers_and_counts_the_moved():
    from powercrm.segment.value import at_origin

    frame = pl.DataFrame({"current_value": [1.0, 3.0, 3.0], "potential_value": [1.0, 3.0, 1.0], "segment": ["key", "key", "maintain"]})
    placed, moved = at_origin(frame, (2.0, 2.0))
    assert placed["segment"].to_list() == ["low_value", "key", "maintain"] and moved == 1
