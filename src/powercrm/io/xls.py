"""What an old binary .xls workbook tells that calamine (fastexcel) does not: its error cells and merges.

The marketing systems of many utilities still export .xls. calamine reads an error value there as
empty, as in .xlsx (`powercrm.io.xlsx`): a `#N/A` payment from a VLOOKUP counted as unpaid, without a
word. xlrd reads the BIFF records themselves: error cells (and formulas whose saved result is an error)
and, with the formatting records, the merged ranges. An .xls sheet holds at most 65,536 rows, so reading
it a second time is bounded.
"""

from __future__ import annotations

from pathlib import Path

from powercrm.io.xlsx import SheetDetails


def sheet_details(path: Path, sheet: str) -> SheetDetails:
    """The sheet's `SheetDetails`, as offsets from its first row and column holding a value (where
    calamine's frame starts); none for a sheet xlrd cannot read (calamine then decides)."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        try:
            rows = book.sheet_by_name(sheet)
        finally:
            book.release_resources()
    except Exception:  # noqa: BLE001 - xlrd raises many types for files calamine may still read
        return SheetDetails()
    empty = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)

    def valued(r: int) -> list[int]:
        return [c for c, (kind, value) in enumerate(zip(rows.row_types(r), rows.row_values(r))) if kind not in empty and value != ""]

    # calamine's frame starts at the first row and the first column holding a value
    row0 = next((r for r in range(rows.nrows) if valued(r)), None)
    if row0 is None:
        return SheetDetails()
    column0 = min(valued(row0))
    for r in range(row0 + 1, rows.nrows):
        if column0 == 0:
            break
        column0 = min([column0, *valued(r)])
    error = bytes([xlrd.XL_CELL_ERROR])
    errors = [
        (r - row0, c - column0, xlrd.error_text_from_code.get(rows.cell_value(r, c), "#VALUE!"))
        for r in range(row0, rows.nrows)
        if error in bytes(rows.row_types(r))  # the cell types of a row as bytes: a scan in C
        for c, kind in enumerate(rows.row_types(r))
        if kind == xlrd.XL_CELL_ERROR and c >= column0
    ]
    # xlrd's ranges end after their last row and column; SheetDetails's end on them
    merged = [(r0 - row0, c0 - column0, r1 - 1 - row0, c1 - 1 - column0) for r0, r1, c0, c1 in rows.merged_cells]
    return SheetDetails(errors, [m for m in merged if m[0] >= 0 and m[1] >= 0], row0 + 1)
