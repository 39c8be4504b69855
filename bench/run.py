"""Benchmark runner: `powercrm score` and `powercrm audit` end to end against DuckDB, polars and pandas baselines.

    python -m bench.run                                   # 100k and 1M customers, Parquet, CSV, GBK CSV
    python -m bench.run --sizes 100k --formats parquet --runs 3
    python -m bench.run --sizes 10m --formats parquet --runs 1 --no-baselines --no-audit
    python -m bench.run --sizes 10m --formats parquet --generate-only

Datasets (customers x 36 months) are generated with `powercrm sample` into bench/data/ (git-ignored)
and reused; Parquet datasets above 1M customers are built in 1M-customer chunks as directory tables
(bench/chunked.py: one run of 10M does not fit in memory); `--generate-only` builds and stops.
Every command runs as its own process, several times; the runner reports min and median wall time,
peak RSS (the child's ru_maxrss from wait4) and billing rows per second, then the ratios against the
baselines. Results are printed as Markdown and appended as JSON lines to bench/data/results.jsonl.
Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import chunked
from bench.chunked import POWERCRM

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
SIZES = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
FORMATS = ("parquet", "csv", "gbk")


@dataclass
class Result:
    command: str
    size: str
    format: str
    runs: int
    min_s: float
    median_s: float
    peak_rss_mb: float
    billing_rows: int
    rows_per_s: float
    exit_code: int


def dataset(size: str, fmt: str, data_dir: Path, seed: int = 1) -> Path:
    """The dataset directory, generated with `powercrm sample` unless it is there already."""
    out = data_dir / f"c{size}_{fmt}"
    if (out / ".complete").exists():
        return out
    if fmt == "parquet" and SIZES[size] > chunked.CHUNK:
        print(f"generating {out} in chunks of {chunked.CHUNK:,} customers ...", file=sys.stderr, flush=True)
        chunked.build(out, SIZES[size], months=36, seed=seed)
        (out / ".complete").write_text("")
        return out
    args = [POWERCRM, "sample", str(out), "--customers", str(SIZES[size]), "--months", "36", "--seed", str(seed), "--force"]
    args += ["--format", "parquet"] if fmt == "parquet" else ["--format", "csv"]
    if fmt == "gbk":
        args += ["--zh", "--encoding", "gbk"]
    print(f"generating {out} ...", file=sys.stderr, flush=True)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    (out / ".complete").write_text("")
    return out


def billing_rows(data: Path) -> int:
    import polars as pl

    for name in ("billing.parquet", "billing.csv", "电费账单.csv"):
        if (data / name).exists():
            if name.endswith(".parquet"):
                return pl.scan_parquet(data / name).select(pl.len()).collect().item()
            with (data / name).open("rb") as fh:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b"")) - 1
    if (data / "billing").is_dir():  # a directory table of Parquet parts (chunked datasets)
        return pl.scan_parquet(data / "billing" / "*.parquet").select(pl.len()).collect().item()
    return 0


def measure(argv: list[str], timeout: float) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except KeyboardInterrupt:
        proc.kill()
        raise
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # audit exits 1 when it has findings
        print(f"  {' '.join(argv)} exited {code}: {err.strip()[-500:]}", file=sys.stderr)
    del timeout
    return wall, usage.ru_maxrss / 1024, code


def commands(data: Path, fmt: str, out: Path, baselines: bool, audit: bool) -> dict[str, list[str]]:
    py = sys.executable
    cmds = {"score": [POWERCRM, "score", str(data), "-o", str(out / "scores.parquet"), "--quiet"]}
    if audit:
        cmds["audit"] = [POWERCRM, "audit", str(data), "-o", str(out / "findings.parquet"), "--quiet"]
    if baselines and fmt == "parquet":
        cmds["duckdb"] = [py, "-m", "bench.baseline_duckdb", str(data), str(out / "duckdb.parquet")]
        cmds["polars"] = [py, "-m", "bench.baseline_polars", str(data), str(out / "polars.parquet")]
        cmds["pandas"] = [py, "-m", "bench.baseline_pandas", str(data), str(out / "pandas.parquet")]
    return cmds


def run(sizes: list[str], formats: list[str], runs: int, baselines: bool, audit: bool, data_dir: Path, timeout: float) -> list[Result]:
    results: list[Result] = []
    out = data_dir / "out"
    out.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        for fmt in formats:
            data = dataset(size, fmt, data_dir)
            rows = billing_rows(data)
            for name, argv in commands(data, fmt, out, baselines, audit).items():
                walls, rss, code = [], [], 0
                for _ in range(runs):
                    w, r, code = measure(argv, timeout)
                    walls.append(w)
                    rss.append(r)
                    print(f"  {size} {fmt} {name}: {w:.2f} s, {r:,.0f} MB", file=sys.stderr, flush=True)
                res = Result(name, size, fmt, runs, min(walls), statistics.median(walls), max(rss), rows, rows / min(walls), code)
                results.append(res)
                with (data_dir / "results.jsonl").open("a") as fh:
                    fh.write(json.dumps({**asdict(res), "time": time.strftime("%Y-%m-%d %H:%M:%S")}) + "\n")
    return results


def markdown(results: list[Result]) -> str:
    lines = [
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, {platform.platform()}",
        "",
        "| size | format | command | runs | min s | median s | peak RSS MB | billing rows/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.size} | {r.format} | {r.command} | {r.runs} | {r.min_s:.2f} | {r.median_s:.2f} | {r.peak_rss_mb:,.0f} | {r.rows_per_s:,.0f} |"
        )
    by = {(r.size, r.format, r.command): r for r in results}
    ratios = []
    for (size, fmt, cmd), r in by.items():
        if cmd != "score":
            continue
        for other in ("duckdb", "polars", "pandas", "audit"):
            o = by.get((size, fmt, other))
            if o:
                ratios.append(f"| {size} | {fmt} | score / {other} | {r.min_s / o.min_s:.2f} |")
        if fmt != "parquet" and (p := by.get((size, "parquet", "score"))):
            ratios.append(f"| {size} | {fmt} | score {fmt} / score parquet | {r.min_s / p.min_s:.2f} |")
    if ratios:
        lines += ["", "| size | format | ratio (min wall time) | value |", "|---|---|---|---|", *ratios]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1m", help="comma-separated: 1k, 100k, 1m, 10m")
    parser.add_argument("--formats", default="parquet,csv,gbk", help="comma-separated: parquet, csv, gbk")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-baselines", action="store_true", help="skip the DuckDB, polars and pandas baselines")
    parser.add_argument("--no-audit", action="store_true", help="skip powercrm audit")
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--generate-only", action="store_true", help="build the datasets that are missing, run nothing")
    args = parser.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    bad = [s for s in sizes if s not in SIZES] + [f for f in formats if f not in FORMATS]
    if bad:
        parser.error(f"unknown size or format: {', '.join(bad)}")
    if args.generate_only:
        for size in sizes:
            for fmt in formats:
                data = dataset(size, fmt, args.data_dir)
                print(f"{data}: {billing_rows(data):,} billing rows")
        return 0
    results = run(sizes, formats, args.runs, not args.no_baselines, not args.no_audit, args.data_dir, args.timeout)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
