"""The criteria hierarchy: the paper's matrices give the published weights (SPEC §4 table and note)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powercrm.ahp.fuzzy import additive_consistency, lu_weights
from powercrm.ahp.hierarchy import HIERARCHY, INDICATORS, compose, validate_hierarchy_matrix, weigh_matrix
from powercrm.errors import ConfigError, MatrixError
from tests.ahp.strategies import admissible_a, complementary_matrices

PRINTED_CRITERIA = [[0.5, 0.6, 0.9, 0.7], [0.4, 0.5, 0.7, 0.7], [0.1, 0.3, 0.5, 0.4], [0.3, 0.3, 0.6, 0.5]]
CORRECTED_CRITERIA = [[0.5, 0.6, 0.9, 0.7], [0.4, 0.5, 0.7, 0.7], [0.1, 0.3, 0.5, 0.2], [0.3, 0.3, 0.8, 0.5]]
MATRICES = {
    "B1": [[0.5, 0.7], [0.3, 0.5]],
    "B2": [[0.5, 0.4], [0.6, 0.5]],
    "B3": [[0.5, 0.3], [0.7, 0.5]],
    "B4": [[0.5, 0.6], [0.4, 0.5]],
}
PUBLISHED_CRITERIA = {"B1": 0.367, "B2": 0.3, "B3": 0.1, "B4": 0.233}
PUBLISHED_GLOBAL = {"B11": 0.257, "B12": 0.110, "B21": 0.12, "B22": 0.18, "B31": 0.03, "B32": 0.07, "B41": 0.14, "B42": 0.093}


# --- the paper's numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("criterion", list(HIERARCHY))
def test_each_sub_matrix_gives_the_published_global_weights(criterion):
    local = lu_weights(MATRICES[criterion])
    for indicator, weight in zip(HIERARCHY[criterion], local):
        assert round(PUBLISHED_CRITERIA[criterion] * weight, 3) == PUBLISHED_GLOBAL[indicator]


def test_printed_criteria_matrix_gives_0_133_and_0_2():
    assert np.round(lu_weights(PRINTED_CRITERIA), 3).tolist() == [0.367, 0.3, 0.133, 0.2]


def test_r34_0_2_gives_the_published_criteria_weights():
    assert np.round(lu_weights(CORRECTED_CRITERIA), 3).tolist() == list(PUBLISHED_CRITERIA.values())


def test_consistent_from_the_first_row_gives_the_published_criteria_weights():
    first = np.array(PRINTED_CRITERIA[0])
    R = first[None, :] - first[:, None] + 0.5  # r_ij = r_1j − r_1i + 0.5
    assert additive_consistency(R).is_consistent
    np.testing.assert_allclose(R, [[0.5, 0.6, 0.9, 0.7], [0.4, 0.5, 0.8, 0.6], [0.1, 0.2, 0.5, 0.3], [0.3, 0.4, 0.7, 0.5]], atol=1e-12)
    assert np.round(lu_weights(R), 3).tolist() == list(PUBLISHED_CRITERIA.values())


def test_composed_printed_matrices_differ_from_the_published_weights_only_in_b3_b4():
    result = compose(PRINTED_CRITERIA, MATRICES)
    rounded = {k: round(w, 4) for k, w in result.global_weights().items()}
    assert rounded == {"B11": 0.2567, "B12": 0.11, "B21": 0.12, "B22": 0.18, "B31": 0.04, "B32": 0.0933, "B41": 0.12, "B42": 0.08}
    assert [round(w, 3) for w in result.criteria.weights] == [0.367, 0.3, 0.133, 0.2]
    assert not result.criteria.consistency.consistent
    assert result.criteria.consistency.consistent_matrix is not None


def test_composed_corrected_matrices_give_every_published_global_weight():
    result = compose(CORRECTED_CRITERIA, MATRICES)
    assert {k: round(w, 3) for k, w in result.global_weights().items()} == PUBLISHED_GLOBAL
    assert sum(result.global_weights().values()) == pytest.approx(1.0)


def test_result_holds_every_level():
    result = compose(PRINTED_CRITERIA, MATRICES)
    assert result.method == "fuzzy" and result.a is None
    assert result.criteria.labels == ["B1", "B2", "B3", "B4"]
    assert result.groups["B2"].labels == ["B21", "B22"]
    assert result.groups["B2"].weight("B22") == pytest.approx(0.6)
    assert result.groups["B2"].consistency.consistent
    assert result.groups["B2"].consistency.consistent_matrix is None
    assert (result.criteria.a, result.groups["B2"].a) == (1.5, 0.5)  # (n − 1)/2 of each matrix
    row = result.indicators[3]
    assert (row.indicator, row.criterion) == ("B22", "B2")
    assert row.global_weight == pytest.approx(row.criterion_weight * row.local_weight)
    assert [r.indicator for r in result.indicators] == list(INDICATORS)


# --- options and methods ------------------------------------------------------------------------

def test_one_a_for_every_matrix():
    result = compose(PRINTED_CRITERIA, MATRICES, a=3.0)
    assert result.a == 3.0
    assert {result.criteria.a, *(group.a for group in result.groups.values())} == {3.0}
    np.testing.assert_allclose(result.groups["B1"].weights, lu_weights(MATRICES["B1"], 3.0))
    np.testing.assert_allclose(result.criteria.weights, lu_weights(PRINTED_CRITERIA, 3.0))


def test_a_too_small_for_the_criteria_matrix_names_it():
    # 1.0 suits the 2×2 matrices (≥ 0.5) but not the 4×4 criteria matrix (≥ 1.5)
    with pytest.raises(ConfigError, match=r"^matrix criteria: a = 1 is below \(n − 1\)/2 = 1.5"):
        compose(PRINTED_CRITERIA, MATRICES, a=1.0)


def test_saaty_hierarchy():
    criteria = [[1, 3, 5, 7], ["1/3", 1, 3, 5], ["1/5", "1/3", 1, 3], ["1/7", "1/5", "1/3", 1]]
    matrices = {key: [[1, 2], ["1/2", 1]] for key in HIERARCHY}
    result = compose(criteria, matrices, method="saaty", a=5.0)
    assert result.a is None and result.criteria.a is None  # Saaty has no a
    assert result.criteria.consistency.measure == "CR"
    assert result.criteria.consistency.details["RI"] == 0.90
    assert round(result.criteria.consistency.value, 3) == 0.043
    assert result.criteria.consistency.consistent
    assert result.global_weights()["B11"] == pytest.approx(result.criteria.weights[0] * 2 / 3)
    assert sum(result.global_weights().values()) == pytest.approx(1.0)


def test_fuzzy_matrices_are_not_saaty_matrices():
    with pytest.raises(MatrixError, match=r"^matrix criteria: a\[3,1\] = 0.1 is outside Saaty's scale"):
        compose(PRINTED_CRITERIA, MATRICES, method="saaty")


def test_inconsistent_saaty_matrix_carries_a_warning():
    result = weigh_matrix([[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]], ["x", "y", "z"], "experts", "saaty")
    assert not result.consistency.consistent
    assert result.consistency.warning.startswith("matrix experts: CR = 6.130 ≥ 0.1")


# --- shape errors -------------------------------------------------------------------------------

def test_missing_criterion_matrix():
    with pytest.raises(MatrixError, match=r"^matrices: missing the matrix of B3, B4"):
        compose(PRINTED_CRITERIA, {k: MATRICES[k] for k in ("B1", "B2")})


def test_unknown_criterion():
    with pytest.raises(MatrixError, match=r"^matrices: unknown criterion 'B5' \(expected B1, B2, B3, B4\)"):
        compose(PRINTED_CRITERIA, MATRICES | {"B5": [[0.5]]})


def test_wrong_size_names_the_expected_rows():
    with pytest.raises(MatrixError, match=r"^matrix B2 is 3×3, expected 2×2 \(B21, B22\)$"):
        compose(PRINTED_CRITERIA, MATRICES | {"B2": [[0.5] * 3] * 3})
    with pytest.raises(MatrixError, match=r"^matrix weights.criteria_matrix is 2×2, expected 4×4 \(B1, B2, B3, B4\)$"):
        validate_hierarchy_matrix("criteria", [[0.5, 0.5], [0.5, 0.5]], "fuzzy", "weights.criteria_matrix")


def test_bad_cell_in_a_sub_matrix_is_named():
    with pytest.raises(MatrixError, match=r"^matrix B3: r\[1,2\] \+ r\[2,1\] = 0.9, expected 1"):
        compose(PRINTED_CRITERIA, MATRICES | {"B3": [[0.5, 0.3], [0.6, 0.5]]})


# --- properties ---------------------------------------------------------------------------------

@given(
    st.data(),
    complementary_matrices(min_n=4, max_n=4),
    st.lists(complementary_matrices(min_n=2, max_n=2), min_size=4, max_size=4),
)
def test_global_weights_sum_to_1_and_are_non_negative(data, criteria, subs):
    result = compose(criteria, dict(zip(HIERARCHY, subs)), a=data.draw(admissible_a(4)))
    weights = np.array(list(result.global_weights().values()))
    assert weights.sum() == pytest.approx(1.0)
    assert (weights >= -1e-12).all()
