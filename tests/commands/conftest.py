"""Fixtures shared by the command tests."""

from __future__ import annotations

import pytest

from tests.test_score import write_dataset


@pytest.fixture
def data(tmp_path):
    """The small scoring dataset of `tests.test_score` (three scored customers), in `tmp_path/data`."""
    root = tmp_path / "data"
    root.mkdir()
    return write_dataset(root)
