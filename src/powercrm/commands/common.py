"""Option bundles and helpers shared by every command (one definition of each option)."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from powercrm.config import Config
from powercrm.io.readers import Dataset, load_dataset, normalize_encoding
from powercrm.io.writers import STDOUT, emit

DataArg = Annotated[
    Path | None,
    typer.Argument(help="Dataset directory holding customers, billing, load ... as .csv, .parquet or .xlsx.", show_default=False),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML config (see `powercrm init`); default: the SPEC defaults.")
]
# SPEC §8: `--encoding` chooses the encoding of the CSV written; the input's is detected
EncodingOpt = Annotated[
    str | None,
    typer.Option("--input-encoding", help="Force the CSV input encoding: utf-8, utf-8-sig, gbk or gb18030 (default: detect)."),
]
OutputEncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        "--output-encoding",
        help="Encoding of the CSV written: utf-8-sig (UTF-8 with BOM, for Excel; the default), utf-8 or gb18030.",
        show_default=False,
    ),
]
# a list, so that a repeated option is seen: typer keeps the last of `--billing 2023.csv --billing 2024.csv`,
# which scored half the bills without a word (`open_dataset` refuses it)
CustomersOpt = Annotated[list[Path] | None, typer.Option("--customers", metavar="FILE", help="Customer archive file (客户档案).")]
BillingOpt = Annotated[list[Path] | None, typer.Option("--billing", metavar="FILE", help="Monthly billing file (电费账单), or a directory of its parts (one export per month).")]
LoadOpt = Annotated[list[Path] | None, typer.Option("--load", metavar="FILE", help="Monthly load statistics file (负荷).")]
LoadIntervalOpt = Annotated[list[Path] | None, typer.Option("--load-interval", metavar="FILE", help="Interval load readings file (负荷曲线).")]
EventsOpt = Annotated[list[Path] | None, typer.Option("--events", metavar="FILE", help="Events file: theft, violation, bounced payment (事件).")]
SupplyOpt = Annotated[list[Path] | None, typer.Option("--supply", metavar="FILE", help="Supplied energy per line or area (供电量).")]


RejectsOpt = Annotated[Path | None, typer.Option("--rejects", help="Write the rows that could not be used, with the reason.")]


def flag(*names: str, help: str, **options: Any) -> Any:
    """A boolean option shown without a value: typer shows `--strict <bool>` by default, which reads as if it
    took one (`--strict true` is then an unexpected argument)."""
    return typer.Option(*names, metavar="", help=help, **options)


QuietOpt = Annotated[bool, flag("--quiet", "-q", help="No messages on stderr except errors.")]
JsonOpt = Annotated[
    bool,
    flag("--json", help="Print one JSON summary line instead of the messages, on stdout (on stderr when -o - puts the data there), for scripts and cron."),
]
# for the commands that never write data to stdout
JsonSummaryOpt = Annotated[bool, flag("--json", help="Print one JSON summary line on stdout instead of the messages, for scripts and cron.")]


def _language(value: str) -> str:
    """`--lang` in any case (`ZH`), checked once for every command."""
    lang = value.strip().lower()
    if lang not in ("en", "zh"):
        raise typer.BadParameter(f"{value!r}: use en or zh")
    return lang


LangOpt = Annotated[str, typer.Option("--lang", callback=_language, help="Labels and headers: en (codes, default) or zh (中文).")]


def stderr_console(quiet: bool = False) -> Console:
    """Diagnostics console on stderr; rich itself honours NO_COLOR and drops colour when not a terminal."""
    return Console(stderr=True, quiet=quiet, highlight=False, soft_wrap=True)


def open_dataset(
    data: Path | None,
    config: Config,
    *,
    encoding: str | None = None,
    customers: list[Path] | None = None,
    billing: list[Path] | None = None,
    load: list[Path] | None = None,
    load_interval: list[Path] | None = None,
    events: list[Path] | None = None,
    supply: list[Path] | None = None,
) -> Dataset:
    """The dataset from a directory and/or single table files (a usage error when neither is given, or when
    a table's option is given twice)."""
    from powercrm.errors import UsageError

    given = {
        "customers": customers,
        "billing": billing,
        "load": load,
        "load_interval": load_interval,
        "events": events,
        "supply": supply,
    }
    files: dict[str, Path] = {}
    for name, paths in given.items():
        if not paths:
            continue
        if len(paths) > 1:
            option = "--" + name.replace("_", "-")
            raise UsageError(
                f"{option} given {len(paths)} times ({', '.join(map(str, paths))}): a table is one file, or one directory "
                f"of its parts; put the files in one directory and give {option} DIR"
            )
        files[name] = paths[0]
    if data is None and not files:
        raise UsageError("give a dataset directory or table files (--customers F --billing F ...)")
    normalize_encoding(encoding)
    return load_dataset(data, files, encoding=encoding, aliases=config.columns.aliases)


def check_outputs(dataset: Dataset, **outputs: str | Path | None) -> None:
    """`writers.check_outputs` against the dataset's files; each keyword names an option (`output` is `-o`)."""
    from powercrm.io.writers import check_outputs as check

    options = {("-o" if name == "output" else f"--{name}"): path for name, path in outputs.items()}
    check(options, [t.source for t in dataset.tables.values()])


def _finite(value: Any) -> Any:
    """`value` with NaN and infinities as null: `NaN` is not JSON, and a strict parser stops at it."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def print_json(payload: dict[str, Any], *, to_stderr: bool = False) -> None:
    """One JSON line on stdout, or stderr when stdout carries the data (machine output never goes through rich)."""
    stream = sys.stderr if to_stderr else sys.stdout
    if stream is None:  # closed by the caller (`>&-`): nobody reads it, and the run's outcome stands
        return
    # JSON is UTF-8 (RFC 8259) whatever the locale
    emit(stream, json.dumps(_finite(payload), ensure_ascii=False, default=str, allow_nan=False) + "\n")


def m_text(m: float | None, lang: str = "en") -> str:
    """B42's M as the summaries print it."""
    if m is None:
        return "无（无正增长量）" if lang == "zh" else "none (no positive growth amount)"
    return f"{m:,.2f} kWh"


def print_rows(console: Console, rows: dict[str, dict[str, int]], lang: str = "en") -> None:
    """One line per table: rows in, used and (when any) rejected."""
    from powercrm.io.schema import TABLES

    for table, r in rows.items():
        if lang == "zh":
            name = TABLES[table].zh[0] if table in TABLES else table
            extra = f"，拒绝 {r['rejected']:,} 行" if r["rejected"] else ""
            console.print(f"{name}：读入 {r['in']:,} 行，使用 {r['used']:,} 行{extra}", markup=False)
        else:
            extra = f", {r['rejected']:,} rejected" if r["rejected"] else ""
            console.print(f"{table}: {r['in']:,} rows, {r['used']:,} used{extra}", markup=False)


def print_wrote(console: Console, target: str | Path, lang: str = "en", seconds: float | None = None, rejected: int | None = None) -> None:
    """The line saying an output was written: in how long (`seconds`), with how many `rejected` rows."""
    zh = lang == "zh"
    detail = ""
    if rejected is not None:
        detail = f"（拒绝行 {rejected:,} 行）" if zh else f" ({rejected:,} rejected rows)"
    elif seconds is not None:
        detail = f"，用时 {seconds:.1f} 秒" if zh else f" in {seconds:.1f} s"
    console.print(f"已写入 {target}{detail}" if zh else f"wrote {target}{detail}", markup=False)


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 3)


def writes_stdout(output: str | None) -> bool:
    return output == STDOUT


def set_period_end(config: Config, period_end: str | None) -> None:
    """Apply `--period-end YYYY-MM` to the config; a malformed month is a usage error."""
    from powercrm.errors import UsageError
    from powercrm.indicators.windows import parse_period

    if period_end is None:
        return
    try:
        parse_period(period_end)
    except ValueError as exc:
        raise UsageError(f"--period-end: {exc}") from None
    config.indicators.period_end = period_end
