"""U10 theft suspicion: behaviour on hand-made series, and a floor on the independent synthetic model."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from powercrm.audit.theft import _CustomerSums, _first_strongest
from tests.audit.frames import audit, bills, customer, found
from tests.audit.theft_synth import synthetic_theft
from tests.audit.u10_eval import evaluate

MONTHS = 30


def usual(i: int, seed: int) -> float:
    """A customer's normal month: 1000 kWh with a season and a little customer-specific wobble."""
    return round(1000 * (1 + 0.2 * math.cos(2 * math.pi * i / 12)) * (1 + 0.04 * math.sin(1.7 * i + seed)), 1)


def area(tmp_path, changes: dict[str, list[float]], n: int = 10, months: int = MONTHS):
    """n customers on area A1; `changes` maps a customer to a factor per month."""
    people = [customer(f"C{k}", area_id="A1") for k in range(n)]
    rows = []
    for k in range(n):
        factor = changes.get(f"C{k}", [1.0] * months)
        rows += bills(f"C{k}", kwh=[usual(i, k) * factor[i] for i in range(months)], start="2022-01")
    return audit(tmp_path, customers=people, billing=rows, rules="U10")


def step(onset: int, level: float, months: int = MONTHS) -> list[float]:
    return [1.0 if i < onset else level for i in range(months)]


def test_a_sustained_drop_tops_the_list(tmp_path):
    result = area(tmp_path, {"C4": step(20, 0.4)})
    top = result.suspects.row(0, named=True)
    assert (top["customer_id"], top["rank"], str(top["onset"])) == ("C4", 1, "2023-09-01")
    assert top["drop"] == pytest.approx(0.6, abs=0.05) and top["peer"] == "area"
    assert found(result, "rule", "customer_id", "severity") == [("U10", "C4", "medium")]  # 70 < high_score 75
    assert result.suspects["score"][1] < 20  # the others are far behind


def test_an_area_wide_slump_is_not_theft(tmp_path):
    # every customer of the area halves together: a closure nearby, the weather, a transfer of load
    result = area(tmp_path, {f"C{k}": step(20, 0.5) for k in range(10)})
    assert found(result) == []
    assert result.suspects["score"].max() < 20


def test_without_peers_the_same_slump_is_suspicious(tmp_path):
    # the peer trend is what tells the two apart: one customer alone on its area has only its own history
    result = area(tmp_path, {"C0": step(20, 0.5)}, n=1)
    assert found(result, "customer_id") == [("C0",)]
    assert result.suspects["peer"].to_list() == ["none"]


def test_a_dip_that_recovers_ranks_below_a_drop_that_lasts(tmp_path):
    dip = [0.4 if 18 <= i < 21 else 1.0 for i in range(MONTHS)]
    result = area(tmp_path, {"C2": dip, "C5": step(24, 0.5)})
    assert result.suspects["customer_id"].to_list()[:2] == ["C5", "C2"]
    assert result.suspects.filter(customer_id="C2")["score"].item() < 50


def test_a_stopped_meter_scores_highest(tmp_path):
    result = area(tmp_path, {"C1": step(22, 0.0), "C6": step(22, 0.5)})
    scores = dict(result.suspects.select("customer_id", "score").iter_rows())
    assert scores["C1"] > scores["C6"] >= 50
    assert result.suspects.filter(customer_id="C1")["zero_share"].item() == 1.0


def test_cancelled_customers_are_not_on_the_inspection_list_nor_in_the_peer_trend(tmp_path):
    # four of ten customers of the area stopped at cancellation: no suspects, and no area slump that
    # would hide C9's own fall from its peers
    people = [customer(f"C{k}", area_id="A1", status="cancelled" if k < 4 else None) for k in range(10)]
    rows = []
    for k in range(10):
        factor = step(20, 0.0) if k < 4 else step(20, 0.4) if k == 9 else [1.0] * MONTHS
        rows += bills(f"C{k}", kwh=[usual(i, k) * factor[i] for i in range(MONTHS)], start="2022-01")
    result = audit(tmp_path, customers=people, billing=rows, rules="U10")
    assert sorted(result.suspects["customer_id"]) == [f"C{k}" for k in range(4, 10)]
    assert found(result, "customer_id") == [("C9",)]


