"""Readers (SPEC §2): every export a utility analyst meets loads to the same canonical typed table."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from polars.testing import assert_frame_equal

from powercrm.errors import InputError, UsageError
from powercrm.io.readers import (
    ROW,
    Dataset,
    LoadedTable,
    detect_encoding,
    first_invalid_utf8,
    estimated_rows,
    load_dataset,
    normalize_encoding,
    raw_name,
    read_table,
    parquet_max,
    tail_values,
)
from powercrm.io.schema import BILLING, CUSTOMERS, LOAD, SUPPLY
from tests.conftest import (
    BILLING_EN,
    BILLING_ROWS,
    BILLING_ZH,
    CUSTOMERS_EN,
    CUSTOMERS_ROWS,
    CUSTOMERS_ZH,
    csv_bytes,
    write_csv,
)

D = dt.date
IDS = ["0033001234", "0033001235", "0033001236"]

EXPECTED_CUSTOMERS = pl.DataFrame(
    {
        "customer_id": IDS,
        "name": ["张三", "某某钢铁有限公司", "李四"],
        "customer_class": ["residential", "large_industry", "commercial"],
        "voltage_kv": [0.22, 10.0, 0.4],
        "contract_capacity_kva": [8.0, 1250.0, 50.0],
        "backup_power": [False, True, False],
        "open_date": [D(2024, 1, 5), D(2023, 12, 1), D(2023, 1, 5)],
        "status": ["active", "active", "cancelled"],
    }
)
EXPECTED_BILLING = pl.DataFrame(
    {
        "customer_id": [IDS[0], IDS[0], IDS[1], IDS[1], IDS[2]],
        "period": [D(2024, 1, 1), D(2024, 2, 1), D(2024, 1, 1), D(2024, 2, 1), D(2024, 1, 1)],
        "kwh": [120.0, 1234.5, 100000.0, 98000.5, 0.0],
        "amount_due": [60.5, 617.25, 52000.0, 51000.0, 0.0],
    }
)


def typed(t: LoadedTable, columns: list[str] | None = None) -> pl.DataFrame:
    df = t.typed().collect()
    return df.select(columns) if columns else df


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook as an export writes it: str cells as text, numbers as numbers, dates as Excel dates."""
    with xlsxwriter.Workbook(path) as wb:
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        for name, rows in sheets.items():
            ws = wb.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, dt.date):
                        ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_fmt)
                    elif isinstance(value, str):
                        ws.write_string(r, c, value)
                    else:
                        ws.write_number(r, c, value)
    return path


# --------------------------------------------------------------------------------------------
# CSV encodings and headers


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.parametrize("zh", [True, False], ids=["zh-headers", "en-headers"])
def test_csv_in_every_encoding_loads_the_same_table(tmp_path, encoding, zh):
    path = write_csv(tmp_path / "customers.csv", CUSTOMERS_ZH if zh else CUSTOMERS_EN, CUSTOMERS_ROWS, encoding=encoding)
    t = read_table(CUSTOMERS, path)
    assert t.encoding == ("utf-8" if encoding.startswith("utf") else "gb18030")
    assert t.delimiter == ","
    assert_frame_equal(typed(t, CUSTOMERS_EN), EXPECTED_CUSTOMERS)
    assert typed(t)[ROW].to_list() == [2, 3, 4]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_loads_the_same_table(tmp_path, encoding):
    """Excel's "Unicode Text" export: UTF-16 with a byte-order mark, tab-delimited."""
    text = csv_bytes(CUSTOMERS_ZH, CUSTOMERS_ROWS, delimiter="\t").decode()
    path = tmp_path / "customers.txt"
    path.write_bytes(text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding))
    t = read_table(CUSTOMERS, path)
    assert (t.encoding, t.delimiter) == ("utf-16", "\t")
    assert_frame_equal(typed(t, CUSTOMERS_EN), EXPECTED_CUSTOMERS)
    assert typed(t)[ROW].to_list() == [2, 3, 4]


def test_utf16_without_a_byte_order_mark_is_a_clear_error(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(CUSTOMERS_ZH, CUSTOMERS_ROWS).decode().encode("utf-16-le"))
    with pytest.raises(InputError, match="NUL bytes.*UTF-16 without a byte-order mark"):
        read_table(CUSTOMERS, path)


@pytest.mark.parametrize("name", ["王䶮", "𠈌", "䶮"])
def test_gb18030_only_names_survive(tmp_path, name):
    """䶮 (2-byte GB18030 only) and 𠈌 (4-byte) are not in GBK: detection must decode them as GB18030, not drop them."""
    rows = [["0033001234", name]]
    path = write_csv(tmp_path / "c.csv", ["户号", "户名"], rows, encoding="gb18030")
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")
    t = read_table(CUSTOMERS, path)
    assert t.encoding == "gb18030"
    assert typed(t)["name"].to_list() == [name]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(csv_bytes(["customer_id", "note"], [["007", "x"]], encoding="utf-8-sig"))
    t = read_table(CUSTOMERS, path)
    assert "customer_id" in t.present
    assert typed(t)["customer_id"].to_list() == ["007"]


def test_utf8_file_with_chinese_is_not_mistaken_for_gbk(tmp_path):
    path = write_csv(tmp_path / "c.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS, encoding="utf-8")
    assert read_table(CUSTOMERS, path).encoding == "utf-8"


def test_gbk_text_after_the_sniffed_block(tmp_path, monkeypatch):
    from powercrm.io import readers
    from powercrm.io.schema import EVENTS

    monkeypatch.setattr(readers, "_SNIFF_BYTES", 64)  # stands for 1 MiB of ASCII rows
    rows = [[f"{i:010d}", "2024-01-05", "theft"] for i in range(20)] + [["0000000099", "2024-01-06", "窃电"]]
    path = write_csv(tmp_path / "events.csv", ["customer_id", "date", "kind"], rows, encoding="gbk")
    t = read_table(EVENTS, path)
    assert t.encoding == "gb18030" and typed(t)["kind"].to_list()[-1] == "theft"


def test_gbk_text_that_no_sample_reaches(tmp_path, monkeypatch):
    """A GBK name in a few rows past the samples: the scan stopped with polars's bare "invalid utf-8 sequence"."""
    from powercrm.io import readers
    from powercrm.io.schema import EVENTS

    monkeypatch.setattr(readers, "_SNIFF_BYTES", 64)
    monkeypatch.setattr(readers, "later_samples", lambda path: [])
    rows = [[f"{i:010d}", "2024-01-05", "theft"] for i in range(20)] + [["0000000099", "2024-01-06", "窃电"]]
    path = write_csv(tmp_path / "events.csv", ["customer_id", "date", "kind"], rows, encoding="gbk")
    t = read_table(EVENTS, path)
    assert t.encoding == "gb18030" and typed(t)["kind"].to_list()[-1] == "theft"
    with pytest.raises(InputError, match=r"events.csv: byte \d+ is not valid UTF-8 \(--input-encoding utf-8\); the file may be GBK"):
        read_table(EVENTS, path, encoding="utf-8")


def test_first_invalid_utf8_reads_the_whole_file(tmp_path):
    ascii_part = b"0123456789,2024-01,5\n" * 900_000  # 18.9 MB: past the first 16 MiB chunk
    path = tmp_path / "b.csv"
    path.write_bytes(ascii_part + "户号".encode("gbk") + b"\n")
    assert first_invalid_utf8(path) == len(ascii_part)
    path.write_bytes(ascii_part[:-3] + "户号,窃电\n".encode() * 10)  # UTF-8 across the chunk boundary
    assert first_invalid_utf8(path) is None


def test_detect_encoding():
    assert detect_encoding(Path("x"), "户号".encode("utf-8-sig")) == "utf8"
    assert detect_encoding(Path("x"), "户号".encode()) == "utf8"
    assert detect_encoding(Path("x"), "户号,䶮".encode("gb18030")) == "gb18030"
    # a UTF-8 character cut at the end of the sniffed block is still UTF-8
    assert detect_encoding(Path("x"), "户号".encode()[:-1]) == "utf8"
    with pytest.raises(InputError, match="not UTF-8 or GBK"):
        detect_encoding(Path("x"), b"\xff\xff\xff\x80")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("utf-8", "utf8"), ("UTF8", "utf8"), ("utf-8-sig", "utf8"), ("utf_8_sig", "utf8"), ("gbk", "gb18030"),
     ("GBK", "gb18030"), ("gb2312", "gb18030"), ("cp936", "gb18030"), ("GB18030", "gb18030"), (None, None)],
)
def test_normalize_encoding(given, expected):
    assert normalize_encoding(given) == expected


@pytest.mark.parametrize("bad", ["latin-1", "utf-16", "big5", ""])
def test_unknown_encoding_is_a_usage_error(bad):
    with pytest.raises(UsageError, match="unknown encoding") as info:
        normalize_encoding(bad)
    assert info.value.exit_code == 2


