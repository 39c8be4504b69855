"""The XLSX audit report: a summary sheet (counts per rule and severity, worst lines, top suspects,
checks not made) and one sheet of findings per rule family (archive, consumption, theft, line_loss).

IDs stay text; column widths count East-Asian wide characters as 2 (xlsxwriter's autofit counts
them as 1); sheet names stay within Excel's 31 characters.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from powercrm.audit.config import AuditConfig
from powercrm.audit.engine import AuditResult, counts, top_lines, top_suspects
from powercrm.audit.finding import FAMILIES, RULES, VALUE_FORMAT
from powercrm.audit.labels import FAMILIES_ZH, HEADERS_ZH, localize
from powercrm.audit.report_html import LINE_COLUMNS, SUSPECT_COLUMNS, list_totals, listed, report_rows
from powercrm.errors import UsageError
from powercrm.io.writers import XLSX_MAX_ROWS, atomic_path, display_width, new_workbook
from powercrm.notes import localized

NUMBER_FORMATS = {
    "value": VALUE_FORMAT,
    "threshold": VALUE_FORMAT,
    "supplied_kwh": "#,##0",
    "billed_kwh": "#,##0",
    "loss_rate": "0.00%",
    "worst_loss_rate": "0.00%",
    "score": "0.00",
    "drop": "0.0%",
    "zero_share": "0.0%",
    "volatility_ratio": "0.00",
    "reactive_ratio": "0.00",
    "worst_month": "yyyy-mm",
    "onset": "yyyy-mm",
    "voltage_kv": "General",
}
TITLES = {
    "en": {"summary": "summary", "counts": "Findings per rule and severity", "lines": "Lines and areas by loss rate over all months",
           "suspects": "Theft inspection list (score at least {min_score:g})", "notes": "Notes"},
    "zh": {"summary": "汇总", "counts": "各规则问题数", "lines": "各线路与台区的线损（按全部月份线损率排序）", "suspects": "窃电嫌疑检查清单（得分不低于{min_score:g}）",
           "notes": "说明"},
}
MAX_WIDTH = 60


def _sheet_name(name: str) -> str:
    return name[:31]


class _Sheet:
    """Blocks of frames written one under another, with widths fitted over all blocks."""

    def __init__(self, workbook, name: str, formats) -> None:
        self.workbook, self.name, self.formats = workbook, _sheet_name(name), formats
        self.row = 0
        self.widths: dict[int, int] = {}

    def _worksheet(self):
        return self.workbook.get_worksheet_by_name(self.name) or self.workbook.add_worksheet(self.name)

    def title(self, text: str) -> None:
        self._worksheet().write(self.row, 0, text, self.formats["title"])
        self.widths[0] = max(self.widths.get(0, 0), min(display_width(text) // 2, MAX_WIDTH))
        self.row += 1

    def block(self, frame: pl.DataFrame, lang: str, *, freeze: bool = False) -> None:
        if frame.height > XLSX_MAX_ROWS:
            raise UsageError(f"{frame.height:,} findings do not fit in one Excel sheet (max {XLSX_MAX_ROWS:,}); write the findings as .csv or .parquet")
        local = localize(frame, lang)
        formats = {(HEADERS_ZH.get(c, c) if lang == "zh" else c): f for c, f in NUMBER_FORMATS.items() if c in frame.columns}
        local.write_excel(
            self.workbook,
            worksheet=self.name,
            position=(self.row, 0),
            header_format=self.formats["header"],
            column_formats=formats,
            freeze_panes=(self.row + 1, 0) if freeze else None,
            autofilter=freeze and local.width > 0,
            float_precision=6,
        )
        sample = local.head(2000)
        for i, column in enumerate(local.columns):
            values = sample[column].drop_nulls().cast(pl.String).to_list()
            width = max([display_width(column), *map(display_width, values)]) + 2
            self.widths[i] = max(self.widths.get(i, 0), min(width, MAX_WIDTH))
        self.row += local.height + 2

    def fit(self) -> None:
        sheet = self._worksheet()
        for i, width in self.widths.items():
            sheet.set_column(i, i, width)


def write_xlsx_report(result: AuditResult, cfg: AuditConfig, path: Path, *, lang: str = "en") -> None:
    titles = TITLES[lang]
    with atomic_path(path) as tmp:
        with new_workbook(tmp) as workbook:
            formats = {
                "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
                "title": workbook.add_format({"bold": True, "font_size": 12}),
            }
            summary = _Sheet(workbook, titles["summary"], formats)
            summary.title(titles["counts"])
            summary.block(counts(result), lang)
            lines_total, suspects_total = list_totals(result, cfg)
            if "L01" in result.rules:
                lines = top_lines(result, report_rows(cfg), (cfg.L01.min_loss_rate, cfg.L01.max_loss_rate)).select(LINE_COLUMNS)
                summary.title(listed(titles["lines"], lines.height, lines_total, lang))
                summary.block(lines, lang)
            if "U10" in result.rules:
                # the customers the U10 findings list (at least min_score), as many as the HTML report lists
                suspects = top_suspects(result, report_rows(cfg), cfg.U10.min_score).select(SUSPECT_COLUMNS)
                summary.title(listed(titles["suspects"].format(min_score=cfg.U10.min_score), suspects.height, suspects_total, lang))
                summary.block(suspects, lang)
            if result.notes:
                summary.title(titles["notes"])
                summary.block(pl.DataFrame({"note": [localized(n, lang) for n in result.notes]}), lang)
            summary.fit()
            for family in FAMILIES:
                rules = [r for r in result.rules if RULES[r].family == family]
                if not rules:
                    continue
                sheet = _Sheet(workbook, FAMILIES_ZH[family] if lang == "zh" else family, formats)
                sheet.block(result.findings.filter(pl.col("rule").is_in(rules)), lang, freeze=True)
                sheet.fit()
