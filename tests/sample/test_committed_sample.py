"""The committed dataset data/samples is exactly what its documented command writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from powercrm.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.mark.skipif(not (SAMPLES / "customers.csv").exists(), reason="no committed sample")
def test_committed_sample_is_reproducible(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["sample", str(tmp_path), "--customers", "1000", "--months", "36", "--seed", "42", "--zh", "-q"]
    )
    assert result.exit_code == 0, result.stderr
    for path in sorted(tmp_path.iterdir()):
        committed = SAMPLES / path.name
        assert committed.exists(), path.name
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} differs: regenerate data/samples (see its README)"


def test_committed_sample_is_small() -> None:
    total = sum(p.stat().st_size for p in SAMPLES.iterdir())
    assert total < 5 * 2**20
