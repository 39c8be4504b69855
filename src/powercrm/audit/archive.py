"""Archive-quality rules A01–A09 (客户档案稽查, SPEC §7): one finding per active customer and rule."""

from __future__ import annotations

import math

import polars as pl

from powercrm.audit.compare import above
from powercrm.audit.config import AuditConfig
from powercrm.audit.data import AuditData
from powercrm.audit.finding import empty_findings, findings, fmt, num, num_text, rule
from powercrm.audit.idcheck import birth_date, phone_valid, resident_id_check_char, resident_id_valid, uscc_check_char, uscc_valid
from powercrm.io.readers import raw_name
from powercrm.io.schema import IMPORTANCE, zh_header
from powercrm.notes import Note

_CT_RATIO = r"(?i)^\s*(\d+(?:\.\d+)?)\s*(?:[/:：／]\s*(\d+(?:\.\d+)?))?\s*A?\s*$"


@rule("A01", "archive", "必填档案字段缺失", "required archive field missing")
def required_fields(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    # a column the export does not have at all is one structural problem, not one finding per customer
    absent = [f for f in cfg.A01.fields if not data.has("customers", f)]
    if absent:
        columns = ", ".join(absent)
        data.notes.append(Note(f"A01: customers has no column {columns}; not checked", f"A01：客户档案没有 {columns} 列，未检查"))
    fields = [f for f in cfg.A01.fields if f not in absent]
    if not fields:
        return empty_findings()

    schema = data.active.collect_schema()

    def blank(field: str) -> pl.Expr:
        # the readers already turn whitespace-only cells into nulls; frames built in code may not
        value = pl.col(field)
        empty = value.is_null() | (value.str.strip_chars() == "") if schema[field] == pl.String else value.is_null()
        if raw_name(field) in schema:  # a cell that held unreadable text ('315kVA') is not blank (SPEC §7)
            empty = empty & pl.col(raw_name(field)).is_null()
        return empty.fill_null(True).alias(f"_blank_{field}")

    def listing(names: list[str], separator: str) -> pl.Expr:
        return pl.concat_str(
            [pl.when(pl.col(f"_blank_{f}")).then(pl.lit(n)) for f, n in zip(fields, names)],
            separator=separator,
            ignore_nulls=True,
        )

    missing = pl.sum_horizontal(pl.col(f"_blank_{f}").cast(pl.Int32) for f in fields)
    hits = data.active.with_columns(blank(f) for f in fields).filter(missing > 0)
    return findings(
        hits,
        "A01",
        cfg.A01.severity,
        value=missing.cast(pl.Float64),
        message_zh=fmt("必填字段为空：{}", listing([zh_header("customers", f) for f in fields], "、")),
        message_en=fmt("required fields blank: {}", listing(fields, ", ")),
        evidence=fmt("missing={}", listing(fields, ",")),
    )


@rule("A02", "archive", "联系电话无效", "invalid phone number")
def phone_number(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    hits = data.active.filter(pl.col("phone").is_not_null() & ~phone_valid(pl.col("phone")))
    return findings(
        hits,
        "A02",
        cfg.A02.severity,
        message_zh=fmt("联系电话“{}”不是有效的大陆手机或固定电话号码", pl.col("phone")),
        message_en=fmt("phone '{}' is not a valid mainland mobile or landline number", pl.col("phone")),
        evidence=fmt("phone={}", pl.col("phone")),
    )


def _id_problem(ident: pl.Expr) -> pl.Expr:
    """Why an invalid id_number fails, for the inspector: the check character it should have, or the date."""
    code = ident.str.strip_chars().str.to_uppercase()
    resident_shape = code.str.contains(r"^\d{17}[\dX]$")
    uscc_shape = code.str.contains(r"^[0-9A-Z]{18}$")
    return (
        pl.when(resident_shape & birth_date(code).is_null())
        .then(fmt("resident ID birth date {} is not a date", code.str.slice(6, 8)))
        .when(resident_shape & (resident_id_check_char(code) == code.str.slice(17, 1)))
        .then(fmt("resident ID birth date {} is implausible", code.str.slice(6, 8)))
        .when(resident_shape)
        .then(fmt("resident ID check character should be {}", resident_id_check_char(code)))
        .when(uscc_shape & (uscc_check_char(code) == code.str.slice(17, 1)))
        .then(pl.lit("credit code characters 3-8 (the administrative division) should be digits"))
        .when(uscc_shape & uscc_check_char(code).is_not_null())
        .then(fmt("credit code check character should be {}", uscc_check_char(code)))
        .when(uscc_shape)
        .then(pl.lit("credit code has a letter outside its alphabet (I, O, Z, S, V)"))
        .otherwise(fmt("{} characters, expected 18", code.str.len_chars()))
    )


@rule("A03", "archive", "证件号码无效", "invalid identity number")
def id_number(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    ident = pl.col("id_number")
    # id_number_valid in two filters: the credit-code check (17 character lookups) runs only on the
    # numbers that are not resident IDs
    not_resident = data.active.filter(ident.is_not_null() & ~resident_id_valid(ident, cfg.A03.earliest_birth_year))
    hits = not_resident.filter(~uscc_valid(ident))
    return findings(
        hits,
        "A03",
        cfg.A03.severity,
        message_zh=fmt("证件号码“{}”既不是有效的居民身份证号码，也不是有效的统一社会信用代码", ident),
        message_en=fmt("id_number '{}' is neither a valid resident ID nor a valid unified social credit code", ident),
        evidence=fmt("id_number={}; problem={}", ident, _id_problem(ident)),
    )


@rule("A04", "archive", "户号重复或一表多户", "duplicate customer or shared meter")
def duplicates(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    meter_customers = pl.when(pl.col("meter_id").is_not_null()).then(pl.len().over("meter_id"))
    frame = (
        data.active.join(data.duplicate_ids, on="customer_id", how="left")
        .with_columns(
            id_rows=pl.col("archive_rows").fill_null(1),
            meter_customers=meter_customers.fill_null(1).cast(pl.Int64),
        )
        .filter((pl.col("id_rows") > 1) | (pl.col("meter_customers") > 1))
    )
    dup = pl.col("id_rows") > 1
    shared = pl.col("meter_customers") > 1
    zh_dup = pl.when(dup).then(fmt("户号在档案中出现{}次", pl.col("id_rows")))
    zh_meter = pl.when(shared).then(fmt("电能表{}登记在{}户上", pl.col("meter_id"), pl.col("meter_customers")))
    en_dup = pl.when(dup).then(fmt("customer_id appears in {} archive rows", pl.col("id_rows")))
    en_meter = pl.when(shared).then(fmt("meter {} is registered on {} customers", pl.col("meter_id"), pl.col("meter_customers")))
    return findings(
        frame,
        "A04",
        cfg.A04.severity,
        value=pl.max_horizontal("id_rows", "meter_customers").cast(pl.Float64),
        threshold=pl.lit(1.0),
        message_zh=pl.concat_str([zh_dup, zh_meter], separator="；", ignore_nulls=True),
        message_en=pl.concat_str([en_dup, en_meter], separator="; ", ignore_nulls=True),
        evidence=fmt("archive_rows={}; meter_id={}; meter_customers={}", "id_rows", pl.col("meter_id").fill_null(""), "meter_customers"),
    )


@rule("A05", "archive", "合同容量与变压器容量不符", "contract capacity differs from transformer capacity")
def capacity_mismatch(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    contract, transformer = pl.col("contract_capacity_kva"), pl.col("transformer_capacity_kva")
    hits = data.active.filter(above((contract - transformer).abs(), cfg.A05.tolerance_kva))
    return findings(
        hits,
        "A05",
        cfg.A05.severity,
        value=contract - transformer,
        threshold=pl.lit(cfg.A05.tolerance_kva),
        message_zh=fmt("合同容量{} kVA与变压器总容量{} kVA不符", num(contract), num(transformer)),
        message_en=fmt("contract capacity {} kVA differs from transformer capacity {} kVA", num(contract), num(transformer)),
        evidence=fmt("contract_capacity_kva={}; transformer_capacity_kva={}; transformer_count={}", num(contract), num(transformer), pl.col("transformer_count").cast(pl.String).fill_null("")),
    )


@rule("A06", "archive", "用电类别与档案不符", "customer class inconsistent")
def class_inconsistent(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    c = cfg.A06
    klass, capacity, voltage = pl.col("customer_class"), pl.col("contract_capacity_kva"), pl.col("voltage_kv")
    industry_letter = pl.col("industry").str.strip_chars().str.to_uppercase().str.slice(0, 1)
    small_large_industry = (klass == "large_industry") & (capacity < c.large_industry_min_kva)
    industrial_agricultural = (klass == "agricultural") & industry_letter.is_in(c.agricultural_forbidden_industries)
    high_voltage_residential = (klass == "residential") & (voltage >= c.residential_max_kv)
    hits = data.active.filter((small_large_industry | industrial_agricultural | high_voltage_residential).fill_null(False))
    return findings(
        hits,
        "A06",
        c.severity,
        value=pl.when(klass == "large_industry").then(capacity).when(klass == "residential").then(voltage),
        threshold=pl.when(klass == "large_industry")
        .then(pl.lit(c.large_industry_min_kva))
        .when(klass == "residential")
        .then(pl.lit(c.residential_max_kv)),
        message_zh=pl.when(klass == "large_industry")
        .then(fmt("大工业用户合同容量{} kVA低于{} kVA", num(capacity), pl.lit(num_text(c.large_industry_min_kva))))
        .when(klass == "agricultural")
        .then(fmt("农业生产用户的行业代码{}属于工业", pl.col("industry")))
        .otherwise(fmt("居民生活用户供电电压{} kV", num(voltage))),
        message_en=pl.when(klass == "large_industry")
        .then(fmt("large_industry with contract capacity {} kVA below {} kVA", num(capacity), pl.lit(num_text(c.large_industry_min_kva))))
        .when(klass == "agricultural")
        .then(fmt("agricultural class with industrial industry code {}", pl.col("industry")))
        .otherwise(fmt("residential class supplied at {} kV", num(voltage))),
        evidence=fmt("customer_class={}; industry={}; contract_capacity_kva={}; voltage_kv={}", klass, pl.col("industry").fill_null(""), num(capacity).fill_null(""), num(voltage).fill_null("")),
    )


@rule("A07", "archive", "供电电压与容量不匹配", "voltage implausible for capacity")
def voltage_for_capacity(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    c = cfg.A07
    capacity, voltage = pl.col("contract_capacity_kva"), pl.col("voltage_kv")
    # 1e-9: 0.22 read from "220V" is 220/1000, which need not equal the literal 0.22
    single_phase = (voltage <= c.single_phase_kv + 1e-9) & (capacity > c.single_phase_max_kva)
    low_voltage = (voltage < c.low_voltage_kv) & (capacity > c.low_voltage_max_kva)
    limit = pl.when(single_phase).then(pl.lit(c.single_phase_max_kva)).otherwise(pl.lit(c.low_voltage_max_kva))
    hits = data.active.filter((single_phase | low_voltage).fill_null(False))
    return findings(
        hits,
        "A07",
        c.severity,
        value=capacity,
        threshold=limit,
        message_zh=fmt("{} kV供电的容量{} kVA超过{} kVA", num(voltage), num(capacity), num(limit)),
        message_en=fmt("capacity {} kVA above {} kVA at {} kV", num(capacity), num(limit), num(voltage)),
        evidence=fmt("voltage_kv={}; contract_capacity_kva={}", num(voltage), num(capacity)),
    )


def ct_primary_current(ratio: pl.Expr, bare_secondary_a: float) -> pl.Expr:
    """Primary current (A) of a CT ratio `400/5` (400) or a bare ratio `80` (80 × 5 A); null if unreadable."""
    parts = ratio.str.extract_groups(_CT_RATIO)
    first = parts.struct.field("1").cast(pl.Float64, strict=False)
    has_secondary = parts.struct.field("2").is_not_null()
    primary = pl.when(has_secondary).then(first).otherwise(first * bare_secondary_a)
    return pl.when(primary > 0).then(primary)


@rule("A08", "archive", "电流互感器配置异常", "current transformer problem")
def current_transformer(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    c = cfg.A08
    capacity, voltage = pl.col("contract_capacity_kva"), pl.col("voltage_kv")
    needed = (voltage >= c.ct_from_kv) | ((voltage < c.ct_from_kv) & (capacity >= c.ct_from_kva))
    primary = ct_primary_current(pl.col("ct_ratio"), c.bare_ratio_secondary_a)
    rated = capacity / (math.sqrt(3) * voltage)
    low, high = rated * c.band[0], rated * c.band[1]
    frame = data.active.with_columns(_primary=primary, _rated=rated).filter(
        needed.fill_null(False)
        & (pl.col("_primary").is_null() | (pl.col("_primary") < low) | (pl.col("_primary") > high)).fill_null(False)
    )
    p, r = pl.col("_primary"), pl.col("_rated")
    missing = p.is_null()
    return findings(
        frame,
        "A08",
        c.severity,
        value=p,
        threshold=pl.when(missing).then(None).when(p < r * c.band[0]).then(r * c.band[0]).otherwise(r * c.band[1]),
        message_zh=pl.when(pl.col("ct_ratio").is_null())
        .then(pl.lit("需要电流互感器，但未登记变比"))
        .when(missing)
        .then(fmt("需要电流互感器，但变比“{}”无法识别", pl.col("ct_ratio")))
        .otherwise(
            fmt(
                "电流互感器一次电流{} A不在额定电流{} A的{}–{}倍之间",
                num(p, 1), num(r, 1), pl.lit(num_text(c.band[0])), pl.lit(num_text(c.band[1])),
            )
        ),
        message_en=pl.when(pl.col("ct_ratio").is_null())
        .then(pl.lit("a current transformer is needed but no CT ratio is registered"))
        .when(missing)
        .then(fmt("a current transformer is needed but the CT ratio '{}' is unreadable", pl.col("ct_ratio")))
        .otherwise(
            fmt(
                "CT primary current {} A is outside {}–{} × the rated current {} A",
                num(p, 1), pl.lit(num_text(c.band[0])), pl.lit(num_text(c.band[1])), num(r, 1),
            )
        ),
        evidence=fmt(
            "ct_ratio={}; voltage_kv={}; contract_capacity_kva={}; rated_current_a={}",
            pl.col("ct_ratio").fill_null(""), num(voltage), num(capacity).fill_null(""), num(r, 1).fill_null(""),
        ),
    )


@rule("A09", "archive", "重要客户电源配置不足", "important customer without backup power or dual supply")
def important_customer_supply(data: AuditData, cfg: AuditConfig) -> pl.LazyFrame:
    # SPEC §6: a null boolean counts as false
    no_backup = ~pl.col("backup_power").fill_null(False)
    no_dual = ~pl.col("dual_supply").fill_null(False)
    missing = no_backup.cast(pl.Int32) + no_dual.cast(pl.Int32)
    hits = data.active.filter(pl.col("importance").is_not_null() & (missing > 0))
    zh = pl.concat_str([pl.when(no_backup).then(pl.lit("自备应急电源")), pl.when(no_dual).then(pl.lit("双回路供电"))], separator="和", ignore_nulls=True)
    en = pl.concat_str([pl.when(no_backup).then(pl.lit("backup power")), pl.when(no_dual).then(pl.lit("dual supply"))], separator=" and ", ignore_nulls=True)
    return findings(
        hits,
        "A09",
        pl.when(missing == 2).then(pl.lit(cfg.A09.severity)).otherwise(pl.lit(cfg.A09.severity_one_missing)),
        value=missing.cast(pl.Float64),
        message_zh=fmt("重要客户（{}）无{}", pl.col("importance").replace({code: names[0] for code, names in IMPORTANCE.items()}), zh),
        message_en=fmt("important customer ({}) without {}", pl.col("importance"), en),
        evidence=fmt("importance={}; backup_power={}; dual_supply={}", pl.col("importance"), pl.col("backup_power").cast(pl.String).fill_null(""), pl.col("dual_supply").cast(pl.String).fill_null("")),
    )

