"""`powercrm audit`: audit findings (营销稽查, SPEC §7) — the findings table, a summary, an HTML/XLSX report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from powercrm.commands.common import (
    BillingOpt,
    ConfigOpt,
    CustomersOpt,
    DataArg,
    EncodingOpt,
    EventsOpt,
    JsonOpt,
    LangOpt,
    LoadIntervalOpt,
    LoadOpt,
    OutputEncodingOpt,
    QuietOpt,
    RejectsOpt,
    Stopwatch,
    SupplyOpt,
    check_outputs,
    flag,
    open_dataset,
    print_json,
    print_rows,
    print_wrote,
    stderr_console,
)
from powercrm.config import load_config
from powercrm.errors import DataError, UsageError
from powercrm.io.usable import localized_rejects
from powercrm.io.writers import STDOUT, check_encoding, check_writable, write_table
from powercrm.notes import localized

if TYPE_CHECKING:  # the audit package loads polars plans and rules: imported when the command runs
    from powercrm.audit.config import AuditConfig
    from powercrm.audit.engine import AuditResult

SEVERITY_LEVELS = ("high", "medium", "low")
REPORT_TYPES = (".html", ".htm", ".xlsx")


def _summary(result: AuditResult, cfg: AuditConfig) -> dict:
    from powercrm.audit.engine import counts, top_lines, top_suspects

    per_rule = counts(result)
    return {
        "rules": result.rules,
        "findings": result.findings.height,
        "by_severity": {s: int(per_rule[s].sum()) for s in SEVERITY_LEVELS},
        "by_rule": {r["rule"]: {s: r[s] for s in (*SEVERITY_LEVELS, "total")} for r in per_rule.iter_rows(named=True)},
        "top_lines": top_lines(result, cfg.summary_rows, (cfg.L01.min_loss_rate, cfg.L01.max_loss_rate))
        .select("level", "line_id", "area_id", "flagged_months", pl.col("worst_month").dt.strftime("%Y-%m"), "worst_loss_rate", "loss_rate")
        .to_dicts(),
        "top_suspects": top_suspects(result, cfg.summary_rows, cfg.U10.min_score).select("rank", "customer_id", "line_id", "area_id", "score").to_dicts(),
        "notes": result.notes,
        "rows": result.rows,
    }


def _print_summary(console: Console, result: AuditResult, info: dict, lang: str) -> None:
    from powercrm.audit.engine import counts
    from powercrm.audit.labels import localize

    zh = lang == "zh"
    per_rule = localize(counts(result).drop("family", "title_en" if zh else "title_zh"), lang)
    if console.is_terminal:
        table = Table(title=f"{info['findings']:,} " + ("条稽查问题" if zh else "findings"))
        for column in per_rule.columns:
            table.add_column(column, justify="right" if per_rule[column].dtype.is_integer() else "left")
        for row in per_rule.iter_rows():
            table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
        console.print(table)
    else:
        # a non-terminal rich console is 80 columns and would truncate a table: plain lines instead
        rule, _, *numbers = per_rule.columns
        # padded by display width: 高 and 合计 take two columns each
        right = "".join(" " * (8 - cell_len(n)) + n for n in numbers)
        console.print(rule + " " * (5 - cell_len(rule)) + right + ("  规则名称" if zh else "  title"), markup=False)
        for row in per_rule.iter_rows():
            console.print(f"{row[0]:<5}" + "".join(f"{n:>8,}" for n in row[2:]) + f"  {row[1]}", markup=False)
        console.print(f"{info['findings']:,} " + ("条稽查问题" if zh else "findings"), markup=False)
    if info["top_lines"]:
        console.print("线损率最高的线路与台区（全部月份、异常月数、最差月）：" if zh else "lines by loss (all months, flagged months, worst month):", markup=False)
        for line in info["top_lines"]:
            area = line["level"] == "area"
            where = (f"台区 {line['area_id']}" if area else f"线路 {line['line_id']}") if zh else (f"area {line['area_id']}" if area else f"line {line['line_id']}")
            overall = "" if line["loss_rate"] is None else f"{line['loss_rate']:.1%}"
            worst = f"{line['worst_month']} {line['worst_loss_rate']:.1%}" if line["worst_loss_rate"] is not None else ""
            if zh:
                console.print(f"  {where}：全部月份 {overall}；异常{line['flagged_months']}个月；最差 {worst}", markup=False)
            else:
                console.print(f"  {where}: all months {overall}; {line['flagged_months']} flagged; worst {worst}", markup=False)
    if info["top_suspects"]:
        console.print("窃电嫌疑：" if zh else "top theft suspects:", markup=False)
        for s in info["top_suspects"]:
            line_id, area_id = s["line_id"] or "-", s["area_id"] or "-"
            if zh:
                console.print(f"  第{s['rank']}名 {s['customer_id']}（线路 {line_id}，台区 {area_id}）：{s['score']:.1f}分", markup=False)
            else:
                console.print(f"  #{s['rank']} {s['customer_id']} (line {line_id}, area {area_id}): {s['score']:.1f}", markup=False)
    for note in info["notes"]:
        console.print(f"{'说明：' if zh else 'note: '}{localized(note, lang)}", markup=False)
    print_rows(console, info["rows"], lang)


def audit(
    data: DataArg = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="Findings file (.csv, .parquet, .xlsx) or - for CSV on stdout.")
    ] = "findings.csv",
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write a report: .html (self-contained, with charts) or .xlsx.")
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option(
            "--rules",
            help="Rules to run, comma-separated ids or families (archive, consumption, theft, line_loss: their "
            "enabled rules); default: every rule enabled in the config.",
        ),
    ] = None,
    fail_on: Annotated[
        str | None, typer.Option("--fail-on", help="Exit 1 when there is a finding of this severity or worse: high, medium or low.")
    ] = None,
    lang: LangOpt = "en",
    font: Annotated[Path | None, typer.Option("--font", help="CJK font file for the report's chart labels.")] = None,
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
    memory_check: Annotated[
        bool,
        flag(
            "--memory-check/--no-memory-check",
            help="Run the audit customer partition by customer partition when it would not fit in the memory "
            "available (it holds every customer-month); --no-memory-check runs it whole.",
        ),
    ] = True,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Audit the dataset: archive quality (A01–A09), consumption and billing (U01–U09), theft suspicion (U10, a ranked inspection list) and line loss (L01).

    Writes one row per finding: rule, severity, customer or line/area, period, value, threshold, message in Chinese and English, evidence. A summary (findings per rule and severity, worst lines, top suspects, rows in / used / rejected per table) goes to stderr. Thresholds and severities are in the \\[audit] section of the config (`powercrm init`). Unusable rows (unreadable values, orphans, repeated keys) are left out, counted and written with --rejects.

    Examples:

        powercrm audit data/samples -o findings.xlsx --report audit.html

        powercrm audit exports/2025-06 --rules A05,U02,L01 --lang zh -o 稽查问题.csv

        powercrm audit exports/2025-06 --rules theft -o - | head

        powercrm audit exports/2025-06 --fail-on high --json --quiet -o findings.parquet --rejects rejects.csv
    """
    from powercrm.audit.engine import rejected_rows, require_usable, run_audit, select_rules, tables_read
    from powercrm.audit.finding import VALUE_FORMAT
    from powercrm.audit.labels import HEADERS_ZH, localize

    watch = Stopwatch()
    if fail_on is not None:
        fail_on = fail_on.strip().lower()  # any case, as --rules
        if fail_on not in SEVERITY_LEVELS:
            raise UsageError(f"--fail-on {fail_on!r}: use high, medium or low")
    for target in (output, rejects):
        if target is not None:
            check_writable(target)
    check_encoding(output_encoding, (output, rejects))
    if report is not None:
        if report.suffix.lower() not in REPORT_TYPES:
            raise UsageError(f"--report {report}: unknown report type {report.suffix or '(none)'!r}; use .html or .xlsx")
        check_writable(report, table=False)
        if report.suffix.lower() == ".html":
            from powercrm.chart.cjk_font import check_font

            check_font(font)
    cfg = load_config(config)
    select_rules(cfg.audit, rules)  # an unknown rule id stops the run before any data is read
    dataset = open_dataset(
        data, cfg, encoding=encoding, customers=customers, billing=billing, load=load,
        load_interval=load_interval, events=events, supply=supply,
    )
    check_outputs(dataset, output=output, report=report, rejects=rejects)
    # a missing required table or column stops the run before any work; archive rules need no billing
    dataset.require_complete(tables_read(cfg.audit, rules))
    result = run_audit(dataset, cfg.audit, rules, memory_check=memory_check)

    def write_rejects() -> None:
        if rejects is not None:
            write_table(
                localized_rejects(rejected_rows(dataset, result), lang), str(rejects), encoding=output_encoding,
                sheet="拒绝行" if lang == "zh" else "rejects",
            )

    try:
        require_usable(result)
    except DataError:
        write_rejects()  # the rows the error points to ("see --rejects"), though nothing was audited
        raise
    write_table(
        localize(result.findings, lang), output, encoding=output_encoding,
        sheet="稽查问题" if lang == "zh" else "findings",
        # as the XLSX report shows them, not 15,800.000000
        number_formats={(HEADERS_ZH.get(c, c) if lang == "zh" else c): VALUE_FORMAT for c in ("value", "threshold")},
    )
    write_rejects()
    if report is not None:
        source = str(data) if data is not None else ", ".join(str(t.source) for t in dataset.tables.values())
        if report.suffix.lower() == ".xlsx":
            from powercrm.audit.report_xlsx import write_xlsx_report

            write_xlsx_report(result, cfg.audit, report, lang=lang)
        else:
            from powercrm.audit.report_html import write_html_report

            write_html_report(result, cfg.audit, report, source=source, lang=lang, font=font)

    info = _summary(result, cfg.audit)
    failing = 0 if fail_on is None else sum(info["by_severity"][s] for s in SEVERITY_LEVELS[: SEVERITY_LEVELS.index(fail_on) + 1])
    failure = f"{failing:,} finding{'s' if failing != 1 else ''} of severity {fail_on} or worse (--fail-on {fail_on})" if failing else None
    if json_out:
        outcome = {"ok": True} if failure is None else {"ok": False, "error": failure, "exit_code": 1}
        print_json({**info, **outcome, "output": output, "report": report, "seconds": watch.seconds}, to_stderr=output == STDOUT)
    else:
        console = stderr_console(quiet)
        _print_summary(console, result, info, lang)
        if output != STDOUT:
            print_wrote(console, output, lang, seconds=watch.seconds)
        if report is not None:
            print_wrote(console, report, lang)
        if rejects is not None:
            print_wrote(console, rejects, lang, rejected=sum(r["rejected"] for r in result.rows.values()))
    if failure is not None:
        typer.echo(f"error: {failure}", err=True)
        raise typer.Exit(1)

