"""The workbook XML read beside calamine: error cells and formulas with no saved value."""

from __future__ import annotations

import zipfile
from pathlib import Path

import xlsxwriter

from powercrm.io import xlsx


def _workbook(path: Path, sheet_xml: str, after: str = "") -> Path:
    """A minimal .xlsx whose one sheet, 'Sheet1', holds `sheet_xml` (the cells of <sheetData>), then `after`."""
    with xlsxwriter.Workbook(path) as wb:
        wb.add_worksheet("Sheet1").write(0, 0, "placeholder")
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    members["xl/worksheets/sheet1.xml"] = head + sheet_xml.encode() + b"</sheetData>" + after.encode() + b"</worksheet>"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_shared_formula_followers_and_escaped_formulas(tmp_path):
    """A formula copied down is saved once (`<f t="shared" ref=…>`); the cells below hold only `<f t="shared"
    si="0"/>`. Never calculated, neither has a value."""
    path = _workbook(
        tmp_path / "b.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>户号</t></is></c><c r="B1" t="inlineStr"><is><t>实收电费</t></is></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f t="shared" ref="B2:B3" si="0">IF(A2&gt;0,A2,0)</f></c></row>'
        '<row r="3"><c r="A3"><v>2</v></c><c r="B3"><f t="shared" si="0"/></c></row>',
    )
    assert xlsx.sheet_details(path, "Sheet1").unsaved == [
        (1, 1, "=IF(A2>0,A2,0) (formula, no saved value)"),
        (2, 1, "=… (formula, no saved value)"),
    ]


def test_formulas_with_saved_values_and_empty_text_results_are_not_reported(tmp_path):
    path = _workbook(
        tmp_path / "b.xlsx",
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>IF(1,"","x")</f><v></v></c></row>',
    )
    assert xlsx.sheet_details(path, "Sheet1").unsaved == []


def test_offsets_count_from_the_first_cell_holding_a_value(tmp_path):
    """calamine's frame starts at the first row and column with a value; an error cell counts as one."""
    path = _workbook(
        tmp_path / "b.xlsx",
        '<row r="3"><c r="C3" s="1"/><c r="D3"><v>1</v></c></row>'
        '<row r="5"><c r="E5" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>',
    )
    assert xlsx.sheet_details(path, "Sheet1").unsaved == [(2, 1, "#DIV/0!")]
    assert xlsx.sheet_details(path, "Sheet1").first_row == 3


def test_an_error_cell_past_the_first_mebibyte_of_the_sheet_is_found(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 60_000))
    path = _workbook(tmp_path / "b.xlsx", rows + '<row r="60000"><c r="A60000" t="e"><v>#N/A</v></c></row>')
    assert xlsx.sheet_details(path, "Sheet1").unsaved == [(59_999, 0, "#N/A")]


def test_what_cannot_be_placed_is_left_to_calamine(tmp_path):
    """Cells written without their `r` reference, an unknown sheet, a file that is not a zip (.xls)."""
    path = _workbook(tmp_path / "b.xlsx", '<row><c t="e"><v>#N/A</v></c></row>')
    assert xlsx.sheet_details(path, "Sheet1").unsaved == []
    assert xlsx.sheet_details(path, "Sheet9").unsaved == []
    old = tmp_path / "b.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    assert xlsx.sheet_details(old, "Sheet1").unsaved == []


def test_merged_ranges_as_offsets_from_the_first_valued_cell(tmp_path):
    path = _workbook(
        tmp_path / "b.xlsx",
        '<row r="2"><c r="B2"><v>1</v></c></row><row r="3"><c r="B3"><v>2</v></c></row>',
        '<mergeCells count="2"><mergeCell ref="B3:B5"/><mergeCell ref="C2:E2"/></mergeCells>',
    )
    assert xlsx.sheet_details(path, "Sheet1").merged == [(1, 0, 3, 0), (0, 1, 0, 3)]
