"""Config: SPEC defaults, a TOML file that round-trips, errors that name the key and the value."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powercrm.config import CONFIG_FILE, ColumnsConfig, Config, load_config, render_toml
from powercrm.errors import ConfigError
from powercrm.io.schema import TABLES


def test_defaults_load_without_a_file():
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.columns.aliases == {}
    assert cfg.scoring.method == "quantile"
    assert cfg.credit.grade_cut_points == [90, 75, 60]


def test_default_file_name():
    assert CONFIG_FILE == "powercrm.toml"


def test_rendered_defaults_parse_and_validate_back_to_the_defaults():
    text = render_toml()
    data = tomllib.loads(text)
    assert Config.model_validate(data) == Config()
    assert set(data) == set(Config.model_fields)


def test_rendered_file_is_commented():
    text = render_toml()
    assert text.startswith("# powercrm configuration")
    assert "\n[scoring]\n" in text and "\n[credit]\n" in text and "\n[columns]\n" in text
    # an unset value is shown commented out so users can find it
    assert "# origin =" in text


def test_custom_config_round_trips(tmp_path):
    cfg = Config(columns=ColumnsConfig(aliases={"billing": {"本月电量": "kwh", 'a "quoted" \\ header': "kvarh"},
                                                "customers": {"客户 编号": "customer_id"}}))
    cfg.scoring.origin = [1.5, 2.0]
    cfg.scoring.method = "thresholds"
    cfg.scoring.thresholds = {"B11": [1e-05, 0.2, 0.3, 1e6]}
    cfg.credit.theft_amount = 12345.678
    path = tmp_path / "c.toml"
    path.write_text(render_toml(cfg), encoding="utf-8")
    assert load_config(path) == cfg


_header = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)


@settings(max_examples=50, deadline=None)
@given(aliases=st.dictionaries(_header, st.sampled_from(TABLES["billing"].names), max_size=4))
def test_aliases_round_trip(aliases):
    cfg = Config(columns=ColumnsConfig(aliases={"billing": aliases}))
    assert Config.model_validate(tomllib.loads(render_toml(cfg))) == cfg


@pytest.mark.parametrize("header", ["合同\n容量", "a\x7fb", "a\x01b"])
def test_control_characters_in_strings_round_trip(header):
    cfg = Config(columns=ColumnsConfig(aliases={"customers": {header: "contract_capacity_kva"}}))
    assert Config.model_validate(tomllib.loads(render_toml(cfg))) == cfg


def test_config_file_with_bom_loads(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[columns.aliases.billing]\n"本月电量" = "kwh"\n', encoding="utf-8-sig")
    assert load_config(path).columns.aliases == {"billing": {"本月电量": "kwh"}}


def test_partial_file_keeps_other_defaults(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[scoring]\nnull_score = 3\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.scoring.null_score == 3
    assert cfg.credit == Config().credit


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[scoring]\nnull_score = 9\n", "scoring.null_score = 9"),
        ("[scoring]\nnull_score = \"high\"\n", "scoring.null_score = 'high'"),
        ("[scoring]\nmethod = \"median\"\n", "scoring.method = 'median'"),
        ("[scoring]\nbogus = 1\n", "scoring.bogus = 1: unknown key (known: method, "),
        ("colour = \"red\"\n", "colour = 'red': unknown key (known: columns, indicators, "),
        ("[scorng]\nmethod = \"quantile\"\n", "scorng: unknown key; did you mean scoring?"),
        ("[audit.l01]\nenabled = false\n", "audit.l01: unknown key; did you mean audit.L01?"),
        (
            "[weights.matrices]\nB1 = [[0.5, 0.7], [0.2, 0.5]]\nB2 = [[0.5, 0.4], [0.6, 0.5]]\n"
            "B3 = [[0.5, 0.3], [0.7, 0.5]]\nB4 = [[0.5, 0.6], [0.4, 0.5]]\n",
            "bad.toml: matrix weights.matrices.B1: r[1,2] + r[2,1]",
        ),
        ("[scoring]\nabc_shares = [0.6, 0.6]\n", "scoring.abc_shares = [0.6, 0.6]: expected two"),
        ("[credit]\ngrade_cut_points = [60, 75, 90]\n", "credit.grade_cut_points = [60, 75, 90]"),
        ("[credit]\ngrade_cut_points = [190, 75, 60]\n", "credit scores run from 0 to 100"),
        ("[weights]\na = inf\n", "weights.a = inf: Input should be a finite number"),
        ("[audit.U02]\ndrop_ratio = nan\n", "audit.U02.drop_ratio = nan: Input should be a finite number"),
        ("[scoring]\nvalue_grade_shares = [0.5, 0.5, 0.5, 0.5]\n", "scoring.value_grade_shares = [0.5, 0.5, 0.5, 0.5]: expected four non-negative shares summing to 1"),
        ("[columns.aliases.bills]\n\"本月电量\" = \"kwh\"\n", "columns.aliases: unknown table 'bills'"),
        ("[columns.aliases.billing]\n\"本月电量\" = \"kwhh\"\n", "kwhh"),
        ("[scoring]\ncurrent_axis = [\"B1\", \"B3\"]\n", "scoring: criterion B3 is on both axes"),
        ("[scoring]\norigin = [nan, 1.1]\n", "scoring.origin.0 = nan: Input should be a finite number"),
        ("[scoring]\norigin = [inf, 1.1]\n", "scoring.origin.0 = inf: Input should be a finite number"),
        # a value of the wrong type is refused, not converted
        ('[indicators]\np1 = "0.7"\n', "indicators.p1 = '0.7': Input should be a valid number"),
        ('[audit.L01]\nenabled = "no"\n', "audit.L01.enabled = 'no': Input should be a valid boolean"),
        ("[audit.L01]\nenabled = 0\n", "audit.L01.enabled = 0: Input should be a valid boolean"),
        ("[scoring]\nnull_score = true\n", "scoring.null_score = True: Input should be a valid integer"),
        ('[scoring]\nvalue_grade_shares = ["0.1", "0.3", "0.5", "0.1"]\n', "scoring.value_grade_shares.0 = '0.1'"),
    ],
)
def test_bad_value_names_the_key(tmp_path, toml, needle):
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert needle in message
    assert "\n" not in message
    assert info.value.exit_code == 1


def test_unknown_table_in_aliases_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[columns.aliases.bills]\n"本月电量" = "kwh"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown table 'bills'"):
        load_config(path)


def test_invalid_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[scoring\nnull_score = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_a_config_saved_as_notepad_saves_it_is_read(tmp_path, encoding):
    path = tmp_path / "config.toml"
    path.write_bytes('# 本月电量的别名\n[columns.aliases.billing]\n"本月电量" = "kwh"\n'.encode(encoding))
    assert load_config(path).columns.aliases["billing"] == {"本月电量": "kwh"}


def test_a_config_neither_utf8_nor_gbk_names_the_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"[scoring]\n# \xff\xfe\xfd\n")
    with pytest.raises(ConfigError, match="config.toml: line 2: not UTF-8 or GBK text .* save the config as UTF-8"):
        load_config(path)


def test_an_integer_reads_as_a_number_and_a_date_as_its_text(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[indicators]\np2 = 1\n[audit.L01]\nmax_loss_rate = 1\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.indicators.p2 == 1.0 and cfg.audit.L01.max_loss_rate == 1.0
    path.write_text("[indicators]\nperiod_end = 2025-06-01\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="indicators.period_end = '2025-06-01': .*expected a month as YYYY-MM"):
        load_config(path)


def test_a_broken_utf16_config_is_a_config_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00\xd8")
    with pytest.raises(ConfigError, match="starts as UTF-16 but is not UTF-16 text"):
        load_config(path)


def test_a_directory_is_not_a_config(tmp_path):
    with pytest.raises(ConfigError, match="is a directory, not a config file"):
        load_config(tmp_path)
