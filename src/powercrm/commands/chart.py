"""`powercrm chart`: draw the value matrix from a scores file written by `powercrm score`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from powercrm.commands.common import ConfigOpt, JsonSummaryOpt, LangOpt, QuietOpt, print_json, stderr_console
from powercrm.commands.score import parse_origin
from powercrm.config import load_config
from powercrm.errors import InputError
from powercrm.io.writers import check_writable
from powercrm.segment.labels import SEGMENTS_ZH
from powercrm.segment.localize import HEADERS_ZH
from powercrm.segment.value import CURRENT, POTENTIAL, SEGMENTS, at_origin, sample_origin

_NEEDED = (CURRENT, POTENTIAL, "segment")


def _csv_text(raw: bytes) -> str:
    """A scores CSV as score writes it: UTF-8 (with or without BOM) or, with --encoding, GB18030."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def read_scores(path: Path) -> pl.DataFrame:
    """The value columns of a scores file (.csv, .parquet or .xlsx; English or Chinese headers and labels)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif suffix == ".xlsx":
            # as text: only two columns are read as numbers below, and inferring every type warned on stderr
            # (under -q) about columns empty in their first rows
            frame = pl.read_excel(path, sheet_id=1, infer_schema_length=0)
        else:
            frame = pl.read_csv(io.StringIO(_csv_text(path.read_bytes())), infer_schema_length=10_000)
    except Exception as exc:  # noqa: BLE001 - polars and fastexcel raise many kinds for a bad file
        raise InputError(f"{path}: cannot read the scores ({type(exc).__name__})") from None
    english = {zh: en for en, zh in HEADERS_ZH.items()}
    frame = frame.rename({c: english[c.lstrip("\ufeff")] for c in frame.columns if c.lstrip("\ufeff") in english})
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: not a scores file from powercrm score (missing column {missing[0]!r})")
    codes = {zh: code for code, zh in SEGMENTS_ZH.items()}
    return frame.select(
        pl.col(CURRENT).cast(pl.Float64, strict=False),
        pl.col(POTENTIAL).cast(pl.Float64, strict=False),
        pl.col("segment").replace(codes),
    ).drop_nulls([CURRENT, POTENTIAL])


def chart(
    scores: Annotated[Path, typer.Argument(help="Scores file written by powercrm score (.csv, .parquet, .xlsx).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Chart file: .png, .svg or .html.")] = Path("value_matrix.png"),
    origin: Annotated[
        str | None, typer.Option("--origin", help="Origin X,Y (default: the mean of each axis, as score uses).")
    ] = None,
    lang: LangOpt = "en",
    font: Annotated[Path | None, typer.Option("--font", help="CJK font file for Chinese labels.")] = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    json_out: JsonSummaryOpt = False,
) -> None:
    """Draw the value matrix: current vs potential value, the origin's cross lines, quadrant names and counts.

    Points are coloured and counted by their quadrant at the origin drawn: --origin, else \\[scoring] origin of --config, else the mean of each axis (as score uses). A note says how many customers that puts in another quadrant than the file's segment column. Above 20,000 customers the points become a density (hexbin) so a province's data stays readable.

    Examples:

        powercrm chart scores.csv -o value_matrix.png

        powercrm chart scores.parquet -o 价值矩阵.svg --lang zh --origin 2.2,1.1
    """
    from powercrm.chart.cjk_font import check_font
    from powercrm.chart.value_matrix import chart_format, plot_value_matrix

    chart_format(output)
    check_writable(output, table=False)
    check_font(font)
    frame = read_scores(scores)
    if frame.height == 0:
        raise InputError(f"{scores}: no customers with values to plot")
    fixed = parse_origin(origin) or (tuple(cfg_origin) if (cfg_origin := load_config(config).scoring.origin) else None)
    center = fixed or sample_origin(frame)
    drawn, moved = at_origin(frame, center)
    plot_value_matrix(drawn, center, output, lang=lang, font=font)
    if json_out:
        segments = dict(drawn.group_by("segment").len().iter_rows())
        print_json(
            {
                "ok": True, "output": str(output), "customers": frame.height, "origin": list(center),
                "segments": {s: segments.get(s, 0) for s in SEGMENTS}, "moved": moved,
            }
        )
        return
    console = stderr_console(quiet)
    if moved:
        console.print(
            f"note: {moved:,} customers are in another quadrant at this origin than in the file's segment column "
            f"(scored with another origin: give it with --origin X,Y or --config)", markup=False,
        )
    console.print(f"wrote {output} ({frame.height:,} customers, origin {center[0]:.6f}, {center[1]:.6f})")
