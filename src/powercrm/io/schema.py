"""The input tables of SPEC §2: canonical column names, kinds, Chinese aliases and enum codes.

This module is the single description of the input data. Readers use it to rename headers and
parse values, `validate` to check them, the sample generator to write Chinese headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl


class Kind(StrEnum):
    """How a column's text is parsed."""

    ID = "id"  # kept as text: leading zeros matter (户号 0033001234)
    TEXT = "text"
    FLOAT = "float"  # thousands separators allowed
    VOLTAGE = "voltage"  # kV; "10kV", "0.4 kV" and "220V" accepted
    CAPACITY = "capacity"  # kVA; "315kVA", "315 KVA" and "315千伏安" accepted
    INT = "int"
    PERIOD = "period"  # billing month: 2024-01, 202401, 2024/1, 2024-01-01, 2024年1月
    DATE = "date"  # 2024/1/5, 2024-01-05, 20240105
    TIMESTAMP = "timestamp"  # a date with hour:minute[:second]
    BOOL = "bool"  # true/false, 1/0, Y/N, 是/否, 有/无
    ENUM = "enum"  # one of a fixed set of codes, Chinese or English spelling


DTYPES: dict[Kind, pl.DataType] = {
    Kind.ID: pl.String(),
    Kind.TEXT: pl.String(),
    Kind.FLOAT: pl.Float64(),
    Kind.VOLTAGE: pl.Float64(),
    Kind.CAPACITY: pl.Float64(),
    Kind.INT: pl.Int64(),
    Kind.PERIOD: pl.Date(),  # first day of the month
    Kind.DATE: pl.Date(),
    Kind.TIMESTAMP: pl.Datetime("us"),
    Kind.BOOL: pl.Boolean(),
    Kind.ENUM: pl.String(),
}

# units a header may carry in its trailing bracket (有功电量(万kWh), 应收电费（万元）), spaces removed and
# case-folded, with the factor to the column's own unit (kWh, 元, kW, kVA, kV)
_ENERGY = {"kwh": 1, "千瓦时": 1, "度": 1, "kvarh": 1, "千乏时": 1, "万kwh": 1e4, "万千瓦时": 1e4, "万度": 1e4,
           "万kvarh": 1e4, "万千乏时": 1e4, "mwh": 1e3, "兆瓦时": 1e3, "mvarh": 1e3}
_MONEY = {"元": 1, "千元": 1e3, "万元": 1e4}
_POWER = {"kw": 1, "千瓦": 1, "mw": 1e3, "兆瓦": 1e3, "万kw": 1e4, "万千瓦": 1e4}
_CAPACITY = {"kva": 1, "千伏安": 1, "mva": 1e3, "兆伏安": 1e3, "万kva": 1e4, "万千伏安": 1e4}
_VOLTAGE = {"kv": 1, "千伏": 1, "v": 1e-3, "伏": 1e-3}
UNITS: dict[str, dict[str, float]] = {
    **dict.fromkeys(("kwh", "kvarh", "supplied_kwh"), _ENERGY),
    **dict.fromkeys(("amount_due", "amount_paid", "late_fee", "transmission_fee", "amount"), _MONEY),
    **dict.fromkeys(("avg_load_kw", "max_load_kw", "load_kw"), _POWER),
    **dict.fromkeys(("contract_capacity_kva", "transformer_capacity_kva"), _CAPACITY),
    "voltage_kv": _VOLTAGE,
}


def unit_factor(column: str, unit: str | None) -> float:
    """The factor from a header's unit to the column's own (有功电量(万kWh): 10,000); 1 for no bracket or a
    bracket that is no unit of the column (有功电量(总)). A scaled unit the table does not know (万 or 兆
    of another unit) raises ValueError, since reading it as the column's unit would be off by its scale."""
    if unit is None or column not in UNITS:
        return 1.0
    known = UNITS[column]
    if unit in known:
        return float(known[unit])
    if unit[:1] in ("万", "千", "兆", "亿") or unit.startswith(("m", "g")):
        raise ValueError(f"unit {unit!r} is not one of {', '.join(known)}")
    return 1.0


