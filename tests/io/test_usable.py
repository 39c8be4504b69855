"""`usable_tables`: nothing dropped silently — rows in = rows used + rows rejected, each reject with its reason."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powercrm.io.readers import ROW, load_dataset
from powercrm.io.usable import REJECT_SCHEMA, first_rows, month_repeaters, usable_tables
from tests.conftest import BILLING_ZH, CUSTOMERS_ROWS, CUSTOMERS_ZH, write_csv

MESSY_CUSTOMERS = [
    ["C1", "甲", "居民生活", "220V", "8", "否", "2024/1/5", "正常"],  # row 2
    ["C2", "乙", "大工业", "10kV", "1,250", "是", "2023-12-01", "销户"],  # row 3, cancelled but usable
    ["C1", "甲2", "商业", "0.4kV", "50", "N", "20230105", "正常"],  # row 4, duplicate of row 2
    ["C3", "丙", "外星", "10kV", "1", "Y", "2023-01-01", "正常"],  # row 5, unknown class: left empty, row used
    ["", "丁", "商业", "10kV", "1", "Y", "2023-01-01", "正常"],  # row 6, blank id
    ["C4", "戊", "商业", "10kV", "1", "Y", "2023-01-01", ""],  # row 7, blank status = active
]
MESSY_BILLING = [
    ["C1", "2024-01", "10", "5"],  # row 2
    ["C2", "2024-01", "20", "10"],  # row 3, cancelled customer's bill: usable
    ["C9", "2024-01", "5", "1"],  # row 4, orphan
    ["C1", "2024-02", "abc", "1"],  # row 5, unparsable kwh
    ["C1", "2024-02", "", "1"],  # row 6, blank kwh
    ["C3", "2024-01", "5", "1"],  # row 7, its customer's class is unreadable: still the customer's bill
    ["C4", "2024年2月", "1,000", "1"],  # row 8
    ["C1", "2024-01", "-3", "-1"],  # row 9, adjustment bill: usable (summed later)
]


@pytest.fixture
def messy(tmp_path):
    write_csv(tmp_path / "customers.csv", CUSTOMERS_ZH, MESSY_CUSTOMERS)
    write_csv(tmp_path / "billing.csv", BILLING_ZH, MESSY_BILLING)
    return load_dataset(tmp_path)


def test_rows_in_equal_rows_used_plus_rows_rejected(messy):
    u = usable_tables(messy)
    rejects = u.rejects.collect()
    for name, loaded in messy.tables.items():
        rows_in = loaded.lf.collect().height
        used = u.tables[name].collect().height
        rejected = rejects.filter(pl.col("table") == name).height
        assert rows_in == used + rejected, name
        # and the row numbers partition the input exactly
        assert sorted(u.tables[name].collect()[ROW].to_list() + rejects.filter(pl.col("table") == name)["row"].to_list()) == \
            loaded.lf.collect()[ROW].to_list()


def test_reasons(messy):
    rejects = usable_tables(messy).rejects.collect()
    assert rejects.schema == pl.Schema(REJECT_SCHEMA)
    got = {(r["table"], r["row"]): r["reason"] for r in rejects.iter_rows(named=True)}
    assert got == {
        ("customers", 4): "duplicate customer_id (first row kept)",
        ("customers", 6): "customer_id is blank",
        ("billing", 4): "orphan: customer_id not among the usable rows of customers",
        ("billing", 5): "kwh='abc'",
        ("billing", 6): "kwh is blank",
    }
    assert rejects.filter(pl.col("row") == 4, pl.col("table") == "billing")["customer_id"].to_list() == ["C9"]


def test_duplicate_customer_keeps_the_first_row(messy):
    customers = usable_tables(messy).tables["customers"].collect()
    c1 = customers.filter(pl.col("customer_id") == "C1")
    assert c1.select(ROW, "name", "customer_class").rows() == [(2, "甲", "residential")]
    assert customers["customer_id"].is_unique().all()


def test_cancelled_customers_and_their_bills_stay_usable(messy):
    """The status filter belongs to the population step, after duplicates (SPEC §2), not here."""
    u = usable_tables(messy)
    assert "cancelled" in u.tables["customers"].collect()["status"].to_list()
    assert "C2" in u.tables["billing"].collect()["customer_id"].to_list()


def test_usable_frames_are_typed_and_without_raw_text(messy):
    billing = usable_tables(messy).tables["billing"].collect()
    assert billing.schema["kwh"] == pl.Float64 and billing.schema["period"] == pl.Date
    assert not [c for c in billing.columns if c.startswith("_raw_") or c == "_reason"]
    assert billing.select(ROW, "kwh").rows() == [(2, 10.0), (3, 20.0), (7, 5.0), (8, 1000.0), (9, -3.0)]


def test_orphans_are_rejected_not_summed(messy):
    u = usable_tables(messy)
    billing = u.tables["billing"].collect()
    assert "C9" not in billing["customer_id"].to_list() and billing.height > 0
    assert set(billing["customer_id"]) <= set(u.tables["customers"].collect()["customer_id"])
    orphan = u.rejects.collect().filter(pl.col("table") == "billing", pl.col("customer_id") == "C9")
    assert orphan.select("row", "reason").rows() == [(4, "orphan: customer_id not among the usable rows of customers")]


def test_clean_dataset_has_no_rejects(make_dataset):
    u = usable_tables(load_dataset(make_dataset()))
    assert u.rejects.collect().height == 0
    assert u.get("customers").collect().height == len(CUSTOMERS_ROWS)
    assert u.get("events") is None


def test_supply_rows_need_a_line_or_an_area(tmp_path, make_dataset):
    data = make_dataset()
    write_csv(data / "supply.csv", ["线路", "台区", "账期", "供电量"], [["L1", "", "2024-01", "5"], ["", "", "2024-01", "6"]])
    u = usable_tables(load_dataset(data))
    rejects = u.rejects.filter(pl.col("table") == "supply").collect()
    assert rejects.select("row", "reason", "customer_id").rows() == [(3, "line_id and area_id are blank", None)]
    assert u.tables["supply"].collect()["line_id"].to_list() == ["L1"]


def test_duplicate_monthly_load_keeps_the_first(make_dataset):
    data = make_dataset()
    rows = [["0033001234", "2024-01", "1", "2"], ["0033001234", "202401", "3", "4"], ["0033001234", "2024-02", "5", "6"]]
    write_csv(data / "load.csv", ["户号", "账期", "平均负荷", "最大负荷"], rows)
    u = usable_tables(load_dataset(data))
    assert u.tables["load"].collect().select(ROW, "avg_load_kw").rows() == [(2, 1.0), (4, 5.0)]
    assert u.rejects.collect().select("table", "row").rows() == [("load", 3)]


def test_an_unreadable_archive_attribute_is_left_empty_and_the_customer_kept(messy):
    """SPEC §2: orphans are rows whose customer is not in `customers`; a customer with an unreadable
    class or capacity is in it, so its bills count (L01 sums them on its line)."""
    customers = usable_tables(messy).tables["customers"].collect()
    assert customers.filter(pl.col("customer_id") == "C3").select(ROW, "customer_class", "voltage_kv").rows() == [(5, None, 10.0)]
    from powercrm.io.validate import Severity, validate

    problem = next(p for p in validate(messy) if p.column == "customer_class")
    assert (problem.severity, problem.rows, problem.example) == (Severity.WARNING, [5], "外星")
    assert problem.line() == (
        "warning: customers.customer_class: not a known customer_class (expected residential, non_residential, commercial, "
        "non_industrial, general_industry, large_industry, agricultural or a Chinese name); left empty, the row is used "
        "in 1 row (row 5: '外星')"
    )


def test_a_total_row_of_the_archive_is_rejected_not_scored(tmp_path):
    rows = [["C1", "甲"], ["C2", "乙"], ["合计", ""], [" 合 计 ", ""], ["Total", ""]]
    write_csv(tmp_path / "customers.csv", ["户号", "户名"], rows)
    write_csv(tmp_path / "billing.csv", ["户号", "账期", "电量"], [["C1", "2024-01", "10"]])
    ds = load_dataset(tmp_path)
    u = usable_tables(ds)
    assert u.tables["customers"].collect()["customer_id"].to_list() == ["C1", "C2"]
    assert u.rejects.collect().select("row", "reason").rows() == [
        (4, "customer_id '合计' is a total row"), (5, "customer_id '合 计' is a total row"), (6, "customer_id 'Total' is a total row")
    ]
    assert first_rows(ds["customers"]).collect(engine="in-memory")["customer_id"].to_list() == ["C1", "C2"]
    assert _error_rows(ds) == _rejected_rows(ds)


def test_a_broken_first_copy_does_not_hide_a_good_second(tmp_path):
    write_csv(tmp_path / "customers.csv", ["户号"], [["C1"]])
    write_csv(tmp_path / "load.csv", ["户号", "账期", "平均负荷", "最大负荷"], [["C1", "2024-01", "abc", "2"], ["C1", "2024-01", "1", "2"]])
    u = usable_tables(load_dataset(tmp_path))
    assert u.tables["load"].collect().select(ROW, "avg_load_kw").rows() == [(3, 1.0)]
    assert u.rejects.collect().select("row", "reason").rows() == [(2, "avg_load_kw='abc'")]


_ids = st.sampled_from(["C1", "C2", "C3", "", "C1 "])
_kwh = st.sampled_from(["1", "1,234.5", "abc", "", "-2", "12,5"])
_period = st.sampled_from(["2024-01", "202402", "2024年3月", "2024-13", ""])
_status = st.sampled_from(["正常", "销户", "", "火星"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    customers=st.lists(st.tuples(_ids, _status), max_size=6),
    billing=st.lists(st.tuples(_ids, _period, _kwh), max_size=8),
)
def test_nothing_is_dropped_silently(tmp_path_factory, customers, billing):
    d = tmp_path_factory.mktemp("ds")
    write_csv(d / "customers.csv", ["户号", "状态"], [list(r) for r in customers])
    write_csv(d / "billing.csv", ["户号", "账期", "电量"], [list(r) for r in billing])
    ds = load_dataset(d)
    u = usable_tables(ds)
    rejects = u.rejects.collect()
    for name in ("customers", "billing"):
        used = u.tables[name].collect()
        rej = rejects.filter(pl.col("table") == name)
        assert used.height + rej.height == ds[name].lf.collect().height
        assert set(used[ROW]).isdisjoint(set(rej["row"]))
        assert rej["reason"].null_count() == 0
    used_customers = u.tables["customers"].collect()
    assert used_customers["customer_id"].is_unique().all()
    assert used_customers["customer_id"].null_count() == 0
    assert set(u.tables["billing"].collect()["customer_id"]) <= set(used_customers["customer_id"])


def _error_rows(dataset) -> set[tuple[str, int]]:
    from powercrm.io.validate import MAX_ROWS_SHOWN, Severity, validate

    rows = set()
    for p in validate(dataset):
        if p.severity is Severity.ERROR and p.table != "dataset":
            assert p.count <= MAX_ROWS_SHOWN  # keep the fixtures small enough to see every row
            rows |= {(p.table, r) for r in p.rows}
    return rows


def _rejected_rows(dataset) -> set[tuple[str, int]]:
    rejects = usable_tables(dataset).rejects.filter(~pl.col("reason").str.starts_with("orphan")).collect()
    return set(rejects.select("table", "row").iter_rows())


def test_validate_errors_name_exactly_the_rejected_rows(messy):
    """What `validate` calls an error is what usable rejects (orphans aside: a warning there, a reject here)."""
    assert _error_rows(messy) == _rejected_rows(messy)


def test_validate_and_usable_agree_on_a_broken_first_copy(tmp_path):
    write_csv(tmp_path / "customers.csv", ["户号", "状态"], [["C1", "火星"], ["C1", "正常"], ["C1", "销户"]])
    write_csv(tmp_path / "billing.csv", ["户号", "账期", "电量"], [["C1", "2024-01", "10"]])
    ds = load_dataset(tmp_path)
    assert _error_rows(ds) == _rejected_rows(ds)


def test_first_rows_are_the_usable_customers(messy, tmp_path):
    assert first_rows(messy["customers"]).collect(engine="in-memory").equals(usable_tables(messy).tables["customers"].collect())
    write_csv(tmp_path / "customers.csv", ["户号", "状态"], [["C1", "火星"], ["C1", "正常"], ["C1", "销户"]])
    first = first_rows(load_dataset(tmp_path)["customers"]).select(ROW, "customer_id", "status")
    assert first.collect(engine="in-memory").rows() == [(2, "C1", None)]  # an unknown status is left empty: active


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(customers=st.lists(st.tuples(_ids, _status), max_size=8))
def test_first_rows_agree_with_usable_tables(tmp_path_factory, customers):
    root = tmp_path_factory.mktemp("first")
    write_csv(root / "customers.csv", ["户号", "状态"], [list(c) for c in customers])
    write_csv(root / "billing.csv", ["户号", "账期", "电量"], [["C1", "2024-01", "1"]])
    dataset = load_dataset(root)
    usable = usable_tables(dataset).tables["customers"].collect()
    assert first_rows(dataset["customers"]).collect(engine="in-memory").equals(usable)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3", None]), st.integers(0, 400)), max_size=60))
def test_month_repeaters_never_miss_a_repeated_month(rows):
    frame = pl.LazyFrame(
        {
            "customer_id": [c for c, _ in rows],
            "period": [dt.date(1990 + m // 12, m % 12 + 1, 1) for _, m in rows],
        },
        schema={"customer_id": pl.String, "period": pl.Date},
    )
    found = set(month_repeaters(frame).collect()["customer_id"].to_list())
    repeated = {c for c in {c for c, _ in rows} if len([m for d, m in rows if d == c]) > len({m for d, m in rows if d == c})}
    assert repeated <= found
    # months 63 apart share a bit; anything else found is a real repeat
    assert all(c in repeated or len({m % 63 for d, m in rows if d == c}) < len([1 for d, _ in rows if d == c]) for c in found)


def test_month_repeaters_find_a_month_repeated_past_the_integer_range():
    # five rows of 2026-05, whose bit is 2^62 ((2026·12 + 5) mod 63 = 62): the sum wraps around, and still
    # has fewer one-bits than rows
    months = [dt.date(2026, 5, 1)] * 5 + [dt.date(2024, 2, 1)]
    frame = pl.LazyFrame({"customer_id": ["C1"] * 5 + ["C2"], "period": months})
    assert month_repeaters(frame).collect()["customer_id"].to_list() == ["C1"]


def test_rejects_in_chinese_have_chinese_headers_and_table_names():
    from powercrm.io.usable import localized_rejects

    rejects = pl.DataFrame({"table": ["billing"], "file": ["b.csv"], "row": [8], "customer_id": ["C1"], "reason": ["kwh='abc'"]})
    assert localized_rejects(rejects, "en").equals(rejects)
    assert localized_rejects(rejects, "zh").rows(named=True) == [
        {"表": "电费账单", "文件": "b.csv", "行号": 8, "户号": "C1", "原因": "kwh='abc'"}
    ]
