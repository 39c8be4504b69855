"""The console script: what must happen before polars is imported. The allocator's settings (below), and
the interrupt: importing the CLI (polars, typer, the commands) takes about half a second; Ctrl-C in that
time ended in an importlib traceback and SIGTERM killed the process without a word. Both are caught
here like one during a run."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable

# polars's allocator (jemalloc) is built to hand memory freed for half a second back to the system. On
# a virtual machine that passes free memory back to its host, touching it again costs about 3 s per GB
# (docs/performance.md): at 1 M customers the audit spent 24-28 CPU-s in the kernel in a 42-47 s run.
# jemalloc's own defaults (freed memory kept 10 s) took 3-6 s off each of three alternating audit runs
# for about 0.6 GB more peak memory. polars reads them from the environment when it is imported (a value
# there is appended to its own), so they are set before that. A value the user set wins; polars's own,
# which a parent Python process that imported polars leaves in the environment of its children (the
# bench runner, a notebook), does not.
ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:10000,muzzy_decay_ms:0")
POLARS_ALLOCATOR = "dirty_decay_ms:500,muzzy_decay_ms:1000"


def _set_allocator() -> None:
    name, value = ALLOCATOR
    # polars's own setting, once or more (each Python in a chain of them that imported polars appends it again)
    if set(os.environ.get(name, POLARS_ALLOCATOR).split(",")) <= set(POLARS_ALLOCATOR.split(",")):
        os.environ[name] = value


class Terminated(KeyboardInterrupt):
    """SIGTERM (a cron job's timeout, `systemctl stop`): ends the run like Ctrl-C (the temporary file of an
    output being written is removed), with one line and exit code 143."""


def terminate(signum: int, frame: object) -> None:
    raise Terminated


def _cli() -> Callable[[], None]:
    from powercrm.cli import main

    return main


def data_on_stdout(argv: list[str]) -> bool:
    """Whether the command line sends the data to stdout (`-o -`): the --json line then goes to stderr."""
    return any(a in ("-o", "--output") and b == "-" for a, b in zip(argv, argv[1:]))


def report_stop(exc: KeyboardInterrupt) -> int:
    """The line (and the --json line, when asked for) of a run ended by Ctrl-C or SIGTERM; its exit code."""
    code, message = (143, "terminated") if isinstance(exc, Terminated) else (130, "interrupted")
    argv = sys.argv[1:]
    sys.stderr.write(f"error: {message}\n")
    if "--json" in argv:
        (sys.stderr if data_on_stdout(argv) else sys.stdout).write(json.dumps({"ok": False, "error": message, "exit_code": code}) + "\n")
    return code


def main() -> None:
    _set_allocator()
    # before the imports: SIGTERM in their half second killed the process without a word or --json line
    signal.signal(signal.SIGTERM, terminate)
    try:
        _cli()()
    except KeyboardInterrupt as exc:
        sys.exit(report_stop(exc))
