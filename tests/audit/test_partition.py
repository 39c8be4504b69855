"""An audit run customer partition by customer partition gives exactly the findings of a whole run."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from powercrm import sample
from powercrm.audit.data import CUSTOMER, prepare
from powercrm.audit.engine import run_audit
from powercrm.audit.partition import partition_members, peer_groups, supply_partitions
from tests.audit.sample_truth import sample_dataset


def archive(lines: list[str | None], areas: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({CUSTOMER: pl.Series(range(len(lines)), dtype=pl.UInt32), "line_id": lines, "area_id": areas})


def test_customers_sharing_a_line_or_an_area_are_one_group():
    # L1-T1, T1-L2 (an area on two lines joins them), L3 alone, T9 without a line, a customer with neither
    frame = archive(["L1", "L1", "L2", "L3", None, None, "L2"], ["T1", "T2", "T1", "T3", "T9", None, None])
    groups = peer_groups(frame).to_list()
    assert groups[0] == groups[1] == groups[2] == groups[6]
    assert len({groups[0], groups[3], groups[4], groups[5]}) == 4


def test_a_chain_of_links_is_followed_to_its_end():
    lines = [f"L{i // 2}" for i in range(40)]
    areas = [f"T{(i + 1) // 2}" for i in range(40)]  # L0-T0, L0-T1, L1-T1, L1-T2 ...
    assert peer_groups(archive(lines, areas)).n_unique() == 1


def test_partitions_hold_whole_groups_and_every_customer_once():
    frame = archive([f"L{i % 7}" for i in range(100)], [f"T{i % 21}" for i in range(100)])
    parts = partition_members(frame, 3)
    assert sorted(pl.concat(parts).to_list()) == list(range(100))
    groups = peer_groups(frame)
    assert len({g for part in parts for g in groups.gather(part).unique().to_list()}) == groups.n_unique()
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            assert set(groups.gather(a).to_list()).isdisjoint(groups.gather(b).to_list())


def test_supply_rows_go_with_their_area_else_line():
    frame = archive(["L1", "L2"], ["T1", "T2"])
    parts = [pl.Series([1], dtype=pl.UInt32), pl.Series([0], dtype=pl.UInt32)]
    supply = pl.DataFrame({"line_id": ["L1", "L2", "L1", "L9"], "area_id": ["T2", None, None, None]})
    assert supply_partitions(supply, frame, parts).to_list() == [0, 0, 1, 0]


@pytest.fixture(scope="module")
def dataset():
    # 3,000 customers x 36 months on 10 peer groups, with injected anomalies and cancelled customers; a
    # supply month after the last bill (not assessed) and a line without customers (assessed, billed 0)
    data = sample.generate(customers=3000, months=36, seed=5)
    later = data.supply.filter(pl.col("period") == pl.col("period").max()).with_columns(pl.col("period").dt.offset_by("1mo"))
    empty_line = data.supply.filter(pl.col("area_id").is_null()).head(3).with_columns(line_id=pl.lit("XL-EMPTY"))
    data.supply = pl.concat([data.supply, later, empty_line])
    return sample_dataset(data)


@pytest.mark.parametrize("partitions", [2, 5])
def test_partitioned_run_equals_the_whole_run(dataset, partitions):
    assert len(partition_members(prepare(dataset, ()).archive_rows, partitions)) == partitions
    whole = run_audit(dataset, memory_check=False)
    split = run_audit(dataset, partitions=partitions)
    assert whole.findings.height > 0 and set(whole.findings["rule"]) >= {"U02", "U10", "L01", "A05"}
    assert whole.findings.filter(pl.col("line_id") == "XL-EMPTY").height == 3
    assert_frame_equal(split.findings, whole.findings)
    assert_frame_equal(split.suspects, whole.suspects)
    key = ["level", "line_id", "area_id", "period"]
    assert_frame_equal(split.line_loss.sort(key), whole.line_loss.sort(key), check_exact=False, rel_tol=1e-12)
    assert split.rows == whole.rows
    assert split.notes == [f"run in {partitions} customer partitions, as the whole run would not fit in the memory available", *whole.notes]


def test_partitioned_run_with_interval_readings_equals_the_whole_run():
    dataset = sample_dataset(sample.generate(customers=2000, months=24, seed=2, interval_days=3))
    assert "load_interval" in dataset.tables
    whole = run_audit(dataset, memory_check=False)
    split = run_audit(dataset, partitions=3)
    assert_frame_equal(split.findings, whole.findings)
    assert_frame_equal(split.suspects, whole.suspects)
    assert split.rows == whole.rows and split.rows["load_interval"]["used"] > 0