@pytest.mark.parametrize(("file_encoding", "forced"), [("gbk", "gbk"), ("gbk", "GB2312"), ("gb18030", "cp936"),
                                                       ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")])
def test_forced_encoding(tmp_path, file_encoding, forced):
    path = write_csv(tmp_path / "c.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS, encoding=file_encoding)
    t = read_table(CUSTOMERS, path, encoding=forced)
    assert_frame_equal(typed(t, CUSTOMERS_EN), EXPECTED_CUSTOMERS)


def test_forced_unknown_encoding_raises_usage_error(tmp_path):
    path = write_csv(tmp_path / "c.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS)
    with pytest.raises(UsageError, match="unknown encoding --input-encoding 'latin-1'"):
        read_table(CUSTOMERS, path, encoding="latin-1")


def test_wrong_forced_encoding_is_a_clear_input_error(tmp_path):
    path = write_csv(tmp_path / "c.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS, encoding="gbk")
    with pytest.raises(InputError, match=r"c.csv: byte \d+ is not valid UTF-8 \(--input-encoding utf-8\); the file may be GBK"):
        read_table(CUSTOMERS, path, encoding="utf-8").lf.collect()


@pytest.mark.parametrize(
    "headers",
    [
        [" 户号 ", "户名  ", "\t用电类别", "供电电压 ", " 合同容量", "自备应急电源", "立户日期", "状态 "],
        ["  customer_id", "Name ", "Customer_Class", "VOLTAGE_KV", "contract_capacity_kva ", "backup_power",
         "open_date", " status"],
        ["户 号", "客户名称", "用电类别", "电压等级", "合同容量(kVA)", "自备应急电源", "立户日期", "用户状态"],
        ["户号", "户名", "用电类别", "供电电压（kV）", "合同容量（kVA）", "自备应急电源", "立户日期", "客户状态"],
        ["Customer Id", "Name", "Customer Class", "Voltage Kv", "Contract Capacity Kva", "Backup Power", "Open Date", "Status"],
        ["customer-id", "name", "customer-class", "voltage-kv", "contract-capacity-kva", "backup-power", "open-date", "status"],
        ["CustomerID", "Name", "CustomerClass", "VoltageKV", "ContractCapacityKVA", "BackupPower", "OpenDate", "Status"],
    ],
    ids=["zh-spaces", "en-spaces-case", "other-aliases", "fullwidth-units", "en-title-words", "en-hyphens", "en-camel"],
)
def test_header_spellings(tmp_path, headers):
    path = write_csv(tmp_path / "c.csv", headers, CUSTOMERS_ROWS)
    t = read_table(CUSTOMERS, path)
    assert set(CUSTOMERS_EN) <= t.present
    assert_frame_equal(typed(t, CUSTOMERS_EN), EXPECTED_CUSTOMERS)


@pytest.mark.parametrize(
    "headers",
    [
        ["用户号", "账务年月", "有功总电量", "应收电费金额"],
        ["用电户号", "电费月份", "计费电量", "应收金额"],
        ["户号", "统计年月", "结算电量", "应收电费"],
    ],
    ids=["sg-export", "billing-system", "settlement"],
)
def test_billing_header_spellings_of_other_systems(tmp_path, headers):
    path = write_csv(tmp_path / "b.csv", headers, BILLING_ROWS)
    assert_frame_equal(typed(read_table(BILLING, path), BILLING_EN), EXPECTED_BILLING)


def test_user_alias_mapping(tmp_path):
    path = write_csv(tmp_path / "b.csv", ["户号", "账期", "本月电量"], [["0033001234", "2024-01", "1,234.5"]])
    assert read_table(BILLING, path).missing_required == ["kwh"]
    t = read_table(BILLING, path, aliases={"本月电量": "kwh"})
    assert t.missing_required == []
    assert typed(t)["kwh"].to_list() == [1234.5]


def test_user_alias_wins_over_a_builtin_alias(tmp_path):
    # 电量 is a builtin alias of kwh; a utility whose 电量 column is reactive energy remaps it
    path = write_csv(tmp_path / "b.csv", ["户号", "账期", "电量", "结算电量"], [["1", "2024-01", "5", "7"]])
    t = read_table(BILLING, path, aliases={"电量": "kvarh", "结算电量": "kwh"})
    assert typed(t).select("kwh", "kvarh").row(0) == (7.0, 5.0)


def test_unknown_columns_pass_through_untouched(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["户号", "备注", "Sales Rep"], [["0033001234", " 007 ", "王"]])
    df = typed(read_table(CUSTOMERS, path))
    assert df.columns[-2:] == ["备注", "Sales Rep"]
    assert df.select("备注", "Sales Rep").row(0) == (" 007 ", "王")


def test_absent_optional_columns_are_typed_nulls(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["户号"], [["1"]])
    t = read_table(CUSTOMERS, path)
    df = typed(t)
    assert t.present == {"customer_id"}
    assert df.columns[:1 + len(CUSTOMERS.columns)] == [ROW, *CUSTOMERS.names]
    assert df.schema["open_date"] == pl.Date and df["open_date"].to_list() == [None]
    assert df.schema["voltage_kv"] == pl.Float64


def test_missing_required_column_is_recorded_not_raised(tmp_path):
    path = write_csv(tmp_path / "b.csv", ["户号", "账期"], [["1", "2024-01"]])
    t = read_table(BILLING, path)
    assert t.missing_required == ["kwh"]
    assert typed(t)["kwh"].to_list() == [None]


def test_supply_needs_a_line_or_an_area(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["账期", "供电量"], [["2024-01", "10"]])
    assert read_table(SUPPLY, path).missing_required == ["line_id or area_id"]
    path = write_csv(tmp_path / "s2.csv", ["台区", "账期", "供电量"], [["T1", "2024-01", "10"]])
    assert read_table(SUPPLY, path).missing_required == []


def test_raw_text_of_unreadable_cells_is_kept(tmp_path):
    rows = [["1", "2024-01", "abc"], ["2", "2024-13", "5"], ["3", "2024-02", "7"]]
    t = read_table(BILLING, write_csv(tmp_path / "b.csv", ["户号", "账期", "电量"], rows))
    assert {"kwh", "period"} <= set(t.fallible)
    df = t.lf.with_columns(problem=t.problem()).collect()
    assert df[raw_name("kwh")].to_list() == ["abc", None, None]  # the text of cells read is not kept
    assert df["kwh"].to_list() == [None, 5.0, 7.0]
    assert df["problem"].to_list() == ["kwh='abc'", "period='2024-13'", None]
    assert not any(c.startswith("_raw_") for c in t.typed().collect_schema().names())


# --------------------------------------------------------------------------------------------
# Delimiters, lines, odd CSV shapes


@pytest.mark.parametrize(("delimiter", "suffix"), [(";", ".csv"), ("\t", ".csv"), ("\t", ".txt"), ("|", ".csv")])
def test_delimiter_is_sniffed(tmp_path, delimiter, suffix):
    path = tmp_path / f"billing{suffix}"
    path.write_bytes(csv_bytes(BILLING_ZH, BILLING_ROWS, delimiter=delimiter, encoding="gbk"))
    t = read_table(BILLING, path)
    assert t.delimiter == delimiter
    assert_frame_equal(typed(t, BILLING_EN), EXPECTED_BILLING)


FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "rows"),
    [
        ("utf8_bom.csv", "utf-8", ",", [("0033001234", "张三")]),
        ("gbk.csv", "gb18030", ",", [("0033001234", "张三")]),
        ("gb18030.csv", "gb18030", ",", [("0033001234", "王䶮")]),
        ("semicolon.csv", "utf-8", ";", [("0033001234", "张三"), ("0033001235", "李四")]),
        ("tab.csv", "utf-8", "\t", [("0033001234", "张三")]),
        ("pipe.csv", "utf-8", "|", [("0033001234", "张三")]),
        ("spaces_in_headers.csv", "utf-8", ",", [("0033001234", "张三")]),
        ("quoted_newline.csv", "utf-8", ",", [("0033001234", "张三"), ("0033001235", "李四")]),
    ],
)
def test_edge_case_fixture_files(name, encoding, delimiter, rows):
    t = read_table(CUSTOMERS, FIXTURES / name)
    assert (t.encoding, t.delimiter) == (encoding, delimiter)
    assert typed(t).select("customer_id", "name").rows() == rows


def test_semicolon_fixture_keeps_thousands_separators_inside_quotes():
    df = typed(read_table(CUSTOMERS, FIXTURES / "semicolon.csv"))
    assert df["contract_capacity_kva"].to_list() == [1234.5, 8.0]


def test_quoted_fields_with_delimiters_quotes_and_newlines(tmp_path):
    rows = [["0033001234", 'A,"B"\n二楼', "3"], ["0033001235", "x", "4"]]
    t = read_table(CUSTOMERS, write_csv(tmp_path / "c.csv", ["户号", "用电地址", "变压器台数"], rows))
    df = typed(t)
    assert df["address"].to_list() == ['A,"B"\n二楼', "x"]
    # rows are records as Excel shows them, not physical lines
    assert df[ROW].to_list() == [2, 3]


def test_rows_after_a_blank_line_keep_their_line_numbers(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("户号,户名\n0033001234,a\n\n0033001235,b\n", encoding="utf-8")
    df = typed(read_table(CUSTOMERS, path)).filter(pl.col("customer_id").is_not_null())
    assert df.select(ROW, "customer_id").rows() == [(2, "0033001234"), (4, "0033001235")]


@pytest.mark.parametrize("ending", ["\n\n", "\r\n\r\n", "\n\n\n"])
def test_trailing_blank_lines_are_not_rows(tmp_path, ending):
    path = tmp_path / "c.csv"
    path.write_bytes(("户号,户名\n0033001234,a" + ending).encode())
    assert typed(read_table(CUSTOMERS, path)).height == 1


def test_header_only_csv_is_an_empty_table(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("户号,户名\n", encoding="utf-8")
    t = read_table(CUSTOMERS, path)
    assert t.missing_required == []
    assert typed(t).height == 0


def test_two_headers_for_one_column_are_an_error_the_users_mapping_settles(tmp_path):
    """The error's advice (name the one to use in the config) ended in polars's "column 'customer_id' is
    duplicate" when the other header was the canonical name itself."""
    path = write_csv(tmp_path / "c.csv", ["户号", "customer_id", "户名"], [["1", "2", "a"]])
    with pytest.raises(InputError, match="c.csv: columns '户号', 'customer_id' all read as customer_id"):
        read_table(CUSTOMERS, path)
    for chosen, value in (("户号", "1"), ("customer_id", "2")):
        t = read_table(CUSTOMERS, path, aliases={chosen: "customer_id"})
        assert typed(t)["customer_id"].to_list() == [value] and t.extras == []


# --------------------------------------------------------------------------------------------
# Files that cannot be used


@pytest.mark.parametrize("name", ["电费[2024-01].csv", "billing[1].parquet"])
def test_file_names_with_glob_characters(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".parquet"):
        pl.DataFrame({"customer_id": ["1"], "period": ["2024-01"], "kwh": [5.0]}).write_parquet(path)
    else:
        write_csv(path, ["户号", "账期", "电量"], [["1", "2024-01", "5"]])
    assert typed(read_table(BILLING, path))["kwh"].to_list() == [5.0]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_table(CUSTOMERS, tmp_path / "nope.csv")


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n", b"  \r\n\t"], ids=["empty", "bom-only", "newlines", "spaces"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match="empty"):
        read_table(CUSTOMERS, path)


def test_empty_fixture_file():
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        read_table(CUSTOMERS, FIXTURES / "empty.csv")


def test_binary_file(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="binary"):
        read_table(CUSTOMERS, path)


def test_an_xlsx_renamed_to_csv_is_binary(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"customers": [["户号"], ["1"]]})
    path = path.rename(tmp_path / "c.csv")
    with pytest.raises(InputError, match="binary"):
        read_table(CUSTOMERS, path)


def test_undecodable_text(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"\xff\xff\xfa\x80abc,def\n")  # (\xff\xfe would be a UTF-16 byte-order mark)
    with pytest.raises(InputError, match="not UTF-8 or GBK"):
        read_table(CUSTOMERS, path)


def test_unsupported_extension(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("[]")
    with pytest.raises(InputError, match="unsupported file type '.json'"):
        read_table(CUSTOMERS, path)


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_corrupt_binary_formats(tmp_path, suffix):
    path = tmp_path / f"c{suffix}"
    path.write_bytes(b"this is not a real file")
    with pytest.raises(InputError, match=f"c{suffix}: cannot read"):
        read_table(CUSTOMERS, path)


# --------------------------------------------------------------------------------------------
# Excel


CUSTOMERS_XLSX_ROWS = [
    ["0033001234", "张三", "居民生活", "220V", 8, "否", D(2024, 1, 5), "正常"],
    ["0033001235", "某某钢铁有限公司", "大工业", "10kV", 1250, "是", "2023-12-01", "正常"],
    ["0033001236", "李四", "商业", "0.4kV", 50.0, "N", "20230105", "销户"],
]
BILLING_XLSX_ROWS = [
    ["0033001234", "2024-01", 120, 60.5],
    ["0033001234", D(2024, 2, 1), "1,234.5", 617.25],
    ["0033001235", "2024/1", 100000, "52,000"],
    ["0033001235", "2024年2月", 98000.5, 51000],
    ["0033001236", 202401, 0, 0],
]


def test_xlsx_with_typed_cells(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [CUSTOMERS_ZH, *CUSTOMERS_XLSX_ROWS]})
    t = read_table(CUSTOMERS, path)
    assert_frame_equal(typed(t, CUSTOMERS_EN), EXPECTED_CUSTOMERS)
    assert typed(t)[ROW].to_list() == [2, 3, 4]
    bpath = write_xlsx(tmp_path / "b.xlsx", {"Sheet1": [BILLING_ZH, *BILLING_XLSX_ROWS]})
    assert_frame_equal(typed(read_table(BILLING, bpath), BILLING_EN), EXPECTED_BILLING)


def test_xlsx_numeric_id_cells_read_without_decimal_point(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [["户号", "电能表号"], [33001234, 3301000000123], ["0033001235", "007"]]})
    assert typed(read_table(CUSTOMERS, path)).select("customer_id", "meter_id").rows() == [
        ("33001234", "3301000000123"),
        ("0033001235", "007"),
    ]


def test_xlsx_title_row_above_the_header(tmp_path):
    path = tmp_path / "title_row.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("客户档案")
        ws.merge_range(0, 0, 0, 3, "国网某供电公司 客户档案（2024年1月）")
        ws.write_row(1, 0, ["户号", "户名", "用电类别"])
        ws.write_row(2, 0, ["0033001234", "张三", "居民生活"])
        ws.write_row(3, 0, ["0033001235", "李四", "大工业"])
    t = read_table(CUSTOMERS, path)
    df = typed(t)
    assert df.select(ROW, "customer_id", "customer_class").rows() == [
        (3, "0033001234", "residential"),
        (4, "0033001235", "large_industry"),
    ]


def test_xlsx_title_and_blank_row_above_the_header(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [["客户档案 导出日期 2024-02-01"], [], ["户号", "户名"], ["0033001234", "张三"]]})
    assert typed(read_table(CUSTOMERS, path)).select(ROW, "customer_id").rows() == [(4, "0033001234")]


def test_xlsx_row_numbers_count_leading_empty_rows(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [[], [], ["户号", "户名"], ["0033001234", "张三"]]})
    assert typed(read_table(CUSTOMERS, path))[ROW].to_list() == [4]


def test_xlsx_row_numbers_skip_a_formatted_empty_first_row(tmp_path):
    """A styled row with no value above the header is not where calamine starts: the data row is Excel's row 3."""
    path = tmp_path / "c.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Sheet1")
        bold = wb.add_format({"bold": True})
        ws.set_row(0, 30, bold)
        ws.write_blank(0, 0, None, bold)
        ws.write_row(1, 0, ["户号", "户名"])
        ws.write_row(2, 0, ["0033001234", "张三"])
    assert typed(read_table(CUSTOMERS, path))[ROW].to_list() == [3]


