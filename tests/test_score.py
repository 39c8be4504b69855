"""`run_score` end to end on a hand-computed three-customer dataset (SPEC §3–§6).

Customers (period_end 2025-12; bills 2024-01 … 2025-12; no load table; no transmission_fee):
  A  0.38 kV: 100 kWh/month, kvarh 0, due 50 = paid, no late fee
  B  10 kV:   100 kWh/month in 2024, 200 in 2025, kvarh = kWh, due 100, paid 80, late fee 5/month
  C  no voltage: bills in 2024 only (10 kWh, due 10 = paid)
Hand computation (scores by ceil(5k/N) among non-null values):
  B11 share: A 1200/3600, B 2400/3600, C null        -> s 3, 5, 1
  B12 cost by voltage: A 1200*0.20=240, B 2400*0.15=360 -> shares .4, .6 -> s 3, 5, 1
  B21 no load: null for all                            -> s 1, 1, 1
  B22 PF: A 1 -> 1; B 1/sqrt(2)=.7071 -> (.7071-.7)/.2 -> s 5, 3, 1
  B31: A 1, B .8, C 1                                  -> s 5, 2, 5
  B32: A x=0 -> 1; B x=.05 -> .9; C 1                  -> s 5, 2, 5
  B41: A x=0 -> 0; B x=1 -> 1; C null                  -> s 3, 5, 1
  B42: A x=0 -> 0; B x=100 = M -> 1; C null            -> s 3, 5, 1
  current   = .257 s11 + .110 s12 + .12 s21 + .18 s22:  A 2.121, B 2.495, C 0.667
  potential = .03 s31 + .07 s32 + .14 s41 + .093 s42:   A 1.199, B 1.365, C 0.733
  origin = means (1.761, 1.099): A key, B key, C low_value
  T: A 3.32, B 3.86, C 1.4 -> B special, A level1 (G=1/3), C level2 (G=2/3)
  ABC by current amount due: B 1200 -> A; A 600 (G=1/3) -> C; C none -> C
  credit: A 100 -> A; B 100(.03*.8+.07*.9)/.1 = 87 -> B, late_fee_2m -> C; C 100 -> A
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

from powercrm.config import Config
from powercrm.errors import DataError
from powercrm.io.readers import load_dataset
from powercrm.score import latest_billed, run_score, summary
from powercrm.segment.pipeline import output_columns
from tests.conftest import BILLING_ROWS, CUSTOMERS_ROWS

MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]


def write_dataset(root: Path) -> Path:
    pl.DataFrame(
        {"户号": ["A", "B", "C"], "供电电压": ["0.38", "10", None], "状态": ["正常", "正常", "正常"]}
    ).write_csv(root / "customers.csv")
    rows = []
    for period in MONTHS:
        rows.append(("A", period, 100.0, 0.0, 50.0, 50.0, 0.0))
        kwh = 100.0 if period < "2025" else 200.0
        rows.append(("B", period, kwh, kwh, 100.0, 80.0, 5.0))
        if period < "2025":
            rows.append(("C", period, 10.0, None, 10.0, 10.0, None))
    pl.DataFrame(
        rows, schema=["户号", "账期", "有功电量", "无功电量", "应收电费", "实收电费", "违约金"], orient="row"
    ).write_csv(root / "billing.csv")
    return root


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_score(load_dataset(write_dataset(tmp_path_factory.mktemp("score"))), Config())


def column(run, name):
    return dict(zip(run.table["customer_id"], run.table[name], strict=True))


def test_columns_follow_spec_section_8(run):
    assert run.table.columns == output_columns()


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("s_B11", {"A": 3, "B": 5, "C": 1}),
        ("s_B12", {"A": 3, "B": 5, "C": 1}),
        ("s_B21", {"A": 1, "B": 1, "C": 1}),
        ("s_B22", {"A": 5, "B": 3, "C": 1}),
        ("s_B31", {"A": 5, "B": 2, "C": 5}),
        ("s_B32", {"A": 5, "B": 2, "C": 5}),
        ("s_B41", {"A": 3, "B": 5, "C": 1}),
        ("s_B42", {"A": 3, "B": 5, "C": 1}),
    ],
)
def test_scores(run, score, expected):
    assert column(run, score) == expected


def test_indicators(run):
    assert column(run, "B11")["B"] == pytest.approx(2 / 3)
    assert column(run, "B12")["A"] == pytest.approx(0.4)
    assert column(run, "B22")["B"] == pytest.approx((1 / math.sqrt(2) - 0.7) / 0.2)
    assert column(run, "B32")["B"] == pytest.approx(0.9)
    assert column(run, "x_B42") == {"A": 0.0, "B": 100.0, "C": None}
    assert run.m_b42 == 100.0


def test_values_segments_and_grades(run):
    assert column(run, "current_value") == pytest.approx({"A": 2.121, "B": 2.495, "C": 0.667})
    assert column(run, "potential_value") == pytest.approx({"A": 1.199, "B": 1.365, "C": 0.733})
    assert run.result.origin == pytest.approx((1.761, 1.099))
    assert column(run, "segment") == {"A": "key", "B": "key", "C": "low_value"}
    assert column(run, "value_grade") == {"A": "level1", "B": "special", "C": "level2"}
    assert column(run, "abc_class") == {"A": "C", "B": "A", "C": "C"}


def test_credit(run):
    assert column(run, "credit_score") == pytest.approx({"A": 100.0, "B": 87.0, "C": 100.0})
    assert column(run, "credit_grade") == {"A": "A", "B": "C", "C": "A"}
    assert column(run, "credit_flags") == {"A": "", "B": "late_fee_2m", "C": ""}
    assert column(run, "fee_level") == {"A": None, "B": None, "C": None}


def test_fixed_origin_moves_customers_between_quadrants(tmp_path):
    fixed = run_score(load_dataset(write_dataset(tmp_path)), Config(), origin=(2.2, 1.1))
    assert dict(zip(fixed.table["customer_id"], fixed.table["segment"], strict=True)) == {
        "A": "develop",
        "B": "key",
        "C": "low_value",
    }


def test_a_dataset_without_load_says_so(run, tmp_path):
    """An interrupted export (or `sample`) without its load table scored every B21 null, without a word."""
    assert any(n.startswith("no load table (load or load_interval): B21 is null") for n in run.notes)
    data = write_dataset(tmp_path)
    pl.DataFrame({"户号": ["A"], "账期": ["2025-12"], "平均负荷": [1.0], "最大负荷": [2.0]}).write_csv(data / "load.csv")
    assert not any(n.startswith("no load table") for n in run_score(load_dataset(data), Config()).notes)


def test_summary_counts(run):
    info = summary(run)
    assert info["segments"] == {"key": 2, "develop": 0, "maintain": 0, "low_value": 1}
    assert info["null_counts"]["B21"] == 3 and info["null_counts"]["B11"] == 1
    assert info["rows"]["billing"] == {"in": 60, "used": 60, "rejected": 0}


@pytest.mark.parametrize("order", ["month", "reverse"])
def test_period_end_and_scores_do_not_depend_on_the_row_order_of_the_export(tmp_path, run, order):
    root = write_dataset(tmp_path)
    bills = pl.read_csv(root / "billing.csv", infer_schema=False)
    sorted_bills = bills.sort("账期", "户号") if order == "month" else bills.reverse()
    sorted_bills.write_csv(root / "billing.csv")
    again = run_score(load_dataset(root), Config())
    assert str(again.period_end) == "2025-12-01"
    assert again.table.sort("customer_id").equals(run.table.sort("customer_id"))


@pytest.mark.parametrize("latest_in", ["first", "last"])
def test_period_end_of_a_directory_of_parts_whichever_part_holds_the_latest_month(tmp_path, run, latest_in):
    """E's first guess over a directory table is the latest of its parts' (each read at its end only), and
    the scores are those of the one file."""
    root = write_dataset(tmp_path)
    bills = pl.read_csv(root / "billing.csv", infer_schema=False)
    (root / "billing.csv").unlink()
    years = ["2025", "2024"] if latest_in == "first" else ["2024", "2025"]
    (root / "billing").mkdir()
    for name, year in zip(("a.csv", "b.csv"), years):
        bills.filter(pl.col("账期").str.starts_with(year)).write_csv(root / "billing" / name)
    dataset = load_dataset(root)
    assert latest_billed(dataset["billing"]) == dt.date(2025, 12, 1)
    again = run_score(dataset, Config())
    assert again.table.sort("customer_id").equals(run.table.sort("customer_id"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_latest_month_billed_only_to_an_orphan_is_not_the_period_end(tmp_path, run, fmt):
    root = write_dataset(tmp_path)
    bills = pl.read_csv(root / "billing.csv", infer_schema=False)
    orphan = pl.DataFrame({"户号": ["Z"], "账期": ["2026-01"], "有功电量": ["5"]})
    both = pl.concat([bills, orphan], how="diagonal")
    if fmt == "parquet":  # E's first guess then comes from the footer statistics
        (root / "billing.csv").unlink()
        both.with_columns(pl.col("账期").str.to_date("%Y-%m")).write_parquet(root / "billing.parquet")
        assert latest_billed(load_dataset(root)["billing"]) == dt.date(2026, 1, 1)
    else:
        both.write_csv(root / "billing.csv")
    again = run_score(load_dataset(root), Config())
    assert str(again.period_end) == "2025-12-01"
    assert again.rows_rejected == {"billing": 1}
    assert again.table.sort("customer_id").equals(run.table.sort("customer_id"))


def _pad_every_other_id(frame: pl.DataFrame) -> pl.DataFrame:
    every_other = pl.int_range(pl.len()) % 2 == 0
    return frame.with_columns(pl.when(every_other).then(pl.format(" {} ", pl.col("户号"))).otherwise(pl.col("户号")).alias("户号"))


def test_ids_spelled_with_spaces_are_one_customer_and_a_blank_id_is_rejected(tmp_path):
    # billing and load are reduced per customer_id as read, then the grouped ids are stripped and merged
    root = write_dataset(tmp_path)
    load = pl.DataFrame(
        {"户号": [c for c in ("A", "B") for _ in MONTHS], "月份": MONTHS * 2, "平均负荷": [float(i % 7 + 1) for i in range(48)]}
    ).with_columns(pl.col("平均负荷").mul(2).alias("最大负荷"))
    load.write_csv(root / "load.csv")
    clean = run_score(load_dataset(root), Config())
    bills = pl.read_csv(root / "billing.csv", infer_schema=False)
    blank = pl.DataFrame({"户号": ["   "], "账期": ["2025-12"], "有功电量": ["7"]})
    pl.concat([_pad_every_other_id(bills), blank], how="diagonal").write_csv(root / "billing.csv")
    _pad_every_other_id(load).write_csv(root / "load.csv")
    again = run_score(load_dataset(root), Config())
    assert again.rows_in == {**clean.rows_in, "billing": bills.height + 1}
    assert again.rows_rejected == {"billing": 1}
    assert clean.table["x_B21"].null_count() == 1  # A and B have load, C none
    assert again.table.sort("customer_id").equals(clean.table.sort("customer_id"))


def test_a_customer_with_an_unreadable_attribute_is_scored_and_the_cell_reported(make_dataset):
    # '暂停' (suspended) is no known status: left empty, which is active (SPEC §2: not cancelled, so scored)
    customers = [[*CUSTOMERS_ROWS[0][:4], "待定", *CUSTOMERS_ROWS[0][5:7], "暂停"], CUSTOMERS_ROWS[1]]
    run = run_score(load_dataset(make_dataset(customers=customers, billing=BILLING_ROWS[:4])), Config())
    assert run.table["customer_id"].sort().to_list() == ["0033001234", "0033001235"]
    assert run.rows_rejected == {}
    assert run.notes[0] == (
        "customers: 2 unreadable values left empty, the rows used: contract_capacity_kva in 1 row (first: row 2, '待定'); "
        "status in 1 row (first: row 2, '暂停')"
    )


def test_billing_whose_every_row_is_unreadable_says_so_not_orphans(make_dataset):
    billing = [[cid, period, "3,12", due] for cid, period, _, due in BILLING_ROWS]  # decimal commas: no kWh read
    with pytest.raises(DataError, match=r"no billing row could be read \(each has a blank required value or an unreadable one, an amount included\)"):
        run_score(load_dataset(make_dataset(billing=billing)), Config())


def test_a_criterion_on_neither_axis_is_noted(tmp_path):
    """current_axis = ["B1"], potential_axis = ["B3", "B4"]: B2's weight silently dropped out of both values."""
    cfg = Config()
    cfg.scoring.current_axis = ["B1"]
    run = run_score(load_dataset(write_dataset(tmp_path)), cfg)
    assert any(n.startswith("criterion B2 is on neither value axis") and "0.300" in n for n in run.notes)


