"""Benchmark datasets too large for one `powercrm sample` run, built chunk by chunk in bounded memory.

`powercrm sample` holds the whole dataset in memory (about 7.5 GB peak for 1M customers x 36
months), so 10M customers cannot be generated in one piece on a 24 GB machine. `build` runs it for
chunks of at most `CHUNK` customers (seeds seed, seed+1, ...) into a scratch directory and streams
every table through polars (scan_parquet -> with_columns -> sink_parquet) into
`OUT/<table>/part-<k>.parquet`: a directory table, which powercrm reads like one file. Peak memory
is that of one chunk's generation; an interrupted build resumes at the first unfinished chunk.

The chunks are independent regions of one utility, so every id that customers can share is made
disjoint by shifting its number by k x chunk (chunk k = 0, 1, ...):

- customer_id `0033` + number: customers then run 1..N, written as one `powercrm sample` run of N
  would write them (`003300000001` ... `003310000000` for 10M);
- meter_id `3301` + 14 digits (a chunk numbers its meters 10^12 + 0..chunk-1);
- line_id `XL` + number and area_id `TQ` + number (a chunk has fewer lines and areas than customers),
  so chunk 3's lines are `XL3000001`, `XL3000002` ...

No meter, line or area is shared across chunks, so the audit finds no cross-chunk duplicates,
shared meters or mixed line losses: the planted anomalies stay exactly those of ground_truth.csv,
which is concatenated with the same rewrite (also the ids that A04 and L01 details quote). Other
per-customer values (id_number, phone) are left alone: the rules only check that each is valid.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

CHUNK = 1_000_000
# the powercrm script of this interpreter's environment, so the venv need not be on PATH
_SCRIPT = Path(sys.executable).with_name("powercrm")
POWERCRM = str(_SCRIPT) if _SCRIPT.exists() else "powercrm"
TRUTH = "ground_truth.csv"
# id column -> (prefix, minimum digits); the number after the prefix is shifted per chunk
IDS = {"customer_id": ("0033", 6), "meter_id": ("3301", 14), "line_id": ("XL", 5), "area_id": ("TQ", 6)}
# ids quoted in ground-truth details: `meter_id 3301... also on 0033...` (A04), `area TQ... fed from XL...` (L01)
_DETAIL_IDS = re.compile(r"(?<=meter_id )(3301)(\d+)|(?<=also on )(0033)(\d+)|\b(XL|TQ)(\d+)\b")
_DETAIL_RULES = ("A04", "L01")


def chunk_sizes(customers: int, chunk: int = CHUNK) -> list[int]:
    return [min(chunk, customers - start) for start in range(0, customers, chunk)]


def id_widths(customers: int) -> dict[str, int]:
    """Zero-padded digits of each id: customer ids get the width one run of `customers` would use."""
    return {name: max(width, len(str(customers))) if name == "customer_id" else width for name, (_, width) in IDS.items()}


def shift_ids(columns: list[str], offset: int, widths: dict[str, int]) -> list[pl.Expr]:
    """Expressions shifting the number of every id column present by `offset` (nulls stay null;
    an id of an unexpected form fails the cast instead of being passed through)."""
    exprs = []
    for name in columns:
        if name in IDS:
            prefix = IDS[name][0]
            number = pl.col(name).str.strip_prefix(prefix).cast(pl.Int64) + offset
            exprs.append(pl.concat_str(pl.lit(prefix), number.cast(pl.String).str.zfill(widths[name])).alias(name))
    return exprs


def _shift_detail(text: str | None, offset: int, widths: dict[str, int]) -> str | None:
    if text is None:
        return None

    def repl(m: re.Match) -> str:
        prefix, digits = next((m.group(i), m.group(i + 1)) for i in (1, 3, 5) if m.group(i))
        name = next(n for n, (p, _) in IDS.items() if p == prefix)
        return prefix + str(int(digits) + offset).zfill(widths[name])

    return _DETAIL_IDS.sub(repl, text)


def shift_truth(truth: pl.DataFrame, offset: int, widths: dict[str, int]) -> pl.DataFrame:
    """The ground truth of one chunk with its ids shifted like the tables (detail text too)."""
    out = truth.with_columns(shift_ids(truth.columns, offset, widths))
    quoting = out["rule"].is_in(_DETAIL_RULES)
    details = [_shift_detail(d, offset, widths) if q else d for d, q in zip(out["detail"], quoting, strict=True)]
    return out.with_columns(detail=pl.Series(details, dtype=pl.String))


def _largest_number(scratch: Path, column: str) -> int:
    prefix = IDS[column][0]
    tables = [p for p in scratch.glob("*.parquet") if column in pl.read_parquet_schema(p)]
    values = [
        pl.scan_parquet(p).select(pl.col(column).str.strip_prefix(prefix).cast(pl.Int64).max()).collect().item()
        for p in tables
    ]
    return max((v for v in values if v is not None), default=0)


def _sample(scratch: Path, customers: int, months: int, seed: int) -> tuple[float, float]:
    """`powercrm sample` of one chunk: wall seconds and peak RSS in MB."""
    argv = [POWERCRM, "sample", str(scratch), "--customers", str(customers), "--months", str(months),
            "--seed", str(seed), "--format", "parquet", "--force", "--quiet"]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if (code := os.waitstatus_to_exitcode(status)) != 0:
        raise subprocess.CalledProcessError(code, argv)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def build(out: Path, customers: int, *, months: int = 36, seed: int = 1, chunk: int = CHUNK, log=sys.stderr) -> Path:
    """Write a Parquet dataset of `customers` customers as directory tables of chunks (see module doc).

    Does not write `.complete`: the caller marks the dataset finished."""
    work = out / ".chunks"  # scratch, per-chunk ground truth and done markers; removed at the end
    if out.exists() and not work.exists():
        shutil.rmtree(out)  # a stale or one-piece attempt: start afresh
    work.mkdir(parents=True, exist_ok=True)
    widths = id_widths(customers)
    sizes = chunk_sizes(customers, chunk)
    started = time.perf_counter()
    for k, size in enumerate(sizes):
        done = work / f"{k:02d}.done"
        if done.exists():
            continue
        scratch = work / "scratch"
        wall, rss = _sample(scratch, size, months, seed + k)
        for column in ("line_id", "area_id"):  # numbered from 1: disjoint after the shift if at most chunk
            if (largest := _largest_number(scratch, column)) > chunk:
                raise RuntimeError(f"chunk {k}: {column} number {largest} does not fit a stride of {chunk}")
        t0 = time.perf_counter()
        for source in sorted(scratch.glob("*.parquet")):
            lf = pl.scan_parquet(source)
            tmp = work / f"{source.stem}-{k:02d}.parquet"
            lf.with_columns(shift_ids(lf.collect_schema().names(), k * chunk, widths)).sink_parquet(tmp, compression="snappy")
            (out / source.stem).mkdir(exist_ok=True)
            os.replace(tmp, out / source.stem / f"part-{k:02d}.parquet")
        truth = pl.read_csv(scratch / TRUTH, infer_schema=False)
        shift_truth(truth, k * chunk, widths).write_parquet(work / f"truth-{k:02d}.parquet")
        shutil.rmtree(scratch)
        done.write_text("")
        print(
            f"chunk {k + 1}/{len(sizes)}: {size:,} customers (seed {seed + k}) sampled in {wall:.0f} s, "
            f"peak RSS {rss:,.0f} MB; ids rewritten in {time.perf_counter() - t0:.0f} s; "
            f"{time.perf_counter() - started:.0f} s so far",
            file=log, flush=True,
        )
    truth = pl.read_parquet(sorted(work.glob("truth-*.parquet")))
    truth.write_csv(out / TRUTH, include_bom=True)  # read as text: written back as it was
    shutil.rmtree(work)
    return out
