"""The value-matrix chart (SPEC §8): current vs potential value, the origin's cross lines, four quadrants.

matplotlib (Agg) draws PNG and SVG; HTML is the SVG inside a small self-contained page. Above
`DENSITY_THRESHOLD` customers a scatter turns into an unreadable blot, so the chart shows a
hexbin density instead; quadrant names and counts are printed in every case.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import polars as pl

from powercrm.errors import UsageError
from powercrm.io.writers import atomic_path
from powercrm.segment.labels import SEGMENTS_ZH
from powercrm.segment.value import CURRENT, POTENTIAL, SEGMENTS

DENSITY_THRESHOLD = 20_000
FORMATS = (".png", ".svg", ".html")
COLOURS = {"key": "#c0392b", "develop": "#2980b9", "maintain": "#27ae60", "low_value": "#7f8c8d"}
TEXT = {
    "en": {
        "title": "Customer value matrix",
        "x": "Current value",
        "y": "Potential value",
        "origin": "origin",
        "customers": "customers",
        "key": "key",
        "develop": "develop",
        "maintain": "maintain",
        "low_value": "low value",
    },
    "zh": {
        "title": "客户价值矩阵",
        "x": "当前价值",
        "y": "潜在价值",
        "origin": "原点",
        "customers": "户",
        **SEGMENTS_ZH,
    },
}


def chart_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{path}: unknown chart type {suffix or '(none)'!r}; use .png, .svg or .html")
    return suffix


def _figure(scores: pl.DataFrame, origin: tuple[float, float], lang: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    text = TEXT[lang]
    x = scores[CURRENT].to_numpy()
    y = scores[POTENTIAL].to_numpy()
    fig, ax = plt.subplots(figsize=(9, 7), dpi=120)
    if scores.height > DENSITY_THRESHOLD:
        hb = ax.hexbin(x, y, gridsize=60, bins="log", cmap="viridis", mincnt=1)
        fig.colorbar(hb, ax=ax, label=f"{text['customers']} (log)")
    else:
        for seg in SEGMENTS:
            part = scores.filter(pl.col("segment") == seg)
            ax.scatter(part[CURRENT], part[POTENTIAL], s=12, alpha=0.6, color=COLOURS[seg], linewidths=0)
    ox, oy = origin
    ax.axvline(ox, color="black", lw=1, ls="--")
    ax.axhline(oy, color="black", lw=1, ls="--")
    # a band above and below the data (and the origin) holds the quadrant names, so no label hides a point
    x0, x1 = ax.get_xlim()
    low, high = min(float(y.min()), oy), max(float(y.max()), oy)
    band = 0.22 * (high - low or 1.0)
    ax.set_ylim(low - band, high + band)
    ax.set_xlim(min(x0, ox), max(x1, ox))
    counts = dict(scores.group_by("segment").len().iter_rows())
    corners = {"key": (0.98, 0.98), "develop": (0.02, 0.98), "maintain": (0.98, 0.02), "low_value": (0.02, 0.02)}
    for seg, (cx, cy) in corners.items():
        n = counts.get(seg, 0)
        ax.text(
            cx, cy, f"{text[seg]}  {n:,} {text['customers']}", transform=ax.transAxes, fontsize=12,
            ha="right" if cx > 0.5 else "left", va="top" if cy > 0.5 else "bottom",
            color=COLOURS[seg], bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": COLOURS[seg]},
        )
    ax.annotate(f"{text['origin']} ({ox:.3f}, {oy:.3f})", (ox, oy), xytext=(6, 6), textcoords="offset points", fontsize=9)
    ax.set_xlabel(text["x"])
    ax.set_ylabel(text["y"])
    ax.set_title(f"{text['title']} — {scores.height:,} {text['customers']}")
    ax.grid(alpha=0.2)
    fig.tight_layout()
    return fig


def plot_value_matrix(
    scores: pl.DataFrame, origin: tuple[float, float], path: Path, *, lang: str = "en", font: Path | None = None
) -> None:
    """Draw the value matrix of `scores` (columns current_value, potential_value, segment) to PNG/SVG/HTML."""
    from powercrm.chart.cjk_font import use_cjk_font

    suffix = chart_format(path)
    if lang not in TEXT:
        raise UsageError(f"unknown language {lang!r}: use en or zh")
    use_cjk_font(font)
    import matplotlib.pyplot as plt

    fig = _figure(scores, origin, lang)
    try:
        with atomic_path(path) as tmp:
            if suffix == ".html":
                buf = io.StringIO()
                save_svg(fig, buf)
                svg = buf.getvalue()
                title = html.escape(TEXT[lang]["title"])
                tmp.write_text(
                    f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
                    f"<body style=\"margin:0;display:flex;justify-content:center\">{svg[svg.index('<svg'):]}</body></html>",
                    encoding="utf-8",
                )
            elif suffix == ".svg":
                save_svg(fig, tmp)
            else:
                fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)


def save_svg(fig, target, **kwargs) -> None:
    """`fig` as SVG, the same bytes for the same chart: no date, element ids from a fixed salt (matplotlib
    salts them at random), so a rerun on the same data writes an identical file."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "powercrm"}):
        fig.savefig(target, format="svg", metadata={"Date": None}, **kwargs)
