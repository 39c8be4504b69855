"""The [weights] config section: SPEC defaults, validation messages naming the key, which weights scoring uses."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from powercrm.ahp.config import WeightsConfig, compute_hierarchy, global_weights
from powercrm.errors import ConfigError

PUBLISHED = {"B11": 0.257, "B12": 0.110, "B21": 0.12, "B22": 0.18, "B31": 0.03, "B32": 0.07, "B41": 0.14, "B42": 0.093}
SAATY = {
    "method": "saaty",
    "criteria_matrix": [[1, 3, 5, 7], ["1/3", 1, 3, 5], ["1/5", "1/3", 1, 3], ["1/7", "1/5", "1/3", 1]],
    "matrices": {key: [[1, 2], ["1/2", 1]] for key in ("B1", "B2", "B3", "B4")},
}


def first_error(**fields) -> tuple[tuple, str]:
    with pytest.raises(ValidationError) as err:
        WeightsConfig(**fields)
    error = err.value.errors()[0]
    return error["loc"], error["msg"]


def test_defaults_are_the_spec():
    cfg = WeightsConfig()
    assert (cfg.method, cfg.a, cfg.use, cfg.tolerance) == ("fuzzy", None, "published", 1e-6)
    assert cfg.published == PUBLISHED
    assert cfg.criteria_matrix[2] == [0.1, 0.3, 0.5, 0.4]
    assert cfg.matrices["B4"] == [[0.5, 0.6], [0.4, 0.5]]


def test_every_field_is_described():
    # `powercrm init` writes the descriptions as TOML comments
    assert all(info.description for info in WeightsConfig.model_fields.values())


def test_scoring_uses_the_published_weights_by_default():
    assert global_weights(WeightsConfig()) == PUBLISHED


def test_computed_weights_on_request():
    weights = global_weights(WeightsConfig(use="computed"))
    assert round(weights["B31"], 4) == 0.04 and round(weights["B42"], 4) == 0.08
    assert list(weights) == list(PUBLISHED)


def test_compute_hierarchy_overrides_method_and_a():
    cfg = WeightsConfig()
    assert compute_hierarchy(cfg, a=3.0).a == 3.0
    assert compute_hierarchy(WeightsConfig(a=2.0)).a == 2.0
    with pytest.raises(ConfigError, match="outside Saaty's scale"):
        compute_hierarchy(cfg, method="saaty")


def test_saaty_config_with_fractions():
    cfg = WeightsConfig(**SAATY)
    assert cfg.criteria_matrix[1][0] == pytest.approx(1 / 3)
    assert round(compute_hierarchy(cfg).criteria.consistency.value, 3) == 0.043


def test_saaty_method_rejects_the_default_fuzzy_matrices():
    loc, msg = first_error(method="saaty")
    assert loc == ("criteria_matrix",)
    assert msg == "matrix weights.criteria_matrix: a[3,1] = 0.1 is outside Saaty's scale [1/9, 9]"


def test_bad_sub_matrix_names_the_key_and_cell():
    matrices = WeightsConfig().matrices | {"B2": [[0.5, 0.4], [0.5, 0.5]]}
    loc, msg = first_error(matrices=matrices)
    assert loc == ("matrices",)
    assert msg == "matrix weights.matrices.B2: r[1,2] + r[2,1] = 0.9, expected 1 (row 1 col 2 is 0.4, row 2 col 1 is 0.5)"


def test_missing_and_unknown_criteria():
    _, msg = first_error(matrices={"B1": [[0.5, 0.7], [0.3, 0.5]]})
    assert msg.startswith("weights.matrices: missing the matrix of B2, B3, B4")
    _, msg = first_error(matrices=WeightsConfig().matrices | {"B9": [[0.5]]})
    assert msg.startswith("weights.matrices: unknown criterion 'B9'")


def test_criteria_matrix_must_be_4x4():
    _, msg = first_error(criteria_matrix=[[0.5, 0.5], [0.5, 0.5]])
    assert msg == "matrix weights.criteria_matrix is 2×2, expected 4×4 (B1, B2, B3, B4)"


def test_a_below_the_criteria_matrix_bound():
    _, msg = first_error(a=1.0)
    assert msg.startswith("weights.a = 1.0 is below (n − 1)/2 = 1.5 of the 4×4 criteria matrix")
    assert WeightsConfig(a=1.5).a == 1.5
    assert WeightsConfig(**SAATY, a=0.1).a == 0.1  # Saaty has no a: nothing to check


@pytest.mark.parametrize(
    ("published", "message"),
    [
        ({"B11": 1.0}, "missing B12"),
        (PUBLISHED | {"B13": 0.0}, "unknown B13"),
        (PUBLISHED | {"B11": 0.5}, "weights sum to 1.243, expected 1"),
        (PUBLISHED | {"B11": -0.1, "B12": 0.467}, "weight of B11 is -0.1, expected ≥ 0"),
    ],
)
def test_published_weights_are_checked(published, message):
    loc, msg = first_error(published=published)
    assert loc == ("published",)
    assert message in msg


def test_assignment_is_validated():
    cfg = WeightsConfig()
    with pytest.raises(ValidationError, match="weights.matrices.B1"):
        cfg.matrices = cfg.matrices | {"B1": [[0.5, 0.7], [0.7, 0.5]]}


def test_loads_from_toml():
    text = """
method = "fuzzy"
a = 2.0
use = "computed"
criteria_matrix = [[0.5, 0.6, 0.9, 0.7], [0.4, 0.5, 0.7, 0.7], [0.1, 0.3, 0.5, 0.2], [0.3, 0.3, 0.8, 0.5]]
[matrices]
B1 = [[0.5, 0.7], [0.3, 0.5]]
B2 = [[0.5, 0.4], [0.6, 0.5]]
B3 = [[0.5, 0.3], [0.7, 0.5]]
B4 = [[0.5, 0.6], [0.4, 0.5]]
"""
    cfg = WeightsConfig.model_validate(tomllib.loads(text))
    assert cfg.a == 2.0 and cfg.use == "computed"
    assert sum(global_weights(cfg).values()) == pytest.approx(1.0)
