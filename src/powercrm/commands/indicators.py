"""`powercrm indicators`: the raw x and the indicator of B11–B42 per scored customer (SPEC §3)."""

from __future__ import annotations

from typing import Annotated

import typer

from powercrm.commands.common import (
    BillingOpt,
    ConfigOpt,
    CustomersOpt,
    DataArg,
    EncodingOpt,
    OutputEncodingOpt,
    EventsOpt,
    JsonOpt,
    LangOpt,
    LoadIntervalOpt,
    LoadOpt,
    QuietOpt,
    RejectsOpt,
    Stopwatch,
    SupplyOpt,
    check_outputs,
    m_text,
    print_rows,
    print_wrote,
    open_dataset,
    set_period_end,
    print_json,
    stderr_console,
)
from powercrm.config import load_config
from powercrm.indicators.growth import reported_m
from powercrm.indicators.pipeline import OUTPUT_COLUMNS, null_counts
from powercrm.indicators.windows import format_period
from powercrm.io.usable import localized_rejects
from powercrm.io.writers import STDOUT, check_encoding, check_writable, write_table
from powercrm.score import run_indicators
from powercrm.segment.localize import HEADERS_ZH
from powercrm.notes import localized

# shares of a province's total are 1e-7 and below: six fixed decimals showed them as 0.000000
NUMBER_FORMATS = {"B11": "General", "B12": "General", "x_B11": "#,##0", "x_B12": "#,##0.00", "x_B42": "#,##0"}


def indicators(
    data: DataArg = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="Output file (.csv, .parquet, .xlsx) or - for CSV on stdout.")
    ] = "indicators.csv",
    period_end: Annotated[
        str | None, typer.Option("--period-end", help="Last month of every window, YYYY-MM (default: the latest billing period).")
    ] = None,
    lang: LangOpt = "en",
    output_encoding: OutputEncodingOpt = None,
    config: ConfigOpt = None,
    encoding: EncodingOpt = None,
    customers: CustomersOpt = None,
    billing: BillingOpt = None,
    load: LoadOpt = None,
    load_interval: LoadIntervalOpt = None,
    events: EventsOpt = None,
    supply: SupplyOpt = None,
    rejects: RejectsOpt = None,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Compute the indicators B11–B42 for every scored customer, with the raw x each one comes from.

    Writes customer_id, then x_B11, B11 … x_B42, B42 (raw x, indicator).

    Windows end at the period end E: current E−11…E, previous E−23…E−12, credit E−35…E.

    Missing data gives null, never a guess; null counts are reported on stderr or in the --json line. Unusable rows are left out, counted per table and written with --rejects.

    Examples:

        powercrm indicators data/samples -o indicators.xlsx

        powercrm indicators exports/2025-06 --period-end 2025-06 -o - | head

        powercrm indicators --customers 客户档案.csv --billing 电费.csv --input-encoding gbk -o 指标.csv

        powercrm indicators data/samples --config powercrm.toml --json --quiet -o indicators.parquet --rejects rejects.csv
    """
    watch = Stopwatch()
    for target in (output, rejects):
        if target is not None:
            check_writable(target)
    check_encoding(output_encoding, (output, rejects))
    cfg = load_config(config)
    set_period_end(cfg, period_end)
    dataset = open_dataset(
        data, cfg, encoding=encoding, customers=customers, billing=billing, load=load,
        load_interval=load_interval, events=events, supply=supply,
    )
    check_outputs(dataset, output=output, rejects=rejects)
    run = run_indicators(dataset, cfg)
    result = run.result
    headers = {c: HEADERS_ZH.get(c, c) for c in OUTPUT_COLUMNS} if lang == "zh" else {c: c for c in OUTPUT_COLUMNS}
    write_table(
        run.table.rename(headers), output, encoding=output_encoding,
        sheet="指标" if lang == "zh" else "indicators", number_formats={headers[c]: f for c, f in NUMBER_FORMATS.items()},
    )
    if rejects is not None:
        write_table(localized_rejects(run.rejects, lang), str(rejects), encoding=output_encoding, sheet="拒绝行" if lang == "zh" else "rejects")

    windows = result.windows
    nulls = null_counts(run.table)
    m_used = reported_m(run.m_b42)
    if json_out:
        print_json(
            {
                "ok": True,
                "customers": run.table.height,
                "period_end": format_period(result.period_end),
                "windows": {"current": str(windows.current), "previous": str(windows.previous), "credit": str(windows.credit)},
                "m_b42": m_used,
                "null_counts": nulls,
                "rows": run.rows,
                "notes": list(run.notes),
                "output": output,
                "seconds": watch.seconds,
            },
            to_stderr=output == STDOUT,
        )
        return
    console = stderr_console(quiet)
    period = format_period(result.period_end)
    if lang == "zh":
        console.print(
            f"客户 {run.table.height:,} 户，统计截止月 {period}（当前窗口 {windows.current}，上期窗口 {windows.previous}，信用窗口 {windows.credit}）",
            markup=False,
        )
    else:
        console.print(
            f"{run.table.height:,} customers, period end {period} "
            f"(current {windows.current}, previous {windows.previous}, credit {windows.credit})",
            markup=False,
        )
    console.print(f"B42 M = {m_text(m_used, lang)}", markup=False)
    console.print(("空指标：" if lang == "zh" else "null indicators: ") + ", ".join(f"{k} {v:,}" for k, v in nulls.items()), markup=False)
    for note in run.notes:
        console.print(f"{'说明：' if lang == 'zh' else 'note: '}{localized(note, lang)}", markup=False)
    print_rows(console, run.rows, lang)
    if output != STDOUT:
        print_wrote(console, output, lang, seconds=watch.seconds)
    if rejects is not None:
        print_wrote(console, rejects, lang, rejected=run.rejects.height)
