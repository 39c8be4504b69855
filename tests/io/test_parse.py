"""Value spellings of SPEC §2 parse to the canonical value; anything else becomes null (and is reported)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from powercrm.io import parse
from powercrm.io.schema import BILLING, CUSTOMERS, EVENTS, LOAD_INTERVAL, Column, Kind


def _parse(col: Column, values: list, dtype: pl.DataType = pl.String()) -> list:
    """`col` parsed from `values` by the single-expression parser, checked against the reader's
    three-pass `parse_frame` on the same values."""
    s = pl.Series("x", values, dtype=dtype)
    one_expression = pl.select(parse.parse(col, pl.lit(s), dtype)).to_series().to_list()
    frame = parse.parse_frame(pl.LazyFrame({col.name: s}), [(col, dtype)]).collect()
    assert frame[col.name].to_list() == one_expression
    if parse.can_fail(col, dtype):
        # a cell left unread keeps its normalised text; a cell read may drop it
        raw = frame[parse.raw_name(col.name)].to_list()
        texts = pl.select(parse.text(pl.lit(s), col)).to_series().to_list()
        values = frame[col.name].to_list()
        assert all(r == t if v is None else r in (None, t) for r, t, v in zip(raw, texts, values, strict=True))
    return one_expression


def one(col: Column, value, dtype: pl.DataType = pl.String()):
    return _parse(col, [value], dtype)[0]


PERIOD = BILLING.column("period")
KWH = BILLING.column("kwh")
DUE = BILLING.column("due_date")
VOLTAGE = CUSTOMERS.column("voltage_kv")
CAPACITY = CUSTOMERS.column("contract_capacity_kva")
COUNT = CUSTOMERS.column("transformer_count")
BACKUP = CUSTOMERS.column("backup_power")
CLASS = CUSTOMERS.column("customer_class")
STATUS = CUSTOMERS.column("status")
IMPORTANCE = CUSTOMERS.column("importance")
KIND = EVENTS.column("kind")
TS = LOAD_INTERVAL.column("timestamp")
CID = CUSTOMERS.column("customer_id")
NAME = CUSTOMERS.column("name")
PHONE = CUSTOMERS.column("phone")
AREA = CUSTOMERS.column("area_id")
METER = CUSTOMERS.column("meter_id")

JAN = dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    "text",
    ["2024-01", "202401", "2024/1", "2024/01", "2024-01-01", "2024-01-31", "2024年1月", "2024年01月", "2024.1",
     " 2024-01 ", "2024-01-15 00:00:00", "20240115", "2024 1"],
)
def test_period_spellings_give_first_day_of_month(text):
    assert one(PERIOD, text) == JAN


# 45292 is an Excel day number (2024-01-01), not the year 4529, month 2: a month without separator has two digits
@pytest.mark.parametrize("text", ["2024-13", "2024-00", "24-01", "abc", "一月", "2024", "45292", "20241"])
def test_unreadable_period_is_null(text):
    assert one(PERIOD, text) is None


@pytest.mark.parametrize("text", ["", "   ", None])
def test_blank_cell_is_null(text):
    assert one(PERIOD, text) is None
    assert one(KWH, text) is None
    assert one(CID, text) is None


@pytest.mark.parametrize("text", ["NULL", "null", "(null)", "NaN", "N/A", "NA", "None", " NULL "])
def test_what_databases_and_dataframes_write_for_missing_is_a_blank_cell(text):
    """A `NULL` payment date rejected an unpaid bill whole; a `NULL` area made one area of the rest."""
    assert one(DUE, text) is None
    assert one(KWH, text) is None
    assert one(NAME, text) is None
    assert one(AREA, text) is None
    assert one(STATUS, text) is None


@pytest.mark.parametrize("text", ["-", "--", "—", "/", "无"])
def test_a_dash_or_none_is_blank_in_dates_grouping_ids_ratios_and_categories_only(text):
    assert one(DUE, text) is None and one(PERIOD, text) is None
    assert one(AREA, text) is None and one(METER, text) is None
    assert one(CUSTOMERS.column("ct_ratio"), text) is None and one(CUSTOMERS.column("pt_ratio"), text) is None
    # no category and no power-factor standard: SG186 writes 无 for a customer that is not an important one
    assert one(CUSTOMERS.column("importance"), text) is None and one(CUSTOMERS.column("pf_standard"), text) is None
    assert one(STATUS, text) is None and one(CUSTOMERS.column("customer_class"), text) is None
    assert all(parse.blank_words(CUSTOMERS.column(c)) for c in ("transformer_count", "transformer_capacity_kva", "pf_standard"))
    # a phone written 无 is a non-empty invalid phone (A02); a dash among numbers may be Excel's zero, reported
    assert one(PHONE, text) == text
    assert one(KWH, text) is None and parse.blank_words(KWH) == ()


def test_a_cell_reading_null_in_a_longer_text_is_kept():
    assert one(NAME, "NULL有限公司") == "NULL有限公司"
    assert one(AREA, "TQ-无") == "TQ-无"


def test_period_from_a_date_column_is_its_month():
    assert one(PERIOD, dt.date(2024, 1, 17), pl.Date()) == JAN
    assert one(PERIOD, dt.datetime(2024, 1, 17, 8, 30), pl.Datetime("us")) == JAN


@pytest.mark.parametrize(
    "text", ["2024/1/5", "2024-01-05", "2024-1-5", "2024年1月5日", "20240105", "2024.01.05", "2024-01-05 00:00:00"]
)
def test_date_spellings(text):
    assert one(DUE, text) == dt.date(2024, 1, 5)


@pytest.mark.parametrize("text", ["2024-02-30", "2024/13/01", "5/1/2024", "yesterday", "202401"])
def test_unreadable_date_is_null(text):
    assert one(DUE, text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-05 00:15", dt.datetime(2024, 1, 5, 0, 15)),
        ("2024/1/5 0:15:00", dt.datetime(2024, 1, 5, 0, 15)),
        ("2024-01-05T23:45:30", dt.datetime(2024, 1, 5, 23, 45, 30)),
        ("2024-01-05", None),
        ("2024-01-05 25:00", None),
    ],
)
def test_timestamp(text, expected):
    assert one(TS, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", 1234.5),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("-1,234.5", -1234.5),
        ("1，234", 1234.0),  # full-width comma from a Chinese input method
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1e3", 1000.0),
    ],
)
def test_numbers_with_thousands_separators(text, expected):
    assert one(KWH, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("¥2733.49", 2733.49), ("￥1,234.50", 1234.5), ("-¥5.00", -5.0), ("¥ 0.00", 0.0), ("120.5元", 120.5), ("￥１２０元", 120.0)],
)
def test_an_amount_with_a_currency_sign_or_yuan(text, expected):
    """Excel's currency format saved as CSV writes the sign: every bill was rejected."""
    assert one(BILLING.column("amount_due"), text) == expected


