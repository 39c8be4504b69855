"""The `powercrm` app as a whole: help for every command, --version, usage, the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from powercrm import __version__
from powercrm.cli import app


def _command_names() -> list[str]:
    names = []
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")
        names.append(name)
    for group in app.registered_groups:
        names.append(group.name or group.typer_instance.info.name)
    return names


COMMANDS = _command_names()


def test_the_expected_commands_are_registered():
    assert {"validate", "init"} <= set(COMMANDS)
    assert len(COMMANDS) == len(set(COMMANDS))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(runner, command, flag):
    result = runner.invoke(app, [command, flag])
    assert result.exit_code == 0, result.stderr
    assert "Usage:" in result.stdout and command in result.stdout
    # a summary line, not only the option table
    info = next((c for c in app.registered_commands if (c.name or c.callback.__name__.replace("_", "-")) == command), None)
    doc = (info.help or info.callback.__doc__) if info else "group"
    assert doc and doc.strip()
    first_words = " ".join(doc.replace("\\", "").strip().split()[:2])
    assert first_words in " ".join(result.stdout.split())


@pytest.mark.parametrize("command", [*COMMANDS, None])
def test_flags_are_shown_without_a_value(runner, command):
    # typer shows `--strict <bool>` by default, which reads as if the flag took a value; its own --help and
    # completion options keep the mark
    result = runner.invoke(app, [command, "--help"] if command else ["--help"], env={"COLUMNS": "200"})
    shown = [line for line in result.stdout.splitlines() if "<bool>" in line]
    assert all("--help" in line or "-completion" in line for line in shown), shown


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_listed_in_the_main_help(runner, command):
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert command in result.stdout


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"powercrm {__version__}\n"


def test_version_is_eager(runner):
    assert runner.invoke(app, ["--version", "validate"]).exit_code == 0


def test_no_arguments_prints_usage_and_exits_2(runner):
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "Usage:" in result.stdout + result.stderr
    assert "validate" in result.stdout + result.stderr


def test_no_arguments_prints_the_help_once_as_a_process():
    result = subprocess.run([sys.executable, "-m", "powercrm.cli"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout.count("Usage:") == 1


def test_unknown_command_exits_2(runner):
    result = runner.invoke(app, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.stderr


def _console_script() -> list[str]:
    exe = Path(sys.executable).with_name("powercrm")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("powercrm")
    return [found] if found else [sys.executable, "-m", "powercrm.cli"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "POWERCRM_DEBUG"}
    env["NO_COLOR"] = "1"
    return env


def test_installed_console_script_validates_a_dataset(make_dataset):
    data = make_dataset(encoding="gbk")
    proc = subprocess.run([*_console_script(), "validate", str(data)], capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "0 error(s), 0 warning(s)" in proc.stderr
    assert proc.stdout == ""


def test_console_script_reports_one_line_and_exit_1(tmp_path):
    proc = subprocess.run(
        [*_console_script(), "validate", str(tmp_path / "nope")], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [f"error: {tmp_path / 'nope'}: no such directory"]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["score", "d", "--lang", "fr"], "error: Invalid value for '--lang': 'fr': use en or zh (see 'powercrm score --help')"),
        (["score", "d", "--bogus"], "error: No such option: --bogus (see 'powercrm score --help')"),
        (["frobnicate"], "error: No such command 'frobnicate'. (see 'powercrm --help')"),
    ],
)
def test_a_parser_error_is_one_line_exit_2_and_a_json_line(args, line):
    """typer drew a five-line box and left --json scripts without their line."""
    proc = subprocess.run([*_console_script(), *args], capture_output=True, text=True, env=_env(), timeout=60)
    assert (proc.returncode, proc.stderr.splitlines(), proc.stdout) == (2, [line], "")
    proc = subprocess.run([*_console_script(), *args, "--json"], capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 2
    assert json.loads(proc.stdout) == {"ok": False, "error": line.removeprefix("error: ").split(" (see")[0], "exit_code": 2}


def test_python_dash_m(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "powercrm.cli", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"powercrm {__version__}"


@pytest.mark.parametrize("command", ["score", "audit", "validate", "indicators"])
def test_a_failure_with_json_is_one_json_line_too(runner, command, tmp_path):
    missing = str(tmp_path / "nowhere")
    result = runner.invoke(app, [command, missing, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"ok": False, "error": f"{missing}: no such directory", "exit_code": 1}
    assert result.stderr.startswith("error: ")


def test_a_json_failure_goes_to_stderr_when_the_data_would_go_to_stdout(runner, tmp_path):
    result = runner.invoke(app, ["score", str(tmp_path / "nowhere"), "--json", "-o", "-"])
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(result.stderr.splitlines()[-1])["ok"] is False


@pytest.mark.parametrize("command", ["score", "audit", "chart"])
def test_lang_is_checked_once_for_every_command_in_any_case(runner, command, tmp_path):
    result = runner.invoke(app, [command, str(tmp_path / "nowhere"), "--lang", "fr"])
    assert result.exit_code == 2 and "'fr': use en or zh" in result.stderr
    result = runner.invoke(app, [command, str(tmp_path / "nowhere"), "--lang", "ZH"])
    assert result.exit_code == 1 and "no such" in result.stderr  # the option passed; the data is missing


def test_json_lines_never_hold_nan(capsys):
    """`NaN` is not JSON: a strict parser stopped at the origin of an empty run."""
    from powercrm.commands.common import print_json

    print_json({"origin": (float("nan"), 1.0), "m": float("inf"), "rows": {"x": [float("-inf")]}})
    assert json.loads(capsys.readouterr().out) == {"origin": [None, 1.0], "m": None, "rows": {"x": [None]}}


def test_a_bug_ends_in_one_line_and_the_json_line_not_a_traceback(runner, monkeypatch, make_dataset, tmp_path):
    """A partial thresholds table once raised KeyError('B12') mid-run: the user saw 40 lines of traceback."""
    import powercrm.commands.score as score_command

    def broken(*args, **kwargs):
        raise KeyError("B12")

    monkeypatch.setattr(score_command, "run_score", broken)
    result = runner.invoke(app, ["score", str(make_dataset()), "-o", str(tmp_path / "s.csv"), "--json"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: internal error, please report it: KeyError: 'B12' (POWERCRM_DEBUG=1 shows where)"]
    assert json.loads(result.stdout)["exit_code"] == 1


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        (None, "ours"),
        ("dirty_decay_ms:500,muzzy_decay_ms:1000", "ours"),
        ("dirty_decay_ms:500,muzzy_decay_ms:1000,dirty_decay_ms:500,muzzy_decay_ms:1000", "ours"),
        ("dirty_decay_ms:0", "dirty_decay_ms:0"),
        ("dirty_decay_ms:500,muzzy_decay_ms:1000,dirty_decay_ms:0", "dirty_decay_ms:500,muzzy_decay_ms:1000,dirty_decay_ms:0"),
    ],
)
def test_the_console_script_sets_the_allocator_before_polars_unless_the_user_did(monkeypatch, preset, expected):
    """jemalloc reads its settings once, when polars is imported by the CLI; a value the user set wins, not the
    one polars leaves in the environment of a parent Python process (the bench runner's children kept it)."""
    from powercrm import entry

    name, value = entry.ALLOCATOR
    monkeypatch.setenv(name, preset or "")  # restored (or removed) after the test
    if preset is None:
        monkeypatch.delenv(name)
    seen = []
    monkeypatch.setattr(entry, "_cli", lambda: lambda: seen.append(os.environ.get(name)))
    entry.main()
    assert seen == [value if expected == "ours" else expected]


def test_polars_still_writes_the_allocator_setting_the_console_script_replaces():
    """If polars changes its default, `entry.POLARS_ALLOCATOR` must follow, or children of a Python that
    imported polars keep polars's setting."""
    from powercrm import entry

    env = {k: v for k, v in os.environ.items() if k != entry.ALLOCATOR[0]}
    code = "import os, polars; print(os.environ['_RJEM_MALLOC_CONF'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True)
    assert out.stdout.strip() == entry.POLARS_ALLOCATOR


def test_an_interrupt_while_the_cli_is_imported_is_one_line(monkeypatch, capsys):
    """Ctrl-C in the first half second (importing polars) printed an importlib traceback."""
    from powercrm import entry

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(entry, "_cli", interrupted)
    monkeypatch.setattr(sys, "argv", ["powercrm", "score", "data", "-o", "-", "--json"])
    with pytest.raises(SystemExit) as exit_:
        entry.main()
    assert exit_.value.code == 130
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "error: interrupted" and json.loads(err[1])["exit_code"] == 130


def test_sigterm_while_the_cli_is_imported_is_one_line_and_exit_143(monkeypatch, capsys):
    """SIGTERM in the first half second killed the process (-15) without a word or the --json line."""
    from powercrm import entry

    def terminated():
        entry.terminate(signal.SIGTERM, None)

    monkeypatch.setattr(entry, "_cli", terminated)
    monkeypatch.setattr(sys, "argv", ["powercrm", "audit", "data", "--json"])
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as exit_:
            entry.main()
        assert signal.getsignal(signal.SIGTERM) is entry.terminate  # installed before the imports
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert exit_.value.code == 143
    out, err = capsys.readouterr()
    assert err == "error: terminated\n" and json.loads(out) == {"ok": False, "error": "terminated", "exit_code": 143}


@pytest.mark.parametrize(("signum", "code", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_an_interrupt_ends_the_run_at_once_while_the_command_is_in_a_long_call(make_dataset, tmp_path, signum, code, word):
    """Python handles Ctrl-C and SIGTERM in the main thread between its own steps: with the command in the
    main thread, a polars call of a 1 M-customer audit held them up to 16 s. The command runs in a worker
    thread; here it is stuck for good halfway through writing its output, and the run still ends at once,
    its temporary file removed."""
    data = make_dataset()
    out, marker = tmp_path / "out" / "s.csv", tmp_path / "started"
    out.parent.mkdir()
    script = f"""
import sys, threading
from pathlib import Path
from powercrm import cli
from powercrm.io import writers

def stuck(frame, path, encoding):
    path.write_text("customer_id,")
    Path({str(marker)!r}).write_text(str(threading.current_thread() is threading.main_thread()))
    threading.Event().wait()

writers._write_csv = stuck
sys.argv = ["powercrm", "score", {str(data)!r}, "-o", {str(out)!r}, "--json", "-q"]
cli.main()
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            if marker.exists() and marker.read_text():
                break
            time.sleep(0.1)
        assert marker.read_text() == "False"  # the command is not in the main thread
        assert len(list(out.parent.iterdir())) == 1  # its temporary file, being written
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code
    assert stderr == f"error: {word}\n"
    assert json.loads(stdout) == {"ok": False, "error": word, "exit_code": code}
    assert list(out.parent.iterdir()) == []


def test_an_interrupt_on_a_terminal_clears_the_progress_line_and_shows_the_cursor(monkeypatch):
    """The progress bar hides the cursor; ending the process from the main thread left it hidden."""
    import io

    from powercrm import cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def exit_now(code: int) -> None:
        raise SystemExit(code)

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "argv", ["powercrm", "score", "data"])
    monkeypatch.setattr(os, "_exit", exit_now)
    monkeypatch.setattr(cli.atexit, "_run_exitfuncs", lambda: None)  # pytest's own, not this test's
    with pytest.raises(SystemExit) as exit_:
        cli._stop(KeyboardInterrupt())
    assert exit_.value.code == 130
    assert terminal.getvalue() == "\r\x1b[2K\x1b[?25herror: interrupted\n"
