"""The finding table of SPEC §7 and the registry of audit rules.

A rule is a function `(AuditData, AuditConfig) -> LazyFrame` registered once with `@rule`; it
returns its findings through `findings()`, which puts them in `FINDING_SCHEMA`. Archive rules
give one finding per customer, monthly rules one per customer-month, run rules one per run (dated
at its first month), U10 one per customer, L01 one per line/area-month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from powercrm.audit.config import AuditConfig
    from powercrm.audit.data import AuditData

FINDING_SCHEMA = pl.Schema(
    {
        "rule": pl.String,
        "severity": pl.String,  # high / medium / low
        "customer_id": pl.String,
        "line_id": pl.String,
        "area_id": pl.String,
        "period": pl.String,  # YYYY-MM; the first month of a run; null for archive rules and U10
        "value": pl.Float64,  # the measured quantity (kWh, ratio, months, score ...)
        "threshold": pl.Float64,  # the limit it crossed, in the same unit
        "message_zh": pl.String,
        "message_en": pl.String,
        "evidence": pl.String,  # `key=value; ...`: what an inspector needs to check the finding
    }
)
# Excel format of `value` and `threshold` in the findings workbook and the XLSX report: two decimals, up to
# four where the value has them (a loss rate 0.0834, a power factor 0.8543), thousands separated
VALUE_FORMAT = "#,##0.00##"
SEVERITIES = ("high", "medium", "low")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}
FAMILIES = {
    "archive": ("档案", "archive"),
    "consumption": ("用电与电费", "consumption and billing"),
    "theft": ("窃电嫌疑", "theft suspicion"),
    "line_loss": ("线损", "line loss"),
}

Check = Callable[["AuditData", "AuditConfig"], pl.LazyFrame]


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    title_zh: str
    title_en: str
    check: Check
    reads: tuple[str, ...] = ()  # the tables the check reads beside the customer archive


RULES: dict[str, Rule] = {}  # rule id -> rule, in report order


def rule(rule_id: str, family: str, title_zh: str, title_en: str, reads: tuple[str, ...] = ()) -> Callable[[Check], Check]:
    """Register `check` as the rule `rule_id` (each id once), reading the archive and the tables `reads`
    (a run reads only the tables its rules name)."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise RuntimeError(f"audit rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, family, title_zh, title_en, check, reads)
        # keep the registry in report order (family, then id) whatever order the modules load in
        ordered = sorted(RULES.values(), key=lambda r: (list(FAMILIES).index(r.family), r.id))
        RULES.clear()
        RULES.update((r.id, r) for r in ordered)
        return check

    return register


def empty_findings() -> pl.LazyFrame:
    return pl.LazyFrame(schema=FINDING_SCHEMA)


def month_text(period: pl.Expr) -> pl.Expr:
    """`YYYY-MM` of a first-of-month date."""
    return period.dt.strftime("%Y-%m")


def findings(
    frame: pl.LazyFrame,
    rule_id: str,
    severity: str | pl.Expr,
    *,
    message_zh: pl.Expr,
    message_en: pl.Expr,
    value: pl.Expr | None = None,
    threshold: pl.Expr | None = None,
    period: pl.Expr | None = None,
    evidence: pl.Expr | None = None,
) -> pl.LazyFrame:
    """The rows of `frame` as findings of `rule_id`; customer_id, line_id and area_id are taken from
    `frame` where it has them. `period` is a first-of-month date expression."""
    names = frame.collect_schema().names()

    def column(name: str) -> pl.Expr:
        return pl.col(name) if name in names else pl.lit(None)

    def or_null(e: pl.Expr | None) -> pl.Expr:
        return pl.lit(None) if e is None else e

    def as_reported(e: pl.Expr | None) -> pl.Expr:
        # twelve significant digits: a month summed from adjustment bills showed -0.09999999999999964
        # for -0.1; the limits a rule compares against are nine digits apart (`audit.compare`)
        return pl.lit(None, dtype=pl.Float64) if e is None else e.cast(pl.Float64).round_sig_figs(12)

    return frame.select(
        rule=pl.lit(rule_id),
        severity=pl.lit(severity) if isinstance(severity, str) else severity,
        customer_id=column("customer_id"),
        line_id=column("line_id"),
        area_id=column("area_id"),
        period=pl.lit(None) if period is None else month_text(period),
        value=as_reported(value),
        threshold=as_reported(threshold),
        message_zh=message_zh,
        message_en=message_en,
        evidence=or_null(evidence),
    ).cast(FINDING_SCHEMA)  # type: ignore[arg-type]


def num(e: pl.Expr, decimals: int = 2) -> pl.Expr:
    """A number as message text: rounded, without a trailing `.0`."""
    rounded = e.round(decimals)
    text = rounded.cast(pl.String)
    whole = rounded.cast(pl.Int64, strict=False).cast(pl.String)  # not strict: NaN and inf stay text
    return pl.when(rounded == rounded.round(0)).then(whole).otherwise(text)


def num_past(value: pl.Expr, limit: pl.Expr, decimals: int = 2) -> pl.Expr:
    """`value` as message text beside the `limit` it is past: `decimals` decimals, more (up to 6) where
    those would print it equal to the limit ("power factor 0.9 below the standard 0.9" for 0.89976)."""
    text = num(value, 6)
    for d in (decimals + 2, decimals):
        text = pl.when(value.round(d) != limit.round(d)).then(num(value, d)).otherwise(text)
    return text


def fmt(template: str, *args: pl.Expr | str) -> pl.Expr:
    """`pl.format` built from `concat_str` (null when an argument is null).

    polars 2.1's `pl.format` panics in the streaming engine on some multi-chunk inputs (seen on the
    load table of a 20,000-customer sample); `concat_str` does not.
    """
    pieces = template.split("{}")
    if len(pieces) != len(args) + 1:
        raise ValueError(f"{template!r} has {len(pieces) - 1} placeholders for {len(args)} arguments")
    parts: list[pl.Expr] = []
    for piece, arg in zip(pieces, [*args, None]):
        if piece:
            parts.append(pl.lit(piece))
        if arg is not None:
            parts.append((pl.col(arg) if isinstance(arg, str) else arg).cast(pl.String))
    return pl.concat_str(parts)


def pct(e: pl.Expr, decimals: int = 1) -> pl.Expr:
    """A share as percent text: 0.0834 → `8.3%`."""
    return fmt("{}%", num(e * 100, decimals))


def pct_past(rate: pl.Expr, limit: pl.Expr, decimals: int = 1) -> pl.Expr:
    """`rate` as percent text beside the `limit` it is past, precise enough to differ from it (`num_past`)."""
    return fmt("{}%", num_past(rate * 100, limit * 100, decimals))


def num_text(value: float) -> str:
    """A config number as message text: 315.0 → `315`."""
    return str(int(value)) if float(value).is_integer() else str(value)
