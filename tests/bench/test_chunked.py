"""A chunked benchmark dataset (bench/chunked.py) reads as one dataset: customers add up, ids stay
distinct, and the audit finds exactly the concatenated ground truth (no cross-chunk shared meters,
duplicate customers or mixed lines)."""

from __future__ import annotations

import json
import subprocess

import polars as pl

from bench import chunked, run
from tests.audit.sample_truth import compare


def test_two_chunks_of_1k_read_as_one_dataset_of_2k(tmp_path):
    data = chunked.build(tmp_path / "c2k", 2_000, months=36, seed=1, chunk=1_000)
    assert sorted(p.name for p in (data / "customers").iterdir()) == ["part-00.parquet", "part-01.parquet"]
    assert not (data / ".chunks").exists()

    scored = subprocess.run(
        [chunked.POWERCRM, "score", str(data), "-o", str(tmp_path / "scores.parquet"), "--json", "--quiet"],
        capture_output=True, text=True,
    )
    assert scored.returncode == 0, scored.stderr
    rows = json.loads(scored.stdout)["rows"]
    assert rows["customers"]["in"] == rows["customers"]["used"] == 2_000
    assert rows["billing"]["in"] == run.billing_rows(data) > 2 * 30_000

    customers = pl.read_parquet(data / "customers" / "*.parquet")
    assert customers["customer_id"].n_unique() == 2_000
    assert (customers["customer_id"].min(), customers["customer_id"].max()) == ("0033000001", "0033002000")
    scores = pl.read_parquet(tmp_path / "scores.parquet")
    assert scores["customer_id"].is_unique().all()

    findings = tmp_path / "findings.csv"
    audited = subprocess.run([chunked.POWERCRM, "audit", str(data), "-o", str(findings), "--quiet"], capture_output=True, text=True)
    assert audited.returncode in (0, 1), audited.stderr
    table = compare(pl.read_csv(findings, infer_schema=False), pl.read_csv(data / "ground_truth.csv", infer_schema=False))
    assert table["extra"].sum() == 0, table.filter(pl.col("extra") > 0)
    assert table.filter(pl.col("expected") > 0)["recall"].min() == 1.0, table


def test_ids_shift_by_chunk_and_keep_their_form():
    frame = pl.DataFrame({"customer_id": ["00330000001", None], "meter_id": ["330101000000000042", None], "line_id": ["XL00007", "XL03328"], "area_id": ["TQ000001", None], "kwh": [1.0, 2.0]})
    out = frame.with_columns(chunked.shift_ids(frame.columns, 3_000_000, chunked.id_widths(10_000_000)))
    assert out.row(0) == ("003303000001", "330101000003000042", "XL3000007", "TQ3000001", 1.0)
    assert out.row(1) == (None, None, "XL3003328", None, 2.0)
    detail = "loss 14.3%: area TQ006391 moved here from XL01821 in 2025-04, archive not updated"
    assert chunked._shift_detail(detail, 10, chunked.id_widths(100)) == "loss 14.3%: area TQ006401 moved here from XL01831 in 2025-04, archive not updated"
    assert chunked._shift_detail("meter_id 330101000000000042 also on 00330000001", 1_000_000, chunked.id_widths(2_000_000)) == (
        "meter_id 330101000001000042 also on 00331000001"
    )