TRUE_WORDS = ("true", "t", "1", "y", "yes", "是", "有", "√")
FALSE_WORDS = ("false", "f", "0", "n", "no", "否", "无", "×")


@dataclass(frozen=True)
class Column:
    """One canonical column. `zh[0]` is the usual Chinese header (used when writing Chinese exports)."""

    name: str
    kind: Kind
    zh: tuple[str, ...]
    required: bool = False
    # enum code -> accepted spellings besides the code itself
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def dtype(self) -> pl.DataType:
        return DTYPES[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    zh: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = False
    # columns whose combination identifies a row (checked for duplicates by validate)
    key: tuple[str, ...] = ()
    # a row of independent attributes (the archive): an unreadable optional value is left empty and the
    # row kept, where a bill's or a reading's figures belong together and the row is set aside whole
    attributes: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


CUSTOMER_CLASSES: dict[str, tuple[str, ...]] = {
    "residential": ("居民生活", "居民", "居民生活用电", "城镇居民生活用电", "乡村居民生活用电", "城镇居民", "乡村居民"),
    "non_residential": ("非居民照明", "非居民", "非居民照明用电"),
    "commercial": ("商业", "商业用电"),
    "non_industrial": ("非工业", "非工业用电"),
    "general_industry": ("普通工业", "普通工业用电"),
    "large_industry": ("大工业", "大工业用电"),
    "agricultural": ("农业生产", "农业", "农业生产用电"),
}
IMPORTANCE: dict[str, tuple[str, ...]] = {
    "special": ("特级", "特级重要客户"),
    "level1": ("一级", "一级重要客户"),
    "level2": ("二级", "二级重要客户"),
    "temporary": ("临时", "临时性重要客户"),
}
STATUS: dict[str, tuple[str, ...]] = {
    "active": ("正常", "在用", "运行", "正常用电"),
    "cancelled": ("销户", "已销户", "注销", "已注销", "canceled"),
}
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "theft": ("窃电", "窃电行为"),
    "violation": ("违约用电", "违约", "违章用电", "违约用电行为"),
    "bounced_payment": ("退票", "银行退票", "票据退票"),
    "late_payment": ("欠费", "逾期缴费", "电费欠费", "拖欠电费"),
}

CUSTOMER_ID = Column("customer_id", Kind.ID, ("户号", "客户编号", "用户编号", "客户号", "用户号", "用电户号"), required=True)
PERIOD = Column("period", Kind.PERIOD, ("账期", "电费年月", "抄表年月", "年月", "月份", "账务年月", "电费月份", "统计年月"), required=True)

CUSTOMERS = Table(
    "customers",
    ("客户档案", "档案"),
    (
        CUSTOMER_ID,
        Column("name", Kind.TEXT, ("户名", "客户名称", "用户名称")),
        Column("phone", Kind.ID, ("联系电话", "电话", "手机号码", "移动电话")),
        Column("address", Kind.TEXT, ("用电地址", "地址")),
        Column("id_number", Kind.ID, ("证件号码", "身份证号", "统一社会信用代码")),
        Column("customer_class", Kind.ENUM, ("用电类别", "用户类别", "用电分类"), values=CUSTOMER_CLASSES),
        Column("industry", Kind.ID, ("行业", "行业分类", "行业代码", "行业类别")),
        Column("tariff_code", Kind.ID, ("电价代码", "电价")),
        Column("voltage_kv", Kind.VOLTAGE, ("供电电压", "电压等级")),
        Column("contract_capacity_kva", Kind.CAPACITY, ("合同容量", "合同容量(kVA)")),
        Column("transformer_count", Kind.INT, ("变压器台数",)),
        Column("transformer_capacity_kva", Kind.CAPACITY, ("变压器总容量", "变压器容量", "运行容量")),
        Column("line_id", Kind.ID, ("供电线路", "线路编号", "线路")),
        Column("area_id", Kind.ID, ("台区", "台区编号")),
        Column("meter_id", Kind.ID, ("电能表号", "表号", "电能表资产号", "电表编号", "表计资产号")),
        Column("ct_ratio", Kind.TEXT, ("电流互感器变比", "CT变比")),
        Column("pt_ratio", Kind.TEXT, ("电压互感器变比", "PT变比")),
        Column("pf_standard", Kind.FLOAT, ("功率因数考核标准", "功率因数标准", "力调标准")),
        Column("importance", Kind.ENUM, ("重要客户等级", "重要等级", "重要用户等级"), values=IMPORTANCE),
        Column("backup_power", Kind.BOOL, ("自备应急电源", "自备电源")),
        Column("dual_supply", Kind.BOOL, ("双回路供电", "双电源")),
        Column("open_date", Kind.DATE, ("立户日期", "建档日期", "开户日期")),
        Column("status", Kind.ENUM, ("状态", "用户状态", "客户状态"), values=STATUS),
    ),
    required=True,
    key=("customer_id",),
    attributes=True,
)

