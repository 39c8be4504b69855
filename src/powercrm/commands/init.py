"""`powercrm init`: write a commented powercrm.toml with every SPEC default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from powercrm.commands.common import QuietOpt, flag, stderr_console
from powercrm.config import CONFIG_FILE, render_toml
from powercrm.errors import UsageError
from powercrm.io.writers import atomic_path


def init(
    path: Annotated[Path, typer.Argument(help="File to write, or a directory to write powercrm.toml into.")] = Path(CONFIG_FILE),
    force: Annotated[bool, flag("--force", help="Overwrite an existing file.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a commented powercrm.toml holding every default of the SPEC.

    Edit the copy and pass it to any command with --config.

    Examples:

        powercrm init

        powercrm init powercrm-2025.toml --force
    """
    target = path / CONFIG_FILE if path.is_dir() else path
    if target.suffix.lower() != ".toml":
        raise UsageError(f"{target}: the config is TOML; name the file .toml (e.g. {target.with_suffix('.toml').name})")
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    with atomic_path(target) as tmp:
        tmp.write_text(render_toml(), encoding="utf-8")
    stderr_console(quiet).print(f"wrote {target}")
