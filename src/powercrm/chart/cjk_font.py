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


def _register(path: Path) -> str:
    """Add a font file to matplotlib; its family name. A file it cannot read is a usage error."""
    from matplotlib import font_manager

    try:
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    except (RuntimeError, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"{path}: not a font file that can be read (.ttf, .otf or .ttc): {reason}") from None


def check_font(font: Path | None) -> None:
    """Fail before any work when `--font` names no readable font file."""
    if font is not None:
        use_cjk_font(font)


def use_cjk_font(font: Path | None = None) -> str:
    """Register a CJK font with matplotlib and make it the default family; returns the family name.
    A font the user names comes first, with the bundled subset behind it: matplotlib takes a glyph the
    first family lacks from the next, so a font without Chinese still gives Chinese labels, not boxes."""
    from matplotlib import font_manager, rcParams

    chosen = font or (Path(os.environ["POWERCRM_CJK_FONT"]) if os.environ.get("POWERCRM_CJK_FONT") else None)
    fallback = []
    if chosen is not None:
        if not chosen.is_file():
            raise UsageError(f"{chosen}: font file not found")
        family = _register(chosen)
        fallback = [_register(bundled_font())]
    else:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        family = next((f for f in KNOWN_FAMILIES if f in installed), None) or _register(bundled_font())
    rcParams["font.family"] = [family, *fallback, "DejaVu Sans"]
    rcParams["axes.unicode_minus"] = False
    return family
