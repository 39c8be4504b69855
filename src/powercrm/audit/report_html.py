"""The self-contained HTML audit report: summary, charts (inline SVG), top lines, top suspects, and a
table per rule with the Chinese and English messages. No network, no external CSS or JS; every data
value goes through `html.escape`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path

import polars as pl

from powercrm.audit import charts
from powercrm.audit.config import AuditConfig
from powercrm.audit.engine import AuditResult, counts, top_lines, top_suspects
from powercrm.audit.finding import RULES, SEVERITY_ZH
from powercrm.audit.labels import HEADERS_ZH, LEVELS_ZH, PEERS_ZH
from powercrm.io.writers import atomic_path
from powercrm.notes import localized

MAX_ROWS_PER_RULE = 500
FINDING_COLUMNS = ["severity", "customer_id", "line_id", "area_id", "period", "value", "threshold", "message_zh", "message_en", "evidence"]
LINE_COLUMNS = [
    "level", "line_id", "area_id", "voltage_kv", "customers", "months", "supplied_kwh", "billed_kwh", "loss_rate",
    "flagged_months", "worst_month", "worst_loss_rate",
]
SUSPECT_COLUMNS = ["rank", "customer_id", "line_id", "area_id", "score", "onset", "drop", "zero_share", "volatility_ratio", "reactive_ratio", "peer"]

TEXT = {
    "en": {
        "title": "Audit report",
        "source": "Data",
        "generated": "Generated",
        "rules": "Rules run",
        "findings": "Findings",
        "summary": "Findings per rule and severity",
        "lines": "Lines and areas by loss rate over all months",
        "suspects": "Theft inspection list (score at least {min_score:g})",
        "notes": "Notes",
        "per_rule": "Findings by rule",
        "shown": "first {shown:,} of {total:,} findings; the findings file has them all",
        "none": "No findings.",
        "english_charts": "Chart labels are in English: no installed CJK font covers them (pass --font or set POWERCRM_CJK_FONT).",
    },
    "zh": {
        "title": "营销稽查报告",
        "source": "数据",
        "generated": "生成时间",
        "rules": "稽查规则",
        "findings": "问题数",
        "summary": "各规则问题数（按严重程度）",
        "lines": "各线路与台区的线损（按全部月份线损率排序）",
        "suspects": "窃电嫌疑检查清单（得分不低于{min_score:g}）",
        "notes": "说明",
        "per_rule": "各规则问题明细",
        "shown": "仅显示前{shown:,}条，共{total:,}条；完整清单见问题明细文件",
        "none": "未发现问题。",
        "english_charts": "图表使用英文标注：未找到包含所需汉字的字体（可用 --font 或 POWERCRM_CJK_FONT 指定）。",
    },
}

def report_rows(cfg: AuditConfig) -> int:
    """How many lines and suspects a report lists: the terminal's `summary_rows`, at least 20."""
    return max(cfg.summary_rows, 20)


def listed(title: str, shown: int, total: int, lang: str) -> str:
    """`title`, saying so when the list stops before its end (a line with flagged months can rank below it)."""
    if shown >= total:
        return title
    return title + (f"（前{shown:,}个，共{total:,}个）" if lang == "zh" else f" (first {shown:,} of {total:,})")


