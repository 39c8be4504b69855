"""Chinese headers and labels of the audit tables (`--lang zh`); English keeps the codes, for scripts."""

from __future__ import annotations

import polars as pl

from powercrm.audit.finding import SEVERITY_ZH

HEADERS_ZH = {
    # findings
    "rule": "规则",
    "severity": "严重程度",
    "customer_id": "户号",
    "line_id": "供电线路",
    "area_id": "台区",
    "period": "账期",
    "value": "数值",
    "threshold": "阈值",
    "message_zh": "说明",
    "message_en": "说明（英文）",
    "evidence": "依据",
    # counts
    "family": "类别",
    "title_zh": "规则名称",
    "title_en": "规则名称（英文）",
    "high": "高",
    "medium": "中",
    "low": "低",
    "total": "合计",
    # line loss
    "level": "层级",
    "voltage_kv": "电压等级(kV)",
    "customers": "户数",
    "months": "月数",
    "supplied_kwh": "供电量(kWh)",
    "billed_kwh": "售电量(kWh)",
    "loss_rate": "线损率",
    "flagged_months": "异常月数",
    "worst_month": "最差月份",
    "worst_loss_rate": "最差月线损率",
    # theft suspects
    "rank": "排名",
    "score": "嫌疑分",
    "onset": "起始月",
    "drop": "降幅",
    "z": "显著性",
    "zero_share": "零电量月占比",
    "volatility_ratio": "波动比",
    "reactive_ratio": "无功电量比",
    "peer": "对比对象",
    # report notes
    "note": "说明",
}
LEVELS_ZH = {"line": "线路", "area": "台区"}
PEERS_ZH = {"area": "同台区", "line": "同线路", "none": "仅自身历史"}
FAMILIES_ZH = {"archive": "档案", "consumption": "用电与电费", "theft": "窃电嫌疑", "line_loss": "线损"}


def localize(table: pl.DataFrame, lang: str) -> pl.DataFrame:
    """English codes (`en`, unchanged) or Chinese headers and labels (`zh`)."""
    if lang == "en":
        return table
    values = {"severity": SEVERITY_ZH, "level": LEVELS_ZH, "peer": PEERS_ZH, "family": FAMILIES_ZH}
    return table.with_columns(
        pl.col(c).replace(m) for c, m in values.items() if c in table.columns
    ).rename({c: HEADERS_ZH.get(c, c) for c in table.columns})
