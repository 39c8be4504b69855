"""What an .xlsx workbook's XML tells that calamine (fastexcel) does not.

calamine starts a sheet at its first non-empty row, and reads two kinds of cell as empty: an error
value (`#N/A` from a VLOOKUP that found nothing, `#DIV/0!`) and a formula with no saved value (a
workbook written by a program and never opened in Excel). Read as empty, a `#N/A` payment counts as
unpaid and a column of unsaved formulas as a column of blanks, silently. `sheet_details` finds such
cells so the reader can give them text that does not parse: the row is then reported and set aside
like any unreadable value. It also lists the merged ranges: a report that merges a customer's 户号
over its month rows holds the number in the first row only.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# what an error cell, a formula or a merged range holds: a sheet with none (a system export) is not parsed further
_MARKS = (b't="e"', b"<f>", b"<f ", b"<mergeCell ")
# how a formula cell with no saved value ends: no value (`</f></c>`), an empty one (`<v></v>`, as
# xlsxwriter writes), or a shared formula's follower (`<f t="shared" si="0"/></c>`)
_UNSAVED_ENDS = (b"</f></c>", b"</f><v></v></c>", b"</f><v/></c>", b"/></c>", b"/><v></v></c>", b"/><v/></c>")
_FORMULA_PART = rb"(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?"
_VALUED = rb'<c r="%s(\d+)"[^>]*?(?<!/)>' + _FORMULA_PART + rb"(?:<v>[^<]|<is>)"
_ERROR = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*?\bt="e"[^>]*>' + _FORMULA_PART + rb"(?:<v>([^<]*)</v>)?")
_UNSAVED = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(?<!/)>(<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)(<v\s*/>|<v></v>)?</c>')
_TYPE_STR = re.compile(rb'\bt="str"')
_MERGED = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_CHUNK = 1 << 20


def _sheet_members(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its XML."""
    workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = dict(re.findall(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    members = {}
    for name, rid in re.findall(r'<sheet[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets.get(rid, "").lstrip("/")
        members[html.unescape(name)] = target if target.startswith("xl/") else f"xl/{target}"
    return members


def _first_row(head: bytes) -> int:
    """The Excel row number of the first row holding a value in the start of a sheet's XML, where calamine's
    rows start counting (a formatted empty row above it is not one), else of its first row."""
    found = re.search(_VALUED % rb"[A-Z]{1,3}", head) or re.search(rb'<row[^>]*?r="(\d+)"', head)
    return int(found.group(1)) if found else 1


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _suspect(first: bytes, fh) -> bool:
    """Whether a sheet's XML (its `first` chunk, then the rest from `fh`, in chunks: most exports hold none)
    holds an error cell, a formula or a merged range."""
    tail, chunk = b"", first
    while chunk:
        window = tail + chunk
        if any(mark in window for mark in _MARKS):
            return True
        tail = chunk[-16:]
        chunk = fh.read(_CHUNK)
    return False


def _cells_ending(xml: bytes, ends: tuple[bytes, ...], cell: re.Pattern) -> list[re.Match]:
    """Matches of `cell` at the cells in which one of `ends` occurs: the literal is found fast, the cell
    is matched from its `<c ` tag (a regex run from every cell of a large sheet takes seconds)."""
    found = {}
    for end in ends:
        at = xml.find(end)
        while at >= 0:
            start = xml.rfind(b"<c ", 0, at)
            if start >= 0 and start not in found and (m := cell.match(xml, start)) is not None:
                found[start] = m
            at = xml.find(end, at + len(end))
    return [found[k] for k in sorted(found)]


def _origin(xml: bytes) -> tuple[int, int] | None:
    """The first row and column holding a value, where calamine's frame starts (an error counts as one).
    Rows come in order, so the first valued cell gives the row; the column is the first letter, tried
    from A on, with a valued cell anywhere (usually found in the first row)."""
    first = re.search(_VALUED % rb"([A-Z]{1,3})", xml)
    if first is None:
        return None
    for column in range(_column_number(first.group(1))):
        if re.search(_VALUED % _column_letters(column), xml):
            return int(first.group(2)), column
    return int(first.group(2)), _column_number(first.group(1))


def _column_letters(column: int) -> bytes:
    letters = b""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = bytes([65 + rest]) + letters
    return letters


@dataclass(frozen=True)
class SheetDetails:
    """What calamine does not tell of a sheet, as offsets from its first row and column holding a value
    (where calamine's frame starts)."""

    # (row, column, text): error cells (`#N/A`) and formulas with no saved value (`=E2*1 (formula, no
    # saved value)`)
    unsaved: list[tuple[int, int, str]] = field(default_factory=list)
    # (first row, first column, last row, last column) of each merged range
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    # the Excel row number of the frame's first row
    first_row: int = 1


def sheet_details(path: Path, sheet: str) -> SheetDetails:
    """The sheet's `SheetDetails`; no cells or ranges for a sheet with no error, formula or merged range
    (found by one scan of its XML), a workbook that is not a zip (.xls: `powercrm.io.xls`), or cells written
    without their `r` reference first."""
    try:
        with zipfile.ZipFile(path) as z:
            member = _sheet_members(z).get(sheet)
            if member is None:
                return SheetDetails()
            with z.open(member) as fh:
                first = fh.read(_CHUNK)
                if not _suspect(first, fh):
                    return SheetDetails(first_row=_first_row(first))
            xml = z.read(member)
    except (KeyError, zipfile.BadZipFile, OSError):
        return SheetDetails()
    origin = _origin(xml)
    if origin is None:
        return SheetDetails(first_row=_first_row(xml[:_CHUNK]))
    found = [
        (int(m.group(2)), _column_number(m.group(1)), (m.group(3) or b"#VALUE!").decode("utf-8", "replace"))
        for m in _cells_ending(xml, (b't="e"',), _ERROR)
    ]
    for m in _cells_ending(xml, _UNSAVED_ENDS, _UNSAVED):
        if m.group(6) is not None and _TYPE_STR.search(m.group(3)):
            continue  # a formula whose saved result is empty text (=IF(…,"",…)): a blank cell
        shown = html.unescape(m.group(5).decode("utf-8", "replace")) if m.group(5) else "…"
        found.append((int(m.group(2)), _column_number(m.group(1)), f"={shown} (formula, no saved value)"))
    row0, column0 = origin
    merged = [
        (int(r0) - row0, _column_number(c0) - column0, int(r1) - row0, _column_number(c1) - column0)
        for c0, r0, c1, r1 in _MERGED.findall(xml)
    ]
    return SheetDetails(
        sorted((r - row0, c - column0, t) for r, c, t in found if r >= row0 and c >= column0),
        [m for m in merged if m[0] >= 0 and m[1] >= 0],
        row0,
    )