BILLING = Table(
    "billing",
    ("电费账单", "电费", "账单"),
    (
        CUSTOMER_ID,
        PERIOD,
        Column("kwh", Kind.FLOAT, ("有功电量", "电量", "结算电量", "用电量", "有功总电量", "计费电量"), required=True),
        Column("kvarh", Kind.FLOAT, ("无功电量",)),
        Column("amount_due", Kind.FLOAT, ("应收电费", "应收金额", "应收电费金额")),
        Column("amount_paid", Kind.FLOAT, ("实收电费", "实收金额", "实收电费金额")),
        Column("late_fee", Kind.FLOAT, ("违约金", "滞纳金")),
        Column("transmission_fee", Kind.FLOAT, ("输电费用", "输配电费", "输配电费用")),
        Column("due_date", Kind.DATE, ("应缴日期", "缴费截止日期", "缴费期限")),
        Column("paid_date", Kind.DATE, ("缴费日期", "实收日期", "收费日期", "缴费时间")),
    ),
    required=True,
)

LOAD = Table(
    "load",
    ("负荷", "负荷统计"),
    (
        CUSTOMER_ID,
        PERIOD,
        Column("avg_load_kw", Kind.FLOAT, ("平均负荷",), required=True),
        Column("max_load_kw", Kind.FLOAT, ("最大负荷", "最高负荷"), required=True),
    ),
    key=("customer_id", "period"),
)

LOAD_INTERVAL = Table(
    "load_interval",
    ("负荷曲线", "负荷采集"),
    (
        CUSTOMER_ID,
        Column("timestamp", Kind.TIMESTAMP, ("采集时间", "数据时间", "时间"), required=True),
        Column("load_kw", Kind.FLOAT, ("负荷", "有功功率"), required=True),
    ),
)

EVENTS = Table(
    "events",
    ("事件", "用电事件"),
    (
        CUSTOMER_ID,
        Column("date", Kind.DATE, ("日期", "发生日期"), required=True),
        Column("kind", Kind.ENUM, ("事件类型", "类型"), required=True, values=EVENT_KINDS),
        Column("amount", Kind.FLOAT, ("金额",)),
    ),
)

SUPPLY = Table(
    "supply",
    ("供电量", "线路供电量"),
    (
        Column("line_id", Kind.ID, ("供电线路", "线路编号", "线路")),
        Column("area_id", Kind.ID, ("台区", "台区编号")),
        PERIOD,
        Column("supplied_kwh", Kind.FLOAT, ("供电量", "供入电量", "线路供电量", "台区供电量"), required=True),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (CUSTOMERS, BILLING, LOAD, LOAD_INTERVAL, EVENTS, SUPPLY)}


def zh_header(table: str, column: str) -> str:
    """The usual Chinese header of a canonical column (the column name itself if it has none)."""
    col = next((c for c in TABLES[table].columns if c.name == column), None)
    return col.zh[0] if col and col.zh else column


def zh_value(values: dict[str, tuple[str, ...]], code: str) -> str:
    """The usual Chinese spelling of an enum code."""
    return values[code][0] if code in values else code

# the list of injected anomalies `powercrm sample` writes beside its tables: a known file, not a table
# the dataset reader should report as not read
SAMPLE_TRUTH_FILE = "ground_truth.csv"
