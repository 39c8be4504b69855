"""Whether an audit fits in the machine's memory, checked before the large tables are read.

The audit holds every customer-month of billing and load in memory (`audit.data`), so its peak grows
with their rows, where `score` streams them. Peak RSS measured on the bench datasets (36 months,
Parquet, 2 cores; docs/performance.md), against the estimate below:

    customers   billing rows   load rows   peak RSS   estimate
    100 k         3.56 M        3.55 M      1.59 GB    1.64 GB
    1 M          35.6 M        35.5 M       5.1–5.4    5.64
    3 M         106.7 M       106.4 M      14.5        14.5

A run that would need more than the memory available stops at once with one line, instead of being
killed by the operating system after minutes of work.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from powercrm.errors import ResourceError
from powercrm.io.readers import Dataset, estimated_rows

BASE_BYTES = 1.2e9
BYTES_PER_ROW = {"billing": 80, "load": 45}
GB = 1e9


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


def check_memory(dataset: Dataset, tables: Collection[str], available: int | None = None) -> None:
    """Raise ResourceError when an audit reading `tables` would need more memory than is available."""
    available = available_memory() if available is None else available
    if available is None:
        return
    rows = audit_rows(dataset, tables)
    need = needed_memory(rows)
    if need <= available:
        return
    counted = " and ".join(f"{n:,} {name} rows" for name, n in rows.items())
    raise ResourceError(
        f"the audit needs about {need / GB:.1f} GB of memory for {counted} (it holds every customer-month), "
        f"and {available / GB:.1f} GB is available: audit part of the customers at a time (e.g. an export per "
        "county or line), run rules that read fewer tables (--rules archive reads the archive alone), "
        "or pass --no-memory-check to try anyway"
    )
