"""Chinese headers and category labels for the `score` table (`--lang zh`, SPEC §8)."""

from __future__ import annotations

import polars as pl

from powercrm.segment.config import INDICATORS
from powercrm.segment.labels import CREDIT_FLAGS_ZH, CREDIT_GRADES_ZH, SEGMENTS_ZH, STRATEGIES, VALUE_GRADES_ZH

INDICATOR_NAMES_ZH = {
    "B11": "电力电量比率",
    "B12": "输电成本",
    "B21": "用电负荷率",
    "B22": "功率因数",
    "B31": "累计电费回收率",
    "B32": "电费回收准时度",
    "B41": "购电量增长率",
    "B42": "购电量增长量",
}

HEADERS_ZH = {
    "customer_id": "户号",
    **{f"x_{i}": f"{i}{INDICATOR_NAMES_ZH[i]}原值" for i in INDICATORS},
    **{i: f"{i}{INDICATOR_NAMES_ZH[i]}" for i in INDICATORS},
    **{f"s_{i}": f"{i}得分" for i in INDICATORS},
    "current_value": "当前价值",
    "potential_value": "潜在价值",
    "segment": "客户类型",
    "value_grade": "客户分级",
    "abc_class": "ABC分类",
    "credit_score": "信用得分",
    "credit_grade": "信用等级",
    "credit_flags": "失信标记",
    "strategy": "营销策略",
    "fee_level": "电费等级",
    "supply_safety_level": "供电安全等级",
}

_LABELS_ZH: dict[str, dict[str, str]] = {
    "segment": SEGMENTS_ZH,
    "value_grade": VALUE_GRADES_ZH,
    "credit_grade": CREDIT_GRADES_ZH,
}


def localize(table: pl.DataFrame, lang: str) -> pl.DataFrame:
    """English codes (`en`, unchanged) or Chinese headers and labels (`zh`)."""
    if lang == "en":
        return table
    strategy_zh = {en: zh for en, zh in STRATEGIES.values()}
    flags = pl.col("credit_flags").str.split(";").list.eval(pl.element().replace(CREDIT_FLAGS_ZH)).list.join(";")
    return table.with_columns(
        *[pl.col(c).replace(m) for c, m in _LABELS_ZH.items() if c in table.columns],
        pl.col("strategy").replace(strategy_zh),
        flags.alias("credit_flags"),
    ).rename({c: HEADERS_ZH.get(c, c) for c in table.columns})