@pytest.mark.parametrize("sheet", ["客户档案", "customers", "Customers"])
def test_xlsx_sheet_named_after_the_table_is_chosen(tmp_path, sheet):
    path = write_xlsx(tmp_path / "c.xlsx", {"说明": [["本文件导出自营销系统"], ["户号"], ["not me"]], sheet: [["户号"], ["0033001234"]]})
    assert typed(read_table(CUSTOMERS, path))["customer_id"].to_list() == ["0033001234"]


def test_xlsx_with_the_table_on_several_sheets_is_an_error_naming_them(tmp_path):
    """A billing export split by year over two sheets: reading one would lose the other's bills."""
    path = write_xlsx(tmp_path / "c.xlsx", {"2024": [["户号"], ["1"]], "2025": [["户号"], ["2"]]})
    with pytest.raises(InputError, match="sheets '2024', '2025' all hold a customers table"):
        read_table(CUSTOMERS, path)


def test_xlsx_reads_the_one_sheet_with_the_header_after_a_summary_sheet(tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", {"汇总": [["合计电量"], ["3"]], "明细": [["户号", "账期", "电量"], ["1", "2024-01", "3"]]})
    t = read_table(BILLING, path)
    assert t.sheet == "明细" and typed(t)["kwh"].to_list() == [3.0]
    assert typed(t)[ROW].to_list() == [2]


def test_xlsx_sheet_named_after_the_table_wins_over_other_sheets_with_the_header(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"导出": [["户号"], ["1"]], "客户档案": [["户号"], ["2"]]})
    t = read_table(CUSTOMERS, path)
    assert (t.sheet, typed(t)["customer_id"].to_list()) == ("客户档案", ["2"])


def test_xlsx_with_extra_empty_sheets(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [["户号"], ["0033001234"]], "Sheet2": [], "Sheet3": []})
    assert typed(read_table(CUSTOMERS, path))["customer_id"].to_list() == ["0033001234"]


def _billing_with_formulas(path: Path, at_row: int = 0, at_column: int = 0) -> Path:
    """实收电费 as formulas, as an analyst's workbook holds them: a saved value, a VLOOKUP that found
    nothing (#N/A), one never calculated (written by a program; xlsxwriter writes an empty value).
    The table starts at `at_row`, `at_column` (0-based), below and right of empty cells."""
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Sheet1")
        ws.write_row(at_row, at_column, ["户号", "账期", "有功电量", "应收电费", "实收电费"])
        for i, (paid_formula, paid_value) in enumerate([("=D2", 60.5), ("=VLOOKUP(A3,缴费!A:B,2,0)", "#N/A"), ("=D4*1", "")]):
            r = at_row + 1 + i
            ws.write_row(r, at_column, [f"003300123{i}", "2024-01", 120, 60.5])
            ws.write_formula(r, at_column + 4, paid_formula, None, paid_value)
    return path


@pytest.mark.parametrize("at", [(0, 0), (2, 1)], ids=["A1", "B3"])
def test_xlsx_error_cells_and_unsaved_formulas_are_unreadable_values_not_blanks(tmp_path, at):
    """calamine reads #N/A and a formula without a saved value as empty: a payment would count as unpaid.
    They keep their text, so the row is reported and set aside like any unreadable value."""
    t = read_table(BILLING, _billing_with_formulas(tmp_path / "b.xlsx", *at))
    df = t.lf.collect()
    assert df.select(ROW, "customer_id", "amount_paid", raw_name("amount_paid")).rows() == [
        (at[0] + 2, "0033001230", 60.5, None),
        (at[0] + 3, "0033001231", None, "#N/A"),
        (at[0] + 4, "0033001232", None, "=D4*1 (formula, no saved value)"),
    ]
    assert df.select(t.bad_value("amount_paid")).to_series().to_list() == [False, True, True]


