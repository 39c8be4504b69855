"""`powercrm score`: the monthly run — indicators, weights, scores, value matrix, grades, credit."""

from __future__ import annotations

import math
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

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
    open_dataset,
    set_period_end,
    print_json,
    print_rows,
    print_wrote,
    stderr_console,
)
from powercrm.config import load_config
from powercrm.errors import UsageError
from powercrm.io.schema import TABLES
from powercrm.io.usable import localized_rejects
from powercrm.io.writers import STDOUT, check_encoding, check_writable, write_table
from powercrm.score import ScoreRun, run_score, summary
from powercrm.segment.labels import CREDIT_GRADES_ZH, CREDIT_MEASURES, SEGMENTS_ZH, STRATEGIES
from powercrm.segment.localize import HEADERS_ZH, localize
from powercrm.notes import localized

# shares of a province's total are 1e-7 and below: six fixed decimals showed them as 0.000000
NUMBER_FORMATS = {
    "B11": "General",
    "B12": "General",
    "x_B11": "#,##0",
    "x_B12": "#,##0.00",
    "x_B42": "#,##0",
    "current_value": "0.000",
    "potential_value": "0.000",
    "credit_score": "0.00",
}


def parse_origin(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    parts = text.replace("，", ",").split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        raise UsageError(f"--origin {text!r}: expected two finite numbers X,Y, e.g. --origin 2.2,1.1")
    return x, y


_SUMMARY_VALUE = {"en": "value", "zh": "数值"}  # counts and figures: General, so 969 is not 969.000000


def _summary_sheet(info: dict, lang: str) -> pl.DataFrame:
    """The summary sheet of an XLSX output: counts and figures as numbers (Excel sums and charts them), the
    period, strategies and measures as text, in the chosen language."""
    zh = lang == "zh"
    rows: list[tuple[str, float | None, str | None]] = [
        ("客户数" if zh else "customers", info["customers"], None),
        ("销户不评分" if zh else "cancelled, not scored", info["cancelled"], None),
        ("统计截止月" if zh else "period_end", None, info["period_end"]),
        ("原点 当前价值" if zh else "origin current_value", info["origin"][0], None),
        ("原点 潜在价值" if zh else "origin potential_value", info["origin"][1], None),
        ("B42 M (kWh)", info["m_b42"], None if info["m_b42"] is not None else ("无正增长量" if zh else "no positive growth amount")),
    ]
    for seg, n in info["segments"].items():
        label = SEGMENTS_ZH[seg] if zh else seg
        rows.append((("客户类型 " if zh else "segment ") + label, n, STRATEGIES[seg][1 if zh else 0]))
    for grade, n in info["credit_grades"].items():
        label = CREDIT_GRADES_ZH[grade] if zh else grade
        rows.append((("信用等级 " if zh else "credit grade ") + label, n, CREDIT_MEASURES[grade][1 if zh else 0]))
    for ind, n in info["null_counts"].items():
        rows.append((("空值 " if zh else "nulls ") + ind, n, None))
    for table, r in info["rows"].items():
        name = TABLES[table].zh[0] if zh and table in TABLES else table
        for key, word in (("in", "读入"), ("used", "使用"), ("rejected", "拒绝")):
            rows.append((f"{name} {'行数 ' + word if zh else 'rows ' + key}", r[key], None))
    for note in info["notes"]:
        rows.append(("说明" if zh else "note", None, localized(note, lang)))
    names = ["项目", _SUMMARY_VALUE[lang], "说明"] if zh else ["item", _SUMMARY_VALUE[lang], "text"]
    return pl.DataFrame(rows, schema={names[0]: pl.String, names[1]: pl.Float64, names[2]: pl.String}, orient="row")


def _print_summary(console, info: dict, seconds: float, output: str, lang: str) -> None:
    zh = lang == "zh"
    cancelled = info["cancelled"]
    if zh:
        title = f"已评分客户 {info['customers']:,} 户{f'（销户 {cancelled:,} 户不评分）' if cancelled else ''}，统计截止月 {info['period_end']}"
    else:
        title = f"{info['customers']:,} customers scored{f' ({cancelled:,} cancelled, not scored)' if cancelled else ''}, period end {info['period_end']}"
    seg = Table(title=title)
    seg.add_column("客户类型" if zh else "segment")
    seg.add_column("客户数" if zh else "customers", justify="right")
    for s, n in info["segments"].items():
        seg.add_row(SEGMENTS_ZH[s] if zh else f"{s} {SEGMENTS_ZH[s]}", f"{n:,}")
    console.print(seg)
    grades = Table(title="信用等级" if zh else "credit grades")
    grades.add_column("等级" if zh else "grade")
    grades.add_column("客户数" if zh else "customers", justify="right")
    for g, n in info["credit_grades"].items():
        grades.add_row(CREDIT_GRADES_ZH[g] if zh else g, f"{n:,}")
    console.print(grades)
    ox, oy = info["origin"]
    console.print(f"{'原点' if zh else 'origin'} ({ox:.6f}, {oy:.6f}); B42 M = {m_text(info['m_b42'], lang)}", markup=False)
    nulls = ", ".join(f"{k} {v:,}" for k, v in info["null_counts"].items())
    console.print(f"空指标（按空值分 null_score 计分）：{nulls}" if zh else f"null indicators (given the null score): {nulls}", markup=False)
    print_rows(console, info["rows"], lang)
    for note in info["notes"]:
        console.print(f"{'说明：' if zh else 'note: '}{localized(note, lang)}", markup=False)
    if output != STDOUT:
        print_wrote(console, output, lang, seconds=seconds)


def score(
    data: DataArg = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="Output file (.csv, .parquet, .xlsx) or - for CSV on stdout.")
    ] = "scores.csv",
    origin: Annotated[
        str | None, typer.Option("--origin", help="Fix the value-matrix origin as X,Y (default: the mean of each axis).")
    ] = None,
    period_end: Annotated[
        str | None, typer.Option("--period-end", help="Last month of every window, YYYY-MM (default: the latest billing period).")
    ] = None,
    lang: LangOpt = "en",
    chart: Annotated[Path | None, typer.Option("--chart", help="Also draw the value matrix to this .png, .svg or .html.")] = None,
    font: Annotated[Path | None, typer.Option("--font", help="CJK font file for chart labels.")] = None,
    rejects: RejectsOpt = None,
    output_encoding: OutputEncodingOpt = None,
    config: ConfigOpt = None,
    encoding: EncodingOpt = None,
    customers: CustomersOpt = None,
    billing: BillingOpt = None,
    load: LoadOpt = None,
    load_interval: LoadIntervalOpt = None,
    events: EventsOpt = None,
    supply: SupplyOpt = None,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Score every customer: indicators B11–B42, 1–5 scores, current and potential value, segment, value grade, ABC class, credit grade and flags, strategy.

    Writes one row per scored customer (SPEC §8 columns, then the archive's own extra columns as read). A missing table or column stops the run before anything is written; unusable rows are left out, counted and written with --rejects.

    Examples:

        powercrm score data/samples -o scores.xlsx --chart value_matrix.png

        powercrm score exports/2025-06 --lang zh --origin 2.2,1.1 -o 客户价值.csv

        powercrm score data/samples -o - | head

        powercrm score exports --json --quiet -o scores.parquet --rejects rejects.csv

        powercrm score exports --billing exports/电费账单/ -o scores.csv    # one billing export per month in a folder
    """
    watch = Stopwatch()
    fixed_origin = parse_origin(origin)
    for target in (output, rejects):
        if target is not None:
            check_writable(target)
    check_encoding(output_encoding, (output, rejects))
    if chart is not None:
        from powercrm.chart.cjk_font import check_font
        from powercrm.chart.value_matrix import chart_format

        chart_format(chart)
        check_writable(chart, table=False)
        check_font(font)
    cfg = load_config(config)
    set_period_end(cfg, period_end)
    console = stderr_console(quiet)
    dataset = open_dataset(
        data, cfg, encoding=encoding, customers=customers, billing=billing, load=load,
        load_interval=load_interval, events=events, supply=supply,
    )
    check_outputs(dataset, output=output, rejects=rejects, chart=chart)
    show_progress = not quiet and console.is_terminal
    progress = (
        Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                 transient=True, redirect_stdout=False, redirect_stderr=False)
        if show_progress
        else nullcontext()
    )
    with progress as bar:
        if show_progress:
            bar.add_task("scoring customers", total=None)
        run: ScoreRun = run_score(dataset, cfg, origin=fixed_origin)
    info = summary(run)
    table = localize(run.table, lang)
    write_table(
        table, output, encoding=output_encoding, sheet="客户评分" if lang == "zh" else "scores",
        extra_sheets={"汇总" if lang == "zh" else "summary": _summary_sheet(info, lang)},
        number_formats={**(NUMBER_FORMATS if lang == "en" else {HEADERS_ZH[k]: v for k, v in NUMBER_FORMATS.items()}), _SUMMARY_VALUE[lang]: "General"},
    )
    if rejects is not None:
        write_table(localized_rejects(run.rejects, lang), str(rejects), encoding=output_encoding, sheet="拒绝行" if lang == "zh" else "rejects")
    if chart is not None:
        from powercrm.chart.value_matrix import plot_value_matrix

        plot_value_matrix(run.table, run.result.origin, chart, lang=lang, font=font)
    info["ok"] = True
    info["seconds"] = watch.seconds
    info["output"] = output
    if json_out:
        print_json(info, to_stderr=output == STDOUT)
    else:
        _print_summary(console, info, watch.seconds, output, lang)
        if chart is not None:
            print_wrote(console, chart, lang)
        if rejects is not None:
            print_wrote(console, rejects, lang, rejected=run.rejects.height)
