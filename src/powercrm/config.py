"""The configuration tree: one pydantic model holding every SPEC default, loadable from TOML.

Each package defines its own section (`[weights]` in `powercrm.ahp.config`, `[scoring]` and
`[credit]` in `powercrm.segment.config`, ...); this module joins them, loads a file and renders
the commented `powercrm.toml` that `powercrm init` writes.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from powercrm.ahp.config import WeightsConfig
from powercrm.audit.config import AuditConfig
from powercrm.errors import ConfigError
from powercrm.indicators.config import IndicatorConfig
from powercrm.io.schema import TABLES
from powercrm.segment.config import CreditConfig, ScoringConfig

CONFIG_FILE = "powercrm.toml"


class ColumnsConfig(BaseModel):
    """Extra header spellings per table: `[columns.billing]` `"本月电量" = "kwh"`."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    aliases: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="per table, a source header -> canonical column (e.g. [columns.aliases.billing] \"本月电量\" = \"kwh\")",
    )

    @field_validator("aliases")
    @classmethod
    def _known(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for table, mapping in value.items():
            if table not in TABLES:
                raise ValueError(f"unknown table {table!r} (expected one of {', '.join(TABLES)})")
            for header, column in mapping.items():
                if column not in TABLES[table].names:
                    raise ValueError(f"{table}: {header!r} maps to unknown column {column!r}")
        return value


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    columns: ColumnsConfig = Field(default_factory=ColumnsConfig, description="column aliases")
    indicators: IndicatorConfig = Field(default_factory=IndicatorConfig, description="indicators B11-B42: windows, piecewise breakpoints, M, unit fees (SPEC §3)")
    weights: WeightsConfig = Field(default_factory=WeightsConfig, description="AHP weights: published and computed (SPEC §4)")
    scoring: ScoringConfig = Field(default_factory=ScoringConfig, description="1-5 scores, value matrix and grades (SPEC §5)")
    credit: CreditConfig = Field(default_factory=CreditConfig, description="credit grade A-D and dishonesty flags (SPEC §6)")
    audit: AuditConfig = Field(default_factory=AuditConfig, description="audit rules A01-A09, U01-U10, L01: thresholds and severities (SPEC §7)")


def _describe(exc: ValidationError, source: str) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    value = err.get("input")
    shown = f" = {value!r}" if not isinstance(value, dict) else ""
    return f"{source}: {key}{shown}: {err['msg']}"


def load_config(path: Path | None = None) -> Config:
    """The config from a TOML file, or the SPEC defaults; errors name the key and the value."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(path))) from None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # a JSON string is a valid TOML basic string: quotes, backslashes and control characters escaped
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else _toml_value(key)


def _render_model(model: BaseModel, prefix: str, lines: list[str]) -> None:
    nested = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            nested.append((name, info, value))
            continue
        if info.description:
            lines.append(f"# {info.description}")
        if value is None:
            lines.append(f"# {name} =")
        else:
            lines.append(f"{_toml_key(name)} = {_toml_value(value)}")
    for name, info, value in nested:
        lines.append("")
        if info.description:
            lines.append(f"# {info.description}")
        lines.append(f"[{prefix}{name}]")
        _render_model(value, f"{prefix}{name}.", lines)


def render_toml(config: Config | None = None) -> str:
    """A commented TOML document holding every setting of `config` (default: the SPEC defaults)."""
    lines = [
        "# powercrm configuration. Every value below is the default from SPEC; change what your utility sets.",
        "# Pass it to any command with --config powercrm.toml.",
    ]
    _render_model(config or Config(), "", lines)
    return "\n".join(lines).strip() + "\n"
