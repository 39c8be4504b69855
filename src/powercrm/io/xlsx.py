"""What an .xlsx workbook's XML tells that calamine (fastexcel) does not.

calamine starts a sheet at its first non-empty row, and reads two kinds of cell as empty: an error
value (`#N/A` from a VLOOKUP that found nothing, `#DIV/0!`) and a formula with no saved value (a
workbook written by a program and never opened in Excel). Read as empty, a `#N/A` payment counts as
unpaid and a column of unsaved formulas as a column of blanks, silently. `unsaved_cells` finds such
cells so the reader can give them text that does not parse: the row is then reported and set aside
like any unreadable value.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

# an error cell, or a formula closed with no value (`</f></c>`), an empty one (`<v></v>`, as xlsxwriter
# writes), or a shared formula's follower (`<f t="shared" si="0"/></c>`)
_SUSPECT = re.compile(rb't="e"|</f>(?:<v\s*/>|<v></v>)?</c>|<f\b[^>]*/>(?:<v\s*/>|<v></v>)?</c>')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_FORMULA = re.compile(rb"<f\b[^>]*>([^<]*)</f>")
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


def first_row_numbers(path: Path) -> dict[str, int]:
    """Sheet name -> Excel row number of its first row (where calamine's rows start counting)."""
    try:
        with zipfile.ZipFile(path) as z:
            firsts: dict[str, int] = {}
            for name, member in _sheet_members(z).items():
                with z.open(member) as fh:
                    head = fh.read(1 << 16).decode("utf-8", "replace")
                found = re.search(r'<row[^>]*?r="(\d+)"', head)
                firsts[name] = int(found.group(1)) if found else 1
            return firsts
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _suspect(fh) -> bool:
    """Whether a sheet's XML holds an error cell or an unsaved formula (read in chunks: most do not)."""
    tail = b""
    while chunk := fh.read(_CHUNK):
        if _SUSPECT.search(tail + chunk):
            return True
        tail = chunk[-256:]
    return False


def unsaved_cells(path: Path, sheet: str) -> list[tuple[int, int, str]]:
    """(row, column, text) of the sheet's error cells and formulas with no saved value, as offsets from
    the first row and column holding a value (where calamine's frame starts): text `#N/A` for an error,
    `=E2*1 (formula, no saved value)` for a formula. Empty for a sheet with neither (found by one scan of
    its XML), a workbook that is not a zip (.xls), or cells written without their `r` reference."""
    try:
        with zipfile.ZipFile(path) as z:
            member = _sheet_members(z).get(sheet)
            if member is None:
                return []
            with z.open(member) as fh:
                if not _suspect(fh):
                    return []
            xml = z.read(member)
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    found: list[tuple[int, int, str]] = []
    first_row = first_column = None
    for cell in _CELL.finditer(xml):
        attributes, body = cell.group(1), cell.group(2) or b""
        ref = _REF.search(attributes)
        if ref is None:
            return []
        row, column = int(ref.group(2)), _column_number(ref.group(1))
        kind = _TYPE.search(attributes)
        value = _VALUE.search(body)
        if kind is not None and kind.group(1) == b"e":
            text = value.group(1).decode("utf-8", "replace") if value else "#VALUE!"
        elif b"<f" in body and (value is None or (not value.group(1) and (kind is None or kind.group(1) != b"str"))):
            formula = _FORMULA.search(body)
            shown = html.unescape(formula.group(1).decode("utf-8", "replace")) if formula else "…"
            found.append((row, column, f"={shown} (formula, no saved value)"))
            continue
        elif (value is None or not value.group(1)) and b"<is>" not in body:
            continue
        else:
            text = None
        first_row = row if first_row is None else min(first_row, row)
        first_column = column if first_column is None else min(first_column, column)
        if text is not None:
            found.append((row, column, text))
    if first_row is None or first_column is None:
        return []
    return [(r - first_row, c - first_column, t) for r, c, t in found if r >= first_row and c >= first_column]