@pytest.mark.parametrize(("name", "first"), [("billing_a1.xls", 3), ("billing_b3.xls", 5)], ids=["A1", "B3"])
def test_xls_error_cells_are_unreadable_values_and_merged_ids_fill_down(name, first):
    """The old binary format (tests/fixtures/xls/make.py): calamine reads #N/A as empty there too, and a
    户号 merged over a customer's months in its first row only; rows are numbered as Excel shows them."""
    t = read_table(BILLING, FIXTURES.parent / "xls" / name)
    df = t.lf.collect()
    assert df.select(ROW, "customer_id", "amount_paid", raw_name("amount_paid")).rows() == [
        (first, "0033001230", 60.5, None),
        (first + 1, "0033001230", None, "#N/A"),
        (first + 2, "0033001230", 60.5, None),
        (first + 3, "0033001231", None, "#DIV/0!"),
    ]
    assert df.select(t.bad_value("amount_paid")).to_series().to_list() == [False, True, False, True]


def test_xlsx_without_error_cells_or_formulas_reads_as_before(tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", {"Sheet1": [["户号", "账期", "有功电量", "实收电费"], ["1", "2024-01", 5, None], ["2", "2024-01", 5, 3]]})
    assert typed(read_table(BILLING, path))["amount_paid"].to_list() == [None, 3.0]


@pytest.mark.parametrize(
    ("months", "read"),
    [
        # two-digit months elsewhere: 2024.1 is the number 2024.10 (Excel keeps no trailing zero)
        ([2024.01, 2024.09, 2024.1, 2024.11], ["2024-01", "2024-09", "2024-10", "2024-11"]),
        # one digit and no month past September: 2024.1 is January
        ([2024.1, 2024.2, 2024.9], ["2024-01", "2024-02", "2024-09"]),
        # one digit with `.10` written as text: 2024.1 is January
        ([2024.1, "2024.10", 2024.12], ["2024-01", "2024-10", "2024-12"]),
        # one digit and November: 2024.1 is January or October, so not read
        ([2024.1, 2024.2, 2024.11], [None, "2024-02", "2024-11"]),
    ],
    ids=["two-digit", "one-digit", "ten-as-text", "ambiguous"],
)
def test_xlsx_period_typed_as_a_number(tmp_path, months, read):
    rows = [["0033001234", m, 1] for m in months]
    path = write_xlsx(tmp_path / "b.xlsx", {"Sheet1": [["户号", "账期", "有功电量"], *rows]})
    df = read_table(BILLING, path).lf.collect()
    assert df["period"].dt.strftime("%Y-%m").to_list() == read
    if None in read:
        assert "January or October" in df[raw_name("period")][read.index(None)]


def test_parquet_period_of_floats_with_two_digit_months(tmp_path):
    """pandas writes a workbook's numeric 账期 as floats: 2024.1 beside 2024.01 is October."""
    path = tmp_path / "billing.parquet"
    pl.DataFrame({"户号": ["1"] * 3, "账期": [2024.01, 2024.1, 2024.12], "有功电量": [1.0, 2.0, 3.0]}).write_parquet(path)
    assert typed(read_table(BILLING, path))["period"].to_list() == [D(2024, 1, 1), D(2024, 10, 1), D(2024, 12, 1)]


def test_xlsx_cells_merged_down_the_rows_hold_their_value_in_every_row(tmp_path):
    """A report merges a customer's 户号 and 户名 over its month rows; the title merged across is a title."""
    path = tmp_path / "b.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Sheet1")
        ws.merge_range(0, 0, 0, 3, "电费账单 2024年")
        ws.write_row(1, 0, ["户号", "账期", "有功电量", "户名"])
        ws.merge_range(2, 0, 4, 0, "0033001234")
        ws.merge_range(2, 3, 4, 3, "张三")
        for i in range(3):
            ws.write_row(2 + i, 1, [f"2024-0{i + 1}", 100 + i])
        ws.write_row(5, 0, ["0033001235", "2024-01", 7])
    df = read_table(BILLING, path).lf.collect()
    assert df.select(ROW, "customer_id", "kwh", "户名").rows() == [
        (3, "0033001234", 100.0, "张三"),
        (4, "0033001234", 101.0, "张三"),
        (5, "0033001234", 102.0, "张三"),
        (6, "0033001235", 7.0, None),
    ]


def test_xlsx_header_cells_merged_over_two_header_rows_are_read_as_before(tmp_path):
    path = tmp_path / "b.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Sheet1")
        ws.merge_range(0, 0, 1, 0, "户号")
        ws.merge_range(0, 1, 1, 1, "账期")
        ws.merge_range(0, 2, 0, 3, "电量")
        ws.write_row(1, 2, ["有功", "无功"])
        ws.write_row(2, 0, ["0033001234", "2024-01", 100, 20])
    df = read_table(BILLING, path).lf.collect()
    assert df.filter(pl.col("customer_id").is_not_null()).select(ROW, "customer_id", "kwh").rows() == [(3, "0033001234", 100.0)]


def test_xlsx_empty_sheet_is_one_clear_line(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"customers": []})
    with pytest.raises(InputError) as info:
        read_table(CUSTOMERS, path)
    assert "\n" not in str(info.value)
    assert "empty" in str(info.value)


def test_xlsx_without_a_recognisable_header(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [["编号", "名称"], ["1", "a"]]})
    with pytest.raises(InputError, match=r"c\.xlsx: no header row with customer_id in the first 20 rows of sheet 'Sheet1'"):
        read_table(CUSTOMERS, path)


def test_xlsx_billing_header_needs_every_required_column(tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", {"Sheet1": [["户号", "账期"], ["1", "2024-01"]]})
    with pytest.raises(InputError, match="customer_id, kwh, period"):
        read_table(BILLING, path)


def test_xlsx_duplicate_and_blank_headers_become_distinct_columns_named_as_polars_names_csv_ones(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [["户号", "备注", "备注", None, "x"], ["1", "a", "b", "c", "d"]]})
    df = typed(read_table(CUSTOMERS, path))
    assert df.select("customer_id", "备注", "备注_duplicated_0", "column_4", "x").row(0) == ("1", "a", "b", "c", "d")


def test_xlsx_boolean_number_and_datetime_cells(tmp_path):
    from powercrm.io.schema import LOAD_INTERVAL

    path = tmp_path / "c.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["户号", "自备应急电源", "双回路供电", "变压器台数"])
        ws.write_string(1, 0, "0033001234")
        ws.write_boolean(1, 1, True)
        ws.write_boolean(1, 2, False)
        ws.write_number(1, 3, 2)
    df = typed(read_table(CUSTOMERS, path))
    assert df.select("backup_power", "dual_supply", "transformer_count").row(0) == (True, False, 2)
    path = tmp_path / "l.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet()
        fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        ws.write_row(0, 0, ["户号", "采集时间", "负荷"])
        ws.write_string(1, 0, "0033001234")
        ws.write_datetime(1, 1, dt.datetime(2024, 1, 5, 0, 15), fmt)
        ws.write_number(1, 2, 12.5)
    df = typed(read_table(LOAD_INTERVAL, path))
    assert df.select("timestamp", "load_kw").row(0) == (dt.datetime(2024, 1, 5, 0, 15), 12.5)


# --------------------------------------------------------------------------------------------
# Parquet


def _parquet_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    customers = EXPECTED_CUSTOMERS.with_columns(
        customer_class=pl.Series(["居民生活", "大工业", "商业"]), status=pl.Series(["正常", "正常", "销户"])
    )
    return customers, EXPECTED_BILLING


def test_parquet_with_native_types(tmp_path):
    customers, billing = _parquet_frames()
    customers.write_parquet(tmp_path / "customers.parquet")
    billing.write_parquet(tmp_path / "billing.pq")
    t = read_table(CUSTOMERS, tmp_path / "customers.parquet")
    assert t.encoding is None and t.delimiter is None
    assert_frame_equal(typed(t, CUSTOMERS_EN), EXPECTED_CUSTOMERS)
    assert_frame_equal(typed(read_table(BILLING, tmp_path / "billing.pq"), BILLING_EN), EXPECTED_BILLING)


def test_parquet_with_text_columns_and_zh_names(tmp_path):
    df = pl.DataFrame([pl.Series(h, col, dtype=pl.String) for h, col in zip(BILLING_ZH, zip(*BILLING_ROWS))])
    df.write_parquet(tmp_path / "b.parquet")
    assert_frame_equal(typed(read_table(BILLING, tmp_path / "b.parquet"), BILLING_EN), EXPECTED_BILLING)


def test_parquet_integer_ids_become_text(tmp_path):
    pl.DataFrame({"customer_id": [33001234], "period": ["2024-01"], "kwh": [1]}).write_parquet(tmp_path / "b.parquet")
    assert typed(read_table(BILLING, tmp_path / "b.parquet"))["customer_id"].to_list() == ["33001234"]


def test_parquet_period_timestamp_is_its_month(tmp_path):
    pl.DataFrame({"customer_id": ["1"], "period": [dt.datetime(2024, 3, 17, 9)], "kwh": [1.0]}).write_parquet(
        tmp_path / "b.parquet"
    )
    assert typed(read_table(BILLING, tmp_path / "b.parquet"))["period"].to_list() == [D(2024, 3, 1)]


@pytest.mark.parametrize("by", ["period", "customer_id"])
def test_hive_partitioned_parquet_directory(tmp_path, by):
    billing = EXPECTED_BILLING.with_columns(pl.col("period").dt.strftime("%Y-%m"))
    billing.write_parquet(tmp_path / "billing", partition_by=by)
    t = read_table(BILLING, tmp_path / "billing")
    got = typed(t, BILLING_EN).sort("customer_id", "period")
    assert_frame_equal(got, EXPECTED_BILLING.sort("customer_id", "period"))
    assert sorted(typed(t)[ROW].to_list()) == [1, 2, 3, 4, 5]


