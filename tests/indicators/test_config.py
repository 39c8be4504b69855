"""The `[indicators]` config section: defaults, checks with clear messages, TOML round trip."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from powercrm.config import Config, load_config, render_toml
from powercrm.errors import ConfigError
from powercrm.indicators.config import IndicatorConfig


def test_spec_defaults():
    cfg = Config().indicators
    assert (cfg.period_end, cfg.p1, cfg.p2, cfg.a, cfg.r, cfg.m_policy, cfg.m_percentile) == (None, 0.7, 0.9, 0.5, 0.3, "percentile", 0.9)
    assert [b["fee"] for b in cfg.unit_fee_by_voltage] == [0.20, 0.15, 0.10, 0.07]


def test_rendered_toml_reads_back_to_the_defaults():
    text = render_toml()
    assert "[indicators]" in text and "unit_fee_by_voltage = [{ below_kv = 1.0, fee = 0.2 }" in text
    assert Config.model_validate(tomllib.loads(text)) == Config()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"p1": 0.9, "p2": 0.7}, r"p1 \(0.9\) must be below p2 \(0.7\)"),
        ({"m_policy": "fixed"}, "needs m_value"),
        ({"period_end": "2024-13"}, "YYYY-MM"),
        ({"a": 0}, "greater than 0"),
        ({"m_policy": "median"}, "percentile"),
        ({"unit_fee_by_voltage": [{"up_to_kv": 20.0, "fee": 0.1}]}, "the last needs neither"),
        ({"unit_fee_by_voltage": [{"below_kv": 1.0, "fee": -0.2}, {"fee": 0.07}]}, "fee -0.2 is not a non-negative number"),
        ({"unit_fee_by_voltage": [{"up_to_kv": 20.0, "fee": 0.1}, {"up_to_kv": 10.0, "fee": 0.1}, {"fee": 0.1}]}, "increase"),
        ({"unit_fee_by_voltage": [{"below_kv": 1.0, "up_to_kv": 1.0, "fee": 0.1}, {"fee": 0.1}]}, "give one"),
        ({"unit_fee_by_voltage": [{"below_kv": 1.0}, {"fee": 0.1}]}, "no fee"),
        ({"unit_fee_by_voltage": [{"fee": 0.1, "kv": 3}]}, "kv"),
    ],
)
def test_bad_values_are_named(values, message):
    with pytest.raises(ValidationError, match=message):
        IndicatorConfig(**values)


def test_config_file_error_names_the_key(tmp_path):
    path = tmp_path / "powercrm.toml"
    path.write_text("[indicators]\np2 = 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"indicators\.p2 = 1\.5"):
        load_config(path)
