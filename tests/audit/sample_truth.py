"""The sample generator's data and ground truth, in the form the audit reads, and a comparison of
findings with the truth per rule (recall, and findings the truth does not list)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from powercrm.io.readers import ROW, Dataset, LoadedTable
from powercrm.io.schema import TABLES

DETERMINISTIC = ("A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "U01", "U02", "U03", "U04", "U05", "U06", "U07", "U08", "U09", "L01")


def sample_dataset(data) -> Dataset:
    """`powercrm.sample.SampleData` frames as a dataset, as if read from files (already typed)."""
    dataset = Dataset({})
    for name in ("customers", "billing", "load", "supply", "load_interval"):
        frame = getattr(data, name, None)
        if frame is None:
            continue
        lf = frame.lazy().with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
        dataset.tables[name] = LoadedTable(TABLES[name], Path(f"<{name}>"), lf, set(frame.columns), [])
    return dataset


def _key(frame: pl.DataFrame) -> pl.DataFrame:
    """rule, who (customer, else line), period: how a finding is matched to a truth row."""
    who = pl.when(pl.col("rule") == "L01").then(pl.coalesce("line_id", "area_id")).otherwise(pl.col("customer_id"))
    return frame.select("rule", who=who, period=pl.col("period").fill_null("")).unique()


def compare(findings: pl.DataFrame, truth: pl.DataFrame, rules=DETERMINISTIC) -> pl.DataFrame:
    """Per rule: expected (truth rows), found (findings), matched, recall, extra (findings not in the truth)."""
    expected = _key(truth.filter(pl.col("rule").is_in(rules)))
    got = _key(findings.filter(pl.col("rule").is_in(rules)))
    matched = expected.join(got, on=["rule", "who", "period"], how="semi")
    extra = got.join(expected, on=["rule", "who", "period"], how="anti")
    base = pl.DataFrame({"rule": list(rules)})
    out = base
    for name, frame in (("expected", expected), ("found", got), ("matched", matched), ("extra", extra)):
        out = out.join(frame.group_by("rule").agg(pl.len().alias(name)), on="rule", how="left")
    return out.fill_null(0).with_columns(
        recall=pl.when(pl.col("expected") > 0).then(pl.col("matched") / pl.col("expected"))
    )
