"""Rule selection, the registry, ordering and summaries of `run_audit`; the [audit] config section."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from powercrm.audit.config import AuditConfig
from powercrm.audit.engine import counts, run_audit, select_rules, top_lines, top_suspects
from powercrm.audit.finding import FINDING_SCHEMA, RULES
from powercrm.config import Config, load_config, render_toml
from powercrm.errors import ConfigError, UsageError
from powercrm.io.readers import load_dataset
from tests.audit.frames import audit, bills, customer, months

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

ALL = ["A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09"] + [f"U{i:02d}" for i in range(1, 11)] + ["L01"]


def test_every_spec_rule_is_registered_once_in_report_order():
    assert list(RULES) == ALL
    assert {r.family for r in RULES.values()} == {"archive", "consumption", "theft", "line_loss"}
    assert all(r.title_zh and r.title_en for r in RULES.values())


class TestSelectRules:
    def test_default_is_every_enabled_rule(self):
        cfg = AuditConfig()
        assert select_rules(cfg) == ALL
        cfg.A02.enabled = False
        cfg.U10.enabled = False
        assert "A02" not in select_rules(cfg) and "U10" not in select_rules(cfg)

    def test_ids_any_case_and_families_in_report_order(self):
        assert select_rules(AuditConfig(), "l01, u02,a05") == ["A05", "U02", "L01"]
        assert select_rules(AuditConfig(), ["theft", "line_loss"]) == ["U10", "L01"]

    def test_a_named_rule_runs_even_when_disabled_a_family_brings_its_enabled_rules(self):
        cfg = AuditConfig()
        cfg.A02.enabled = False
        assert select_rules(cfg, "A02") == ["A02"]
        assert "A02" not in select_rules(cfg, "archive")

    @pytest.mark.parametrize("bad", ["A10", "U2", "archives", "A05,,X"])
    def test_unknown_rule_names_the_choices(self, bad):
        with pytest.raises(UsageError, match="unknown audit rule .* use rule ids A01, A02"):
            select_rules(AuditConfig(), bad)

    def test_a_config_enabling_no_rule_is_an_error_not_a_clean_audit(self):
        cfg = AuditConfig()
        for r in ALL:
            cfg.rule(r).enabled = False
        with pytest.raises(ConfigError, match="no audit rule is enabled"):
            select_rules(cfg)
        assert select_rules(cfg, "A05") == ["A05"]

    def test_nothing_named(self):
        with pytest.raises(UsageError, match="names no rule"):
            select_rules(AuditConfig(), " , ")


def dataset(tmp_path):
    people = [customer("C1", phone="1"), customer("C2", area_id="A1"), customer("C3", transformer_capacity_kva=1)]
    usual = [100 + i % 4 for i in range(16)]
    billing = bills("C1") + bills("C2", kwh=usual[:12] + [10] + usual[13:]) + bills("C3")
    supply = [{"area_id": "A1", "period": p, "supplied_kwh": 130} for p in months("2023-01", 16)]
    return dict(customers=people, billing=billing, supply=supply)


@pytest.mark.parametrize("rule", ALL)
def test_each_rule_runs_alone_on_the_shared_frames(tmp_path, rule):
    result = audit(tmp_path, **dataset(tmp_path), rules=rule)
    assert result.rules == [rule]
    assert result.findings.schema == FINDING_SCHEMA
    assert set(result.findings["rule"]) <= {rule}


def test_a_rule_reads_only_its_tables_and_finds_what_the_whole_run_finds(tmp_path):
    whole = audit(tmp_path, **dataset(tmp_path))
    assert set(whole.rows) == {"customers", "billing", "supply"}
    for rule_id, rule in RULES.items():
        alone = audit(tmp_path, **dataset(tmp_path), rules=rule_id)
        assert set(alone.rows) == {"customers"} | (set(rule.reads) & set(whole.rows)), rule_id
        assert alone.findings.equals(whole.findings.filter(pl.col("rule") == rule_id)), rule_id
    assert RULES["A01"].reads == () and "load" in RULES["U04"].reads and "load" not in RULES["U02"].reads


def test_every_rule_alone_finds_on_the_sample_what_the_whole_run_finds():
    """The hand-made dataset above makes 4 of the 20 rules fire: for the other 16, "alone equals whole"
    compared two empty frames. The committed sample makes every rule fire."""
    whole = run_audit(load_dataset(SAMPLES), None, None)
    for rule_id in RULES:
        expected = whole.findings.filter(pl.col("rule") == rule_id)
        assert expected.height > 0, rule_id
        assert run_audit(load_dataset(SAMPLES), None, rule_id).findings.equals(expected), rule_id


def test_findings_are_ordered_by_rule_severity_customer_period(tmp_path):
    result = audit(tmp_path, **dataset(tmp_path))
    rows = result.findings.select("rule", "customer_id", "period").rows()
    assert rows == [
        ("A02", "C1", None),
        ("A05", "C3", None),
        ("U02", "C2", "2024-01"),
        *[("L01", None, p) for p in months("2023-01", 16)],  # 130 kWh supplied, about 100 billed
    ]
    table = counts(result)
    assert table["rule"].to_list() == ALL
    assert dict(zip(table["rule"], table["total"])) == {**{r: 0 for r in ALL}, "A02": 1, "A05": 1, "U02": 1, "L01": 16}
    assert top_lines(result, 5).select("area_id", "months").rows() == [("A1", 16)]
    assert top_suspects(result, 5, min_score=50).height == 0


class TestConfig:
    def test_spec_defaults(self):
        cfg = AuditConfig()
        assert (cfg.A05.tolerance_kva, cfg.A06.large_industry_min_kva, cfg.A06.residential_max_kv) == (1.0, 315, 10)
        assert (cfg.A07.low_voltage_max_kva, cfg.A07.single_phase_kv, cfg.A07.single_phase_max_kva) == (1000, 0.22, 30)
        assert (cfg.A08.ct_from_kv, cfg.A08.ct_from_kva, cfg.A08.band, cfg.A08.bare_ratio_secondary_a) == (1.0, 100, [0.8, 3.0], 5.0)
        assert (cfg.U01.min_months, cfg.U02.drop_ratio, cfg.U02.history_months, cfg.U02.min_history_months) == (3, 0.5, 12, 6)
        assert (cfg.U07.unit_price_band, cfg.U08.min_months, cfg.U08.overpayment_yuan, cfg.U09.min_months) == ([0.3, 1.5], 3, 1.0, 6)
        assert (cfg.L01.max_loss_rate, cfg.L01.min_loss_rate) == (0.08, -0.01)
        assert (cfg.A09.severity, cfg.A09.severity_one_missing, cfg.U08.overpayment_severity) == ("high", "medium", "low")

    @pytest.mark.parametrize(
        ("section", "values", "message"),
        [
            ("A08", {"band": [3.0, 0.8]}, "low <= high"),
            ("U07", {"unit_price_band_by_class": {"housing": [0.4, 0.8]}}, "unknown customer_class 'housing'"),
            ("U02", {"min_history_months": 13}, "exceeds history_months"),
            ("L01", {"min_loss_rate": 0.1}, "must be below max_loss_rate"),
            ("L01", {"max_loss_rate_by_voltage": {"ten": 0.06}}, "not a number in kV"),
            ("A01", {"fields": ["nmae"]}, "unknown customers column 'nmae'"),
            ("U10", {"min_score": 80, "high_score": 70}, "below min_score"),
        ],
    )
    def test_invalid_values_are_named(self, section, values, message):
        with pytest.raises(ValidationError, match=message):
            AuditConfig.model_validate({section: values})

    def test_audit_section_round_trips_through_toml(self, tmp_path):
        text = render_toml()
        assert "[audit.L01]" in text and "max_loss_rate = 0.08" in text
        path = tmp_path / "powercrm.toml"
        path.write_text(text.replace("max_loss_rate = 0.08", "max_loss_rate = 0.06"), encoding="utf-8")
        assert load_config(path).audit.L01.max_loss_rate == 0.06
        assert Config().audit == AuditConfig()

    def test_bad_severity_in_a_file_names_the_key(self, tmp_path):
        path = tmp_path / "bad.toml"
        path.write_text('[audit.A05]\nseverity = "urgent"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match="audit.A05.severity = 'urgent'"):
            load_config(path)


def test_u10_findings_come_in_rank_order_within_their_severity():
    from powercrm.audit.engine import _sorted

    findings = pl.LazyFrame(
        {
            "rule": ["U10", "U10", "U10", "A02"],
            "severity": ["medium", "high", "medium", "low"],
            "customer_id": ["C1", "C2", "C3", "C9"],
            "line_id": [None] * 4,
            "area_id": [None] * 4,
            "period": [None] * 4,
            "value": [51.0, 80.0, 60.0, 1.0],
        }
    )
    assert _sorted(findings).collect()["customer_id"].to_list() == ["C9", "C2", "C3", "C1"]


def test_top_lines_are_ranked_by_loss_over_all_months(tmp_path):
    """SPEC §8 "top lines by loss": LA lost 7.7 % over the year (one month at 50 %), LB 2.4 % (three months
    just past 8 %, so the most flagged), LC 7 % every month (never flagged)."""
    losses = {"LA": [0.5] + [0.04] * 11, "LB": [0.09] * 3 + [0.0] * 9, "LC": [0.07] * 12}
    people, billing, supply = [], [], []
    for line, rates in losses.items():
        people.append(customer(f"C{line}", line_id=line, area_id=None))
        billing += bills(f"C{line}", kwh=[1000.0] * 12, start="2024-01")
        supply += [{"line_id": line, "period": p, "supplied_kwh": 1000.0 / (1 - r)} for p, r in zip(months("2024-01", 12), rates)]
    result = audit(tmp_path, customers=people, billing=billing, supply=supply, rules="L01")
    top = top_lines(result, 5)
    assert top["line_id"].to_list() == ["LA", "LC", "LB"]
    assert top["flagged_months"].to_list() == [1, 0, 3]
