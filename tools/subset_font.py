"""Rebuild the bundled CJK chart font: the Chinese characters powercrm writes, cut from Noto Sans CJK SC.

Usage (developers only; needs fonttools and the full font, e.g. from the `mplfonts` wheel):
    python tools/subset_font.py /path/to/NotoSansCJKsc-Regular.otf
Run it again whenever new Chinese text is added to charts or reports.
"""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src/powercrm/chart/fonts/NotoSansCJKsc-powercrm-subset.otf"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2014\u2018-\u201d\u2026\u00b7\u2265\u2264]")


def characters() -> str:
    found = set(string.printable)
    for path in (ROOT / "src/powercrm").rglob("*.py"):
        found.update(CJK.findall(path.read_text(encoding="utf-8")))
    return "".join(sorted(found))


def main(source: str) -> None:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    font = subset.load_font(source, options)
    sub = subset.Subsetter(options)
    sub.populate(text=characters())
    sub.subset(font)
    subset.save_font(font, str(TARGET), options)
    print(f"{TARGET}: {TARGET.stat().st_size:,} bytes, {len(characters())} characters")


if __name__ == "__main__":
    main(sys.argv[1])
