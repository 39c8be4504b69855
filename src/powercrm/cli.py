"""The `powercrm` command line: builds the Typer app from the command modules and maps errors to exit codes.

Exit codes: 0 ok, 1 data or validation problem, 2 usage error, 130 interrupted, 143 terminated. Every library
error becomes one line on stderr here; set POWERCRM_DEBUG=1 to see the traceback instead.
"""

from __future__ import annotations

import atexit
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import typer
from typer._click import exceptions as parser_errors  # typer vendors click; the parser's errors live here
from typer.exceptions import TyperException

from powercrm import __version__
from powercrm.commands import audit, chart, indicators, init, sample, score, validate, weights
from powercrm.commands.common import flag, print_json
from powercrm.entry import Terminated, data_on_stdout, report_stop, terminate
from powercrm.errors import PowercrmError
from powercrm.io.writers import STDOUT, discard_pending

# (command module function, rich help panel). A new command adds one line here.
COMMANDS: list[tuple[Callable[..., Any], str]] = [
    (validate.validate, "Data"),
    (sample.sample, "Data"),
    (score.score, "Analysis"),
    (chart.chart, "Analysis"),
    (indicators.indicators, "Analysis"),
    (weights.weights, "Analysis"),
    (audit.audit, "Analysis"),
    (init.init, "Setup"),
]

app = typer.Typer(
    name="powercrm",
    help="Customer value, credit and audit analytics for electric utilities (电力客户价值、信用与稽查分析).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn powercrm, polars and OS errors into one line on stderr and the right exit code; with
    `--json`, also one JSON line `{"ok": false, "error": ..., "exit_code": ...}` where the summary would
    have gone (stdout, or stderr when the data goes to stdout), so a script reads every outcome alike."""
    import polars as pl

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if os.environ.get("POWERCRM_DEBUG"):
            return command(*args, **kwargs)

        def fail(message: str, code: int) -> None:
            typer.echo(f"error: {message}", err=True)
            if kwargs.get("json_out"):
                print_json({"ok": False, "error": message, "exit_code": code}, to_stderr=kwargs.get("output") == STDOUT)
            raise typer.Exit(code)

        try:
            return command(*args, **kwargs)
        except PowercrmError as exc:
            fail(str(exc), exc.exit_code)
        except pl.exceptions.PolarsError as exc:
            fail(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, 1)
        except OSError as exc:
            fail(f"{exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}", 1)
        except Terminated:
            fail("terminated", 143)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # the command's own exit code, or the parser's error: main() reports those
        except Exception as exc:  # noqa: BLE001 - a bug must still end in one line and the --json line, not a traceback
            fail(f"internal error, please report it: {type(exc).__name__}: {exc} (POWERCRM_DEBUG=1 shows where)", 1)

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"powercrm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, flag("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Customer value, credit and audit analytics for electric utilities (电力客户价值、信用与稽查分析)."""


for _command, _panel in COMMANDS:
    app.command(rich_help_panel=_panel)(guarded(_command))


def _usage_error(exc: Exception, argv: list[str]) -> int:
    """A command-line error caught by the parser (an unknown option, `--lang fr`) as one line, and as the
    `--json` line when asked for, like every other error (typer draws a five-line box); its exit code."""
    if isinstance(exc, parser_errors.NoArgsIsHelpError):
        return 2  # the parser printed the help already
    message = exc.format_message() if isinstance(exc, parser_errors.ClickException) else "aborted"
    code = exc.exit_code if isinstance(exc, parser_errors.ClickException) else 1
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if isinstance(exc, parser_errors.UsageError) and ctx is not None else ""
    typer.echo(f"error: {message}{hint}", err=True)
    if "--json" in argv:
        print_json({"ok": False, "error": message, "exit_code": code}, to_stderr=data_on_stdout(argv))
    return code


def main() -> None:
    """Console-script entry point.

    The command runs in a worker thread while this one waits for it: Python handles Ctrl-C and SIGTERM
    in the main thread only, between two of its own steps, and a single polars call of a 1 M-customer
    audit held them for up to 16 s. Waiting here, the main thread ends the run at once (`_stop`)."""
    if hasattr(signal, "SIGPIPE"):
        # `powercrm score data -o - | head` must end quietly, not with BrokenPipeError
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, terminate)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["code"] = app(prog_name="powercrm", standalone_mode=False)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which reports it
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="powercrm-command", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt as exc:
        _stop(exc)
    error = outcome.get("error")
    if isinstance(error, (parser_errors.ClickException, typer.Abort)):
        code = _usage_error(error, sys.argv[1:])
    elif error is not None:
        raise error
    else:
        code = outcome.get("code")
    sys.exit(code if isinstance(code, int) else 0)


def _stop(exc: KeyboardInterrupt) -> NoReturn:
    """End an interrupted run now, the command's thread still in a polars call: the temporary files of
    outputs being written and the scratch copies of transcoded inputs are removed, the error line (and
    the --json line) printed, and the process exits without waiting for the thread."""
    discard_pending()
    if sys.stderr.isatty():
        # a progress bar was drawn there with the cursor hidden; nothing will stop it now
        sys.stderr.write("\r\x1b[2K\x1b[?25h")
    code = report_stop(exc)
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    main()