def test_rows_of_a_directory_table_are_located_in_their_part_file(tmp_path):
    """Rows count across the parts in the order they are read (by path); a problem names the part and the row in it."""
    for year, n in (("2025", 3), ("2023", 2), ("2024", 1)):
        (tmp_path / "billing" / f"year={year}").mkdir(parents=True)
        pl.DataFrame({"户号": [f"C{i}" for i in range(n)], "账期": [f"{year}-01"] * n, "有功电量": [1.0] * n}).write_parquet(
            tmp_path / "billing" / f"year={year}" / "part.parquet"
        )
    t = read_table(BILLING, tmp_path / "billing")
    file, row = t.located()
    got = t.lf.select(ROW, "period", file.alias("file"), row.alias("in_file")).collect()
    assert got.rows() == [
        (1, D(2023, 1, 1), str(tmp_path / "billing" / "year=2023" / "part.parquet"), 1),
        (2, D(2023, 1, 1), str(tmp_path / "billing" / "year=2023" / "part.parquet"), 2),
        (3, D(2024, 1, 1), str(tmp_path / "billing" / "year=2024" / "part.parquet"), 1),
        (4, D(2025, 1, 1), str(tmp_path / "billing" / "year=2025" / "part.parquet"), 1),
        (5, D(2025, 1, 1), str(tmp_path / "billing" / "year=2025" / "part.parquet"), 2),
        (6, D(2025, 1, 1), str(tmp_path / "billing" / "year=2025" / "part.parquet"), 3),
    ]


@pytest.mark.parametrize(
    ("later", "message"),
    [({"户号": ["C2"], "账期": ["2025-01"], "有功电量": ["N/A"]}, "'有功电量': Float64 in year=2024/part.parquet, String in year=2025/part.parquet"),
     ({"户号": ["C2"], "账期": ["2025-01"]}, "'有功电量': Float64 in year=2024/part.parquet, absent in year=2025/part.parquet")],
)
def test_parts_of_a_directory_table_that_disagree_are_named(tmp_path, later, message):
    for year, frame in (("2024", {"户号": ["C1"], "账期": ["2024-01"], "有功电量": [1.0]}), ("2025", later)):
        (tmp_path / "billing" / f"year={year}").mkdir(parents=True)
        pl.DataFrame(frame).write_parquet(tmp_path / "billing" / f"year={year}" / "part.parquet")
    with pytest.raises(InputError, match=f"billing: its files disagree on column {re.escape(message)}"):
        read_table(BILLING, tmp_path / "billing")


def test_directory_of_non_parquet_files(tmp_path):
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "part-0.parquet").write_text("hello")
    with pytest.raises(InputError, match="cannot read as Parquet"):
        read_table(BILLING, tmp_path / "billing")


