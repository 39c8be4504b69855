"""Smoke test of the benchmark runner and baselines on a tiny dataset (seconds; benchmarks are not tests)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from bench import run

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("duckdb") is None or importlib.util.find_spec("pandas") is None,
    reason="bench extra not installed (pip install -e '.[bench]')",
)


def test_runner_and_baselines_agree_with_powercrm_on_a_tiny_dataset(tmp_path):
    results = run.run(["1k"], ["parquet"], runs=1, baselines=True, audit=False, data_dir=tmp_path, timeout=300)
    assert {r.command for r in results} == {"score", "duckdb", "polars", "pandas"}
    assert all(r.exit_code == 0 and r.billing_rows > 30_000 and r.peak_rss_mb > 0 for r in results)
    out = tmp_path / "out"
    for baseline in ("duckdb", "polars", "pandas"):
        check = subprocess.run(
            [sys.executable, "-m", "bench.compare", str(out / "scores.parquet"), str(out / f"{baseline}.parquet")],
            capture_output=True, text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr
    assert "score / duckdb" in run.markdown(results)
