"""The configuration tree: one pydantic model holding every SPEC default, loadable from TOML.

Each package defines its own section (`[weights]` in `powercrm.ahp.config`, `[scoring]` and
`[credit]` in `powercrm.segment.config`, ...); this module joins them, loads a file and renders
the commented `powercrm.toml` that `powercrm init` writes.
"""

from __future__ import annotations

import codecs
import difflib
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
    """One line for the first error: the file, the key and its value, and what is wrong, in the words
    of the validator (pydantic's `Value error, ` prefix dropped; an unknown key with the nearest known
    one). A message naming its key already is not given the key again."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    value = err.get("input")
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        known = _known_keys(err["loc"][:-1])
        folded = {k.lower(): k for k in known}  # `l01` is L01, not U01
        near = [folded[k] for k in difflib.get_close_matches(str(err["loc"][-1]).lower(), list(folded), n=1, cutoff=0.7)]
        message = "unknown key" + (f"; did you mean {'.'.join([*map(str, err['loc'][:-1]), near[0]])}?" if near else f" (known: {', '.join(known)})")
    elif key and key in message:
        return f"{source}: {message}"
    shown = f" = {value!r}" if not isinstance(value, dict) else ""
    return f"{source}: {key}{shown}: {message}"


def _known_keys(loc: tuple) -> list[str]:
    """The keys the config accepts at `loc` (a section path), or none where it is not a section."""
    model: Any = Config
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            return []
        model = field.annotation
    return list(getattr(model, "model_fields", {}))


def load_config(path: Path | None = None) -> Config:
    """The config from a TOML file, or the SPEC defaults; errors name the key and the value."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(_config_text(path))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        # strict, as JSON types: `p1 = "0.7"` or `enabled = "no"` is refused, not quietly converted (an
        # analyst who quoted a number, or wrote "off", meant something the config would not have done);
        # an integer still reads as a float, an array as a pair, a TOML date as its text
        return Config.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(path))) from None


def _config_text(path: Path) -> str:
    """The config's text: TOML is UTF-8, but a config edited in Notepad on a Chinese Windows is saved as
    GBK (ANSI) or UTF-16 (Unicode), and its Chinese comments made it unreadable."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: starts as UTF-16 but is not UTF-16 text; save the config as UTF-8") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            line = raw[: exc.start].count(b"\n") + 1
            raise ConfigError(f"{path}: line {line}: not UTF-8 or GBK text (byte {raw[exc.start]:#04x}); save the config as UTF-8") from None


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
