"""Classic Saaty AHP: reciprocal validation, eigenvector weights, λmax, CI, RI, CR (SPEC §4).

Textbook figures are checked against a second method written here: for n = 3 the row
geometric means are the principal eigenvector and λmax = 1 + t + 1/t with
t = (a12·a23/a13)^(1/3); for larger n a plain power iteration.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powercrm.ahp.saaty import RANDOM_INDEX, random_index, saaty_weights, validate_reciprocal
from powercrm.errors import MatrixError
from tests.ahp.strategies import permutations

SAATY_3 = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
CYCLIC_3 = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # 1 ≫ 2 ≫ 3 ≫ 1: as inconsistent as it gets
TUTORIAL_4 = [[1, 3, 5, 7], [1 / 3, 1, 3, 5], [1 / 5, 1 / 3, 1, 3], [1 / 7, 1 / 5, 1 / 3, 1]]


def lambda_max_3x3(A) -> float:
    t = (A[0][1] * A[1][2] / A[0][2]) ** (1 / 3)
    return 1 + t + 1 / t


def geometric_mean_weights(A) -> np.ndarray:
    g = np.prod(np.asarray(A, dtype=float), axis=1) ** (1 / len(A))
    return g / g.sum()


def power_iteration(A, steps: int = 200) -> tuple[np.ndarray, float]:
    A = np.asarray(A, dtype=float)
    w = np.full(len(A), 1 / len(A))
    for _ in range(steps):
        w = A @ w
        w = w / w.sum()
    return w, float(np.mean((A @ w) / w))


# --- validation ---------------------------------------------------------------------------------

def test_reciprocity_message_names_the_cells():
    with pytest.raises(MatrixError) as err:
        validate_reciprocal([[1, 3], [0.5, 1]], "B2")
    assert str(err.value).startswith(
        "matrix B2: a[1,2] × a[2,1] = 1.5, expected 1 (row 1 col 2 is 3, row 2 col 1 is 0.5; "
    )


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 3], [1 / 3, 2]], r"^matrix A: a\[2,2\] = 2, expected 1 on the diagonal$"),
        ([[1, 12], [1 / 12, 1]], r"^matrix A: a\[1,2\] = 12 is outside Saaty's scale \[1/9, 9\]$"),
        ([[1, 0], [0, 1]], r"^matrix A: a\[1,2\] = 0 is outside Saaty's scale"),
        ([[1, -3], [-1 / 3, 1]], r"^matrix A: a\[1,2\] = -3 is outside Saaty's scale"),
        ([[1, 3, 5], [1 / 3, 1]], r"^matrix A: row 1 has 3 entries, expected 2"),
    ],
)
def test_invalid_reciprocal_matrix(matrix, message):
    with pytest.raises(MatrixError, match=message):
        validate_reciprocal(matrix)


def test_fractions_make_reciprocals_exact():
    A = validate_reciprocal([["1", "3", "5"], ["1/3", "1", "3"], ["1/5", "1/3", "1"]])
    np.testing.assert_allclose(A, SAATY_3)


def test_rounded_reciprocal_needs_a_looser_tolerance():
    with pytest.raises(MatrixError, match="write reciprocals as fractions"):
        validate_reciprocal([[1, 3], [0.333, 1]])
    validate_reciprocal([[1, 3], [0.333, 1]], tolerance=1e-2)


# --- textbook matrices --------------------------------------------------------------------------

def test_saaty_3x3_textbook_example():
    result = saaty_weights(SAATY_3)
    assert result.lambda_max == pytest.approx(lambda_max_3x3(SAATY_3), abs=1e-10)
    np.testing.assert_allclose(result.weights, geometric_mean_weights(SAATY_3), atol=1e-10)
    # the figures textbooks print
    assert np.round(result.weights, 3).tolist() == [0.637, 0.258, 0.105]
    assert round(result.lambda_max, 3) == 3.039
    assert round(result.ci, 3) == 0.019
    assert result.ri == 0.58
    assert round(result.cr, 3) == 0.033
    assert result.is_consistent
    assert result.warning is None


def test_cyclic_3x3_is_flagged():
    # t = (9·9/(1/9))^(1/3) = 9, so λmax = 1 + 9 + 1/9 = 91/9; by symmetry all weights are 1/3
    result = saaty_weights(CYCLIC_3, "experts")
    assert result.lambda_max == pytest.approx(91 / 9)
    assert result.ci == pytest.approx((91 / 9 - 3) / 2)
    assert result.cr == pytest.approx(32 / 9 / 0.58)
    np.testing.assert_allclose(result.weights, [1 / 3] * 3)
    assert not result.is_consistent
    assert result.warning == (
        "matrix experts: CR = 6.130 ≥ 0.1, the judgments are too inconsistent for Saaty's rule; revise the matrix"
    )


def test_tutorial_4x4_against_power_iteration():
    result = saaty_weights(TUTORIAL_4)
    weights, lambda_max = power_iteration(TUTORIAL_4)
    np.testing.assert_allclose(result.weights, weights, atol=1e-10)
    assert result.lambda_max == pytest.approx(lambda_max, abs=1e-10)
    assert np.round(result.weights, 3).tolist() == [0.565, 0.262, 0.118, 0.055]
    assert round(result.lambda_max, 3) == 4.117
    assert result.ri == 0.90
    assert round(result.cr, 3) == 0.043


def test_mildly_inconsistent_3x3_above_the_limit():
    # 1 ≻ 2 (3), 2 ≻ 3 (3), yet 1 ~ 3 (1): t = 9^(1/3), λmax ≈ 3.5 → CR ≈ 0.43
    A = [[1, 3, 1], [1 / 3, 1, 3], [1, 1 / 3, 1]]
    result = saaty_weights(A)
    assert result.lambda_max == pytest.approx(lambda_max_3x3(A))
    assert result.cr == pytest.approx((lambda_max_3x3(A) - 3) / 2 / 0.58)
    assert result.cr > 0.1 and result.warning is not None


# --- small n, RI table, properties --------------------------------------------------------------

def test_n_1_and_2_have_cr_0():
    one = saaty_weights([[1]])
    assert one.weights.tolist() == [1.0] and one.cr == 0 and one.ci == 0
    two = saaty_weights([[1, 4], [1 / 4, 1]])
    np.testing.assert_allclose(two.weights, [0.8, 0.2])
    assert two.cr == 0 and two.ci == pytest.approx(0, abs=1e-12)


def test_random_index_table():
    assert [random_index(n) for n in (1, 2, 3, 4, 5, 10, 15)] == [0, 0, 0.58, 0.90, 1.12, 1.49, 1.59]
    assert len(RANDOM_INDEX) == 15
    with pytest.raises(MatrixError, match="n = 1..15, not n = 16"):
        random_index(16)


positive_weights = st.lists(st.floats(1.0, 9.0), min_size=1, max_size=10).map(lambda w: np.array(w) / sum(w))


@given(positive_weights)
def test_consistent_reciprocal_matrix_returns_its_weights(w):
    # a_ij = w_i/w_j with w in [1, 9] stays on Saaty's scale
    A = validate_reciprocal(w[:, None] / w[None, :], tolerance=1e-9)
    result = saaty_weights(A)
    np.testing.assert_allclose(result.weights, w, atol=1e-9)
    assert result.lambda_max == pytest.approx(len(w))
    assert result.cr == pytest.approx(0, abs=1e-9)


@given(st.data(), positive_weights.filter(lambda w: len(w) >= 2))
def test_permuting_criteria_permutes_weights(data, w):
    # perturb a consistent matrix so the eigenvector is not trivially w
    n = len(w)
    A = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            A[i, j] = np.clip(w[i] / w[j] * data.draw(st.floats(0.8, 1.25)), 1 / 9, 9)
            A[j, i] = 1 / A[i, j]
    order = data.draw(permutations(n))
    np.testing.assert_allclose(saaty_weights(A[np.ix_(order, order)]).weights, saaty_weights(A).weights[order], atol=1e-9)