@pytest.mark.parametrize("text", ["¥", "¥¥5", "5¥", "元"])
def test_a_currency_sign_alone_or_misplaced_is_unreadable(text):
    assert one(BILLING.column("amount_due"), text) is None


@pytest.mark.parametrize("text", ["12,5", "1,23", "1,2345", "1.234,5", "abc", "12kWh", "1,,234"])
def test_decimal_comma_and_misplaced_separators_are_rejected(text):
    assert one(KWH, text) is None


@pytest.mark.parametrize(("text", "expected"), [("3", 3), ("3.0", 3), ("1,000", 1000), ("3.5", None), ("x", None)])
def test_integer(text, expected):
    assert one(COUNT, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10kV", 10.0), ("10 kV", 10.0), ("10KV", 10.0), ("0.4kV", 0.4), ("35", 35.0), ("220V", 0.22), ("380 v", 0.38),
        ("交流10kV", 10.0), ("交流380V", 0.38), ("交流 220V", 0.22), ("AC10kV", 10.0), ("ac 0.4kV", 0.4),
    ],
)
def test_voltage_in_kv(text, expected):
    assert one(VOLTAGE, text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["high", "kV", "10kVA", "直流10kV", "交流"])
def test_unreadable_voltage_is_null(text):
    assert one(VOLTAGE, text) is None


@pytest.mark.parametrize(("text", "expected"), [("315", 315.0), ("315kVA", 315.0), ("315 KVA", 315.0), ("1,250 kva", 1250.0), ("50千伏安", 50.0)])
def test_capacity_in_kva(text, expected):
    assert one(CAPACITY, text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["big", "kVA", "315kV", "315kW"])
