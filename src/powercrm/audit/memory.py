"""Whether an audit fits in the machine's memory, checked before the large tables are read.

The audit holds every customer-month of billing and load in memory (`audit.data`), so its peak grows
with their rows, where `score` streams them. Peak RSS measured on the bench datasets (36 months,
Parquet, 2 cores; docs/performance.md) since the console script keeps jemalloc's own decay
(`powercrm.entry`; the peaks were 1.59, 5.1–5.4 and 14.5 GB before), against the estimate below:

    customers   billing rows   load rows   peak RSS   estimate
    100 k         3.56 M        3.55 M      1.88 GB    1.91 GB
    1 M          35.6 M        35.5 M       6.35–6.38  6.48
    3 M         106.7 M       106.4 M      16.5        16.6

A run that would need more than the memory available runs customer partition by customer partition
instead (`powercrm.audit.partition`), each within half of it, rather than running out of memory.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path

from powercrm.errors import ResourceError
from powercrm.io.readers import Dataset, estimated_rows

BASE_BYTES = 1.4e9
BYTES_PER_ROW = {"billing": 95, "load": 48}
GB = 1e9
PARTITION_SHARE = 0.5  # of the memory available, for one partition: the archive and the findings stay whole


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Bytes of memory available to a new process (Linux `MemAvailable`), or None where unknown."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def audit_rows(dataset: Dataset, tables: Collection[str]) -> dict[str, int]:
    """Rows of billing and of monthly load an audit reading `tables` holds in memory (estimates for CSV).
    Interval readings become about one load row per billed customer-month."""
    rows = {name: estimated_rows(dataset[name]) for name in BYTES_PER_ROW if name in tables and name in dataset}
    if "load" not in rows and "load_interval" in tables and "load_interval" in dataset:
        rows["load"] = rows.get("billing", 0)
    return rows


def needed_memory(rows: dict[str, int]) -> float:
    """Estimated peak bytes of an audit holding these rows."""
    return BASE_BYTES + sum(BYTES_PER_ROW[name] * n for name, n in rows.items())


def partitions_needed(dataset: Dataset, tables: Collection[str], available: int | None = None) -> int:
    """How many customer partitions an audit reading `tables` needs in the memory available
    (`partition_count`); 1 where that memory is unknown."""
    available = available_memory() if available is None else available
    return 1 if available is None else partition_count(audit_rows(dataset, tables), available)


def partition_count(rows: dict[str, int], available: int) -> int:
    """1 when an audit holding `rows` fits in `available` bytes, else how many customer partitions
    (`powercrm.audit.partition`) keep each within PARTITION_SHARE of it. Raises ResourceError when not
    even that is possible."""
    need = needed_memory(rows)
    if need <= available:
        return 1
    budget = available * PARTITION_SHARE - BASE_BYTES
    if budget <= 0:
        counted = " and ".join(f"{n:,} {name} rows" for name, n in rows.items())
        raise ResourceError(
            f"the audit needs about {need / GB:.1f} GB of memory for {counted} (it holds every customer-month), "
            f"and only {available / GB:.1f} GB is available: run it on a machine with more memory, or pass "
            "--no-memory-check to try anyway"
        )
    return math.ceil((need - BASE_BYTES) / budget)
