"""CJK font resolution for matplotlib charts, so Chinese labels render instead of empty boxes.

Order: an explicit `--font PATH` → `POWERCRM_CJK_FONT` → an installed family known to cover
Chinese → the subset of Noto Sans CJK SC bundled with powercrm (it holds every Chinese character
powercrm itself writes on charts; `tools/subset_font.py` rebuilds it).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from powercrm.errors import UsageError

KNOWN_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC")
BUNDLED = "NotoSansCJKsc-powercrm-subset.otf"


def bundled_font() -> Path:
    return Path(str(resources.files("powercrm.chart") / "fonts" / BUNDLED))


def use_cjk_font(font: Path | None = None) -> str:
    """Register a CJK font with matplotlib and make it the default family; returns the family name."""
    from matplotlib import font_manager, rcParams

    chosen = font or (Path(os.environ["POWERCRM_CJK_FONT"]) if os.environ.get("POWERCRM_CJK_FONT") else None)
    if chosen is not None:
        if not chosen.is_file():
            raise UsageError(f"{chosen}: font file not found")
        font_manager.fontManager.addfont(str(chosen))
        family = font_manager.FontProperties(fname=str(chosen)).get_name()
    else:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        family = next((f for f in KNOWN_FAMILIES if f in installed), None)
        if family is None:
            path = bundled_font()
            font_manager.fontManager.addfont(str(path))
            family = font_manager.FontProperties(fname=str(path)).get_name()
    rcParams["font.family"] = [family, "DejaVu Sans"]
    rcParams["axes.unicode_minus"] = False
    return family