def test_unreadable_capacity_is_null(text):
    assert one(CAPACITY, text) is None


@pytest.mark.parametrize("text", ["true", "TRUE", "True", "t", "1", "Y", "y", "yes", "是", "有", "√"])
def test_true_words(text):
    assert one(BACKUP, text) is True


@pytest.mark.parametrize("text", ["false", "FALSE", "f", "0", "N", "n", "no", "否", "无", "×"])
def test_false_words(text):
    assert one(BACKUP, text) is False


@pytest.mark.parametrize("text", ["maybe", "2", "是的"])
def test_unknown_boolean_is_null(text):
    assert one(BACKUP, text) is None


def test_boolean_from_typed_sources():
    assert _parse(BACKUP, [True, False], pl.Boolean()) == [True, False]
    assert _parse(BACKUP, [1, 0, 2], pl.Int64()) == [True, False, True]


@pytest.mark.parametrize(
    ("col", "text", "code"),
    [
        (CLASS, "居民生活", "residential"),
        (CLASS, "居民", "residential"),
        (CLASS, "大工业", "large_industry"),
        (CLASS, "普通工业", "general_industry"),
        (CLASS, "非居民照明", "non_residential"),
        (CLASS, "商业", "commercial"),
        (CLASS, "农业生产", "agricultural"),
        (CLASS, "large_industry", "large_industry"),
        (CLASS, "Residential", "residential"),
        (CLASS, " 大工业 ", "large_industry"),
        (STATUS, "正常", "active"),
        (STATUS, "在用", "active"),
        (STATUS, "销户", "cancelled"),
        (STATUS, "已销户", "cancelled"),
        (STATUS, "注销", "cancelled"),
        (STATUS, "已注销", "cancelled"),
        (STATUS, "canceled", "cancelled"),
        (STATUS, "CANCELLED", "cancelled"),
        (IMPORTANCE, "特级", "special"),
        (IMPORTANCE, "一级", "level1"),
        (IMPORTANCE, "临时", "temporary"),
        (KIND, "窃电", "theft"),
        (KIND, "违约用电", "violation"),
        (KIND, "退票", "bounced_payment"),
        (KIND, "欠费", "late_payment"),
        (CLASS, "城镇居民生活用电", "residential"),
        (CLASS, "普通工业用电", "general_industry"),
        (KIND, "违章用电", "violation"),
        (KIND, "银行退票", "bounced_payment"),
        (KIND, "电费欠费", "late_payment"),
    ],
)
def test_enum_spellings(col, text, code):
    assert one(col, text) == code


@pytest.mark.parametrize(("col", "text"), [(CLASS, "工业"), (STATUS, "暂停"), (KIND, "偷电"), (IMPORTANCE, "三级")])
def test_unknown_enum_is_null(col, text):
    assert one(col, text) is None


@pytest.mark.parametrize("text", ["0033001234", " 0033001234 ", "00"])
def test_ids_are_text_and_keep_leading_zeros(text):
    assert one(CID, text) == text.strip()


def test_numeric_ids_from_a_float_column_lose_the_decimal_point():
    # Excel and some exports store numeric ids as floats
    assert _parse(CID, [33001234.0, 5.5, None], pl.Float64()) == ["33001234", "5.5", None]
    assert _parse(CID, [33001234], pl.Int64()) == ["33001234"]


def test_numbers_from_numeric_columns_pass_through():
    assert _parse(KWH, [1, 2], pl.Int64()) == [1.0, 2.0]
    assert _parse(VOLTAGE, [10.0], pl.Float64()) == [10.0]


def test_text_is_stripped_and_keeps_chinese():
    assert _parse(NAME, ["  王䶮 ", "a,\"b\"\nc"]) == ["王䶮", "a,\"b\"\nc"]


@pytest.mark.parametrize(
    ("col", "source", "fails"),
    [
        (CID, pl.String(), False),
        (NAME, pl.String(), False),
        (KWH, pl.String(), True),
        (KWH, pl.Float64(), False),
        (KWH, pl.Int64(), False),
        (PERIOD, pl.String(), True),
        (PERIOD, pl.Date(), False),
        (BACKUP, pl.Boolean(), False),
        (BACKUP, pl.String(), True),
        (STATUS, pl.String(), True),
    ],
)
def test_can_fail(col, source, fails):
    assert parse.can_fail(col, source) is fails


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_parses_to_its_dtype(kind):
    col = Column("x", kind, (), values={"a": ("甲",)})
    out = pl.select(parse.parse(col, pl.lit(pl.Series(["?"], dtype=pl.String)), pl.String()).alias("x"))
    assert out.schema["x"] == col.dtype


