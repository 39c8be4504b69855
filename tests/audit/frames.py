"""Tiny hand-made datasets for the audit rules: a clean customer and its clean bills, changed per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from powercrm.audit.config import AuditConfig
from powercrm.audit.engine import AuditResult, run_audit
from powercrm.io.readers import load_dataset

VALID_RESIDENT_ID = "11010519491231002X"
VALID_USCC = "91350100M000100Y43"


def customer(customer_id: str = "C1", **changes: Any) -> dict[str, Any]:
    """An archive row that breaks no rule: 10 kV general industry, 400 kVA, CT 30/5 (rated 23.1 A)."""
    row = {
        "customer_id": customer_id,
        "name": "某某机械厂",
        "phone": "13812345678",
        "address": "某市某路1号",
        "id_number": VALID_USCC,
        "customer_class": "general_industry",
        "industry": "C3011",
        "tariff_code": "T100",
        "voltage_kv": 10,
        "contract_capacity_kva": 400,
        "transformer_count": 1,
        "transformer_capacity_kva": 400,
        "line_id": "L1",
        "area_id": None,
        "meter_id": f"M-{customer_id}",
        "ct_ratio": "30/5",
        "pf_standard": 0.9,
        "importance": None,
        "backup_power": None,
        "dual_supply": None,
        "status": "active",
    }
    row.update(changes)
    return row


def months(start: str, n: int) -> list[str]:
    first = dt.date.fromisoformat(start + "-01")
    return [f"{(first.year * 12 + first.month - 1 + i) // 12}-{(first.month - 1 + i) % 12 + 1:02d}" for i in range(n)]


CLEAN_KWH = tuple(50_000 + 300 * (i % 4) for i in range(24))  # varies, so no flat line (U09)


def bills(customer_id: str = "C1", kwh: Sequence[float | None] = CLEAN_KWH, start: str = "2023-01", **columns: Any) -> list[dict[str, Any]]:
    """Monthly bills priced at 0.7 元/kWh, paid in full, PF 0.93; a column given as a list replaces it month by month."""
    rows = []
    for i, (period, energy) in enumerate(zip(months(start, len(kwh)), kwh)):
        row = {
            "customer_id": customer_id,
            "period": period,
            "kwh": energy,
            "kvarh": None if energy is None else energy * 0.4,
            "amount_due": None if energy is None else round(energy * 0.7, 2),
            "amount_paid": None if energy is None else round(energy * 0.7, 2),
        }
        for name, value in columns.items():
            row[name] = value[i] if isinstance(value, list | tuple) else value
        rows.append(row)
    return rows


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    frame = pl.DataFrame([{c: (None if r.get(c) is None else str(r[c])) for c in columns} for r in rows], schema={c: pl.String for c in columns})
    frame.write_csv(path)


def audit(
    tmp_path: Path,
    *,
    customers: Sequence[dict[str, Any]],
    billing: Sequence[dict[str, Any]] = (),
    load: Sequence[dict[str, Any]] = (),
    supply: Sequence[dict[str, Any]] = (),
    rules: str | None = None,
    cfg: AuditConfig | None = None,
) -> AuditResult:
    """Write the rows as a CSV dataset and audit it the way the command does."""
    directory = tmp_path / "data"
    directory.mkdir(exist_ok=True)
    default_billing = [{"customer_id": customers[0]["customer_id"], "period": "2024-01", "kwh": 1}]
    for name, rows in (("customers", customers), ("billing", billing or default_billing), ("load", load), ("supply", supply)):
        if rows:
            _write(directory / f"{name}.csv", rows)
    dataset = load_dataset(directory)
    assert not dataset.structural, dataset.structural
    return run_audit(dataset, cfg, rules)


def found(result: AuditResult, *columns: str) -> list[tuple]:
    """The findings as tuples of `columns` (default: rule, customer_id, period)."""
    return list(result.findings.select(columns or ("rule", "customer_id", "period")).iter_rows())
