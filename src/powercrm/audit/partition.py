"""Customer partitions for an audit too large for memory (SPEC §9: the customer-local stage can run
partition by partition).

Every rule but two looks at one customer's months alone. The two that look across customers look
within a line or an area: L01 sums the customers on a line (area) and U10 takes the median of the
customers on an area (else its line). So a partition holds whole *peer groups*: the customers linked
through a shared line_id or area_id (an area on two lines joins them). Run partition by partition,
each rule then gives exactly its findings of a whole run; only U10's ranks and L01's assessed
months (those billed to anyone) are settled over all partitions.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from powercrm.audit.data import CUSTOMER


def peer_groups(archive: pl.DataFrame) -> pl.Series:
    """A group number per archive row: equal for customers linked through shared line_id or area_id
    values; a customer with neither is a group of its own. Connected components by label propagation
    over the (line, area) pairs, one vectorised pass per step of the longest chain of links."""
    lines = archive.get_column("line_id").rank("dense").cast(pl.Int64).to_numpy(allow_copy=True)
    areas = archive.get_column("area_id").rank("dense").cast(pl.Int64).to_numpy(allow_copy=True)
    n_lines = int(np.nanmax(lines)) if np.isfinite(lines).any() else 0
    n_areas = int(np.nanmax(areas)) if np.isfinite(areas).any() else 0
    line_node = np.where(np.isnan(lines), -1, lines - 1).astype(np.int64)
    area_node = np.where(np.isnan(areas), -1, areas - 1 + n_lines).astype(np.int64)
    linked = (line_node >= 0) & (area_node >= 0)
    a, b = line_node[linked], area_node[linked]
    label = np.arange(n_lines + n_areas, dtype=np.int64)
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]  # follow labels to their own label: halves the chains
        if np.array_equal(new, label):
            break
        label = new
    node = np.where(line_node >= 0, line_node, area_node)
    alone = len(label) + np.arange(archive.height)
    return pl.Series("group", np.where(node >= 0, label[np.maximum(node, 0)], alone))


def partition_members(archive: pl.DataFrame, partitions: int) -> list[pl.Series]:
    """The customer numbers (`_c`) of each of about `partitions` partitions of nearly equal size, whole
    peer groups each (a group larger than a partition's share makes one partition of its own)."""
    groups = archive.select(CUSTOMER).with_columns(peer_groups(archive))
    sizes = groups.group_by("group").len().sort("group")
    share = -(-archive.height // max(partitions, 1))
    sizes = sizes.with_columns(part=((pl.col("len").cum_sum() - pl.col("len")) // share).cast(pl.Int64))
    assigned = groups.join(sizes.select("group", "part"), on="group")
    return [part.get_column(CUSTOMER) for part in assigned.sort("part", CUSTOMER).partition_by("part", maintain_order=True)]


def supply_partitions(supply: pl.DataFrame, archive: pl.DataFrame, members: list[pl.Series]) -> pl.Series:
    """The partition of each supply row: that of the customers on its area (a row with an area_id, as
    L01 reads it) or else its line; 0 for an area or line without customers (assessed once, billed 0)."""
    part = pl.concat([pl.DataFrame({CUSTOMER: m, "part": pl.repeat(i, m.len(), dtype=pl.Int64, eager=True)}) for i, m in enumerate(members)])
    located = archive.select(CUSTOMER, "line_id", "area_id").join(part, on=CUSTOMER)
    where = supply.select("line_id", "area_id")
    for key in ("line_id", "area_id"):
        owner = located.filter(pl.col(key).is_not_null()).group_by(key).agg(pl.col("part").first().alias(f"part_{key}"))
        where = where.join(owner, on=key, how="left", maintain_order="left")
    by_row = pl.when(pl.col("area_id").is_not_null()).then(pl.col("part_area_id")).otherwise(pl.col("part_line_id"))
    return where.select(by_row.fill_null(0)).to_series()
