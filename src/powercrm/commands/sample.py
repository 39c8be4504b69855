"""`powercrm sample`: write a realistic sample dataset with labelled anomalies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from powercrm.commands.common import QuietOpt, Stopwatch, flag, stderr_console


def sample(
    out: Annotated[Path, typer.Argument(help="Directory to write the dataset into (created if missing).", show_default=False)],
    customers: Annotated[int, typer.Option("--customers", "-n", help="Number of customers.")] = 1000,
    months: Annotated[int, typer.Option("--months", "-m", help="Number of billing months, ending at --period-end.")] = 36,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed: the same seed always gives the same data.")] = 42,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv (UTF-8 with BOM), parquet or xlsx (one workbook per table).")] = "csv",
    zh: Annotated[
        bool, flag("--zh", help="Chinese headers and values (户号, 居民生活, 正常/销户, 是/否), dates as 2024/1/5, as SG186 exports.")
    ] = False,
    encoding: Annotated[str, typer.Option("--encoding", help="CSV encoding: utf-8-sig (UTF-8 with BOM, the default), utf-8 or gbk.")] = "utf-8-sig",
    period_end: Annotated[str, typer.Option("--period-end", help="Last billing month, YYYY-MM.")] = "2025-12",
    interval_days: Annotated[
        int, typer.Option("--interval-days", help="Also write load_interval: 96 readings a day for the last D days (0 = none).")
    ] = 0,
    clean: Annotated[bool, flag("--clean", help="Inject no anomalies (the ground truth is empty).")] = False,
    force: Annotated[bool, flag("--force", help="Replace a dataset already in OUT.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a realistic sample dataset: customers, billing, load, events, supply (SPEC §2).

    The same seed always gives the same data. A few customers per thousand carry an injected case of each audit rule (A01-A09, U01-U10, L01); OUT/ground_truth.csv lists them (rule, customer_id, line_id, area_id, period, detail, theft, injected) so an audit can be scored against it.

    CSV is UTF-8 with BOM (--encoding utf-8 without it, gbk for GBK); --zh writes Chinese headers and values as an SG186 export does. Existing dataset files in OUT are replaced only with --force.

    Examples:

        powercrm sample data/samples --customers 1000 --months 36 --seed 42 --zh

        powercrm sample /tmp/big --customers 1000000 --format parquet

        powercrm sample exports/gbk -n 5000 --zh --encoding gbk --interval-days 7

        powercrm sample out/xlsx -n 2000 -m 24 --format xlsx --period-end 2024-06 --force
    """
    from powercrm.sample import check_options, parse_period_end
    from powercrm.sample.writer import check_target, expected_rows, write_sample

    watch = Stopwatch()
    check_options(customers, months, seed, interval_days)
    end = parse_period_end(period_end)
    check_target(out, fmt, encoding, force, expected_rows(customers, months, interval_days))
    console = stderr_console(quiet)
    console.print(f"generating {customers:,} customers x {months} months to {end:%Y-%m} (seed {seed}) ...")
    data, files = write_sample(
        out, customers, months, seed, period_end=end, interval_days=interval_days, anomalies=not clean,
        fmt=fmt, zh=zh, encoding=encoding, force=force,
    )
    rows = {name: df.height for name, df in data.tables().items()} | {"ground_truth": data.ground_truth.height}
    listing = ", ".join(f"{p.name} ({rows.get(p.name.split('.')[0], 0):,} rows)" for p in files)
    console.print(f"wrote {out}: {listing} in {watch.seconds:.1f} s", markup=False)
