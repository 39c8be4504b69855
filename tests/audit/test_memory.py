"""The audit's memory estimate against measured peaks, and how many partitions a run needs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powercrm.audit import memory
from powercrm.audit.engine import run_audit
from powercrm.errors import ResourceError
from powercrm.io.readers import load_dataset
from tests.audit.frames import _write, bills, customer

GB = 1e9


@pytest.mark.parametrize(
    ("billing", "load", "peak"),
    [(3_555_596, 3_546_000, 1.88e9), (35_557_959, 35_458_475, 6.38e9), (106_668_621, 106_370_080, 16.52e9)],
    ids=["100k", "1m", "3m"],
)
def test_estimate_is_at_or_just_above_the_measured_peaks(billing, load, peak):
    need = memory.needed_memory({"billing": billing, "load": load})
    assert peak * 0.99 <= need <= peak * 1.1


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(1, 10**6))
def test_estimate_grows_with_every_table(billing, load, more):
    need = memory.needed_memory({"billing": billing, "load": load})
    assert memory.needed_memory({"billing": billing + more, "load": load}) > need
    assert memory.needed_memory({"billing": billing, "load": load + more}) > need


def test_available_memory_reads_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   22000000 kB\n")
    assert memory.available_memory(meminfo) == 22_000_000 * 1024
    assert memory.available_memory(tmp_path / "absent") is None
    meminfo.write_text("MemTotal: 24000000 kB\n")
    assert memory.available_memory(meminfo) is None


def test_partition_count():
    ten_million = {"billing": 355_596_038, "load": 354_598_640}  # 52.2 GB
    assert memory.partition_count(ten_million, int(64 * GB)) == 1
    # each partition within half of 24 GB, less the 1.4 GB base: 50.8 / 10.6 GB
    assert memory.partition_count(ten_million, int(24 * GB)) == 5
    assert memory.partition_count(ten_million, int(12 * GB)) == 12
    with pytest.raises(ResourceError, match=r"needs about 52\.2 GB of memory for 355,596,038 billing rows .* only 2\.0 GB"):
        memory.partition_count(ten_million, int(2 * GB))


@given(st.integers(10**6, 10**10), st.integers(3 * 10**9, 10**11))
def test_partitions_fit_in_their_share(rows, available):
    count = memory.partition_count({"billing": rows}, available)
    if count == 1:  # the whole audit fits
        assert memory.needed_memory({"billing": rows}) <= available
    else:
        part = (memory.needed_memory({"billing": rows}) - memory.BASE_BYTES) / count
        assert memory.BASE_BYTES + part <= available * memory.PARTITION_SHARE + 1
        assert memory.needed_memory({"billing": rows}) > available


@pytest.fixture
def dataset(tmp_path):
    _write(tmp_path / "customers.csv", [customer("C1"), customer("C2")])
    _write(tmp_path / "billing.csv", bills("C1") + bills("C2"))
    return load_dataset(tmp_path)


def test_only_the_tables_the_rules_read_count(dataset):
    assert memory.audit_rows(dataset, {"customers"}) == {}
    assert memory.audit_rows(dataset, {"customers", "billing", "load"}) == {"billing": 48}
    assert memory.partitions_needed(dataset, {"customers"}, available=int(memory.BASE_BYTES)) == 1


def test_run_audit_stops_when_not_even_a_partition_fits_unless_told_not_to(dataset, monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: int(memory.BASE_BYTES))
    with pytest.raises(ResourceError, match="pass --no-memory-check to try anyway"):
        run_audit(dataset, rules="U01")
    assert run_audit(dataset, rules="A01").rules == ["A01"]
    assert run_audit(dataset, rules="U01", memory_check=False).rules == ["U01"]