def list_totals(result: AuditResult, cfg: AuditConfig) -> tuple[int, int]:
    """Lines and areas assessed, and customers scoring at least U10's min_score: what the report lists cut."""
    lines = result.line_loss.unique(["level", "line_id", "area_id"]).height
    return lines, result.suspects.filter(pl.col("score") >= cfg.U10.min_score).height


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.5em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #ddebf7; } td.num { text-align: right; white-space: nowrap; }
.high { color: #c0392b; font-weight: bold; } .medium { color: #d35400; } .low { color: #7f8c8d; }
.meta { color: #555; } .note { color: #555; font-style: italic; } svg { max-width: 100%; height: auto; }
"""


def _number(value: object, percent: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1%}" if percent else f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")  # every date of the report is a month (period, worst month, onset)
    return str(value)


def _table(frame: pl.DataFrame, columns: list[str], lang: str, percent: tuple[str, ...] = ()) -> str:
    columns = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{html.escape(HEADERS_ZH.get(c, c) if lang == 'zh' else c)}</th>" for c in columns)
    rows = []
    labels: dict[str, Callable[[str], str]] = {
        "severity": lambda s: SEVERITY_ZH.get(s, s) if lang == "zh" else s,
        "level": lambda s: LEVELS_ZH.get(s, s) if lang == "zh" else s,
        "peer": lambda s: PEERS_ZH.get(s, s) if lang == "zh" else s,
    }
    for row in frame.select(columns).iter_rows(named=True):
        cells = []
        for c in columns:
            value = row[c]
            if c in labels and value is not None:
                cells.append(f'<td class="{html.escape(value)}">{html.escape(labels[c](value))}</td>')
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<td class="num">{html.escape(_number(value, c in percent))}</td>')
            else:
                cells.append(f"<td>{html.escape(_number(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def html_report(
    result: AuditResult, cfg: AuditConfig, *, source: str, lang: str = "en", font: Path | None = None, max_rows: int = MAX_ROWS_PER_RULE
) -> str:
    """The report as one HTML document."""
    text = TEXT[lang]
    chart_lang = charts.chart_language(lang, font)
    table = counts(result)
    parts = [
        f"<h1>{html.escape(text['title'])}</h1>",
        '<p class="meta">'
        f"{html.escape(text['source'])}: {html.escape(source)}<br>"
        f"{html.escape(text['generated'])}: {dt.datetime.now():%Y-%m-%d %H:%M}<br>"
        f"{html.escape(text['rules'])}: {html.escape(', '.join(result.rules))}<br>"
        f"{html.escape(text['findings'])}: {result.findings.height:,}</p>",
    ]
    if chart_lang != lang:
        parts.append(f'<p class="note">{html.escape(text["english_charts"])}</p>')
    parts += [f"<h2>{html.escape(text['summary'])}</h2>", _table(table.drop("family"), list(table.drop("family").columns), lang)]
    parts.append(charts.counts_chart(table, chart_lang) or "")
    lines_total, suspects_total = list_totals(result, cfg)
    if "L01" in result.rules:
        bounds = (cfg.L01.min_loss_rate, cfg.L01.max_loss_rate)
        lines = top_lines(result, report_rows(cfg), bounds)
        title = listed(text["lines"], lines.height, lines_total, lang)
        parts += [f"<h2>{html.escape(title)}</h2>", charts.loss_chart(lines, bounds, chart_lang) or ""]
        parts.append(_table(lines, LINE_COLUMNS, lang, percent=("loss_rate", "worst_loss_rate")))
    if "U10" in result.rules:
        suspects = top_suspects(result, report_rows(cfg), cfg.U10.min_score)
        title = listed(text["suspects"].format(min_score=cfg.U10.min_score), suspects.height, suspects_total, lang)
        parts.append(f"<h2>{html.escape(title)}</h2>")
        if suspects.height:
            parts.append(charts.suspects_chart(suspects, cfg.U10.min_score, chart_lang) or "")
            parts.append(_table(suspects, SUSPECT_COLUMNS, lang, percent=("drop", "zero_share")))
        else:
            parts.append(f"<p>{html.escape(text['none'])}</p>")
    if result.notes:
        items = "".join(f"<li>{html.escape(localized(n, lang))}</li>" for n in result.notes)
        parts.append(f"<h2>{html.escape(text['notes'])}</h2><ul>{items}</ul>")
    parts.append(f"<h2>{html.escape(text['per_rule'])}</h2>")
    for rule_id in result.rules:
        rule = RULES[rule_id]
        found = result.findings.filter(pl.col("rule") == rule_id)
        title = f"{rule_id} {rule.title_zh} — {rule.title_en}"
        parts.append(f"<h3>{html.escape(title)} ({found.height:,})</h3>")
        if found.height == 0:
            parts.append(f'<p class="note">{html.escape(text["none"])}</p>')
            continue
        if found.height > max_rows:
            parts.append(f'<p class="note">{html.escape(text["shown"].format(shown=max_rows, total=found.height))}</p>')
        parts.append(_table(found.head(max_rows), FINDING_COLUMNS, lang))
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(text['title'])}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write_html_report(
    result: AuditResult, cfg: AuditConfig, path: Path, *, source: str, lang: str = "en", font: Path | None = None
) -> None:
    document = html_report(result, cfg, source=source, lang=lang, font=font)
    with atomic_path(path) as tmp:
        tmp.write_text(document, encoding="utf-8")
