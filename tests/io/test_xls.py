"""`powercrm.io.xls`: what calamine does not tell of an old binary .xls sheet."""

from __future__ import annotations

from pathlib import Path

from powercrm.io import xls
from powercrm.io.xlsx import SheetDetails

FIXTURES = Path(__file__).parent.parent / "fixtures" / "xls"


def test_error_cells_and_merged_ranges_as_offsets_from_the_first_valued_cell():
    details = xls.sheet_details(FIXTURES / "billing_b3.xls", "Sheet1")
    # the title (row 3, columns B-F) is the first valued cell; errors sit in the fifth column of the table
    assert details.first_row == 3
    assert details.unsaved == [(3, 4, "#N/A"), (5, 4, "#DIV/0!")]
    assert sorted(details.merged) == [(0, 0, 0, 4), (2, 0, 4, 0)]


def test_what_xlrd_cannot_read_is_left_to_calamine(tmp_path):
    assert xls.sheet_details(FIXTURES / "billing_a1.xls", "Sheet9") == SheetDetails()
    broken = tmp_path / "b.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    assert xls.sheet_details(broken, "Sheet1") == SheetDetails()
