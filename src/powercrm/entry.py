"""The console script. Importing the CLI (polars, typer, the commands) takes about half a second; an
interrupt in that time ended in an importlib traceback. It is caught here like one during a run."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable


def _cli() -> Callable[[], None]:
    from powercrm.cli import main

    return main


def data_on_stdout(argv: list[str]) -> bool:
    """Whether the command line sends the data to stdout (`-o -`): the --json line then goes to stderr."""
    return any(a in ("-o", "--output") and b == "-" for a, b in zip(argv, argv[1:]))


def main() -> None:
    try:
        _cli()()
    except KeyboardInterrupt:
        argv = sys.argv[1:]
        sys.stderr.write("error: interrupted\n")
        if "--json" in argv:
            (sys.stderr if data_on_stdout(argv) else sys.stdout).write(json.dumps({"ok": False, "error": "interrupted", "exit_code": 130}) + "\n")
        sys.exit(130)