def write_archive_with_extras(root: Path, archive: pl.DataFrame) -> Path:
    write_dataset(root)
    archive.write_csv(root / "customers.csv")
    return root


def test_extra_archive_columns_pass_through_after_the_spec_columns(tmp_path):
    archive = pl.DataFrame(
        {
            "户号": ["A", "B", "C", "D"],
            "供电电压": ["0.38", "10", None, "10"],
            "状态": ["正常", "正常", "正常", "销户"],
            "供电单位": ["城东所", "城西所", "城东所", "城西所"],
            "客户经理": [" 张三 ", None, "李四", "王五"],
        }
    )
    run = run_score(load_dataset(write_archive_with_extras(tmp_path, archive)), Config())
    assert run.table.columns == [*output_columns(), "供电单位", "客户经理"]
    # untouched: the text as read, padding included; a cancelled customer's row is not scored
    assert run.table.select("customer_id", "供电单位", "客户经理").rows() == [
        ("A", "城东所", " 张三 "),
        ("B", "城西所", None),
        ("C", "城东所", "李四"),
    ]
    assert column(run, "s_B11") == {"A": 3, "B": 5, "C": 1}


def test_an_extra_column_named_like_an_output_column_is_renamed_and_noted(tmp_path):
    archive = pl.DataFrame({"户号": ["A", "B", "C"], "segment": ["x", "y", "z"], "客户类型": ["1", "2", "3"]})
    run = run_score(load_dataset(write_archive_with_extras(tmp_path, archive)), Config())
    assert run.table.columns[-2:] == ["segment_archive", "客户类型_archive"]
    assert set(run.table["segment"]) <= {"key", "develop", "maintain", "low_value"}
    assert column(run, "segment_archive") == {"A": "x", "B": "y", "C": "z"}
    assert any("'客户类型' is written as '客户类型_archive'" in n for n in run.notes)


def test_an_archive_of_only_known_columns_adds_nothing(run):
    assert run.table.columns == output_columns()
    assert run.notes == ("no load table (load or load_interval): B21 is null for every customer, scored the null score",)


def test_the_summary_counts_the_cancelled_customers_not_scored(tmp_path, run):
    archive = pl.DataFrame({"户号": ["A", "B", "C", "D", "D"], "状态": ["正常", "销户", None, "销户", "正常"]})
    cancelled = run_score(load_dataset(write_archive_with_extras(tmp_path, archive)), Config())
    # D's second row is a repeated id (rejected), not a customer
    assert (summary(cancelled)["customers"], summary(cancelled)["cancelled"]) == (2, 2)
    assert summary(run)["cancelled"] == 0