@pytest.mark.parametrize(
    ("col", "values", "expected"),
    [
        (DUE, ["2023/2/25", "2023/12/1", None], "%Y/%m/%d"),
        (DUE, ["2023-02-25", "x"], "%Y-%m-%d"),
        (PERIOD, ["202401", "202402"], "%Y%m"),
        (PERIOD, [None, None], "%Y-%m"),
        (TS, ["2024/1/5 00:15:00"], "%Y/%m/%d %H:%M:%S"),
    ],
)
def test_common_format_is_the_one_reading_most_of_the_sample(col, values, expected):
    assert parse.common_format(col.kind, pl.Series(values, dtype=pl.String)) == expected


def test_a_sampled_format_changes_speed_not_values():
    values = ["2023/2/25", "2023-02-26", "20230227", "2023年2月28日", " ", "2023/13/1"]
    frame = pl.LazyFrame({"due_date": values})
    sampled = parse.parse_frame(frame, [(DUE, pl.String())], frame.head(1).collect()).collect()
    assert sampled["due_date"].to_list() == _parse(DUE, values)


def test_month_start_of_every_date_of_the_years_1_to_9999():
    days = pl.DataFrame({"d": pl.date_range(dt.date(1, 1, 1), dt.date(9999, 12, 31), "1d", eager=True)})
    got = days.select(ours=parse.month_start(pl.col("d")), polars=pl.col("d").dt.month_start())
    assert got["ours"].equals(got["polars"], check_names=False)


def test_month_start_keeps_nulls():
    got = pl.DataFrame({"d": [dt.date(2024, 2, 29), None]}).select(parse.month_start(pl.col("d"))).to_series()
    assert got.to_list() == [dt.date(2024, 2, 1), None]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_a_zoned_timestamp_counts_in_its_own_wall_clock_time(zone):
    """2025-12-01 00:00 in Shanghai is 2025-11-30 in UTC; the export means December."""
    stamp = pl.Series([dt.datetime(2025, 12, 1, 0, 0)]).dt.replace_time_zone(zone)
    assert one(PERIOD, stamp[0], stamp.dtype) == dt.date(2025, 12, 1)
    assert one(DUE, stamp[0], stamp.dtype) == dt.date(2025, 12, 1)
    assert one(TS, stamp[0], stamp.dtype) == dt.datetime(2025, 12, 1, 0, 0)


@pytest.mark.parametrize(("text", "expected"), [("３１２１", 3121.0), ("３，１２１．５", 3121.5), ("－５", -5.0), ("１２", 12.0)])
def test_full_width_digits_are_digits(text, expected):
    assert one(KWH, text) == expected


@pytest.mark.parametrize("text", ["１２,５", "３１２１度"])
def test_full_width_digits_follow_the_same_rules(text):
    assert one(KWH, text) is None


@pytest.mark.parametrize(
    ("column", "cells", "expected"),
    [
        (["2024.01", "2024.1", "2024.12"], [" 2024.1 ", "2024.11", "2024-01"], ["2024.10", "2024.11", "2024-01"]),
        (["2024.1", "2024.2"], ["2024.1"], ["2024.1"]),
        (["2024.1", "2024.10", "2024.12"], ["2024.1"], ["2024.1"]),
        (["2024.1", "2024.12"], ["2024.1", "2024.12"], ["2024.1" + parse._AMBIGUOUS, "2024.12"]),
        (["2024-01", "2024-10"], ["2024.1"], ["2024.1"]),
    ],
    ids=["two-digit-months", "one-digit", "ten-written", "ambiguous", "not-dotted"],
)
def test_lost_trailing_zero(column, cells, expected):
    """Excel keeps 2024.10 typed as a number as 2024.1: the column's other months tell October from January."""
    got = pl.select(parse.lost_trailing_zero(pl.lit(pl.Series(cells)), pl.Series(column))).to_series().to_list()
    assert got == expected
