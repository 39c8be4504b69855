"""Write a generated dataset directory: one file per table, in CSV, Parquet or XLSX.

- CSV: UTF-8 with BOM (Excel opens Chinese correctly), or `encoding="gbk"` for GBK bytes (as
  GB18030, a superset that encodes every GBK character identically; no BOM). Periods are written
  `2024-01`; dates ISO `2024-01-05`, or `2024/1/5` with `zh=True` as SG186 exports show them.
- Parquet: typed columns (Date periods and dates, booleans, floats).
- XLSX: one workbook per table (`customers.xlsx` ...), one formatted sheet, ids, periods and
  dates as text (Excel keeps only 15 significant digits of numbers and reformats dates).
- `zh=True`: Chinese headers (`zh_header`) and Chinese enum spellings (`zh_value`): 居民生活,
  正常/销户, 窃电, 是/否 for booleans in text formats.

`ground_truth.csv` is always UTF-8 CSV with BOM and English codes. Every file is written to a
temporary name and renamed on success.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

import polars as pl

from powercrm.errors import DataError, UsageError
from powercrm.io.schema import TABLES, Kind, zh_header
from powercrm.io.writers import XLSX_MAX_ROWS, atomic_path, write_xlsx
from powercrm.sample import TABLE_NAMES, SampleData

FORMATS = ("csv", "parquet", "xlsx")
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "gbk": "gbk", "gb18030": "gbk", "gb2312": "gbk"}
TRUTH_FILE = "ground_truth.csv"
_ALL_TABLES = (*TABLE_NAMES, "load_interval")
_INTEGRAL = ("kwh", "kvarh", "supplied_kwh", "contract_capacity_kva", "transformer_capacity_kva")
_MONEY = ("amount_due", "amount_paid", "late_fee", "transmission_fee", "amount")


def normalize_format(fmt: str) -> str:
    key = fmt.strip().lower().lstrip(".")
    if key not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use csv, parquet or xlsx")
    return key


def normalize_encoding(encoding: str) -> str:
    key = encoding.strip().lower().replace("_", "-")
    if key not in ENCODINGS:
        raise UsageError(f"--encoding {encoding!r}: use utf-8 or gbk")
    return ENCODINGS[key]


def dataset_files(out: Path) -> list[Path]:
    """Files in `out` that belong to a generated dataset (any format), ground truth included."""
    if not out.is_dir():
        return []
    names = {f"{t}{ext}" for t in _ALL_TABLES for ext in (".csv", ".parquet", ".xlsx")} | {TRUTH_FILE}
    return sorted(p for p in out.iterdir() if p.name in names)


def _text_frame(table: str, df: pl.DataFrame, zh: bool, fmt: str) -> pl.DataFrame:
    """The frame as it goes into a file: enums in Chinese when zh; for text formats periods,
    dates and booleans as text and whole-number columns as integers."""
    schema = TABLES[table]
    exprs = []
    for name in df.columns:
        col = pl.col(name)
        column = next((c for c in schema.columns if c.name == name), None)
        kind = column.kind if column else None
        if zh and kind is Kind.ENUM:
            mapping = {code: spellings[0] for code, spellings in column.values.items()}
            col = col.replace(mapping)
        if fmt != "parquet":
            if kind is Kind.PERIOD:
                col = col.dt.strftime("%Y-%m")
            elif kind is Kind.DATE:
                col = col.dt.strftime("%Y/%-m/%-d" if zh else "%Y-%m-%d")
            elif kind is Kind.TIMESTAMP:
                col = col.dt.strftime("%Y-%m-%d %H:%M:%S")
            elif kind is Kind.BOOL:
                col = pl.when(col).then(pl.lit("是" if zh else "true")).when(~col).then(pl.lit("否" if zh else "false"))
            elif name in _INTEGRAL and df[name].dtype.is_float():
                integral = df.select(((pl.col(name) == pl.col(name).round(0)) | pl.col(name).is_null()).all()).item()
                if integral:
                    col = col.cast(pl.Int64)
        exprs.append(col.alias(zh_header(table, name) if zh else name))
    return df.select(exprs)


def _write_csv(df: pl.DataFrame, path: Path, encoding: str) -> None:
    if encoding == "utf-8":
        df.write_csv(path, include_bom=True)
        return
    # GBK: write UTF-8 next to the target, then transcode in chunks (strict: never replace a character)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".utf8", dir=path.parent)
    os.close(fd)
    try:
        df.write_csv(tmp)
        decoder = codecs.getincrementaldecoder("utf-8")()
        with open(tmp, "rb") as src, path.open("wb") as dst:
            while chunk := src.read(1 << 24):
                dst.write(decoder.decode(chunk).encode("gbk"))
            dst.write(decoder.decode(b"", final=True).encode("gbk"))
    except UnicodeEncodeError as exc:
        raise DataError(f"{path.name}: {exc.object[exc.start:exc.end]!r} has no GBK encoding; write utf-8") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _write_xlsx(table: str, canonical: list[str], df: pl.DataFrame, path: Path, zh: bool) -> None:
    formats = {}
    for name, header in zip(canonical, df.columns, strict=True):
        if name in _MONEY:
            formats[header] = "#,##0.00"
        elif name in _INTEGRAL:
            formats[header] = "#,##0"
    write_xlsx(path, {TABLES[table].zh[0] if zh else table: df}, formats)


def write_dataset(
    data: SampleData,
    out: Path,
    *,
    fmt: str = "csv",
    zh: bool = False,
    encoding: str = "utf-8",
    force: bool = False,
) -> list[Path]:
    """Write every table of `data` and `ground_truth.csv` into the directory `out`; return the files.

    An `out` already holding dataset files is refused unless `force`, which replaces them (and
    removes the same tables in other formats, so readers never mix two datasets)."""
    fmt = normalize_format(fmt)
    enc = normalize_encoding(encoding)
    if enc != "utf-8" and fmt != "csv":
        raise UsageError(f"--encoding {encoding} applies to CSV only (the format is {fmt})")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a directory")
    existing = dataset_files(out)
    if existing and not force:
        shown = ", ".join(p.name for p in existing[:4]) + (" ..." if len(existing) > 4 else "")
        raise UsageError(f"{out} already holds a dataset ({shown}); pass --force to replace it")
    tables = data.tables()
    if fmt == "xlsx":
        for name, df in tables.items():
            if df.height > XLSX_MAX_ROWS:
                raise UsageError(
                    f"{name}: {df.height:,} rows do not fit in one Excel sheet (max {XLSX_MAX_ROWS:,}); use --format csv or parquet"
                )
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, df in tables.items():
        target = out / f"{name}.{fmt}"
        frame = _text_frame(name, df, zh, fmt)
        with atomic_path(target) as tmp:
            if fmt == "csv":
                _write_csv(frame, tmp, enc)
            elif fmt == "parquet":
                frame.write_parquet(tmp)
            else:
                _write_xlsx(name, df.columns, frame, tmp, zh)
        written.append(target)
    truth = out / TRUTH_FILE
    with atomic_path(truth) as tmp:
        data.ground_truth.write_csv(tmp, include_bom=True)
    written.append(truth)
    for stale in set(existing) - set(written):
        stale.unlink(missing_ok=True)
    return written
