"""Output writers (SPEC §8): CSV (UTF-8 with BOM by default), Parquet, XLSX, CSV on stdout.

The format follows the file extension. Every file is written to a temporary file in the target's
directory and renamed on success, so a failed run leaves no half-written output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, IO

import polars as pl

from powercrm.errors import InputError, UsageError

STDOUT = "-"
FORMATS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
XLSX_MAX_ROWS = 1_048_575
_CSV_ENCODINGS = {"utf-8-sig": "utf-8-sig", "utf8-sig": "utf-8-sig", "utf-8": "utf-8", "utf8": "utf-8", "gbk": "gb18030", "gb18030": "gb18030"}


def _discarded(path: str | Path) -> bool:
    """`-o /dev/null`, as cron jobs that want only the --json line write: nothing is written (a temporary
    file renamed onto it would replace the device)."""
    return str(path) != "" and os.path.realpath(path) == os.devnull


def output_format(path: str | Path) -> str:
    """`csv`, `parquet`, `xlsx`, `stdout` or `discard` (`/dev/null`) from the target name; an unknown
    extension is a usage error."""
    if str(path) == STDOUT:
        return "stdout"
    if _discarded(path):
        return "discard"
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{path}: unknown output type {suffix or '(none)'!r}; use .csv (or .txt), .parquet (or .pq), .xlsx, or - for stdout")
    return FORMATS[suffix]


def check_writable(path: str | Path, *, table: bool = True) -> None:
    """Fail before any work when the output cannot be written where asked (for a table: in a known format)."""
    if str(path) == STDOUT or _discarded(path):
        return
    if not str(path).strip():
        raise UsageError("an empty output file name; give the output a file name")
    if os.path.exists(path) and not os.path.isdir(path) and not os.path.isfile(path):
        # a named pipe or a device: the temporary file renamed onto it would replace it
        raise UsageError(f"{path}: not a regular file (a pipe or a device); write to a file, or to stdout with -o - and a redirection")
    if Path(path).is_dir():
        raise UsageError(f"{path}: a directory; give the output a file name (e.g. {Path(path) / 'scores.csv'})")
    if table:
        output_format(path)
    parent = Path(path).resolve().parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{path}: {parent} is a file, not a directory")
    if not parent.is_dir():
        raise InputError(f"{path}: the directory {parent} does not exist")
    # a file created and removed, as the output will be: permissions, a read-only or special file system
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{Path(path).name}.", suffix=".probe", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{path}: cannot write in the directory {parent} ({exc.strerror or exc})") from None


def check_outputs(outputs: Mapping[str, str | Path | None], inputs: Iterable[Path] = ()) -> None:
    """Fail before any work when two outputs name one file, or an output would replace an input file or
    land in an input directory (`-o customers.csv` in the dataset directory overwrote the archive).
    `outputs` maps each option (`-o`, `--rejects`) to its path."""
    sources = [os.path.realpath(p) for p in inputs]
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if path is not None and str(path) == STDOUT and option != "-o":
            # a second table after the first, or before a --json line, is not a stream a script can read
            raise UsageError(f"{option} -: only -o writes to standard output; give {option} a file")
        if path is None or str(path) == STDOUT or _discarded(path):
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise UsageError(f"{path}: given to both {seen[key]} and {option}; write each output to its own file")
        if key in sources:
            raise UsageError(f"{path}: an input file, which {option} would overwrite; write the output elsewhere")
        inside = next((s for s in sources if key.startswith(s + os.sep)), None)
        if inside is not None:
            raise UsageError(f"{path}: inside the input table directory {inside}, which the next run would read; write it elsewhere")
        seen[key] = option


def check_encoding(encoding: str | None, tables: Iterable[str | Path | None]) -> None:
    """Fail before any work on an `--encoding` that is unknown (it was found only when writing, after the
    run), or that no table written (`tables`: -o, --rejects) would use: XLSX and Parquet files have no
    text encoding, and an option silently ignored reads as applied (`sample` refuses it too)."""
    if encoding is None:
        return
    _csv_encoding(encoding)
    written = [t for t in tables if t is not None and not _discarded(t)]
    formats = [output_format(t) for t in written]
    if written and not {"csv", "stdout"} & set(formats):
        raise UsageError(f"--encoding {encoding} applies to CSV only, and {written[0]} is {formats[0].upper()}; leave it out, or write .csv")


# the temporary files and directories of outputs being written: an interrupt ends the process without
# unwinding the thread that writes them (`powercrm.cli.main`), so it removes them by this list
_PENDING: set[Path] = set()


def discard_pending() -> None:
    """Remove the temporary files and directories of every output still being written."""
    for path in list(_PENDING):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def _pending(path: Path) -> Iterator[Path]:
    _PENDING.add(path)
    try:
        yield path
    finally:
        _PENDING.discard(path)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed onto it when the block succeeds and removed when it fails."""
    target = Path(path)
    # through a symbolic link to the file it names: renaming onto the link replaced the link itself
    real = Path(os.path.realpath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise InputError(f"{target}: cannot write in the directory {real.parent} ({exc.strerror or exc})") from None
    os.close(fd)
    tmp_path = Path(tmp)
    with _pending(tmp_path):
        try:
            yield tmp_path
            # mkstemp creates 0600; a finished output gets the usual permissions of a new file
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
            os.replace(tmp_path, real)
        except OSError as exc:
            if exc.filename not in (str(tmp_path), tmp):
                raise
            # the temporary file is an implementation detail: the error names the output asked for
            raise InputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
        finally:
            tmp_path.unlink(missing_ok=True)


def display_width(value: object) -> int:
    """Width of a cell in Excel character units: East-Asian wide characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def _csv_encoding(encoding: str) -> str:
    key = encoding.lower().replace("_", "-")
    if key not in _CSV_ENCODINGS:
        raise UsageError(f"unknown output encoding --encoding {encoding!r}: use utf-8-sig, utf-8 or gb18030")
    return _CSV_ENCODINGS[key]


# a date and time as Excel reads it (polars writes 2025-01-01T08:30:00.000000, which Excel keeps as text):
# only an archive's extra column passed through holds one
CSV_OPTIONS = {"datetime_format": "%Y-%m-%d %H:%M:%S"}


def _write_csv(data: pl.DataFrame, path: Path, encoding: str) -> None:
    enc = _csv_encoding(encoding)
    if enc in ("utf-8-sig", "utf-8"):
        data.write_csv(path, include_bom=enc == "utf-8-sig", **CSV_OPTIONS)
        return
    with path.open("w", encoding=enc, errors="strict", newline="") as fh:
        fh.write(data.write_csv(**CSV_OPTIONS))


def stamp_workbook(workbook) -> None:
    """Date an xlsxwriter workbook by SOURCE_DATE_EPOCH when set (the reproducible-builds convention), so a
    CI job comparing outputs byte for byte gets the same file from the same data; else xlsxwriter's now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        workbook.set_properties({"created": dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).replace(tzinfo=None)})


@contextlib.contextmanager
def new_workbook(path: Path) -> Iterator[Any]:
    """An xlsxwriter workbook that writes text as text (an archive value `=3+4` or `=HYPERLINK(...)`
    stays that text, not a formula Excel evaluates), dated by `stamp_workbook`, and closed (written)
    only when the block succeeds. xlsxwriter keeps each sheet in temporary files until it closes:
    they go in a directory of our own, removed whatever happens (an interrupt left up to 20 files of
    hundreds of MB in /tmp, and closing on an interrupt wrote the whole workbook first)."""
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with tempfile.TemporaryDirectory(prefix=".powercrm-xlsx-", dir=Path(path).resolve().parent) as scratch, _pending(Path(scratch)):
        workbook = xlsxwriter.Workbook(path, {**options, "tmpdir": scratch})
        stamp_workbook(workbook)
        yield workbook
        workbook.close()


def write_xlsx(
    path: Path,
    sheets: Mapping[str, pl.DataFrame],
    number_formats: Mapping[str, str] | None = None,
) -> None:
    """One formatted sheet per frame: bold header, frozen first row, autofilter, CJK-aware widths."""
    number_formats = number_formats or {}
    with new_workbook(path) as workbook:
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": False})
        for name, df in sheets.items():
            if df.height > XLSX_MAX_ROWS:
                raise UsageError(
                    f"{path.name}: {df.height:,} rows do not fit in one Excel sheet (max {XLSX_MAX_ROWS:,}); write .csv or .parquet"
                )
            sample = df.head(2000)
            # polars takes widths in pixels: about 7 px per character unit of the default Calibri 11
            widths = {
                c: 7 * min(60, max([display_width(c)] + [display_width(v) for v in sample[c].drop_nulls().cast(pl.String)]) + 2)
                for c in df.columns
            }
            df.write_excel(
                workbook,
                worksheet=name[:31],
                header_format=header,
                column_formats={c: f for c, f in number_formats.items() if c in df.columns},
                column_widths=widths,
                freeze_panes=(1, 0),
                autofilter=df.width > 0,
                float_precision=6,
            )


def emit(stream: IO[str], text: str, encoding: str = "utf-8") -> None:
    """`text` onto a standard stream as bytes in `encoding`, not in the locale's: a zh_CN.GBK or Latin-1
    locale could not encode '€' or any Chinese text (a stream without bytes underneath, as in tests, gets
    the text)."""
    if hasattr(stream, "buffer"):
        stream.flush()
        stream.buffer.write(text.encode(encoding))
        stream.buffer.flush()
    else:
        stream.write(text)
        stream.flush()


def write_table(
    frame: pl.DataFrame | pl.LazyFrame,
    target: str | Path,
    *,
    encoding: str | None = None,
    sheet: str = "data",
    extra_sheets: Mapping[str, pl.DataFrame] | None = None,
    number_formats: Mapping[str, str] | None = None,
    stdout: IO[str] | None = None,
) -> None:
    """Write a table to `target` by its extension, or as CSV without BOM to stdout when `target` is `-`; CSV in
    `encoding`, by default UTF-8 with BOM (SPEC §8)."""
    fmt = output_format(target)
    encoding = encoding or "utf-8-sig"
    # collected before the temporary file exists: polars' sinks write from background threads and
    # can leave a file behind after raising, which would break the no-half-written-output promise
    data = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    if fmt == "discard":
        return
    if fmt == "stdout":
        out = stdout or sys.stdout
        # UTF-8 unless --encoding gb18030, never a BOM on stdout
        emit(out, data.write_csv(**CSV_OPTIONS), "gb18030" if _csv_encoding(encoding) == "gb18030" else "utf-8")
        return
    with atomic_path(target) as tmp:
        if fmt == "csv":
            _write_csv(data, tmp, encoding)
        elif fmt == "parquet":
            # zstd level 1: a 1M-row score table in 0.69 s and 75 MB, against 1.17 s and 70 MB at the default level
            data.write_parquet(tmp, compression="zstd", compression_level=1)
        else:
            write_xlsx(tmp, {sheet: data, **(extra_sheets or {})}, number_formats)
