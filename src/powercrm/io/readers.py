"""Lazy readers for the input tables (SPEC §2): CSV, Parquet (file or hive directory), XLSX.

A reader finds the table, detects the CSV encoding and delimiter, maps headers (Chinese aliases,
the user's mapping) to canonical names and parses every value with `powercrm.io.parse`. It does
not judge the data: structural problems (missing table or column) are recorded on the dataset and
row problems are left to `powercrm.io.validate`. Each row keeps `_row`, its line in the source
(header = line 1, as Excel shows it), and each fallible column keeps its raw text in `_raw_<col>`.
"""

from __future__ import annotations

import atexit
import codecs
import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from powercrm.errors import InputError, UsageError
from powercrm.io import parse, xls, xlsx
from powercrm.io.parse import raw_name
from powercrm.io.schema import SAMPLE_TRUTH_FILE, TABLES, Column, Kind, Table, unit_factor
from powercrm.notes import Note

ROW = "_row"
CUSTOMER_ID = "customer_id"
EXTENSIONS = (".csv", ".txt", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls")
_SNIFF_BYTES = 1 << 20
_SAMPLE_ROWS = 1000
_DELIMITERS = (",", "\t", ";", "|")
_TITLE_LINES = 20  # lines searched for the header, as in an Excel sheet
_PART_STRIDE = 1 << 32  # row numbers of one part file of a directory of CSV or Excel parts
# a CSV row's fields beyond the header's (a delimiter inside an unquoted value: 某公司,分公司 shifts the row)
OVERFLOW = "_more_fields"
_ENCODINGS = {
    "utf8": "utf8",
    "utf-8": "utf8",
    "utf-8-sig": "utf8",
    "utf8-sig": "utf8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
}

# the encodings a CSV export is read in (detected, or named by `--input-encoding`) -> Python codec
_CODECS = {"utf8": "utf-8", "gb18030": "gb18030", "utf-16": "utf-16"}
_CODEC_NAMES = {"gb18030": "GBK/GB18030", "utf-16": "UTF-16", "utf-8": "UTF-8"}


@dataclass
class LoadedTable:
    """One input table: its lazy frame in canonical form and what the reader learned about it."""

    table: Table
    source: Path
    lf: pl.LazyFrame
    present: set[str]
    missing_required: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    fallible: list[str] = field(default_factory=list)
    # CSV only: the UTF-8 file scanned (a transcoded copy of a GBK export) and canonical -> source header
    text_file: Path | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # `lf` with customer_id as read (not stripped, blank text not yet null); None when `lf`'s is already so
    raw_key: pl.LazyFrame | None = None
    # CSV only: lines above the header (a title such as 电费账单明细 2025年6月)
    title_lines: int = 0
    # Excel only: the sheet read
    sheet: str | None = None
    # a directory table only: (part file relative to the directory, its first row) in the order rows are read
    parts: list[tuple[str, int]] = field(default_factory=list)
    # columns no canonical name or alias matched, named as in the file: passed through untouched (SPEC §2)
    extras: list[str] = field(default_factory=list)
    # a directory of CSV or Excel parts only: each part as read on its own, in the order of `parts`
    pieces: list[LoadedTable] = field(default_factory=list)
    # what reading the table found that its results depend on (a part without an optional column)
    notes: list[Note] = field(default_factory=list)
    # CSV only: `lf` has OVERFLOW, the first field beyond the header's of a row that has more
    overflow: bool = False

    @property
    def name(self) -> str:
        return self.table.name

    def located(self) -> tuple[pl.Expr, pl.Expr]:
        """The file holding each row and the row's number in it: the table's file and `_row`, or for a
        directory table the part file and the row within it (`_row` counts across the parts)."""
        if not self.parts:
            return pl.lit(str(self.source)), pl.col(ROW)
        starts = pl.lit(pl.Series([first for _, first in self.parts], dtype=pl.Int64))
        part = starts.search_sorted(pl.col(ROW), side="right").cast(pl.Int64) - 1
        files = pl.lit(pl.Series([str(self.source / name) for name, _ in self.parts]))
        return files.gather(part), pl.col(ROW) - starts.gather(part) + 1

    def bad_value(self, column: str) -> pl.Expr:
        """True where a cell of `column` held a value that could not be read; not in a row with more fields
        than the header, whose cells are shifted: it is reported once, as such (`problem`)."""
        bad = pl.col(raw_name(column)).is_not_null() & pl.col(column).is_null()
        return bad & pl.col(OVERFLOW).is_null() if self.overflow else bad

    @property
    def deciding(self) -> list[str]:
        """The fallible columns whose unreadable value makes the row unusable: all of them, but in a table of
        attributes (the archive) only the key and the required columns. An unreadable contract capacity
        is an archive defect, not a reason to lose the customer and orphan its bills; its cell is left
        empty (`lenient`)."""
        if not self.table.attributes:
            return self.fallible
        needed = {*self.table.key, *self.table.required_columns}
        return [c for c in self.fallible if c in needed]

    @property
    def lenient(self) -> list[str]:
        """The fallible columns whose unreadable value is left empty, the row kept."""
        return [c for c in self.fallible if c not in self.deciding]

    def readable(self) -> pl.Expr:
        """True for a row whose cells that decide its use could be read, and with no more fields than the
        header (the boolean form of `problem`, cheaper on 35 M rows)."""
        checks = [self.bad_value(c) for c in self.deciding] + ([pl.col(OVERFLOW).is_not_null()] if self.overflow else [])
        return ~pl.any_horizontal(checks) if checks else pl.lit(True)

    def problem(self) -> pl.Expr:
        """Text naming the first unreadable cell of a row that decides its use (`kwh='abc'`), or a row's
        fields beyond the header's; null otherwise."""
        found = [pl.when(self.bad_value(c)).then(pl.format(f"{c}='{{}}'", pl.col(raw_name(c)))) for c in self.deciding]
        if self.overflow:
            beyond = "more fields than the header ('{}' after the last column: a delimiter inside a value?)"
            found.insert(0, pl.when(pl.col(OVERFLOW).is_not_null()).then(pl.format(beyond, pl.col(OVERFLOW))))
        return pl.coalesce(found) if found else pl.lit(None, dtype=pl.String)

    def helper_columns(self, columns: Iterable[str]) -> list[str]:
        """The raw-text columns of `columns` (fallible ones) and OVERFLOW: what the rows carry for checks only."""
        return [raw_name(c) for c in columns] + ([OVERFLOW] if self.overflow else [])

    def typed(self) -> pl.LazyFrame:
        """The rows with canonical typed columns, raw text dropped (row problems not yet removed)."""
        return self.lf.drop(self.helper_columns(self.fallible))


def tail_values(t: LoadedTable, column: str, size: int = 1 << 20) -> pl.Series | None:
    """The values of `column` in the last `size` bytes of a CSV table, parsed as the reader parses
    them (None when the table is not CSV or the tail cannot be read): a cheap look at the end of an
    export, e.g. for the latest billing period of a file sorted by month."""
    if t.text_file is None or column not in t.headers:
        return None
    with t.text_file.open("rb") as fh:
        for _ in range(t.title_lines):
            fh.readline()
        header = fh.readline()
        fh.seek(max(fh.tell(), t.text_file.stat().st_size - size))
        tail = fh.read()
    tail = tail[tail.find(b"\n") + 1 :] if len(tail) >= size else tail
    try:
        raw = pl.read_csv(header + tail, separator=t.delimiter or ",", infer_schema=False, columns=[t.headers[column]])
    except pl.exceptions.PolarsError:
        return None
    col = t.table.column(column)
    return raw.select(parse.parse(col, pl.col(t.headers[column]), pl.String()).alias(column)).to_series()


def estimated_rows(t: LoadedTable, sample: int = 1 << 20) -> int:
    """The table's number of rows without parsing it: counted by Parquet and Excel readers (metadata, or
    the frame already read); for CSV, the bytes after the header over the mean length of the lines in
    its first `sample` bytes (an estimate, for deciding whether a run fits in memory)."""
    if t.pieces:
        return sum(estimated_rows(piece, sample) for piece in t.pieces)
    if t.text_file is None:
        return int(t.lf.select(pl.len()).collect().item())
    size = t.text_file.stat().st_size
    with t.text_file.open("rb") as fh:
        for _ in range(t.title_lines + 1):
            fh.readline()
        start = fh.tell()
        head = fh.read(sample)
    lines = head.count(b"\n")
    if lines == 0:
        return 1 if head.strip() else 0
    if len(head) < sample:
        return lines + (not head.endswith(b"\n"))
    return round((size - start) * lines / len(head))


def parquet_max(t: LoadedTable, column: str) -> dt.date | None:
    """The largest value of a date `column` of a one-file Parquet table, from the row-group statistics in
    its footer (no data page is read); None when the file is not Parquet, the column is not stored as
    dates or a row group has no statistics. The value is as stored: not yet a month start."""
    if t.source.is_dir() or t.source.suffix.lower() not in (".parquet", ".pq") or column not in t.headers:
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(t.source).metadata
        schema = meta.schema.to_arrow_schema()
        index = schema.get_field_index(t.headers[column])
        if index < 0 or schema.field(index).type != pa.date32():
            return None
        stats = [meta.row_group(g).column(index).statistics for g in range(meta.num_row_groups)]
    except (OSError, pa.ArrowException):
        return None
    if not stats or any(s is None or not s.has_min_max for s in stats):
        return None
    return max(s.max for s in stats)


@dataclass
class Dataset:
    """The tables found for one run, plus structural problems found while opening them."""

    tables: dict[str, LoadedTable]
    # table name -> its structural problems (the table or a required column missing)
    missing: dict[str, list[str]] = field(default_factory=dict)
    # files of the dataset directory that name no table (read by none)
    ignored: list[str] = field(default_factory=list)
    # optional tables whose file is empty (no header, no rows): left out, with a note
    empty: dict[str, Path] = field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def __getitem__(self, name: str) -> LoadedTable:
        return self.tables[name]

    def reading_notes(self) -> list[str]:
        """`file_notes`, then what reading each table found (`LoadedTable.notes`)."""
        return [*self.file_notes(), *(note for t in self.tables.values() for note in t.notes)]

    def file_notes(self) -> list[str]:
        """Notes on files not read: the directory's files that name no table (a load export saved under
        another name is not missed silently) and empty files of optional tables (read as no rows)."""
        notes = []
        if self.ignored:
            tables = ", ".join(f"{t.name} ({t.zh[0]})" for t in TABLES.values())
            files = ", ".join(self.ignored)
            notes.append(
                Note(
                    f"not read, as their names name no table: {files} (tables: {tables}); rename a file or pass it with --TABLE FILE",
                    f"未读取（文件名不对应任何表）：{files}（表：{tables}）；请改名或用 --TABLE FILE 指定",
                )
            )
        notes += [
            Note(f"{path}: the file is empty; the optional {name} table is read as having no rows", f"{path}：文件为空，可选表 {name} 按无数据处理")
            for name, path in self.empty.items()
        ]
        return notes

    @property
    def structural(self) -> list[str]:
        """Every structural problem, table by table."""
        return [problem for problems in self.missing.values() for problem in problems]

    def require_complete(self, tables: Iterable[str] | None = None) -> None:
        """Stop before any work when a required table or column is missing (a structural error); with
        `tables`, only a problem of those tables stops it (archive rules need no billing)."""
        wanted = self.missing if tables is None else set(tables)
        found = [p for t, problems in self.missing.items() if t in wanted for p in problems]
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            # a file the directory holds but no table name matched is most often the table looked for
            unread = f"; not read, as their names name no table: {', '.join(self.ignored)} (rename, or pass --TABLE FILE)" if self.ignored else ""
            raise InputError(found[0] + more + unread)


def _temp_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="powercrm-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


_TEMP: Path | None = None


def _scratch() -> Path:
    global _TEMP
    if _TEMP is None:
        _TEMP = _temp_dir()
    return _TEMP


def normalize_encoding(encoding: str | None) -> str | None:
    if encoding is None:
        return None
    key = encoding.strip().lower().replace("_", "-")
    if key not in _ENCODINGS:
        raise UsageError(f"unknown encoding --input-encoding {encoding!r}: use utf-8, utf-8-sig, gbk or gb18030")
    return _ENCODINGS[key]


def _is_utf8(chunk: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(chunk, final=False)
        return True
    except UnicodeDecodeError:
        return False


def later_samples(path: Path, count: int = 16, size: int = 1 << 16) -> list[bytes]:
    """Chunks spread over the file after the first MiB, each starting on a UTF-8 character boundary.

    A file whose first MiB is plain ASCII (ids and numbers) may hold GBK names further on.
    """
    total = path.stat().st_size
    if total <= _SNIFF_BYTES:
        return []
    step = (total - _SNIFF_BYTES) // count
    samples = []
    with path.open("rb") as fh:
        for i in range(count + 1):
            fh.seek(min(total - 1, _SNIFF_BYTES + i * step) if i < count else max(_SNIFF_BYTES, total - size))
            chunk = fh.read(size)
            skip = 0
            while skip < min(3, len(chunk)) and 0x80 <= chunk[skip] <= 0xBF:
                skip += 1
            samples.append(chunk[skip:])
    return samples


def first_invalid_utf8(path: Path) -> int | None:
    """Where the file stops being UTF-8 (about: the byte offset of the first invalid sequence), or None. A
    pass over the whole file into one reused buffer, plain-ASCII chunks not decoded: 0.09 s for a 256 MB
    billing export. Sampled chunks missed Chinese names in a few rows past the first MiB of a GBK file,
    and the scan then stopped with polars's bare "invalid utf-8 sequence", naming no file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = bytearray(1 << 24)
    offset = 0
    with path.open("rb", buffering=0) as fh:
        while size := fh.readinto(buffer):
            chunk = memoryview(buffer)[:size]
            plain = not decoder.getstate()[0] and (buffer.isascii() if size == len(buffer) else bytes(chunk).isascii())
            if not plain:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    return offset + exc.start
            offset += size
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def detect_encoding(path: Path, head: bytes, later: list[bytes] | None = None) -> str:
    """UTF-8 (with or without BOM) first, then GB18030; the reverse order garbles UTF-8 files."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf8"
    if _is_utf8(head) and all(_is_utf8(chunk) for chunk in later or ()):
        return "utf8"
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 or GBK/GB18030 text; pass --input-encoding if it is another encoding") from None


def _transcode_to_utf8(path: Path, codec: str = "gb18030", cr_lines: bool = False) -> Path:
    """GB18030, UTF-16 or UTF-8 -> UTF-8 in chunks into a scratch file, since polars scans only UTF-8
    with `\n` line ends; `cr_lines`: lines end in a bare `\r` (old Mac and some exporters), made `\n`.

    A GB18030 chunk of plain ASCII (the numbers of a billing export: often everything but the header)
    is already UTF-8 and is copied as it is; only chunks holding Chinese text go through the decoder.
    """
    target = _scratch() / f"{path.stem}-{abs(hash(path.resolve()))}.utf8.csv"
    decoder = codecs.getincrementaldecoder(codec)()

    def lines(data: bytes) -> bytes:
        return data.replace(b"\r", b"\n") if cr_lines else data

    try:
        with path.open("rb") as src, target.open("wb") as dst:
            while chunk := src.read(1 << 24):
                as_is = codec in ("gb18030", "utf-8") and not decoder.getstate()[0] and chunk.isascii()
                dst.write(lines(chunk if as_is else decoder.decode(chunk).encode("utf-8")))
            dst.write(lines(decoder.decode(b"", final=True).encode("utf-8")))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: byte {exc.start} is not valid {_CODEC_NAMES[codec]} text") from None
    return target


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


_BRACKET = re.compile(r"[（(]([^）)]*)[）)]$")
# a bracket naming a time-of-use period: 有功电量(峰) is the energy of the peak hours, not the month's
_TIME_OF_USE = {"峰", "谷", "平", "尖", "尖峰", "高峰", "低谷", "平段", "峰段", "谷段", "尖段", "peak", "valley", "flat", "off-peak", "offpeak"}


# how polars names a repeated CSV header (有功电量, 有功电量_duplicated_0); Excel headers are named alike
_DUPLICATE_SUFFIX = "_duplicated_"
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


def _plain(name: str) -> str:
    """The header without BOM, spaces, case, or the suffix of a repeated header."""
    return re.sub(rf"{_DUPLICATE_SUFFIX}\d+$", "", re.sub(r"\s+", "", name.replace("\ufeff", ""))).casefold()


def _header_key(name: str) -> str:
    """Header spelling used for matching: no BOM, no spaces, underscores or hyphens, case-folded, no
    trailing unit in brackets (`Customer Id`, `customer-id` and `CustomerID` are customer_id)."""
    key = _plain(name).replace("_", "").replace("-", "")
    return _BRACKET.sub("", key) or key


def header_unit(name: str) -> str | None:
    """The trailing bracket of a header, spaces removed and case-folded: `有功电量（万kWh）` -> `万kwh`."""
    found = _BRACKET.search(_plain(name))
    return found[1] if found else None


def _candidates(table: Table, headers: list[str], aliases: dict[str, str]) -> list[tuple[str, str]]:
    """(source header, canonical column) of every header that names a column: the user's mapping as
    written (a column it names is named by no other header), then canonical names, Chinese aliases and
    the user's mapping without a trailing unit; a time-of-use bracket (峰, 谷 …) names no column."""
    lookup: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, *col.zh):
            lookup.setdefault(_header_key(spelling), col.name)
    for spelling, canonical in aliases.items():
        lookup[_header_key(spelling)] = canonical
    exact = {_plain(spelling): canonical for spelling, canonical in aliases.items()}
    chosen = {exact[_plain(h)] for h in headers if _plain(h) in exact}  # the user's choice settles a column
    found = []
    for header in headers:
        canonical = exact.get(_plain(header))
        if canonical is None and header_unit(header) not in _TIME_OF_USE:
            canonical = lookup.get(_header_key(header))
            canonical = None if canonical in chosen else canonical
        if canonical:
            found.append((header, canonical))
    return found


def header_map(table: Table, headers: list[str], aliases: dict[str, str]) -> dict[str, str]:
    """Source header -> canonical column, from canonical names, Chinese aliases and the user's mapping
    (the first header naming a column; `ambiguous_headers` finds the others)."""
    mapping: dict[str, str] = {}
    for header, canonical in _candidates(table, headers, aliases):
        if canonical not in mapping.values():
            mapping[header] = canonical
    return mapping


def ambiguous_headers(table: Table, headers: list[str], aliases: dict[str, str]) -> dict[str, list[str]]:
    """Canonical column -> the headers naming it, where more than one does (有功电量 and kwh, two
    有功电量 columns): which one holds the figure cannot be told."""
    named: dict[str, list[str]] = {}
    for header, canonical in _candidates(table, headers, aliases):
        named.setdefault(canonical, []).append(header)
    return {c: h for c, h in named.items() if len(h) > 1}


def _is_header(table: Table, headers: list[str], aliases: dict[str, str]) -> bool:
    """Whether a row of cells names every required column of the table (a title row does not)."""
    required = set(table.required_columns) or {table.columns[0].name}
    return required <= set(header_map(table, headers, aliases).values())


def _header_line(lines: list[str], table: Table, aliases: dict[str, str]) -> int:
    """The first of `lines` that is the table's header (0 when none is, so a missing column is reported
    against the first line): exports often start with a title line or two, as sheets do."""
    for i, line in enumerate(lines[:_TITLE_LINES]):
        if _is_header(table, [h.strip().strip('"') for h in line.split(_sniff_delimiter(line))], aliases):
            return i
    return 0


def _scan_csv(path: Path, encoding: str | None, table: Table, aliases: dict[str, str]) -> tuple[pl.LazyFrame, str, str, Path, int]:
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.replace(codecs.BOM_UTF8, b"").strip():
        raise InputError(f"{path}: the file is empty")
    if encoding is None and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"  # Excel's "Unicode Text" export: UTF-16 with a byte-order mark, tab-delimited
    elif b"\x00" in head:
        raise InputError(f"{path}: binary data (NUL bytes), not a CSV text export (UTF-16 without a byte-order mark? save it as CSV UTF-8)")
    else:
        enc = normalize_encoding(encoding) or detect_encoding(path, head, later_samples(path))
    if enc == "utf8" and not head.startswith(codecs.BOM_UTF8) and (bad := first_invalid_utf8(path)) is not None:
        if encoding is not None or bad < len(head):
            raise InputError(
                f"{path}: byte {bad} is not valid UTF-8 (--input-encoding {encoding or 'utf-8'}); the file may be GBK: try --input-encoding gbk"
            )
        enc = "gb18030"  # UTF-8 in every sample, not further on: Chinese text in a few rows of a GBK export
    text = head.decode(_CODECS[enc], errors="ignore")
    lines = text.lstrip("\ufeff").splitlines() if text.strip() else [""]
    title_lines = _header_line(lines, table, aliases)
    delimiter = _sniff_delimiter(lines[title_lines])
    cr_lines = "\r" in text and "\n" not in text
    source = path if enc == "utf8" and not cr_lines else _transcode_to_utf8(path, _CODECS[enc], cr_lines)
    options = {"separator": delimiter, "encoding": "utf8", "glob": False, "truncate_ragged_lines": True, "raise_if_empty": False, "skip_rows": title_lines}
    names = pl.scan_csv(source, infer_schema=False, **options).collect_schema().names()
    # one column more than the header: a row with more fields than the header fills it (and is rejected),
    # where polars dropped them without a word (`OVERFLOW`)
    schema = {**dict.fromkeys(names, pl.String), OVERFLOW: pl.String}
    lf = pl.scan_csv(source, schema=schema, missing_columns="insert", **options)
    return lf, _CODECS[enc], delimiter, source, title_lines


def _header_row(df: pl.DataFrame, table: Table, aliases: dict[str, str]) -> int | None:
    """The first of the sheet's first rows naming every required column of the table (title rows above)."""
    for i in range(min(_TITLE_LINES, df.height)):
        if _is_header(table, [str(v).strip() if v is not None else "" for v in df.row(i)], aliases):
            return i
    return None


def _read_excel(path: Path, table: Table, aliases: dict[str, str]) -> tuple[pl.LazyFrame, int, str]:
    """The sheet named after the table, else the one sheet whose header names the table's required
    columns (a summary sheet before the data is passed over), finding the header below any title rows;
    and the sheet's name. Several such sheets (billing split by year) are an error naming them: rows of
    different sheets would share row numbers, and a silently ignored sheet loses bills."""
    import fastexcel

    details: dict[str, xlsx.SheetDetails] = {}

    def load(sheet: str) -> pl.DataFrame:
        details[sheet] = (xls if path.suffix.lower() == ".xls" else xlsx).sheet_details(path, sheet)
        df = pl.DataFrame(workbook.load_sheet(sheet, header_row=None, dtypes="string").to_polars())
        return _with_cells(df, details[sheet].unsaved)

    try:
        workbook = fastexcel.read_excel(path)
        names = {_header_key(n): n for n in workbook.sheet_names}
        wanted = next((names[k] for k in map(_header_key, (table.name, *table.zh)) if k in names), None)
        sheets = {wanted: load(wanted)} if wanted else {n: load(n) for n in workbook.sheet_names}
    except Exception as exc:  # noqa: BLE001 - fastexcel raises its own types for corrupt or non-Excel files
        with path.open("rb") as fh:
            zipped = fh.read(4) == b"PK\x03\x04"
        if zipped and path.suffix.lower() == ".xls":
            raise InputError(f"{path}: an .xlsx workbook saved under the .xls extension; rename it to .xlsx") from None
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot read as an Excel workbook ({message})") from None
    found = {n: (df, i) for n, df in sheets.items() if (i := _header_row(df, table, aliases)) is not None}
    if len(found) > 1:
        listed = ", ".join(repr(n) for n in found)
        raise InputError(
            f"{path}: sheets {listed} all hold a {table.name} table; keep one sheet, name the one to read "
            f"'{table.name}' or '{table.zh[0]}', or save each as its own file"
        )
    if not found:
        sheet = next(iter(sheets))
        if sheets[sheet].height == 0:
            raise InputError(f"{path}: sheet {sheet!r} is empty")
        required = sorted(table.required_columns) or [table.columns[0].name]
        where = f"sheet {sheet!r}" if len(sheets) == 1 else f"any of the sheets {', '.join(map(repr, sheets))}"
        raise InputError(f"{path}: no header row with {', '.join(required)} in the first {_TITLE_LINES} rows of {where}")
    sheet, (df, i) = next(iter(found.items()))
    headers = [str(v).strip() if v is not None else "" for v in df.row(i)]
    # a range merged down the data rows (a customer's 户号 over its months) holds its value in every row;
    # merges across columns (titles, group headers) and in the header rows are left as read
    below = [(r0, c0, r1) for r0, c0, r1, c1 in details[sheet].merged if c0 == c1 and r0 > i]
    body = _with_cells(df, [(r, c, df[r0, c]) for r0, c, r1 in below for r in range(r0 + 1, r1 + 1)]).slice(i + 1)
    body.columns = [h or f"column_{j + 1}" for j, h in enumerate(_dedupe(headers))]
    return body.lazy(), details[sheet].first_row + i + 1, sheet


def _with_cells(df: pl.DataFrame, cells: list[tuple[int, int, str | None]]) -> pl.DataFrame:
    """`df` (a sheet read as text) with the cells (row, column, text) set: error cells and unsaved formulas
    as their text (`#N/A`), which no column parses, where calamine read them as empty; merged cells."""
    by_column: dict[int, tuple[list[int], list[str | None]]] = {}
    for r, c, text in cells:
        if r < df.height and c < df.width:
            rows, texts = by_column.setdefault(c, ([], []))
            rows.append(r)
            texts.append(text)
    columns = df.get_columns()
    for c, (rows, texts) in by_column.items():
        columns[c] = columns[c].clone().scatter(rows, texts)
    return pl.DataFrame(columns)


def _dedupe(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}{_DUPLICATE_SUFFIX}{seen[h] - 2}")
    return out


def read_table(
    table: Table,
    path: Path,
    *,
    encoding: str | None = None,
    aliases: dict[str, str] | None = None,
    hive: dict[str, str] | None = None,
) -> LoadedTable:
    """Open one table file (or directory) lazily and bring it to canonical form. `hive`: the `key=value`
    folders above a part file of a directory table, columns of it unless the file has them."""
    aliases = aliases or {}
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    enc = delim = text_file = sheet = None
    title_lines = 0
    parts: list[tuple[str, int]] = []
    notes: list[Note] = []
    if path.is_dir():
        files, skipped = _part_files(path)
        if not all(p.suffix.lower() in (".parquet", ".pq") for p in files):
            return _read_parts(table, path, files, skipped, encoding, aliases)
        notes = _skipped_note(path, skipped)
    if path.is_dir() or suffix in (".parquet", ".pq"):
        if path.is_dir():
            parts = _check_parts(path, files)
        try:
            # a directory's Parquet files by name: scanned whole, a note beside them stopped the scan
            lf = pl.scan_parquet(files if path.is_dir() else path, hive_partitioning=path.is_dir(), glob=False)
            lf.collect_schema()
        except Exception as exc:  # noqa: BLE001 - polars/pyarrow raise many kinds for a bad file
            raise InputError(f"{path}: cannot read as Parquet ({type(exc).__name__}: {exc})") from None
        first_row = 1  # Parquet has no header line: rows are counted from 1
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        lf, first_row, sheet = _read_excel(path, table, aliases)
    elif suffix in (".csv", ".txt", ""):
        lf, enc, delim, text_file, title_lines = _scan_csv(path, encoding, table, aliases)
        first_row = 2 + title_lines
    else:
        raise InputError(f"{path}: unsupported file type {suffix!r} (use .csv, .parquet or .xlsx)")

    try:
        schema = lf.collect_schema()
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{path}: cannot read the header ({exc})") from None
    source_names = [n for n in schema.names() if n != OVERFLOW]
    # a folder's key=value gives a column the file has under no spelling (the file's own wins)
    in_file = set(header_map(table, source_names, aliases).values())
    if hive := {k: v for k, v in (hive or {}).items() if k not in schema and header_map(table, [k], aliases).get(k) not in in_file}:
        lf = lf.with_columns(pl.lit(v, dtype=pl.String).alias(k) for k, v in hive.items())
        schema = lf.collect_schema()
    names = [n for n in schema.names() if n != OVERFLOW]
    mapping = header_map(table, names, aliases)
    for canonical, named in ambiguous_headers(table, names, aliases).items():
        zh = table.column(canonical).zh
        raise InputError(
            f"{path}: columns {', '.join(map(repr, named))} all read as {canonical}{f' ({zh[0]})' if zh else ''}; "
            f"keep one, or name the one to use in [columns.aliases.{table.name}] of the config"
        )
    lf = lf.with_row_index(ROW, offset=first_row)
    if first_row > 1:
        # blank lines in CSV and Excel (a trailing empty line of a Windows export) are not records
        lf = lf.filter(pl.any_horizontal(pl.col(n).is_not_null() for n in source_names))
    # a header naming a column the user's mapping gave another header (`kwh` beside 有功电量 = "kwh") is
    # not read: the mapping chose the other (left in, it clashed with the column or passed through)
    unused = [n for n in names if n not in mapping and header_map(table, [n], {}).get(n) in mapping.values()]
    lf = lf.drop(unused).rename(mapping)
    schema = {mapping.get(k, k): v for k, v in schema.items() if k not in unused}

    columns = [(col, schema[col.name]) for col in table.columns if col.name in schema]
    ids = [col.name for col, source in columns if col.kind == Kind.ID and source == pl.String]
    sample = lf.head(_SAMPLE_ROWS).collect() if ids or any(col.kind in parse.FORMATS for col, _ in columns) else None
    # ="0033001234": an export written for Excel wraps identifiers in a text formula to keep their
    # leading zeros; a column whose first rows are so written is unwrapped
    wrapped = [n for n in ids if sample is not None and sample.get_column(n).str.starts_with('="').any()]
    if wrapped:
        lf = lf.with_columns(pl.col(wrapped).str.strip_prefix('="').str.strip_suffix('"'))
    # '0033001234: others write Excel's text mark, a leading apostrophe, which is not part of the id
    marked = [n for n in ids if sample is not None and sample.get_column(n).str.starts_with("'").any()]
    if marked:
        lf = lf.with_columns(pl.col(marked).str.strip_prefix("'"))
    # the customer_id text as read stays in `raw_key`: per-customer reductions strip 1 M grouped ids
    # rather than 35 M rows' (`indicators.pipeline`)
    key = [c.name for c, source in columns if c.name == CUSTOMER_ID and source == pl.String]
    lf, columns = _numeric_months(lf, columns, sample, in_memory=sheet is not None)
    lf = parse.parse_frame(lf, columns, sample, keep_text=frozenset(key))
    scales = {}
    for source_header, canonical in mapping.items():
        try:
            factor = unit_factor(canonical, header_unit(source_header))
        except ValueError as exc:
            raise InputError(f"{path}: column {source_header!r}: {exc}") from None
        if factor != 1:
            scales[canonical] = factor
    if scales:  # 有功电量(万kWh): the figures in the column's own unit
        lf = lf.with_columns(pl.col(c) * f for c, f in scales.items())
    fallible = [col.name for col, source in columns if parse.can_fail(col, source)]
    exprs: list[pl.Expr] = [pl.col(ROW).cast(pl.Int64)]
    for col in table.columns:
        exprs.append(pl.col(col.name) if col.name in schema else pl.lit(None, dtype=col.dtype).alias(col.name))
        if col.name in fallible:
            exprs.append(pl.col(raw_name(col.name)))
    # pandas writes a frame's index into Parquet as `__index_level_0__`: not a column of the export
    extras = [n for n in schema if n not in table.names and n != OVERFLOW and not _PANDAS_INDEX.fullmatch(n)]
    overflow = OVERFLOW in schema
    raw_key = lf.select(*exprs, *([pl.col(OVERFLOW)] if overflow else []), *[pl.col(n) for n in extras])
    lf = parse.normalise_text(raw_key, key)
    present = {c.name for c in table.columns if c.name in schema}
    missing = [c for c in table.required_columns if c not in present]
    if table.name == "supply" and not ({"line_id", "area_id"} & present):
        missing.append("line_id or area_id")
    headers = {canonical: source for source, canonical in mapping.items()}
    return LoadedTable(
        table, path, lf, present, missing, enc, delim, fallible, text_file, headers, raw_key if key else None, title_lines, sheet, parts, extras,
        notes=notes, overflow=overflow,
    )


def _numeric_months(
    lf: pl.LazyFrame, columns: list[tuple[Column, pl.DataType]], sample: pl.DataFrame | None, *, in_memory: bool
) -> tuple[pl.LazyFrame, list[tuple[Column, pl.DataType]]]:
    """`lf` with period text `2024.1` read as October where its column writes months as numbers that lose
    a trailing zero (`parse.lost_trailing_zero`), and the columns' source types after it. A column in
    memory (Excel) is judged whole, a CSV column by its first rows (`sample`), a column of floats (a
    workbook saved by pandas) by its distinct values, which then become text."""
    texts = [c.name for c, source in columns if c.kind is Kind.PERIOD and source == pl.String]
    if texts and sample is not None:
        seen = lf.select(texts).collect() if in_memory else sample
        lf = lf.with_columns(parse.lost_trailing_zero(pl.col(n), seen.get_column(n)).alias(n) for n in texts)
    floats = [c.name for c, source in columns if c.kind is Kind.PERIOD and source.is_float()]
    if floats:
        seen = lf.select(pl.col(n).unique().cast(pl.String).implode() for n in floats).collect()
        lf = lf.with_columns(parse.lost_trailing_zero(pl.col(n).cast(pl.String), seen[n][0]).alias(n) for n in floats)
        columns = [(c, pl.String() if c.name in floats else source) for c, source in columns]
    return lf, columns


def _file_key(stem: str) -> str:
    """A file name as a table name: without a date around it or a trailing word an export adds
    (`电费账单_202512`, `2025-12电费账单`, `billing-2025`, `电费账单明细`, `负荷数据`, `客户档案表`)."""
    key = _header_key(stem)
    bare = re.sub(r"^[\d\-_.年月日]+|[\d\-_.年月日]+$", "", key)
    bare = re.sub(r"(明细|数据|清单|导出|表)$", "", bare)
    return re.sub(r"[\-_.]+$", "", bare) or key


def _is_table_file(p: Path) -> bool:
    return p.is_dir() or p.suffix.lower() in EXTENSIONS


def _blank_text(path: Path) -> bool:
    """A text file holding nothing but a BOM and blank lines (an export of an empty optional table)."""
    if not path.is_file() or path.suffix.lower() not in (".csv", ".txt", "") or path.stat().st_size > 4096:
        return False
    return not path.read_bytes().replace(codecs.BOM_UTF8, b"").strip()


def _part_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """The table files of a directory table, by path (the order their rows are read in), and its other
    files (a note, a backup `.bak`), passed over. Hidden files, Excel's lock files (`~$2024-01.xlsx`, there
    while a part is open) and markers such as Spark's `_SUCCESS` are passed over unlisted; a link to
    nothing and a directory without a table file are errors."""
    found = sorted((p for p in directory.rglob("*") if not any(n.startswith(".") for n in p.relative_to(directory).parts)), key=str)
    if broken := [p for p in found if p.is_symlink() and not p.exists()]:
        raise InputError(f"{broken[0]}: a link to a file that does not exist")
    files = [p for p in found if p.is_file() and not p.name.startswith("~$")]
    parts = [p for p in files if p.suffix.lower() in EXTENSIONS]
    if not parts:
        found_text = f"it holds {len(files):,} other file(s) (e.g. {files[0].relative_to(directory)})" if files else "it is empty"
        raise InputError(f"{directory}: a table directory must hold table files ({', '.join(EXTENSIONS)}), and {found_text}")
    return parts, [p for p in files if p not in parts and not p.name.startswith("_")]


def _hive_values(part: Path) -> dict[str, str]:
    """The `key=value` folders above a part file (`period=2024-01/part.csv`), percent-decoded."""
    from urllib.parse import unquote

    pairs = (folder.partition("=") for folder in part.parent.parts)
    return {unquote(key): unquote(value) for key, equals, value in pairs if equals and key}


def _read_parts(
    table: Table, directory: Path, files: list[Path], skipped: list[Path], encoding: str | None, aliases: dict[str, str]
) -> LoadedTable:
    """A directory of CSV or Excel parts (monthly exports, say; Parquet parts may be among them): each part read
    as a file of its own (its encoding, header spelling, title lines and column order), the rows stacked in
    path order. Part k's rows are numbered k·2³² + their row in it, so `LoadedTable.located` names the
    part and the row within it, and the first of repeated keys is the first read.

    Refused: a dataset directory given as a table's, two parts of the same content (a backup copy, a
    download saved twice: its bills would be summed as adjustment bills), and a part without a required
    column the others have. A note names the parts without an optional column the others have (its
    cells are empty there, e.g. no late fee that month) and the files passed over."""
    _not_a_dataset(table, directory)
    _no_copies(directory, files)
    pieces = [read_table(table, p, encoding=encoding, aliases=aliases, hive=_hive_values(p.relative_to(directory))) for p in files]
    common = set.intersection(*(set(p.missing_required) for p in pieces))
    for piece in pieces:
        for column in piece.missing_required:
            if column not in common:
                raise InputError(f"{piece.source}: required column {_named(table, column)} missing, which other files of {directory} have")
    starts = [k * _PART_STRIDE for k in range(len(pieces))]

    def stacked(frames: list[pl.LazyFrame]) -> pl.LazyFrame:
        return pl.concat([lf.with_columns(pl.col(ROW) + start) for lf, start in zip(frames, starts)], how="diagonal_relaxed")

    def agreed(values: Iterable[str | None]) -> str | None:
        found = set(values)
        return found.pop() if len(found) == 1 else None

    def name(path: Path) -> str:
        return str(path.relative_to(directory))

    present = set().union(*(p.present for p in pieces))
    lacking = {c.name: [name(p.source) for p in pieces if c.name not in p.present] for c in table.columns if c.name in present}
    notes = [note for column, parts in lacking.items() if (note := _lacking_note(table, column, parts, len(pieces))) is not None]
    notes += _skipped_note(directory, skipped)
    headers: dict[str, str] = {}
    for piece in pieces:
        headers = {**piece.headers, **headers}
    return LoadedTable(
        table,
        directory,
        stacked([p.lf for p in pieces]),
        present,
        [c for c in table.required_columns if c in common],
        encoding=agreed(p.encoding for p in pieces),
        delimiter=agreed(p.delimiter for p in pieces),
        fallible=[c.name for c in table.columns if any(c.name in p.fallible for p in pieces)],
        headers=headers,
        raw_key=stacked([p.lf if p.raw_key is None else p.raw_key for p in pieces]) if any(p.raw_key is not None for p in pieces) else None,
        sheet=agreed(p.sheet for p in pieces),
        parts=[(name(p.source), start + 1) for p, start in zip(pieces, starts)],
        extras=list(dict.fromkeys(e for p in pieces for e in p.extras)),
        pieces=pieces,
        notes=notes,
        overflow=any(p.overflow for p in pieces),
    )


def _skipped_note(directory: Path, skipped: list[Path]) -> list[Note]:
    """The note listing a directory table's files that are no table files (none when there are none)."""
    if not skipped:
        return []
    listed = ", ".join(str(p.relative_to(directory)) for p in skipped)
    return [Note(f"{directory}: not read (not table files): {listed}", f"{directory}：未读取（不是表格文件）：{listed}")]


def _lacking_note(table: Table, column: str, lacking: list[str], parts: int) -> Note | None:
    """The note naming the parts (`lacking`) without an optional column the other parts have."""
    if not lacking:
        return None
    listed = ", ".join(lacking[:3]) + (f" and {len(lacking) - 3} more" if len(lacking) > 3 else "")
    return Note(
        f"{table.name}: {listed} ({len(lacking)} of {parts} files) {'has' if len(lacking) == 1 else 'have'} no "
        f"{_named(table, column)} column, which the other files have: it is empty in their rows",
        f"{table.name}：{listed}（{parts} 个文件中的 {len(lacking)} 个）没有 {_named(table, column)} 列（其他文件有）：这些行按空值处理",
    )


def _named(table: Table, column: str) -> str:
    """`'kwh' (有功电量)`: a column as messages name it."""
    zh = table.column(column).zh if column in table.names else ()
    return f"{column!r}{f' ({zh[0]})' if zh else ''}"


def _not_a_dataset(table: Table, directory: Path) -> None:
    """A table's directory holding another table's file (`customers.csv`) is a dataset directory given as
    the table's (`--billing exports/`): its parts would be read as billing and fail on a missing column."""
    family = {"load", "load_interval"}  # a load directory is read as either
    for other in TABLES.values():
        if other is table or {other.name, table.name} <= family:
            continue
        if (found := find_table_file(directory, other)) is not None:
            raise InputError(
                f"{directory}: holds {found.name}, the {other.name} table: a dataset directory, not a directory of {table.name} parts; "
                f"give it as the dataset (powercrm score {directory})"
            )


def _no_copies(directory: Path, files: list[Path]) -> None:
    """Two parts of the same content under the same `key=value` folders are a copy (`备份/2025-12.csv`,
    `2025-12 (1).csv`): an error naming both, as their rows would be summed as adjustment bills. Files are
    compared by size first, and read only when another has theirs."""
    import hashlib

    by_size: dict[int, list[Path]] = {}
    for p in files:
        by_size.setdefault(p.stat().st_size, []).append(p)
    seen: dict[tuple[str, tuple], Path] = {}
    for same_size in (group for group in by_size.values() if len(group) > 1):
        for p in same_size:
            digest = hashlib.blake2b()
            with p.open("rb") as fh:
                while chunk := fh.read(1 << 24):
                    digest.update(chunk)
            key = (digest.hexdigest(), tuple(sorted(_hive_values(p.relative_to(directory)).items())))
            if key in seen:
                raise InputError(
                    f"{directory}: {seen[key].relative_to(directory)} and {p.relative_to(directory)} are the same file (a copy?); "
                    "their rows would be counted twice: keep one"
                )
            seen[key] = p


def _check_parts(directory: Path, parts: list[Path]) -> list[tuple[str, int]]:
    """The Parquet files of a directory table agree on their columns and types (read from their footers);
    otherwise the scan fails mid-run with the library's words and no file named. Returns each part (its
    path in the directory) and its first row, counted across the parts in the order polars reads them
    (by path), so a problem can name the file and the row within it."""
    try:
        schemas = {p: pl.read_parquet_schema(p) for p in parts}
    except Exception as exc:  # noqa: BLE001 - a corrupt part raises whatever pyarrow/polars raise
        raise InputError(f"{directory}: cannot read as Parquet ({type(exc).__name__}: {exc})") from None
    first, expected = parts[0], schemas[parts[0]]
    for part, schema in schemas.items():
        for name in [*expected, *(n for n in schema if n not in expected)]:
            if expected.get(name) != schema.get(name):
                def what(s: dict) -> str:
                    return str(s[name]) if name in s else "absent"
                raise InputError(
                    f"{directory}: its files disagree on column {name!r}: {what(expected)} in {first.relative_to(directory)}, "
                    f"{what(schema)} in {part.relative_to(directory)}; write every part with the same columns and types"
                )
    import pyarrow.parquet as pq

    located, first_row = [], 1
    for part in parts:
        located.append((str(part.relative_to(directory)), first_row))
        first_row += pq.read_metadata(part).num_rows
    return located


def find_table_file(directory: Path, table: Table) -> Path | None:
    """`NAME.csv|parquet|xlsx` or a hive directory `NAME/`, by canonical or Chinese name, a date or an
    export's word around it allowed (`_file_key`). Two of them (`billing.csv` beside `billing.xlsx` or
    `电费账单_202512.csv`) are an error: either may be a stale copy."""
    wanted = {_header_key(n) for n in (table.name, *table.zh)}
    found = [
        p
        for p in sorted(directory.iterdir(), key=lambda p: (p.is_dir(), p.name))
        if _file_key(p.name if p.is_dir() else p.stem) in wanted and _is_table_file(p)
    ]
    if len(found) > 1:
        names = " and ".join(p.name for p in found)
        raise InputError(
            f"{directory}: {names} are both the {table.name} table; keep one, choose with --{table.name.replace('_', '-')} FILE, "
            f"or put the parts of one table (monthly exports) in a directory {table.name}/ to read them all"
        )
    return found[0] if found else None


def load_dataset(
    directory: Path | None = None,
    files: dict[str, Path] | None = None,
    *,
    encoding: str | None = None,
    aliases: dict[str, dict[str, str]] | None = None,
) -> Dataset:
    """Open every table of a dataset directory and/or the files given one by one (these win).

    A missing required table or column is recorded in `Dataset.structural`; unreadable files raise.
    """
    aliases = aliases or {}
    paths: dict[str, Path] = {}
    if directory is not None:
        if not directory.exists():
            raise InputError(f"{directory}: no such directory")
        if not directory.is_dir():
            raise InputError(f"{directory}: not a directory (pass single tables with --customers, --billing ...)")
        for table in TABLES.values():
            if table.name in (files or {}):
                continue
            found = find_table_file(directory, table)
            if found is not None:
                paths[table.name] = found
    paths.update(files or {})

    dataset = Dataset({})
    for name, path in paths.items():
        if not TABLES[name].required and _blank_text(path):
            dataset.empty[name] = path
            continue
        loaded = read_table(TABLES[name], path, encoding=encoding, aliases=aliases.get(name, {}))
        if name == "load" and loaded.missing_required and "load_interval" not in paths:
            # SPEC §2: interval readings may come as a `load` table with timestamp and load_kw columns
            readings = read_table(TABLES["load_interval"], path, encoding=encoding, aliases=aliases.get(name, {}))
            if not readings.missing_required:
                name, loaded = "load_interval", readings
        dataset.tables[name] = loaded
    where = f" in {directory}" if directory is not None else ""
    if directory is not None:
        used = {p.resolve() for p in paths.values()}
        dataset.ignored = [
            p.name
            for p in sorted(directory.iterdir())
            if _is_table_file(p) and not p.name.startswith(".") and p.name != SAMPLE_TRUTH_FILE and p.resolve() not in used
        ]
    for table in TABLES.values():
        if table.required and table.name not in dataset:
            dataset.missing[table.name] = [f"required table {table.name!r} ({table.zh[0]}) not found{where}"]
        elif table.name in dataset and dataset[table.name].missing_required:
            loaded = dataset[table.name]
            for col in loaded.missing_required:
                zh = table.column(col).zh[0] if col in table.names else ""
                dataset.missing.setdefault(table.name, []).append(
                    f"{loaded.source}: required column {col!r}{f' ({zh})' if zh else ''} missing"
                )
    return dataset
