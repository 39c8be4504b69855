"""Write a generated dataset directory: one file per table, in CSV, Parquet or XLSX.

- CSV: UTF-8 with BOM (Excel opens Chinese correctly), `encoding="utf-8"` without it, or `encoding="gbk"` for GBK bytes (as
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
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import polars as pl

from powercrm.errors import DataError, UsageError
from powercrm.io.schema import SAMPLE_TRUTH_FILE, TABLES, Kind, zh_header
from powercrm.io.writers import XLSX_MAX_ROWS, atomic_path, write_xlsx
from powercrm.sample import DEFAULT_PERIOD_END, TABLE_NAMES, SampleData, check_options, iter_tables

FORMATS = ("csv", "parquet", "xlsx")
# as the other commands name them: utf-8-sig with a BOM (the default), utf-8 without
ENCODINGS = {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8", "utf8": "utf-8", "gbk": "gbk", "gb18030": "gbk", "gb2312": "gbk"}
TRUTH_FILE = SAMPLE_TRUTH_FILE
# snappy: every Parquet reader has it, and it costs a third less CPU than zstd on the big tables
PARQUET_COMPRESSION = "snappy"
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
        raise UsageError(f"--encoding {encoding!r}: use utf-8-sig (UTF-8 with BOM), utf-8 or gbk")
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
            elif kind is Kind.VOLTAGE:
                # 10 and 35, not 10.0 and 35.0; 0.38 stays
                whole = col == col.round(0)
                col = pl.when(whole).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String))
            elif name in _INTEGRAL and df[name].dtype.is_float():
                integral = df.select(((pl.col(name) == pl.col(name).round(0)) | pl.col(name).is_null()).all()).item()
                if integral:
                    col = col.cast(pl.Int64)
        exprs.append(col.alias(zh_header(table, name) if zh else name))
    return df.select(exprs)


def _write_csv(df: pl.DataFrame, path: Path, encoding: str) -> None:
    if encoding in ("utf-8-sig", "utf-8"):
        df.write_csv(path, include_bom=encoding == "utf-8-sig")
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


def check_target(
    out: Path, fmt: str, encoding: str, force: bool, rows: int = 0
) -> tuple[Path, str, str, list[Path]]:
    """Check format, encoding and target directory before any work (`rows`: the largest table's
    expected row count, for the Excel sheet limit); return them normalised with the existing
    dataset files."""
    fmt = normalize_format(fmt)
    enc = normalize_encoding(encoding)
    if enc != "utf-8-sig" and fmt != "csv":
        raise UsageError(f"--encoding {encoding} applies to CSV only (the format is {fmt})")
    if fmt == "xlsx" and rows > XLSX_MAX_ROWS:
        raise UsageError(f"--format xlsx: about {rows:,} rows exceed one Excel sheet ({XLSX_MAX_ROWS:,}); use --format csv or parquet")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a directory")
    existing = dataset_files(out)
    if existing and not force:
        shown = ", ".join(p.name for p in existing[:4]) + (" ..." if len(existing) > 4 else "")
        raise UsageError(f"{out} already holds a dataset ({shown}); pass --force to replace it")
    return out, fmt, enc, existing


def expected_rows(customers: int, months: int, interval_days: int = 0) -> int:
    """Upper estimate of the largest table (billing with adjustment rows, or load_interval)."""
    return int(max(customers * months * 1.01, customers * interval_days * 96))


def write_table(name: str, df: pl.DataFrame, out: Path, *, fmt: str = "csv", zh: bool = False, encoding: str = "utf-8-sig") -> Path:
    """Write one generated table as `out/NAME.FMT` (ground_truth always as UTF-8 CSV with BOM)."""
    if name == "ground_truth":
        target = out / TRUTH_FILE
        with atomic_path(target) as tmp:
            df.write_csv(tmp, include_bom=True)
        return target
    if fmt == "xlsx" and df.height > XLSX_MAX_ROWS:
        raise UsageError(f"{name}: {df.height:,} rows do not fit in one Excel sheet (max {XLSX_MAX_ROWS:,}); use --format csv or parquet")
    target = out / f"{name}.{fmt}"
    frame = _text_frame(name, df, zh, fmt)
    with atomic_path(target) as tmp:
        if fmt == "csv":
            _write_csv(frame, tmp, encoding)
        elif fmt == "parquet":
            frame.write_parquet(tmp, compression=PARQUET_COMPRESSION)
        else:
            _write_xlsx(name, df.columns, frame, tmp, zh)
    return target


def _write_all(tables, out: Path, fmt: str, zh: bool, enc: str, existing: list[Path]) -> tuple[dict[str, pl.DataFrame], list[Path]]:
    """Write `(name, frame)` pairs as they come, two at a time (polars releases the GIL while writing),
    so the big tables are written while the rest is still being generated.

    The tables are written into a staging directory inside `out` and moved in once all are written: an
    interrupted run (Ctrl-C 8 s into 200,000 customers) left customers and billing without load, which
    `score` then read as a dataset without load, and a rerun refused to replace."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".powercrm-sample-", dir=out))
    frames: dict[str, pl.DataFrame] = {}
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = []
            for name, df in tables:
                frames[name] = df
                futures.append(pool.submit(write_table, name, df, staging, fmt=fmt, zh=zh, encoding=enc))
            staged = [f.result() for f in futures]
        written = [out / path.name for path in staged]
        for path, target in zip(staged, written, strict=True):
            os.replace(path, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for stale in set(existing) - set(written):
        stale.unlink(missing_ok=True)
    return frames, written


def write_dataset(
    data: SampleData,
    out: Path,
    *,
    fmt: str = "csv",
    zh: bool = False,
    encoding: str = "utf-8-sig",
    force: bool = False,
) -> list[Path]:
    """Write every table of `data` and `ground_truth.csv` into the directory `out`; return the files.

    An `out` already holding dataset files is refused unless `force`, which replaces them (and
    removes the same tables in other formats, so readers never mix two datasets)."""
    tables = data.tables()
    out, fmt, enc, existing = check_target(out, fmt, encoding, force, max(df.height for df in tables.values()))
    _, written = _write_all([*tables.items(), ("ground_truth", data.ground_truth)], out, fmt, zh, enc, existing)
    return written


def write_sample(
    out: Path,
    customers: int = 1000,
    months: int = 36,
    seed: int = 42,
    *,
    period_end: str | date = DEFAULT_PERIOD_END,
    interval_days: int = 0,
    anomalies: bool = True,
    fmt: str = "csv",
    zh: bool = False,
    encoding: str = "utf-8-sig",
    force: bool = False,
) -> tuple[SampleData, list[Path]]:
    """Generate a dataset and write it into `out`, each table written as soon as it is generated
    (same data and files as `generate` then `write_dataset`, faster for large datasets)."""
    check_options(customers, months, seed, interval_days)
    out, fmt, enc, existing = check_target(out, fmt, encoding, force, expected_rows(customers, months, interval_days))
    tables = iter_tables(customers, months, seed, period_end=period_end, interval_days=interval_days, anomalies=anomalies)
    frames, written = _write_all(tables, out, fmt, zh, enc, existing)
    data = SampleData(
        frames["customers"], frames["billing"], frames["load"], frames["events"], frames["supply"],
        frames["ground_truth"], frames.get("load_interval"),
    )
    return data, written
