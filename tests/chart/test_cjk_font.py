"""CJK font resolution: a named font is used with the bundled subset behind it; a bad one is one clear line."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib
import pytest

from powercrm.chart.cjk_font import check_font, use_cjk_font
from powercrm.errors import UsageError

DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@pytest.fixture(autouse=True)
def _restore_rc():
    with matplotlib.rc_context():
        yield


def test_a_file_that_is_not_a_font_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.ttf"
    bad.write_text("not a font")
    with pytest.raises(UsageError, match="bad.ttf: not a font file") as info:
        check_font(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(UsageError, match="font file not found"):
        check_font(tmp_path / "missing.otf")
    check_font(None)


def test_a_font_without_chinese_falls_back_to_the_bundled_subset_for_chinese_labels():
    """DejaVu Sans has no Chinese: its labels used to render as boxes, with a warning per glyph."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = use_cjk_font(DEJAVU)
    assert family == "DejaVu Sans"
    assert matplotlib.rcParams["font.family"][1] == "Noto Sans CJK SC"
    fig, ax = plt.subplots()
    ax.set_title("客户价值矩阵 贵宾型 改进型")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
