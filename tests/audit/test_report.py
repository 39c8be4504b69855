"""HTML and XLSX audit reports: self-contained, escaped, Chinese labels, widths counting CJK as 2."""

from __future__ import annotations

import re
import zipfile

import polars as pl
import pytest

from powercrm.audit import charts
from powercrm.audit.config import AuditConfig
from powercrm.audit.report_html import html_report
from powercrm.audit.report_xlsx import write_xlsx_report
from tests.audit.frames import audit, bills, customer, months


@pytest.fixture
def result(tmp_path, monkeypatch):
    monkeypatch.delenv("POWERCRM_CJK_FONT", raising=False)
    people = [customer(f"C{i}", phone=f"<script>alert({i})</script>") for i in range(3)]
    people.append(customer("C9", area_id="A1", transformer_capacity_kva=100))
    billing = [b for c in people for b in bills(c["customer_id"])]
    supply = [{"area_id": "A1", "period": p, "supplied_kwh": 60_000} for p in months("2023-01", 24)]
    return audit(tmp_path, customers=people, billing=billing, supply=supply)


def test_html_escapes_data_and_loads_nothing_from_outside(result):
    page = html_report(result, AuditConfig(), source="<data>", lang="en")
    assert "<script>" not in page and "&lt;script&gt;alert(0)&lt;/script&gt;" in page
    assert "Data: &lt;data&gt;" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page) and "<link" not in page and "@import" not in page
    # findings per rule and the loss chart; no customer scores 50, so the inspection list says so, without a chart
    assert page.count("<svg") == 2
    assert "<h2>Theft inspection list (score at least 50)</h2>\n<p>No findings.</p>" in page


def test_html_per_rule_tables_are_capped_with_a_note(result):
    page = html_report(result, AuditConfig(), source="d", lang="en", max_rows=2)
    assert "first 2 of 3 findings; the findings file has them all" in page  # A02: three bad phones
    assert "A02 联系电话无效 — invalid phone number (3)" in page


def test_html_in_chinese(result):
    page = html_report(result, AuditConfig(), source="d", lang="zh")
    assert '<html lang="zh-CN">' in page and "<h1>营销稽查报告</h1>" in page
    assert "<th>户号</th>" in page and '<td class="high">高</td>' in page
    # the bundled font holds every Chinese character powercrm writes: the charts are labelled in Chinese
    assert "图表使用英文标注" not in page


def test_chart_language():
    assert charts.chart_language("en") == "en"
    assert charts.chart_language("zh") == "zh"  # the bundled subset covers every chart label


def xlsx_widths(path, sheet_index: int) -> dict[int, float]:
    with zipfile.ZipFile(path) as z:
        xml = z.read(f"xl/worksheets/sheet{sheet_index}.xml").decode()
    return {int(m[0]): float(m[2]) for m in re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', xml)}


def test_xlsx_sheets_text_ids_and_cjk_widths(result, tmp_path):
    path = tmp_path / "audit.xlsx"
    write_xlsx_report(result, AuditConfig(), path, lang="en")
    sheets = pl.read_excel(path, sheet_id=0)
    assert list(sheets) == ["summary", "archive", "consumption", "theft", "line_loss"]
    archive = sheets["archive"]
    assert archive.schema["customer_id"] == pl.String
    widths = xlsx_widths(path, 2)
    message_zh = archive.columns.index("message_zh") + 1
    longest = max(archive["message_zh"].str.len_chars())
    assert widths[message_zh] >= min(60, 2 * longest - 10)  # CJK characters count 2
    summary = pl.read_excel(path, sheet_id=1, has_header=False)
    assert summary.row(0)[0] == "Findings per rule and severity"


def test_xlsx_sheet_names_fit_excel(result, tmp_path):
    for lang in ("en", "zh"):
        path = tmp_path / f"{lang}.xlsx"
        write_xlsx_report(result, AuditConfig(), path, lang=lang)
        assert all(len(name) <= 31 for name in pl.read_excel(path, sheet_id=0))


def test_xlsx_report_writes_archive_text_that_looks_like_a_formula_as_text(tmp_path):
    people = [customer("C1", area_id="=3+4", phone='=HYPERLINK("http://example.invalid","x")')]
    result = audit(tmp_path, customers=people, billing=bills("C1"), rules="A02")
    path = tmp_path / "audit.xlsx"
    write_xlsx_report(result, AuditConfig(), path, lang="en")
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        shared = z.read("xl/sharedStrings.xml").decode()
    assert not any("<f>" in s or "<hyperlink" in s for s in sheets)
    assert "=3+4" in shared


def test_a_cut_list_says_so_and_both_reports_list_as_many(tmp_path, monkeypatch):
    from powercrm.audit.report_html import list_totals

    monkeypatch.delenv("POWERCRM_CJK_FONT", raising=False)
    people = [customer(f"C{i:02d}", area_id=f"A{i:02d}", transformer_capacity_kva=100) for i in range(22)]
    billing = [b for c in people for b in bills(c["customer_id"])]
    supply = [{"area_id": f"A{i:02d}", "period": p, "supplied_kwh": 60_000} for i in range(22) for p in months("2023-01", 24)]
    result = audit(tmp_path, customers=people, billing=billing, supply=supply)
    lines, _ = list_totals(result, AuditConfig())
    assert lines >= 22
    title = f"Lines and areas by loss rate over all months (first 20 of {lines})"
    assert f"<h2>{title}</h2>" in html_report(result, AuditConfig(), source="d", lang="en")
    assert "（前20个，共" in html_report(result, AuditConfig(), source="d", lang="zh")
    path = tmp_path / "audit.xlsx"
    write_xlsx_report(result, AuditConfig(), path)
    summary = pl.read_excel(path, sheet_name="summary", has_header=False)
    first = summary.get_column(summary.columns[0]).to_list()
    at = first.index(title)
    # the header row, 20 lines, then the next block (empty rows are not read)
    assert first[at + 1] == "level" and set(first[at + 2 : at + 22]) <= {"line", "area"}
    assert first[at + 22] == "Theft inspection list (score at least 50)"
