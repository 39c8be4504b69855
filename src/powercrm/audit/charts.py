"""Charts of the audit report as inline SVG (matplotlib Agg, text drawn as paths: no font needed to view).

Chinese labels need a CJK font (`powercrm.chart.cjk_font`). When the font found does not hold
every character of a chart's labels (the bundled subset holds only what powercrm's value-matrix
chart writes), that chart is labelled in English rather than with empty boxes.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from powercrm.chart.value_matrix import save_svg

TEXT = {
    "en": {
        "counts": "Findings per rule",
        "findings": "findings",
        "loss": "Line loss: worst month and all months",
        "loss_rate": "loss rate",
        "worst": "worst month",
        "overall": "all months",
        "suspects": "Theft suspects",
        "score": "score",
        "line": "line",
        "area": "area",
        "high": "high",
        "medium": "medium",
        "low": "low",
    },
    "zh": {
        "counts": "各规则问题数",
        "findings": "问题数",
        "loss": "线损率：最差月份与全部月份",
        "loss_rate": "线损率",
        "worst": "最差月份",
        "overall": "全部月份",
        "suspects": "窃电嫌疑排名",
        "score": "嫌疑分",
        "line": "线路",
        "area": "台区",
        "high": "高",
        "medium": "中",
        "low": "低",
    },
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def chart_language(lang: str, font: Path | None = None) -> str:
    """`zh` when a CJK font covering every Chinese label is available, else `en`."""
    if lang != "zh":
        return "en"
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager, rcParams

    from powercrm.chart.cjk_font import use_cjk_font

    use_cjk_font(font)
    path = font_manager.findfont(font_manager.FontProperties(family=rcParams["font.family"][0]), fallback_to_default=False)
    cmap = TTFont(path, fontNumber=0).getBestCmap()
    needed = {ch for text in TEXT["zh"].values() for ch in text if not ch.isascii()}
    return "zh" if all(ord(ch) in cmap for ch in needed) else "en"


def _svg(fig) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    save_svg(fig, buffer, bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: the SVG goes inline in HTML


def counts_chart(counts: pl.DataFrame, lang: str) -> str | None:
    """Stacked bars of findings per rule by severity."""
    if counts["total"].sum() == 0:
        return None
    plt = _pyplot()
    text = TEXT[lang]
    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
    bottom = [0] * counts.height
    for severity, colour in (("high", "#c0392b"), ("medium", "#e67e22"), ("low", "#95a5a6")):
        values = counts[severity].to_list()
        ax.bar(counts["rule"].to_list(), values, bottom=bottom, color=colour, label=text[severity])
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_title(text["counts"])
    ax.set_ylabel(text["findings"])
    ax.legend(frameon=False)
    ax.tick_params(axis="x", labelrotation=90)
    return _svg(fig)


def loss_chart(lines: pl.DataFrame, bounds: tuple[float, float], lang: str) -> str | None:
    """Horizontal bars of each line's worst monthly loss rate (red outside the bounds), a dot for its rate
    over all months, dashed lines at the bounds."""
    lines = lines.filter(pl.col("worst_loss_rate").is_not_null())
    if lines.height == 0:
        return None
    plt = _pyplot()
    text = TEXT[lang]
    low, high = bounds
    names = [
        f"{text['area']} {a}" if level == "area" else f"{text['line']} {l_}"
        for level, l_, a in lines.select("level", "line_id", "area_id").iter_rows()
    ][::-1]
    worst = [r * 100 for r in lines["worst_loss_rate"].to_list()][::-1]
    overall = [None if r is None else r * 100 for r in lines["loss_rate"].to_list()][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(names) + 1.4), dpi=100)
    ax.barh(names, worst, color=["#c0392b" if not low * 100 <= r <= high * 100 else "#2980b9" for r in worst], label=text["worst"])
    ax.scatter([o for o in overall if o is not None], [n for n, o in zip(names, overall) if o is not None], color="black", s=14, zorder=3, label=text["overall"])
    for bound in (low, high):
        ax.axvline(bound * 100, color="black", ls="--", lw=1)
    ax.set_title(text["loss"])
    ax.set_xlabel(f"{text['loss_rate']} (%)")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(names) > 3 else -0.3), ncol=2)
    return _svg(fig)


def suspects_chart(suspects: pl.DataFrame, min_score: float, lang: str) -> str | None:
    """Horizontal bars of the top suspects' scores."""
    if suspects.height == 0:
        return None
    plt = _pyplot()
    text = TEXT[lang]
    names = suspects["customer_id"].to_list()
    scores = suspects["score"].to_list()
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(names) + 1.2), dpi=100)
    ax.barh(names[::-1], scores[::-1], color=["#c0392b" if s >= min_score else "#7f8c8d" for s in scores[::-1]])
    ax.axvline(min_score, color="black", ls="--", lw=1)
    ax.set_xlim(0, 100)
    ax.set_title(text["suspects"])
    ax.set_xlabel(text["score"])
    return _svg(fig)
