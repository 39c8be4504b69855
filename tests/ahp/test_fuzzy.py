"""Fuzzy complementary matrices: validation messages, additive consistency, the transform, Lü's weights (SPEC §4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powercrm.ahp.fuzzy import additive_consistency, fuzzy_consistent, lu_weights, min_a, validate_complementary
from powercrm.errors import ConfigError, MatrixError
from tests.ahp.strategies import admissible_a, complementary_matrices, permutations

PRINTED_CRITERIA = [[0.5, 0.6, 0.9, 0.7], [0.4, 0.5, 0.7, 0.7], [0.1, 0.3, 0.5, 0.4], [0.3, 0.3, 0.6, 0.5]]


# --- validation ---------------------------------------------------------------------------------

def test_valid_matrix_comes_back_as_an_array():
    R = validate_complementary(PRINTED_CRITERIA, "B1..B4")
    assert R.shape == (4, 4)
    assert R[0, 2] == 0.9


def test_complementarity_message_names_matrix_and_cells():
    with pytest.raises(MatrixError) as err:
        validate_complementary([[0.5, 0.4], [0.5, 0.5]], "B1")
    assert str(err.value) == "matrix B1: r[1,2] + r[2,1] = 0.9, expected 1 (row 1 col 2 is 0.4, row 2 col 1 is 0.5)"


def test_complementarity_within_tolerance_is_accepted():
    validate_complementary([[0.5, 0.7 + 1e-9], [0.3, 0.5]], "B1")
    with pytest.raises(MatrixError, match=r"r\[1,2\] \+ r\[2,1\]"):
        validate_complementary([[0.5, 0.7 + 1e-3], [0.3, 0.5]], "B1")
    validate_complementary([[0.5, 0.7 + 1e-3], [0.3, 0.5]], "B1", tolerance=1e-2)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[0.5, 0.6], [0.4, 0.6]], r"^matrix X: r\[2,2\] = 0.6, expected 0.5 on the diagonal$"),
        ([[0.5, 1.2], [-0.2, 0.5]], r"^matrix X: r\[1,2\] = 1.2 is outside \[0, 1\]$"),
        ([[0.5, 0.6, 0.5], [0.4, 0.5, 0.5]], r"^matrix X: row 1 has 3 entries, expected 2"),
        ([[0.5, 0.6], [0.4]], r"^matrix X: row 2 has 1 entries, expected 2"),
        ([], r"^matrix X: expected a non-empty list of rows"),
        ([[0.5, math.nan], [0.5, 0.5]], r"^matrix X: r\[1,2\] = nan is not finite$"),
        ([[0.5, "abc"], [0.5, 0.5]], r"^matrix X: r\[1,2\]: 'abc' is not a number or a fraction like 1/3$"),
        ([[0.5, True], [0.5, 0.5]], r"^matrix X: r\[1,2\]: True is not a number$"),
        ("0.5", r"^matrix X: expected a non-empty list of rows"),
    ],
)
def test_invalid_matrix_message_names_the_cell(matrix, message):
    with pytest.raises(MatrixError, match=message):
        validate_complementary(matrix, "X")


def test_numbers_written_as_text_are_accepted():
    assert validate_complementary([["0.5", "0.7"], ["0.3", "0.5"]]).tolist() == [[0.5, 0.7], [0.3, 0.5]]


@given(complementary_matrices())
def test_generated_matrices_are_valid(R):
    validate_complementary(R)


# --- consistency and the consistent transform ----------------------------------------------------

def test_printed_criteria_matrix_is_not_consistent():
    # r12 = 0.6, but r13 − r23 + 0.5 = 0.9 − 0.7 + 0.5 = 0.7
    measure = additive_consistency(PRINTED_CRITERIA)
    assert measure.max_deviation == pytest.approx(0.1)
    assert not measure.is_consistent


@given(complementary_matrices(max_n=2))
def test_every_2x2_or_smaller_complementary_matrix_is_consistent(R):
    assert additive_consistency(R).is_consistent


def test_transform_of_the_printed_criteria_matrix():
    # row sums 2.7, 2.3, 1.3, 1.7; r'_ij = (r_i − r_j)/8 + 0.5
    expected = [[0.5, 0.55, 0.675, 0.625], [0.45, 0.5, 0.625, 0.575], [0.325, 0.375, 0.5, 0.45], [0.375, 0.425, 0.55, 0.5]]
    np.testing.assert_allclose(fuzzy_consistent(PRINTED_CRITERIA), expected, atol=1e-12)


@given(complementary_matrices())
def test_transform_is_complementary_and_consistent(R):
    transformed = fuzzy_consistent(R)
    validate_complementary(transformed, tolerance=1e-9)
    assert additive_consistency(transformed, tolerance=1e-9).is_consistent


# --- Lü's weights -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("matrix", "weights"),
    [
        ([[0.5, 0.7], [0.3, 0.5]], [0.7, 0.3]),
        ([[0.5, 0.4], [0.6, 0.5]], [0.4, 0.6]),
        ([[0.5, 0.3], [0.7, 0.5]], [0.3, 0.7]),
        ([[0.5, 0.6], [0.4, 0.5]], [0.6, 0.4]),
    ],
)
def test_2x2_default_a_gives_r12_and_r21(matrix, weights):
    np.testing.assert_allclose(lu_weights(matrix), weights, atol=1e-12)


def test_printed_criteria_matrix_gives_0_133_and_0_2_for_b3_b4():
    # w_i = 1/4 − 1/3 + r_i/6 with row sums 2.7, 2.3, 1.3, 1.7
    assert np.round(lu_weights(PRINTED_CRITERIA), 3).tolist() == [0.367, 0.3, 0.133, 0.2]


def test_1x1_matrix_takes_all_the_weight():
    assert lu_weights([[0.5]]).tolist() == [1.0]
    assert lu_weights([[0.5]], a=4).tolist() == [1.0]


@pytest.mark.parametrize("a", [1.0, 1.4999, -1.0, math.nan])
def test_a_below_half_n_minus_1_is_rejected(a):
    with pytest.raises(ConfigError, match=r"matrix criteria: a = .* is below \(n − 1\)/2 = 1.5 for this 4×4 matrix"):
        lu_weights(PRINTED_CRITERIA, a=a, name="criteria")


def test_a_at_the_bound_is_the_default():
    np.testing.assert_allclose(lu_weights(PRINTED_CRITERIA, a=1.5), lu_weights(PRINTED_CRITERIA))


@given(st.data(), complementary_matrices())
def test_weights_are_non_negative_and_sum_to_1(data, R):
    w = lu_weights(R, data.draw(admissible_a(len(R))))
    assert w.sum() == pytest.approx(1.0)
    assert (w >= -1e-12).all()


@given(st.data(), complementary_matrices(min_n=2))
def test_permuting_criteria_permutes_weights(data, R):
    order = data.draw(permutations(len(R)))
    a = data.draw(admissible_a(len(R)))
    np.testing.assert_allclose(lu_weights(R[np.ix_(order, order)], a), lu_weights(R, a)[order], atol=1e-12)


@st.composite
def weights_and_a(draw: st.DrawFn) -> tuple[np.ndarray, float]:
    """Weights w and an a ≥ (n − 1)/2 such that r_ij = 0.5 + a·(w_i − w_j) stays in [0, 1]."""
    n = draw(st.integers(2, 7))
    a = min_a(n) + draw(st.floats(0.0, 5.0))
    # millionths, not any float: with subnormal values (5e-324) the mean rounds off centre and w_i went negative
    u = np.array(draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n)), dtype=float) / 10**6
    spread = u.max() - u.min()
    if spread == 0:
        return np.full(n, 1 / n), a
    # a·|w_i − w_j| ≤ shrink/2 ≤ 1/2, and a ≥ (n − 1)/2 keeps every w_i ≥ 0
    shrink = draw(st.floats(0.0, 1.0))
    return 1 / n + (u - u.mean()) * shrink / (2 * a * spread), a


@given(weights_and_a())
def test_consistent_matrix_built_from_weights_gives_them_back(case):
    w, a = case
    R = np.clip(0.5 + a * (w[:, None] - w[None, :]), 0.0, 1.0)  # clip only rounding noise below 0
    validate_complementary(R, tolerance=1e-9)
    assert additive_consistency(R, tolerance=1e-9).is_consistent
    np.testing.assert_allclose(lu_weights(R, a), w, atol=1e-9)


@given(complementary_matrices(min_n=2))
def test_a_equal_n_minus_1_is_lu_on_the_consistent_transform(R):
    # SPEC §4: a = n − 1 equals transform-then-Lü (Xu's MTM)
    np.testing.assert_allclose(lu_weights(R, a=len(R) - 1), lu_weights(fuzzy_consistent(R)), atol=1e-12)


@given(complementary_matrices(min_n=2))
def test_a_equal_half_n_is_row_sum_normalisation(R):
    row_sums = R.sum(axis=1)
    np.testing.assert_allclose(lu_weights(R, a=len(R) / 2), row_sums / row_sums.sum(), atol=1e-12)
