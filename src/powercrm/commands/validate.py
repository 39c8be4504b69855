"""`powercrm validate`: check every table of a dataset against the schema (SPEC §2)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from powercrm.commands.common import (
    BillingOpt,
    ConfigOpt,
    CustomersOpt,
    DataArg,
    EncodingOpt,
    EventsOpt,
    JsonSummaryOpt,
    LoadIntervalOpt,
    LoadOpt,
    QuietOpt,
    Stopwatch,
    SupplyOpt,
    flag,
    open_dataset,
    print_json,
    stderr_console,
)
from powercrm.config import load_config
from powercrm.io.readers import LoadedTable
from powercrm.io.validate import Severity, validate as validate_dataset


def validate(
    data: DataArg = None,
    config: ConfigOpt = None,
    encoding: EncodingOpt = None,
    customers: CustomersOpt = None,
    billing: BillingOpt = None,
    load: LoadOpt = None,
    load_interval: LoadIntervalOpt = None,
    events: EventsOpt = None,
    supply: SupplyOpt = None,
    strict: Annotated[bool, flag("--strict", help="Exit 1 on warnings too.")] = False,
    json_out: JsonSummaryOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Check every table against the schema: missing tables or columns, unparsable values, duplicates, orphans.

    Errors make rows or tables unusable (exit 1); warnings are suspicious but usable (exit 1 only with --strict). Each problem names the table, column, source rows and an example value.

    Examples:

        powercrm validate data/samples

        powercrm validate --customers 客户档案.csv --billing 电费.csv --input-encoding gbk

        powercrm validate exports/2025-06 --strict --json
    """
    watch = Stopwatch()
    cfg = load_config(config)
    dataset = open_dataset(
        data, cfg, encoding=encoding, customers=customers, billing=billing, load=load,
        load_interval=load_interval, events=events, supply=supply,
    )
    problems = validate_dataset(dataset)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    failed = errors > 0 or (strict and warnings > 0)
    if json_out:
        print_json(
            {
                "ok": not failed,
                "errors": errors,
                "warnings": warnings,
                "tables": {
                    t.name: {
                        "source": str(t.source),
                        "encoding": t.encoding,
                        "delimiter": t.delimiter,
                        "sheet": t.sheet,
                        "extra_columns": t.extras,
                        "files": _parts(t),  # a directory table's part files
                    }
                    for t in dataset.tables.values()
                },
                "problems": [p.as_dict() for p in problems],
                "seconds": watch.seconds,
                # as every failed run's line has them (README)
                **({"error": f"{errors} error(s), {warnings} warning(s){' (--strict)' if strict else ''}", "exit_code": 1} if failed else {}),
            }
        )
    elif quiet:
        # only what fails the run: errors, and with --strict the warnings too
        failing = stderr_console()
        for p in problems:
            if p.severity is Severity.ERROR or strict:
                failing.print(p.line(), markup=False)
    else:
        console = stderr_console()
        for t in dataset.tables.values():
            console.print(f"{t.name}: {t.source}{_how_read(t)}", markup=False)
            if t.extras:
                use = "passed through to the score and indicators outputs" if t.name == "customers" else "not used"
                console.print(f"  {len(t.extras)} column{'s' if len(t.extras) > 1 else ''} no name matched ({use}): {', '.join(t.extras)}", markup=False)
        if problems and not console.is_terminal:
            for p in problems:
                console.print(p.line(), markup=False)
        elif problems:
            table = Table(title="Problems", show_lines=False)
            for header in ("severity", "where", "problem", "rows", "first rows", "example"):
                table.add_column(header, overflow="fold")
            for p in problems:
                style = "red" if p.severity is Severity.ERROR else "yellow"
                first = ", ".join(map(str, p.rows)) + (", …" if p.count > len(p.rows) else "")
                table.add_row(
                    f"[{style}]{p.severity}[/]",
                    *(
                        escape(cell)
                        for cell in (
                            f"{p.table}.{p.column}" if p.column else p.table,
                            p.message,
                            str(p.count or ""),
                            first,
                            "" if p.example is None else repr(p.example),
                        )
                    ),
                )
            console.print(table)
        console.print(f"{errors} error(s), {warnings} warning(s) in {watch.seconds:.1f} s")
    if failed:
        raise typer.Exit(1)


def _how_read(t: LoadedTable) -> str:
    """` (utf-8, delimiter ',')`, ` (sheet '电费')`, or for a directory table its files and what they were."""
    if t.parts:
        encodings = ", ".join(dict.fromkeys(p.encoding for p in t.pieces if p.encoding))
        delimiters = " ".join(dict.fromkeys(repr(p.delimiter) for p in t.pieces if p.delimiter))
        sheets = sum(p.sheet is not None for p in t.pieces)
        read = [encodings, f"delimiter{'s' if ' ' in delimiters else ''} {delimiters}" if delimiters else "", f"{sheets} Excel" if sheets else ""]
        return f" ({len(t.parts):,} file{'s' if len(t.parts) > 1 else ''}{''.join('; ' + r for r in read if r)})"
    if t.encoding:
        return f" ({t.encoding}, delimiter {t.delimiter!r})"
    return f" (sheet {t.sheet!r})" if t.sheet else ""


def _parts(t: LoadedTable) -> list[dict]:
    """Each part file of a directory table and how it was read (Parquet parts, scanned together, have
    neither encoding nor delimiter nor sheet)."""
    if not t.pieces:
        return [{"file": name, "encoding": None, "delimiter": None, "sheet": None} for name, _ in t.parts]
    return [{"file": name, "encoding": p.encoding, "delimiter": p.delimiter, "sheet": p.sheet} for (name, _), p in zip(t.parts, t.pieces)]