def test_short_histories_are_not_scored(tmp_path):
    result = area(tmp_path, {}, n=3, months=11)
    assert result.suspects.height == 0 and found(result) == []


def test_floor_on_the_independent_synthetic_model():
    # docs/u10-evaluation.md: 20,000 customers x 36 months, seeds 1-3; this smaller run is seed 7
    data, labels = synthetic_theft(customers=4000, months=36, seed=7)
    metrics = evaluate(data, labels)
    assert metrics["roc_auc"] >= 0.95
    assert metrics["precision_top_1pct"] >= 0.55
    assert metrics["precision_top_5pct"] >= 0.22


def test_a_customers_own_strong_season_is_not_a_drop(tmp_path):
    # irrigation alone on its area: 2.5x in season, a third off season, every year; no peers to compare with
    season = [2.5 if i % 12 in (5, 6, 7, 8) else 0.35 for i in range(MONTHS)]
    result = area(tmp_path, {"C0": season}, n=1)
    assert found(result) == [] and result.suspects["score"].item() < 20


def _running(xs):
    """Sums left to right in plain Python: before each value, and of all."""
    before, total = [], 0.0
    for x in xs:
        before.append(total)
        total += x
    return before, [total] * len(xs)


@pytest.mark.parametrize("lengths", [[3, 1, 36, 5], [3, 130, 5]])  # 128 values and more: polars sums pairwise
def test_customer_sums_run_along_each_customers_rows(lengths):
    rng = np.random.default_rng(len(lengths))
    customer = np.repeat(np.arange(len(lengths)), lengths)
    frame = pl.DataFrame({"_c": customer.astype(np.uint32)})
    values = {"x": pl.Series(rng.normal(size=frame.height) * 10.0 ** rng.integers(-3, 6, frame.height))}
    values["with_null"] = values["x"].scatter([1, 7], None)
    values["y"] = pl.Series(rng.normal(size=frame.height))
    sums = _CustomerSums(frame)
    at = np.array([0, frame.height - 1])
    for name, x in values.items():
        window = frame.with_columns(x=x).select(
            before=pl.col("x").cum_sum().shift(1, fill_value=0.0).over("_c"), total=pl.col("x").sum().over("_c")
        )
        expected_before, expected_total = window["before"].to_list(), window["total"].to_list()
        if not x.null_count():
            parts = [_running(x.filter(customer == c).to_list()) for c in range(len(lengths))]
            expected_before = [v for before, _ in parts for v in before]
            if max(lengths) < 128:  # else polars's pairwise totals are taken
                expected_total = [v for _, total in parts for v in total]
        before, total = sums.sums(x)
        assert (before.to_list(), total.to_list()) == (expected_before, expected_total)
        before, total = sums.sums(x, at)
        assert (before.to_list(), total.to_list()) == ([expected_before[i] for i in at], [expected_total[i] for i in at])


def test_the_onset_is_the_first_of_the_strongest_most_significant_splits():
    # what `sort_by("_strength", "z").last()` per customer picked
    rng = np.random.default_rng(5)
    n = 3000
    frame = pl.DataFrame(
        {
            "_c": np.repeat(np.arange(n // 30), 30).astype(np.uint32),
            "_strength": rng.integers(0, 3, n) / 2,
            "z": pl.Series(rng.integers(0, 3, n) / 1.0).scatter(rng.choice(n, n // 5, replace=False), None),
            "i": np.arange(n),
        }
    )
    picked = frame.group_by("_c", maintain_order=True).agg(pl.all().sort_by("_strength", "z").last())
    rows = _first_strongest(*(frame[c].to_numpy() for c in ("_c", "_strength", "z")))
    assert frame["i"].gather(rows).to_list() == picked["i"].to_list()