@pytest.mark.parametrize(("files", "message"), [(["_SUCCESS", "notes.md"], "it holds 2 other file(s) (e.g. _SUCCESS)"), ([], "it is empty")])
def test_a_directory_without_table_files_says_so(tmp_path, files, message):
    (tmp_path / "billing").mkdir()
    for name in files:
        (tmp_path / "billing" / name).write_text("", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(BILLING, tmp_path / "billing")
    assert str(err.value) == (
        f"{tmp_path / 'billing'}: a table directory must hold table files (.csv, .txt, .parquet, .pq, .xlsx, .xlsm, .xls), and {message}"
    )


def _monthly_exports(directory: Path) -> Path:
    """billing as three monthly exports, each as its system wrote it: GBK with Chinese headers; UTF-8 with a
    BOM, English headers in another order and a title line; an Excel workbook with a note sheet first."""
    directory.mkdir()
    write_csv(directory / "电费账单_202401.csv", BILLING_ZH, [BILLING_ROWS[0], BILLING_ROWS[2]], encoding="gbk")
    (directory / "billing_202402.csv").write_bytes(
        "\ufeff电费账单明细 2024年2月\n".encode() + csv_bytes(BILLING_EN[::-1], [r[::-1] for r in (BILLING_ROWS[1], BILLING_ROWS[3])])
    )
    write_xlsx(directory / "电费账单_202403.xlsx", {"说明": [["本表为导出"]], "电费": [BILLING_ZH, ["0033001236", "2024-01-01", 0, 0]]})
    return directory


def test_a_directory_of_csv_and_excel_parts_reads_each_as_its_own_file(tmp_path):
    """Monthly exports in one folder: each part keeps its encoding, header spelling, column order and title
    lines; the rows stack in path order, the same table as one file."""
    t = read_table(BILLING, _monthly_exports(tmp_path / "billing"))
    got = typed(t, BILLING_EN).sort("customer_id", "period")
    assert_frame_equal(got, EXPECTED_BILLING.sort("customer_id", "period"))
    assert t.present == {"customer_id", "period", "kwh", "amount_due"} and t.missing_required == []
    assert [name for name, _ in t.parts] == ["billing_202402.csv", "电费账单_202401.csv", "电费账单_202403.xlsx"]
    assert (t.encoding, t.delimiter, t.sheet) == (None, None, None)  # the parts differ: each says how it was read
    assert [(p.encoding, p.delimiter, p.sheet) for p in t.pieces] == [("utf-8", ",", None), ("gb18030", ",", None), (None, None, "电费")]
    assert estimated_rows(t) == 5


def test_rows_of_csv_and_excel_parts_are_located_in_their_part_file(tmp_path):
    t = read_table(BILLING, _monthly_exports(tmp_path / "billing"))
    file, row = t.located()
    got = t.lf.select(file.alias("file"), row.alias("row"), "customer_id").collect()
    where = tmp_path / "billing"
    assert got.rows() == [
        (str(where / "billing_202402.csv"), 3, "0033001234"),  # under the title line and the header
        (str(where / "billing_202402.csv"), 4, "0033001235"),
        (str(where / "电费账单_202401.csv"), 2, "0033001234"),
        (str(where / "电费账单_202401.csv"), 3, "0033001235"),
        (str(where / "电费账单_202403.xlsx"), 2, "0033001236"),
    ]


def test_a_bad_value_in_a_part_is_named_by_its_file_and_row(tmp_path):
    where = _monthly_exports(tmp_path / "billing")
    write_csv(where / "电费账单_202401.csv", BILLING_ZH, [BILLING_ROWS[0], ["0033001235", "2024/1", "抄表中", "52,000"]], encoding="gbk")
    t = read_table(BILLING, where)
    file, row = t.located()
    bad = t.lf.filter(t.bad_value("kwh")).select(file.alias("file"), row.alias("row"), raw_name("kwh")).collect()
    assert bad.rows() == [(str(where / "电费账单_202401.csv"), 3, "抄表中")]


def test_hive_folders_give_a_column_a_part_file_lacks(tmp_path):
    for month, rows in (("2024-01", [["C1", "5"], ["C2", "7"]]), ("2024-02", [["C1", "6"]])):
        write_csv(tmp_path / "billing" / f"period={month}" / "part-0.csv", ["户号", "有功电量"], rows)
    t = read_table(BILLING, tmp_path / "billing")
    assert typed(t, ["customer_id", "period", "kwh"]).rows() == [("C1", D(2024, 1, 1), 5.0), ("C2", D(2024, 1, 1), 7.0), ("C1", D(2024, 2, 1), 6.0)]
    assert t.missing_required == [] and t.extras == []


def test_a_part_without_a_required_column_the_others_have_is_named(tmp_path):
    write_csv(tmp_path / "billing" / "2024-01.csv", ["户号", "账期", "有功电量"], [["C1", "2024-01", "5"]])
    write_csv(tmp_path / "billing" / "2024-02.csv", ["户号", "账期", "电费"], [["C1", "2024-02", "5"]])
    with pytest.raises(InputError) as err:
        read_table(BILLING, tmp_path / "billing")
    assert str(err.value) == (
        f"{tmp_path / 'billing' / '2024-02.csv'}: required column 'kwh' (有功电量) missing, which other files of {tmp_path / 'billing'} have"
    )


def test_a_column_missing_from_every_part_is_recorded_as_for_one_file(tmp_path):
    for month in ("2024-01", "2024-02"):
        write_csv(tmp_path / "billing" / f"{month}.csv", ["户号", "账期"], [["C1", month]])
    assert read_table(BILLING, tmp_path / "billing").missing_required == ["kwh"]


def test_a_part_without_an_optional_column_the_others_have_gets_a_note(tmp_path):
    """A month exported without 违约金 scored that month's late fees as none, without a word."""
    write_csv(tmp_path / "billing" / "2024-01.csv", ["户号", "账期", "有功电量", "违约金"], [["C1", "2024-01", "5", "3.5"]])
    write_csv(tmp_path / "billing" / "2024-02.csv", ["户号", "账期", "有功电量"], [["C1", "2024-02", "5"]])
    t = read_table(BILLING, tmp_path / "billing")
    assert typed(t, ["late_fee"])["late_fee"].to_list() == [3.5, None]
    assert t.notes == [
        "billing: 2024-02.csv (1 of 2 files) has no 'late_fee' (违约金) column, which the other files have: it is empty in their rows"
    ]


@pytest.mark.parametrize("copy", ["备份/2024-01.csv", "2024-01 (1).csv"])
def test_a_copy_of_a_part_is_an_error_naming_both(tmp_path, copy):
    """A backup or a second download of a month summed its bills twice, as adjustment bills."""
    part = write_csv(tmp_path / "billing" / "2024-01.csv", ["户号", "账期", "有功电量"], [["C1", "2024-01", "5"]])
    write_csv(tmp_path / "billing" / "2024-02.csv", ["户号", "账期", "有功电量"], [["C1", "2024-02", "5"]])
    (tmp_path / "billing" / copy).parent.mkdir(exist_ok=True)
    shutil.copy(part, tmp_path / "billing" / copy)
    first, second = sorted(["2024-01.csv", copy])
    with pytest.raises(InputError) as err:
        read_table(BILLING, tmp_path / "billing")
    assert str(err.value) == f"{tmp_path / 'billing'}: {first} and {second} are the same file (a copy?); their rows would be counted twice: keep one"


def test_parts_of_the_same_content_in_different_hive_folders_are_not_copies(tmp_path):
    for month in ("2024-01", "2024-02"):
        write_csv(tmp_path / "billing" / f"period={month}" / "part.csv", ["户号", "有功电量"], [["C1", "5"]])
    assert typed(read_table(BILLING, tmp_path / "billing"), ["period"])["period"].to_list() == [D(2024, 1, 1), D(2024, 2, 1)]


def test_a_dataset_directory_given_as_a_tables_is_named_as_such(tmp_path):
    write_csv(tmp_path / "customers.csv", ["户号"], [["C1"]])
    write_csv(tmp_path / "billing.csv", ["户号", "账期", "有功电量"], [["C1", "2024-01", "5"]])
    with pytest.raises(InputError, match="holds customers.csv, the customers table: a dataset directory, not a directory of billing parts"):
        read_table(BILLING, tmp_path)


def test_files_that_are_no_table_are_passed_over_and_listed(tmp_path):
    write_csv(tmp_path / "billing" / "2024-01.csv", ["户号", "账期", "有功电量"], [["C1", "2024-01", "5"]])
    for name in ("README.md", "2024-01.csv.bak", "_SUCCESS", ".DS_Store", "~$2024-02.xlsx"):
        (tmp_path / "billing" / name).write_bytes(b"x")
    t = read_table(BILLING, tmp_path / "billing")
    assert [name for name, _ in t.parts] == ["2024-01.csv"]
    assert t.notes == [f"{tmp_path / 'billing'}: not read (not table files): 2024-01.csv.bak, README.md"]


def test_a_note_beside_parquet_parts_is_passed_over_and_listed(tmp_path):
    """polars scanned the whole directory and stopped: "paths with different file extensions"."""
    EXPECTED_BILLING.with_columns(pl.col("period").dt.strftime("%Y-%m")).write_parquet(tmp_path / "billing", partition_by="period")
    (tmp_path / "billing" / "README.md").write_text("exported 2024-03", encoding="utf-8")
    t = read_table(BILLING, tmp_path / "billing")
    assert_frame_equal(typed(t, BILLING_EN).sort("customer_id", "period"), EXPECTED_BILLING.sort("customer_id", "period"))
    assert t.notes == [f"{tmp_path / 'billing'}: not read (not table files): README.md"]


def test_a_link_to_nothing_in_a_table_directory_is_an_error(tmp_path):
    write_csv(tmp_path / "billing" / "2024-01.csv", ["户号", "账期", "有功电量"], [["C1", "2024-01", "5"]])
    (tmp_path / "billing" / "2024-02.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(InputError, match="2024-02.csv: a link to a file that does not exist"):
        read_table(BILLING, tmp_path / "billing")


def test_a_hive_folder_naming_a_column_the_file_has_under_another_spelling_leaves_the_files(tmp_path):
    """period=2024-01/part.csv holding 账期 as well stopped the run: two columns read as period."""
    write_csv(tmp_path / "billing" / "period=2024-01" / "part.csv", ["户号", "账期", "有功电量"], [["C1", "2024-01", "5"]])
    t = read_table(BILLING, tmp_path / "billing")
    assert typed(t, ["period"])["period"].to_list() == [D(2024, 1, 1)] and t.extras == []


def test_a_row_with_more_fields_than_the_header_is_unreadable_and_says_why(tmp_path):
    """A comma inside an unquoted value shifts a row: its extra field was dropped and the row used as read
    (a maximum load of 9 kW, a false overload). A trailing delimiter (an empty extra field) is no field."""
    path = tmp_path / "load.csv"
    path.write_text("户号,账期,平均负荷,最大负荷\nC1,2024-08,0.171,9,9\nC2,2024-08,1,2,\nC3,2024-08,1,2\n", encoding="utf-8")
    t = read_table(LOAD, path)
    got = t.lf.select(ROW, t.readable().alias("ok"), t.problem().alias("why")).collect()
    assert got.rows() == [
        (2, False, "more fields than the header ('9' after the last column: a delimiter inside a value?)"),
        (3, True, None),
        (4, True, None),
    ]
    assert "_more_fields" not in t.typed().collect_schema().names() and t.extras == []


def test_the_shifted_cells_of_a_row_with_more_fields_are_not_reported_one_by_one(tmp_path):
    """An archive row shifted by a comma in its address was rejected, and its shifted cells were also
    reported as unreadable values "left empty, the row is used"."""
    path = tmp_path / "customers.csv"
    path.write_text("户号,用电地址,用电类别,状态\nC1,杭州市,居民生活,正常\nC2,浙江省,杭州市,居民生活,正常\n", encoding="utf-8")
    t = read_table(CUSTOMERS, path)
    got = t.lf.select("customer_id", t.bad_value("customer_class").alias("bad_class"), t.problem().alias("why")).collect()
    assert got.rows() == [("C1", False, None), ("C2", False, "more fields than the header ('正常' after the last column: a delimiter inside a value?)")]


def test_a_broken_part_is_named(tmp_path):
    write_csv(tmp_path / "billing" / "2024-01.csv", ["户号", "账期", "有功电量"], [["C1", "2024-01", "5"]])
    (tmp_path / "billing" / "2024-02.csv").write_bytes(b"\xff\xfe\x00\x00garbage\x00")
    with pytest.raises(InputError, match=re.escape(str(tmp_path / "billing" / "2024-02.csv"))):
        read_table(BILLING, tmp_path / "billing")


# --------------------------------------------------------------------------------------------
# Leading zeros in every format; the key acceptance test


def _write_all_formats(tmp_path: Path) -> dict[str, dict[str, Path]]:
    out: dict[str, dict[str, Path]] = {}
    d = tmp_path / "gbk"
    out["gbk-csv-zh"] = {
        "customers": write_csv(d / "customers.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS, encoding="gbk"),
        "billing": write_csv(d / "billing.csv", BILLING_ZH, BILLING_ROWS, encoding="gbk"),
    }
    d = tmp_path / "bom"
    out["utf8-bom-csv-en"] = {
        "customers": write_csv(d / "customers.csv", CUSTOMERS_EN, CUSTOMERS_ROWS, encoding="utf-8-sig"),
        "billing": write_csv(d / "billing.csv", BILLING_EN, BILLING_ROWS, encoding="utf-8-sig"),
    }
    d = tmp_path / "xlsx"
    d.mkdir()
    out["xlsx-zh"] = {
        "customers": write_xlsx(d / "客户档案.xlsx", {"客户档案": [CUSTOMERS_ZH, *CUSTOMERS_XLSX_ROWS]}),
        "billing": write_xlsx(d / "电费账单.xlsx", {"电费": [BILLING_ZH, *BILLING_XLSX_ROWS]}),
    }
    d = tmp_path / "parquet"
    d.mkdir()
    customers, billing = _parquet_frames()
    customers.write_parquet(d / "customers.parquet")
    billing.write_parquet(d / "billing.parquet")
    out["parquet"] = {"customers": d / "customers.parquet", "billing": d / "billing.parquet"}
    return out


def test_same_data_in_every_format_loads_to_identical_frames(tmp_path):
    """GBK CSV with Chinese headers, UTF-8-BOM CSV, XLSX and Parquet of one dataset give one typed dataset."""
    frames = {}
    for fmt, files in _write_all_formats(tmp_path).items():
        ds = load_dataset(None, files)
        assert ds.structural == []
        frames[fmt] = {name: ds[name].typed().collect() for name in ("customers", "billing")}
    first_row = {"gbk-csv-zh": 2, "utf8-bom-csv-en": 2, "xlsx-zh": 2, "parquet": 1}  # header = line 1; Parquet has none
    for fmt, tables in frames.items():
        for name, df in tables.items():
            assert df[ROW].to_list() == list(range(first_row[fmt], first_row[fmt] + df.height)), (fmt, name)
    reference = frames["gbk-csv-zh"]
    assert_frame_equal(reference["customers"].select(CUSTOMERS_EN), EXPECTED_CUSTOMERS)
    assert_frame_equal(reference["billing"].select(BILLING_EN), EXPECTED_BILLING)
    for fmt, tables in frames.items():
        for name in ("customers", "billing"):
            # every column (all canonical columns, same dtypes, same order), not only the ones in the files
            try:
                assert_frame_equal(tables[name].drop(ROW), reference[name].drop(ROW))
            except AssertionError as exc:
                raise AssertionError(f"{fmt} {name} differs from the GBK CSV: {exc}") from None


@pytest.mark.parametrize("fmt", ["gbk-csv-zh", "utf8-bom-csv-en", "xlsx-zh", "parquet"])
def test_ids_keep_leading_zeros_in_every_format(tmp_path, fmt):
    files = _write_all_formats(tmp_path)[fmt]
    ds = load_dataset(None, files)
    assert ds["customers"].typed().collect()["customer_id"].to_list() == IDS
    assert ds["billing"].typed().collect()["customer_id"].str.starts_with("00").all()


# --------------------------------------------------------------------------------------------
# Datasets


def test_dataset_directory_with_chinese_file_names_and_mixed_formats(tmp_path):
    write_csv(tmp_path / "客户档案.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS, encoding="gb18030")
    write_xlsx(tmp_path / "电费账单.xlsx", {"Sheet1": [BILLING_ZH, *BILLING_XLSX_ROWS]})
    pl.DataFrame({"customer_id": [IDS[0]], "period": ["2024-01"], "avg_load_kw": [1.0], "max_load_kw": [2.0]}).write_parquet(
        tmp_path / "load", partition_by="period"
    )
    (tmp_path / "README.md").write_text("notes")
    (tmp_path / "events.json").write_text("[]")
    ds = load_dataset(tmp_path)
    assert isinstance(ds, Dataset)
    assert set(ds.tables) == {"customers", "billing", "load"}
    assert ds.structural == []
    assert "customers" in ds and "events" not in ds
    assert ds["load"].source == tmp_path / "load"
    assert_frame_equal(typed(ds["billing"], BILLING_EN), EXPECTED_BILLING)


def test_files_given_one_by_one_win_over_the_directory(tmp_path, make_dataset):
    data = make_dataset()
    other = write_csv(tmp_path / "other.csv", ["户号"], [["9"]])
    ds = load_dataset(data, {"customers": other})
    assert ds["customers"].source == other
    assert ds["billing"].source == data / "billing.csv"


def test_two_files_for_one_table_are_an_error_unless_one_is_chosen(tmp_path, make_dataset):
    data = make_dataset()
    stale = write_csv(data / "电费账单.csv", ["户号"], [["9"]])
    with pytest.raises(InputError, match="billing.csv and 电费账单.csv are both the billing table; keep one, choose with --billing FILE, or put"):
        load_dataset(data)
    assert load_dataset(data, {"billing": stale})["billing"].source == stale


def test_dataset_aliases_are_per_table(tmp_path):
    write_csv(tmp_path / "customers.csv", ["户号", "本月电量"], [["1", "5"]])
    write_csv(tmp_path / "billing.csv", ["户号", "账期", "本月电量"], [["1", "2024-01", "5"]])
    ds = load_dataset(tmp_path, aliases={"billing": {"本月电量": "kwh"}})
    assert ds.structural == []
    assert "本月电量" in ds["customers"].typed().collect_schema().names()
    assert typed(ds["billing"])["kwh"].to_list() == [5.0]


def test_dataset_without_required_tables(tmp_path):
    write_csv(tmp_path / "load.csv", ["户号", "账期", "平均负荷", "最大负荷"], [["1", "2024-01", "1", "2"]])
    ds = load_dataset(tmp_path)
    assert len(ds.structural) == 2
    assert "required table 'customers' (客户档案) not found" in ds.structural[0]
    assert "required table 'billing' (电费账单) not found" in ds.structural[1]


def test_dataset_missing_required_column_names_it_in_chinese_too(tmp_path, make_dataset):
    data = make_dataset(billing=[])
    write_csv(data / "billing.csv", ["户号", "账期"], [["0033001234", "2024-01"]])
    ds = load_dataset(data)
    assert ds.structural == [f"{data / 'billing.csv'}: required column 'kwh' (有功电量) missing"]


def test_load_table_with_interval_columns_is_load_interval(tmp_path, make_dataset):
    data = make_dataset()
    write_csv(data / "load.csv", ["户号", "采集时间", "负荷"], [["0033001234", "2024-01-05 00:15", "12.5"]])
    ds = load_dataset(data)
    assert ds.structural == []
    assert "load_interval" in ds
    assert typed(ds["load_interval"])["load_kw"].to_list() == [12.5]


def test_missing_directory(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        load_dataset(tmp_path / "nope")


def test_a_file_is_not_a_dataset_directory(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["户号"], [["1"]])
    with pytest.raises(InputError, match="not a directory"):
        load_dataset(path)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n"])
def test_an_empty_file_of_an_optional_table_is_no_rows_with_a_note(tmp_path, make_dataset, content):
    data = make_dataset()
    (data / "events.csv").write_bytes(content)
    ds = load_dataset(data)
    assert "events" not in ds
    assert ds.reading_notes() == [f"{data / 'events.csv'}: the file is empty; the optional events table is read as having no rows"]


def test_an_empty_file_of_a_required_table_raises(tmp_path, make_dataset):
    data = make_dataset()
    (data / "billing.csv").write_bytes(b"")
    with pytest.raises(InputError, match="billing.csv: the file is empty"):
        load_dataset(data)


def test_monthly_load_table(tmp_path):
    rows = [["0033001234", "2024-01", "1,200.5", "3000"]]
    t = read_table(LOAD, write_csv(tmp_path / "load.csv", ["户号", "月份", "平均负荷", "最大负荷"], rows))
    assert typed(t).select("customer_id", "period", "avg_load_kw", "max_load_kw").row(0) == (
        "0033001234", D(2024, 1, 1), 1200.5, 3000.0
    )


def test_tail_values_read_the_end_of_a_csv_table_as_the_reader_does(tmp_path):
    rows = "\n".join(f"C{i},2024/{i % 12 + 1}" for i in range(5000))
    (tmp_path / "billing.csv").write_text("户号,账期,有功电量\n" + rows.replace("\n", ",1\n") + ",1\n", encoding="utf-8")
    table = read_table(BILLING, tmp_path / "billing.csv")
    tail = tail_values(table, "period", size=200)
    assert 0 < tail.len() < 5000 and tail.null_count() == 0
    assert tail[-1] == dt.date(2024, 4999 % 12 + 1, 1)
    assert tail_values(table, "period", size=1 << 20).len() == 5000


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_title_lines_above_the_csv_header_are_skipped(tmp_path, encoding):
    # line 1 a title, line 2 blank, line 3 the header: the first bill is line 4, as the analyst sees it
    text = "电费账单明细（2024年1月-2024年2月）,,\n\n户号,账期,有功电量\nC1,2024-01,abc\nC1,2024-02,20\n"
    (tmp_path / "billing.csv").write_bytes(text.encode(encoding))
    table = read_table(BILLING, tmp_path / "billing.csv")
    assert table.missing_required == [] and table.title_lines == 2
    rows = table.lf.select(ROW, "customer_id", "period", "kwh").collect()
    assert rows.rows() == [(4, "C1", D(2024, 1, 1), None), (5, "C1", D(2024, 2, 1), 20.0)]
    assert table.lf.filter(~table.readable()).select(table.problem()).collect().item() == "kwh='abc'"
    assert tail_values(table, "period").to_list() == [D(2024, 1, 1), D(2024, 2, 1)]


@pytest.mark.parametrize("mark", ['="{}"', "'{}"])
def test_identifiers_marked_as_excel_text_lose_the_mark(tmp_path, mark):
    """="0033001234" (a text formula) and '0033001234 (Excel's text mark, which was kept in every output id)
    keep the leading zeros when Excel opens the export; in an identifier column they are not part of the
    value, other text is left alone."""
    marked = mark.format
    text = f"户号,户名,联系电话\n{marked('0033001234')},{marked('王')},{marked('13812345678')}\n0033001235,李,13912345678\n"
    (tmp_path / "customers.csv").write_text(text, encoding="utf-8")
    table = read_table(CUSTOMERS, tmp_path / "customers.csv")
    assert table.lf.select("customer_id", "name", "phone").collect().rows() == [
        ("0033001234", marked("王"), "13812345678"),
        ("0033001235", "李", "13912345678"),
    ]


def test_without_a_header_line_the_first_line_is_named_in_the_error(tmp_path):
    (tmp_path / "billing.csv").write_text("电费账单明细\nC1,2024-01,10\n", encoding="utf-8")
    assert read_table(BILLING, tmp_path / "billing.csv").missing_required == ["customer_id", "period", "kwh"]


def test_parquet_max_reads_the_footer_statistics_of_a_date_column(tmp_path):
    periods = [D(2024, 3, 1), D(2024, 11, 15), None, D(2023, 1, 1)]
    frame = pl.DataFrame({"户号": ["A", "B", "C", "D"], "账期": periods, "有功电量": [1.0, 2.0, 3.0, 4.0]})
    frame.write_parquet(tmp_path / "billing.parquet", row_group_size=2)
    assert parquet_max(read_table(BILLING, tmp_path / "billing.parquet"), "period") == D(2024, 11, 15)


def test_parquet_max_is_none_where_statistics_cannot_answer(tmp_path):
    as_text = pl.DataFrame({"户号": ["A"], "账期": ["2024-03"], "有功电量": [1.0]})
    as_text.write_parquet(tmp_path / "text.parquet")
    assert parquet_max(read_table(BILLING, tmp_path / "text.parquet"), "period") is None
    no_stats = as_text.with_columns(pl.lit(D(2024, 3, 1)).alias("账期"))
    no_stats.write_parquet(tmp_path / "nostats.parquet", statistics=False)
    assert parquet_max(read_table(BILLING, tmp_path / "nostats.parquet"), "period") is None
    (tmp_path / "billing.csv").write_text("户号,账期,有功电量\nA,2024-03,1\n", encoding="utf-8")
    assert parquet_max(read_table(BILLING, tmp_path / "billing.csv"), "period") is None


def test_raw_key_keeps_the_customer_id_as_read_for_per_customer_reductions(tmp_path):
    (tmp_path / "billing.csv").write_text("户号,账期,有功电量\n C1 ,2024-03,1\n   ,2024-03,2\n", encoding="utf-8")
    table = read_table(BILLING, tmp_path / "billing.csv")
    assert table.lf.collect()["customer_id"].to_list() == ["C1", None]
    assert table.raw_key.collect()["customer_id"].to_list() == [" C1 ", "   "]
    numbers = pl.DataFrame({"户号": [7], "账期": [D(2024, 3, 1)], "有功电量": [1.0]})
    numbers.write_parquet(tmp_path / "numbers.parquet")
    assert read_table(BILLING, tmp_path / "numbers.parquet").raw_key is None  # ids read as numbers: no text to keep


def test_padded_cells_read_as_their_value_and_fractions_of_an_integer_are_unreadable(tmp_path):
    rows = [
        ["1", " 2024-01-05 ", " 1,200.5 ", "3"],
        ["2", "2024-02-01", "\u30005\u3000", "3.5"],
        ["3", "2024-03-01", "  ", " 4 "],
    ]
    t = read_table(CUSTOMERS, write_csv(tmp_path / "c.csv", ["户号", "立户日期", "合同容量", "变压器台数"], rows))
    df = t.lf.with_columns(problem=t.problem(), bad_count=t.bad_value("transformer_count")).collect()
    assert df["contract_capacity_kva"].to_list() == [1200.5, 5.0, None]
    assert df["transformer_count"].to_list() == [3, None, 4]
    assert df["open_date"].to_list() == [D(2024, 1, 5), D(2024, 2, 1), D(2024, 3, 1)]
    assert df["bad_count"].to_list() == [False, True, False]
    assert df["problem"].to_list() == [None, None, None]  # an archive attribute: left empty, the row kept


def test_estimated_rows_counts_a_small_csv_exactly_after_its_title_and_header(tmp_path):
    path = tmp_path / "billing.csv"
    body = "\n".join(f"C{i},2024-01,{i}" for i in range(250))
    path.write_text("电费账单明细\ncustomer_id,period,kwh\n" + body, encoding="utf-8")  # no final newline
    assert estimated_rows(read_table(BILLING, path)) == 250


def test_estimated_rows_of_a_large_csv_is_within_a_few_percent(tmp_path):
    path = tmp_path / "billing.csv"
    rows = [f"C{i:07d},2024-{i % 12 + 1:02d},{i * 37 % 100000}.5" for i in range(20_000)]
    path.write_text("customer_id,period,kwh\n" + "\n".join(rows) + "\n", encoding="utf-8")
    t = read_table(BILLING, path)
    assert estimated_rows(t, sample=4096) == pytest.approx(20_000, rel=0.05)
    assert estimated_rows(t) == 20_000


def test_estimated_rows_of_parquet_is_its_row_count(tmp_path):
    path = tmp_path / "billing.parquet"
    pl.DataFrame({"customer_id": ["C1", "C2", "C3"], "period": ["2024-01"] * 3, "kwh": [1.0, 2.0, 3.0]}).write_parquet(path)
    assert estimated_rows(read_table(BILLING, path)) == 3


def test_time_of_use_columns_are_not_the_months_energy(tmp_path):
    """有功电量(峰)/(谷) are peak and valley energy; 有功电量(总) is the month's total."""
    rows = [["C1", "2024-01", "30", "70", "100"]]
    path = write_csv(tmp_path / "b.csv", ["户号", "账期", "有功电量(峰)", "有功电量（谷）", "有功电量(总)"], rows)
    assert typed(read_table(BILLING, path))["kwh"].to_list() == [100.0]


@pytest.mark.parametrize("headers", [["户号", "账期", "有功电量", "有功电量"], ["户号", "账期", "kwh", "有功电量"], ["户号", "账期", "电量", "有功电量(kWh)"]])
def test_two_columns_naming_one_column_are_an_error(tmp_path, headers):
    path = write_csv(tmp_path / "b.csv", headers, [["C1", "2024-01", "1", "2"]])
    with pytest.raises(InputError, match=r"columns .* all read as kwh \(有功电量\); keep one"):
        read_table(BILLING, path)


def test_the_users_alias_settles_which_column_is_used(tmp_path):
    path = write_csv(tmp_path / "b.csv", ["户号", "账期", "有功电量", "本月抄见电量"], [["C1", "2024-01", "1", "2"]])
    t = read_table(BILLING, path, aliases={"本月抄见电量": "kwh"})
    assert typed(t)["kwh"].to_list() == [2.0]


@pytest.mark.parametrize(
    ("kwh_header", "due_header", "kwh", "due"),
    [("有功电量(万kWh)", "应收电费(万元)", 12340.0, 56780.0), ("有功电量（MWh）", "应收电费(元)", 1234.0, 5.678),
     ("有功电量(kWh)", "应收电费", 1.234, 5.678), ("有功电量(总)", "应收电费（千元）", 1.234, 5678.0)],
)
def test_a_unit_in_the_header_scales_the_figures_to_the_columns_unit(tmp_path, kwh_header, due_header, kwh, due):
    path = write_csv(tmp_path / "b.csv", ["户号", "账期", kwh_header, due_header], [["C1", "2024-01", "1.234", "5.678"]])
    df = typed(read_table(BILLING, path))
    assert df["kwh"].to_list() == [pytest.approx(kwh)] and df["amount_due"].to_list() == [pytest.approx(due)]


def test_a_scaled_unit_the_column_does_not_know_is_an_error(tmp_path):
    path = write_csv(tmp_path / "b.csv", ["户号", "账期", "有功电量(万kVA)"], [["C1", "2024-01", "1"]])
    with pytest.raises(InputError, match=r"column '有功电量\(万kVA\)': unit '万kva' is not one of kwh"):
        read_table(BILLING, path)


def test_a_voltage_header_in_volts(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["户号", "供电电压(V)"], [["C1", "220"]])
    assert typed(read_table(CUSTOMERS, path))["voltage_kv"].to_list() == [pytest.approx(0.22)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_lines_ending_in_a_bare_carriage_return(tmp_path, encoding):
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(CUSTOMERS_ZH, CUSTOMERS_ROWS, encoding=encoding).replace(b"\r\n", b"\r"))
    t = read_table(CUSTOMERS, path)
    assert_frame_equal(typed(t, CUSTOMERS_EN), EXPECTED_CUSTOMERS)
    assert typed(t)[ROW].to_list() == [2, 3, 4]


@pytest.mark.parametrize(
    ("billing_name", "load_name"),
    [("电费账单_202512.csv", "负荷数据.csv"), ("2025-12电费账单.csv", "load-2025.csv"), ("billing_202512.csv", "负荷统计表.csv"),
     ("电费账单明细.csv", "负荷(2025-12).csv")],
)
def test_export_file_names_with_a_date_or_a_word_around_the_table_name(tmp_path, billing_name, load_name):
    write_csv(tmp_path / "客户档案.csv", ["户号"], [["C1"]])
    write_csv(tmp_path / billing_name, ["户号", "账期", "电量"], [["C1", "2024-01", "1"]])
    write_csv(tmp_path / load_name, ["户号", "账期", "平均负荷", "最大负荷"], [["C1", "2024-01", "1", "2"]])
    (tmp_path / "notes.md").write_text("not a table")
    ds = load_dataset(tmp_path)
    assert (ds["billing"].source.name, ds["load"].source.name) == (billing_name, load_name)
    assert ds.ignored == [] and ds.reading_notes() == []


def test_files_naming_no_table_are_listed_not_dropped_silently(tmp_path):
    write_csv(tmp_path / "customers.csv", ["户号"], [["C1"]])
    write_csv(tmp_path / "billing.csv", ["户号", "账期", "电量"], [["C1", "2024-01", "1"]])
    write_csv(tmp_path / "抄表记录.csv", ["户号"], [["C1"]])
    write_csv(tmp_path / "ground_truth.csv", ["rule"], [["A01"]])  # powercrm sample's own list: not noted
    ds = load_dataset(tmp_path)
    assert ds.ignored == ["抄表记录.csv"]
    assert ds.reading_notes()[0].startswith("not read, as their names name no table: 抄表记录.csv (tables: customers (客户档案), billing (电费账单)")


def test_a_missing_table_names_the_files_not_read(tmp_path):
    """One workbook holding every sheet: score said only "required table 'customers' not found"."""
    write_csv(tmp_path / "营销数据202512.csv", ["户号"], [["C1"]])
    with pytest.raises(InputError) as err:
        load_dataset(tmp_path).require_complete()
    assert str(err.value) == (
        f"required table 'customers' (客户档案) not found in {tmp_path} (and 1 more); "
        "not read, as their names name no table: 营销数据202512.csv (rename, or pass --TABLE FILE)"
    )


def test_two_monthly_billing_exports_in_one_directory_are_an_error(tmp_path):
    write_csv(tmp_path / "customers.csv", ["户号"], [["C1"]])
    for month in ("202511", "202512"):
        write_csv(tmp_path / f"电费账单_{month}.csv", ["户号", "账期", "电量"], [["C1", "2024-01", "1"]])
    with pytest.raises(InputError, match="电费账单_202511.csv and 电费账单_202512.csv are both the billing table"):
        load_dataset(tmp_path)


def test_an_xlsx_saved_as_xls_says_so(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"customers": [["户号"], ["1"]]}).rename(tmp_path / "c.xls")
    with pytest.raises(InputError, match=r"c.xls: an .xlsx workbook saved under the .xls extension; rename it to .xlsx"):
        read_table(CUSTOMERS, path)


def test_extra_columns_are_named_as_in_the_file_but_not_a_pandas_index(tmp_path):
    path = tmp_path / "customers.parquet"
    pl.DataFrame({"户号": ["0033001234"], "供电单位": ["城东所"], "__index_level_0__": [7]}).write_parquet(path)
    t = read_table(CUSTOMERS, path)
    assert t.extras == ["供电单位"]
    assert "__index_level_0__" not in t.lf.collect_schema().names()
