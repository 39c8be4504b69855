"""`powercrm weights`: the AHP weights of the criteria hierarchy and their consistency (SPEC §4)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from powercrm.ahp.config import WeightsConfig, global_weights
from powercrm.ahp.fuzzy import min_a
from powercrm.ahp.hierarchy import HIERARCHY, HierarchyWeights, MatrixWeights, Method, compose, weigh_matrix
from powercrm.ahp.matrix_file import MatrixSet, SingleMatrix, load_matrix_file
from powercrm.commands.common import ConfigOpt, JsonOpt, OutputEncodingOpt, QuietOpt, print_json, print_wrote, stderr_console
from powercrm.config import load_config
from powercrm.errors import MatrixError, UsageError
from powercrm.io.writers import STDOUT, check_encoding, check_writable, write_table

SIGNIFICANT = 12  # digits of the weights written (`_weights_table`)
# Published weights have 3 decimals: a smaller difference is rounding, not a discrepancy.
PUBLISHED_ROUNDING = 0.0005

MatrixOpt = Annotated[
    Path | None,
    typer.Option(
        "--matrix",
        "-m",
        help="Judgment matrices to use instead of the config's: a .json/.toml file with criteria_matrix and/or "
        "matrices, or a single matrix (.csv, or .json/.toml with matrix) to weigh on its own.",
        show_default=False,
    ),
]
MethodOpt = Annotated[
    Method | None,
    typer.Option(
        "--method",
        help="fuzzy: Lü's weights of fuzzy complementary matrices (0.1-0.9 scale); saaty: eigenvector of "
        "reciprocal 1-9 matrices, with CR. Default: the config's.",
        show_default=False,
    ),
]
AOpt = Annotated[
    float | None,
    typer.Option(
        "--a",
        help="Lü's a for every fuzzy matrix, at least (n-1)/2 of the largest (1.5 with the 4x4 criteria matrix). "
        "Default: the config's, else (n-1)/2 of each matrix.",
        show_default=False,
    ),
]


def weights(
    config: ConfigOpt = None,
    matrix: MatrixOpt = None,
    method: MethodOpt = None,
    a: AOpt = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Also write the weights table: .csv, .parquet, .xlsx, or - for CSV on stdout (then nothing else goes there)."),
    ] = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    output_encoding: OutputEncodingOpt = None,
) -> None:
    r"""Show the AHP weights: criteria, indicators, global weights and the consistency of every matrix.

    Beside the computed global weights stand the published ones from the config and the difference: the paper's printed criteria matrix gives B3/B4 0.133/0.2, its published weights are 0.1/0.233 (SPEC §4).

    The last line says which set scoring uses (\[weights] use in the config); --matrix, --method and --a only change what is shown here.

    Examples:

        powercrm weights

        powercrm weights --config powercrm.toml --json

        powercrm weights --a 3

        powercrm weights --matrix data/matrices/experts_saaty.json --method saaty

        powercrm weights --matrix data/matrices/criteria_corrected.csv

        powercrm weights -o weights.xlsx
    """
    if output is not None:
        check_writable(output)
    check_encoding(output_encoding, (output,))
    cfg = load_config(config).weights
    method = method or cfg.method
    if a is not None and method == "saaty":
        raise UsageError("--a is the parameter of Lü's fuzzy weights; --method saaty has none")
    loaded = load_matrix_file(matrix, method, cfg.tolerance) if matrix is not None else None
    if isinstance(loaded, SingleMatrix):
        _check_a(a, len(loaded.matrix), f"matrix of {loaded.source}")
        single = weigh_matrix(loaded.matrix, loaded.labels, str(loaded.source), method, a, cfg.tolerance)
        _warn(single, quiet=quiet)
        if output is not None:
            table = pl.DataFrame({"label": single.labels, "weight": single.weights}).with_columns(pl.col("weight").round_sig_figs(SIGNIFICANT))
            write_table(table, output, sheet="weights", encoding=output_encoding)
        if output != STDOUT or json_out:
            _show_single(single, method, json_out, to_stderr=output == STDOUT)
        _wrote(output, quiet or json_out)
        return
    _check_a(a, len(HIERARCHY), "criteria matrix")
    criteria_matrix, matrices, source = cfg.criteria_matrix, cfg.matrices, "the config"
    if isinstance(loaded, MatrixSet):
        criteria_matrix = loaded.criteria_matrix or criteria_matrix
        matrices = loaded.matrices or matrices
        whole = loaded.criteria_matrix is not None and loaded.matrices
        source = str(loaded.source) if whole else f"{loaded.source} and the config"
    from_config = {"criteria"} if criteria_matrix is cfg.criteria_matrix else set()
    from_config |= {name for name in matrices if matrices[name] is cfg.matrices.get(name)}
    try:
        result = compose(criteria_matrix, matrices, method, a if a is not None else cfg.a, cfg.tolerance)
    except MatrixError as exc:
        named = next((name for name in from_config if str(exc).startswith(f"matrix {name}:")), None)
        if named is None:
            raise
        # a Saaty criteria matrix in --matrix beside the config's fuzzy group matrices failed as "matrix B1"
        raise MatrixError(f"{exc} (matrix {named} is the config's, written for --method {cfg.method}: give it in --matrix or --config)") from None
    _warn(result.criteria, *result.groups.values(), quiet=quiet)
    if output is not None:
        write_table(_weights_table(result, cfg), output, sheet="weights", encoding=output_encoding)
    if output != STDOUT or json_out:
        _show_hierarchy(result, cfg, source, json_out, to_stderr=output == STDOUT)
    _wrote(output, quiet or json_out)


def _wrote(output: str | None, quiet: bool) -> None:
    if output is not None and output != STDOUT and not quiet:
        print_wrote(stderr_console(), output)


def _weights_table(result: HierarchyWeights, cfg: WeightsConfig) -> pl.DataFrame:
    """One row per indicator: its criterion and the criterion's weight, local and global weight, the published
    global weight and the difference, to twelve significant digits (the terminal rounds them to three or
    four): the products of the matrices read 0.30000000000000004 for 0.3, and differences of 2.8e-17 for 0."""
    published = cfg.published
    table = pl.DataFrame(
        [
            {
                "criterion": row.criterion,
                "criterion_weight": row.criterion_weight,
                "indicator": row.indicator,
                "local_weight": row.local_weight,
                "global_weight": row.global_weight,
                "published": published[row.indicator],
            }
            for row in result.indicators
        ]
    )
    table = table.with_columns(pl.col("criterion_weight", "local_weight", "global_weight").round_sig_figs(SIGNIFICANT))
    return table.with_columns(difference=(pl.col("global_weight") - pl.col("published")).round_sig_figs(SIGNIFICANT))


def _check_a(a: float | None, n: int, what: str) -> None:
    if a is not None and not math.isfinite(a):
        raise UsageError(f"--a {a:g}: Lü's a must be a finite number (as a grows every weight tends to 1/n)")
    if a is not None and not a >= min_a(n):
        raise UsageError(f"--a {a:g} is below (n − 1)/2 = {min_a(n):g} of the {n}×{n} {what}; Lü's weights need a ≥ (n − 1)/2")


def _warn(*judgments: MatrixWeights, quiet: bool = False) -> None:
    console = stderr_console(quiet)
    for judgment in judgments:
        if judgment.consistency.warning:
            console.print(f"warning: {judgment.consistency.warning}", markup=False)


# --- what is shown ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    title: str
    headers: list[str]
    rows: list[list[str]]


def _weight(value: float) -> str:
    return f"{value:.4f}"


def _diff(value: float) -> str:
    return f"{round(value, 4) or 0.0:+.4f}"  # `or 0.0` turns -0.0 into 0.0: no "-0.0000"


def _method_line(method: Method, a: float | None) -> str:
    if method == "saaty":
        return "method saaty (principal eigenvector; consistent when CR < 0.1)"
    return f"method fuzzy (Lü, {f'a = {a:g}' if a is not None else 'a = (n-1)/2 of each matrix'})"


def _consistency_rows(judgments: list[MatrixWeights]) -> list[list[str]]:
    rows = []
    for judgment in judgments:
        c = judgment.consistency
        if c.measure == "CR":
            d = c.details
            status = "acceptable" if c.consistent else "CR >= 0.1: revise the matrix"
            status += f" (lambda_max {d['lambda_max']:.4f}, CI {d['CI']:.4f}, RI {d['RI']:.2f})"
        else:
            status = "consistent" if c.consistent else "not consistent (consistent transform below)"
        rows.append([judgment.name, c.measure.replace("_", " "), _weight(c.value), status])
    return rows


def _transform_sections(judgments: list[MatrixWeights]) -> list[_Section]:
    return [
        _Section(
            f"consistent transform of {j.name}: r'_ij = (r_i - r_j)/(2n) + 0.5",
            ["", *j.labels],
            [[label, *(f"{x:.4f}" for x in row)] for label, row in zip(j.labels, j.consistency.consistent_matrix)],
        )
        for j in judgments
        if j.consistency.consistent_matrix is not None
    ]


def _hierarchy_sections(result: HierarchyWeights, cfg: WeightsConfig, source: str) -> list[_Section]:
    published = cfg.published
    rows = []
    for row in result.indicators:
        first = row.indicator == HIERARCHY[row.criterion][0]
        criterion_published = sum(published[i] for i in HIERARCHY[row.criterion])
        criterion_cells = (
            [row.criterion, _weight(row.criterion_weight), f"{criterion_published:.3f}", _diff(row.criterion_weight - criterion_published)]
            if first
            else ["", "", "", ""]
        )
        rows.append(
            criterion_cells
            + [row.indicator, _weight(row.local_weight), _weight(row.global_weight), f"{published[row.indicator]:.3f}",
               _diff(row.global_weight - published[row.indicator])]
        )
    judgments = [result.criteria, *result.groups.values()]
    return [
        _Section(
            f"AHP weights, matrices from {source}, {_method_line(result.method, result.a)}",
            ["criterion", "weight", "published", "diff", "indicator", "local", "global", "published", "diff"],
            rows,
        ),
        _Section("consistency", ["matrix", "measure", "value", "status"], _consistency_rows(judgments)),
        *_transform_sections(judgments),
    ]


def _scoring_line(cfg: WeightsConfig) -> str:
    if cfg.use == "published":
        return 'scoring uses the published weights (weights.use = "published" in the config)'
    return f'scoring uses the weights computed from the config\'s matrices (weights.use = "computed", method {cfg.method})'


def _show_hierarchy(result: HierarchyWeights, cfg: WeightsConfig, source: str, json_out: bool, to_stderr: bool = False) -> None:
    if json_out:
        published = cfg.published
        print_json(
            {
                "ok": True,
                "method": result.method,
                "a": result.a,
                "matrices_from": source,
                "criteria": result.criteria.model_dump(),
                "groups": {key: group.model_dump() for key, group in result.groups.items()},
                "indicators": [
                    row.model_dump() | {"published": published[row.indicator], "difference": row.global_weight - published[row.indicator]}
                    for row in result.indicators
                ],
                "scoring": {"use": cfg.use, "weights": global_weights(cfg)},
            },
            to_stderr=to_stderr,
        )
        return
    _print(_hierarchy_sections(result, cfg, source), _scoring_line(cfg))


def _show_single(judgment: MatrixWeights, method: Method, json_out: bool, to_stderr: bool = False) -> None:
    if json_out:
        print_json({"ok": True, "method": method, "matrix": judgment.model_dump()}, to_stderr=to_stderr)
        return
    sections = [
        _Section(
            f"AHP weights of {judgment.name}, {_method_line(method, judgment.a)}",
            ["label", "weight"],
            [[label, _weight(w)] for label, w in zip(judgment.labels, judgment.weights)],
        ),
        _Section("consistency", ["matrix", "measure", "value", "status"], _consistency_rows([judgment])),
        *_transform_sections([judgment]),
    ]
    _print(sections, None)


def _print(sections: list[_Section], footer: str | None) -> None:
    console = Console(highlight=False)
    if console.is_terminal:
        for section in sections:
            console.print(Text(section.title))
            table = Table()
            for i, header in enumerate(section.headers):
                numeric = all(_is_number(row[i]) for row in section.rows if row[i])
                table.add_column(Text(header), justify="right" if numeric else "left")
            for row in section.rows:
                table.add_row(*(_styled(header, cell) for header, cell in zip(section.headers, row)))
            console.print(table)
        if footer:
            console.print(Text(footer))
        return
    # Not a terminal: plain aligned text, because rich would wrap and truncate at 80 columns.
    lines: list[str] = []
    for section in sections:
        widths = [max(cell_len(cell) for cell in column) for column in zip(section.headers, *section.rows)]
        lines.append(section.title)
        for row in [section.headers, *section.rows]:
            lines.append("  ".join(cell + " " * (width - cell_len(cell)) for cell, width in zip(row, widths)).rstrip())
        lines.append("")
    if footer:
        lines.append(footer)
    typer.echo("\n".join(lines).rstrip())


def _styled(header: str, cell: str) -> Text:
    """Mark what an analyst should look at: a difference beyond the published 3 decimals, a matrix to revise."""
    if header == "diff" and cell and abs(float(cell)) >= PUBLISHED_ROUNDING:
        return Text(cell, style="yellow")
    if header == "status" and not cell.startswith(("consistent", "acceptable")):
        return Text(cell, style="red" if "revise" in cell else "yellow")
    return Text(cell)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
