"""Hypothesis strategies for judgment matrices."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from powercrm.ahp.fuzzy import min_a

GRID = [round(0.1 * k, 1) for k in range(11)]  # the experts' 0.0–1.0 scale in steps of 0.1


@st.composite
def complementary_matrices(draw: st.DrawFn, min_n: int = 1, max_n: int = 7) -> np.ndarray:
    """A fuzzy complementary matrix: upper triangle on the 0.1 grid or continuous in [0, 1], r_ji = 1 − r_ij."""
    n = draw(st.integers(min_n, max_n))
    entry = draw(st.sampled_from([st.sampled_from(GRID), st.floats(0.0, 1.0)]))
    R = np.full((n, n), 0.5)
    for i in range(n):
        for j in range(i + 1, n):
            R[i, j] = draw(entry)
            R[j, i] = 1.0 - R[i, j]
    return R


@st.composite
def admissible_a(draw: st.DrawFn, n: int) -> float | None:
    """None (the default (n − 1)/2) or an a ≥ (n − 1)/2."""
    return draw(st.none() | st.floats(0.0, 10.0).map(lambda extra: min_a(n) + extra))


@st.composite
def permutations(draw: st.DrawFn, n: int) -> np.ndarray:
    return np.array(draw(st.permutations(range(n))), dtype=int)
