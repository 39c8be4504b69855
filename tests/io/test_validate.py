"""`validate(dataset)`: every structural and row problem, with table, column, rows and an example."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powercrm.io.readers import load_dataset
from powercrm.io.validate import MAX_ROWS_SHOWN, Problem, Severity, _scopes, validate
from tests.conftest import BILLING_ROWS, BILLING_ZH, CUSTOMERS_ROWS, CUSTOMERS_ZH, write_csv


def problems_of(data) -> list[Problem]:
    return validate(load_dataset(data))


def only(problems: list[Problem], check: str) -> Problem:
    found = [p for p in problems if p.check == check]
    assert len(found) == 1, problems
    return found[0]


def test_valid_dataset_has_no_problems(make_dataset):
    assert problems_of(make_dataset()) == []


def test_valid_gbk_dataset_has_no_problems(make_dataset):
    assert problems_of(make_dataset(encoding="gbk")) == []


def test_unparsable_number_names_table_column_rows_and_value(make_dataset):
    billing = [r.copy() for r in BILLING_ROWS]
    billing[2][2] = "abc"  # third data row -> source row 4
    billing[4][2] = "12,5"  # decimal comma -> row 6
    p = only(problems_of(make_dataset(billing=billing)), "unparsable")
    assert (p.severity, p.table, p.column, p.count, p.rows, p.example) == (Severity.ERROR, "billing", "kwh", 2, [4, 6], "abc")
    assert p.line() == "error: billing.kwh: unparsable number in 2 rows (rows 4, 6: 'abc')"


def test_a_row_with_more_fields_than_the_header_is_an_error(make_dataset):
    billing = [r.copy() for r in BILLING_ROWS]
    billing[1] = [*billing[1], "9"]  # row 3
    p = only(problems_of(make_dataset(billing=billing)), "ragged")
    assert (p.severity, p.table, p.column, p.count, p.rows, p.example) == (Severity.ERROR, "billing", None, 1, [3], "9")
    assert p.line() == "error: billing: more fields than the header (a delimiter inside a value?); the row is left out in 1 row (row 3: '9')"


def test_a_customer_month_in_two_part_files_is_a_warning_naming_the_first(make_dataset):
    """A month saved again (a BOM added: not the same bytes, so not refused as a copy) doubled its bills
    under "several billing rows ... adjustment bills", its example rows the real adjustments."""
    data = make_dataset()
    (data / "billing.csv").unlink()
    write_csv(data / "billing" / "2024-01.csv", BILLING_ZH, [BILLING_ROWS[0], BILLING_ROWS[2]])
    write_csv(data / "billing" / "2024-02.csv", BILLING_ZH, [BILLING_ROWS[1], BILLING_ROWS[3]])
    write_csv(data / "billing" / "备份" / "2024-02.csv", BILLING_ZH, [BILLING_ROWS[1], BILLING_ROWS[3]], encoding="utf-8-sig")
    p = only(problems_of(data), "in_two_parts")
    assert (p.severity, p.count, p.rows, p.files) == (Severity.WARNING, 4, [2, 3, 2, 3], ["2024-02.csv", "2024-02.csv", "备份/2024-02.csv", "备份/2024-02.csv"])
    assert p.example == "0033001234 2024-02"


def test_unparsable_period_and_date(make_dataset):
    billing = [r.copy() for r in BILLING_ROWS]
    billing[0][1] = "2024-13"
    customers = [r.copy() for r in CUSTOMERS_ROWS]
    customers[1][6] = "去年"
    problems = problems_of(make_dataset(billing=billing, customers=customers))
    by_column = {(p.table, p.column): p for p in problems}
    assert by_column[("billing", "period")].rows == [2]
    assert by_column[("billing", "period")].message == "unparsable period (month)"
    assert by_column[("customers", "open_date")].rows == [3]
    assert by_column[("customers", "open_date")].example == "去年"


def test_unknown_enum_value_is_a_domain_error(make_dataset):
    customers = [r.copy() for r in CUSTOMERS_ROWS]
    customers[2][2] = "工业"
    p = only(problems_of(make_dataset(customers=customers)), "domain")
    assert (p.table, p.column, p.rows, p.example) == ("customers", "customer_class", [4], "工业")
    assert "residential" in p.message and "Chinese" in p.message
    assert p.severity is Severity.WARNING and p.message.endswith("left empty, the row is used")  # an archive attribute


def test_duplicated_customer_names_the_later_rows(make_dataset):
    customers = [*CUSTOMERS_ROWS, CUSTOMERS_ROWS[0], CUSTOMERS_ROWS[0]]
    p = only(problems_of(make_dataset(customers=customers)), "duplicate")
    assert (p.severity, p.table, p.column, p.count, p.rows, p.example) == (
        Severity.ERROR, "customers", "customer_id", 2, [5, 6], "0033001234"
    )
    assert "first row kept" in p.message


def test_blank_required_value(make_dataset):
    billing = [r.copy() for r in BILLING_ROWS]
    billing[1][0] = "  "
    billing[3][2] = ""
    problems = [p for p in problems_of(make_dataset(billing=billing)) if p.check == "required"]
    assert {(p.column, tuple(p.rows)) for p in problems} == {("customer_id", (3,)), ("kwh", (5,))}
    assert all(p.example is None for p in problems)


def test_an_unparsable_required_value_is_reported_once(make_dataset):
    billing = [r.copy() for r in BILLING_ROWS]
    billing[0][2] = "n.a."
    problems = problems_of(make_dataset(billing=billing))
    assert [p.check for p in problems] == ["unparsable"]


def test_missing_required_column_is_a_structural_error(make_dataset, tmp_path):
    data = make_dataset()
    write_csv(data / "billing.csv", ["户号", "账期", "应收电费"], [["0033001234", "2024-01", "5"]])
    problems = problems_of(data)
    assert len(problems) == 1
    p = problems[0]
    assert (p.severity, p.table, p.column, p.check) == (Severity.ERROR, "dataset", None, "structure")
    assert "'kwh' (有功电量) missing" in p.message
    assert p.line().startswith("error: dataset: ") and "billing.csv" in p.line()


def test_missing_required_tables(tmp_path):
    problems = problems_of(tmp_path)
    assert [p.check for p in problems] == ["structure", "structure"]
    assert "'customers'" in problems[0].message and "'billing'" in problems[1].message


def test_orphan_bill_is_a_warning_with_its_row(make_dataset):
    billing = [*BILLING_ROWS, ["0099999999", "2024-01", "5", "1"]]
    p = only(problems_of(make_dataset(billing=billing)), "orphan")
    assert (p.severity, p.table, p.column, p.rows, p.example, p.count) == (
        Severity.WARNING, "billing", "customer_id", [7], "0099999999", 1
    )


def test_id_with_leading_zeros_is_not_an_orphan_of_its_number(make_dataset):
    billing = [["33001234", "2024-01", "5", "1"]]  # 0033001234 without zeros is another customer
    assert only(problems_of(make_dataset(billing=billing)), "orphan").rows == [2]


def test_negative_energy_is_a_warning(make_dataset):
    billing = [r.copy() for r in BILLING_ROWS]
    billing[1][2] = "-1,234.5"
    p = only(problems_of(make_dataset(billing=billing)), "negative")
    assert (p.severity, p.column, p.rows, p.example) == (Severity.WARNING, "kwh", [3], "-1234.5")


def test_several_bills_for_one_customer_month_is_a_warning(make_dataset):
    billing = [*BILLING_ROWS, ["0033001234", "2024年1月", "-20", "-10"]]  # an adjustment bill (退补)
    problems = problems_of(make_dataset(billing=billing))
    p = only(problems, "several_rows")
    assert p.severity is Severity.WARNING
    assert p.rows == [2, 7] and p.example == "0033001234 2024-01"


def test_a_bill_set_aside_is_not_counted_as_a_second_bill_of_its_month(make_dataset):
    """A bill with a blank kWh is rejected whole; the warning said it would be summed with the month's bill."""
    billing = [*BILLING_ROWS, ["0033001234", "2024-01", "", "5000"]]
    problems = problems_of(make_dataset(billing=billing))
    assert only(problems, "required").rows == [7]
    assert not [p for p in problems if p.check == "several_rows"]


def test_several_supply_rows_for_one_line_month_is_a_warning(make_dataset):
    data = make_dataset()
    rows = [["L1", "", "2024-01", "500"], ["L1", "", "202401", "20"], ["L1", "A1", "2024-01", "300"], ["L2", "", "2024-01", "9"]]
    write_csv(data / "supply.csv", ["线路", "台区", "账期", "供电量"], rows)
    p = only(problems_of(data), "several_rows")
    assert (p.severity, p.table, p.column, p.rows, p.example) == (Severity.WARNING, "supply", "line_id+area_id+period", [2, 3], "L1  2024-01")


def test_supply_without_a_line_or_area_column_has_no_several_rows_warning(make_dataset):
    """Every month's rows were "several supply rows for one line or area" when neither column was read."""
    data = make_dataset()
    write_csv(data / "supply.csv", ["Feeder No", "账期", "供电量"], [["L1", "2024-01", "500"], ["L2", "2024-01", "20"]])
    problems = problems_of(data)
    assert not [p for p in problems if p.check == "several_rows"]
    assert any(p.severity is Severity.ERROR and "supply.csv: required column 'line_id or area_id' missing" in p.message for p in problems)


def test_duplicate_monthly_load_rows(make_dataset):
    data = make_dataset()
    rows = [["0033001234", "2024-01", "1", "2"], ["0033001234", "202401", "3", "4"]]
    write_csv(data / "负荷.csv", ["户号", "账期", "平均负荷", "最大负荷"], rows)
    p = only(problems_of(data), "duplicate")
    assert (p.table, p.column, p.rows, p.example) == ("load", "customer_id+period", [3], "0033001234 2024-01")


def test_errors_come_before_warnings(make_dataset):
    billing = [*BILLING_ROWS, ["0099999999", "2024-01", "5", "1"], ["0033001234", "2024-03", "x", "1"]]
    problems = problems_of(make_dataset(billing=billing))
    severities = [p.severity for p in problems]
    assert severities == sorted(severities, key=lambda s: s != Severity.ERROR)
    assert Severity.ERROR in severities and Severity.WARNING in severities


def test_only_the_first_rows_are_listed_but_all_are_counted(make_dataset):
    billing = [["0033001234", f"2024-{m:02d}", "bad", "1"] for m in range(1, 13)]
    p = only(problems_of(make_dataset(billing=billing)), "unparsable")
    assert p.count == 12
    assert p.rows == list(range(2, 2 + MAX_ROWS_SHOWN))
    assert p.line().endswith(f"(rows {', '.join(map(str, p.rows))}, …: 'bad')")


def test_problems_are_json_serialisable(make_dataset):
    billing = [*BILLING_ROWS, ["0033001234", "2024-03", "x", "1"]]
    p = only(problems_of(make_dataset(billing=billing)), "unparsable")
    assert json.loads(json.dumps(p.as_dict())) == {
        "severity": "error", "table": "billing", "column": "kwh", "check": "unparsable",
        "message": "unparsable number", "count": 1, "rows": [7], "example": "x", "files": [],
    }


@pytest.mark.parametrize(
    ("problem", "line"),
    [
        (Problem(Severity.ERROR, "billing", "kwh", "unparsable", "unparsable number", 1, [7], "abc"),
         "error: billing.kwh: unparsable number in 1 row (row 7: 'abc')"),
        (Problem(Severity.WARNING, "billing", "customer_id", "orphan", "not in customers", 2, [3, 4], None),
         "warning: billing.customer_id: not in customers in 2 rows (rows 3, 4)"),
        (Problem(Severity.ERROR, "dataset", None, "structure", "required table 'billing' (电费账单) not found"),
         "error: dataset: required table 'billing' (电费账单) not found"),
    ],
)
def test_problem_line(problem, line):
    assert problem.line() == line


def test_validation_reads_every_format(tmp_path):
    """The same broken cell is found with the same row in CSV and XLSX (header = line 1)."""
    import polars as pl

    rows = [["0033001234", "2024-01", "5"], ["0033001234", "2024-02", "oops"]]
    write_csv(tmp_path / "csv" / "billing.csv", BILLING_ZH[:3], rows)
    write_csv(tmp_path / "csv" / "customers.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS)
    (tmp_path / "xlsx").mkdir()
    pl.DataFrame(rows, schema=BILLING_ZH[:3], orient="row").write_excel(tmp_path / "xlsx" / "billing.xlsx")
    write_csv(tmp_path / "xlsx" / "customers.csv", CUSTOMERS_ZH, CUSTOMERS_ROWS)
    for fmt in ("csv", "xlsx"):
        p = only(problems_of(tmp_path / fmt), "unparsable")
        assert (p.table, p.column, p.rows, p.example) == ("billing", "kwh", [3], "oops"), fmt


@pytest.mark.parametrize("table", ["customers", "billing"])
def test_a_required_table_with_a_header_and_no_rows_is_an_error(make_dataset, table):
    p = only(problems_of(make_dataset(**{table: []})), "no_rows")
    assert (p.severity, p.table, p.message) == (Severity.ERROR, table, "the table has a header but no data rows")


def test_billing_whose_every_row_is_an_orphan_is_an_error(make_dataset):
    # an export that lost the ids' leading zeros: score cannot set a window, so validate must not say ok
    billing = [[cid.lstrip("0"), *rest] for cid, *rest in BILLING_ROWS]
    problems = problems_of(make_dataset(billing=billing))
    p = only(problems, "all_orphans")
    assert (p.severity, p.table) == (Severity.ERROR, "billing") and "lost leading zeros" in p.message
    assert only(problems, "orphan").severity is Severity.WARNING


def test_orphans_that_lost_leading_zeros_are_named_as_such(make_dataset):
    # two of a customer's rows came through Excel as numbers (one with '.0'); one id is a real stranger
    billing = [list(r) for r in BILLING_ROWS] + [["9999", "2024-03", "1", "1"]]
    billing[0][0], billing[1][0], billing[2][0] = "33001234", "33001234.0", "0033001235.00"
    problems = problems_of(make_dataset(billing=billing))
    assert only(problems, "orphan").count == 4
    hint = only(problems, "lost_zeros")
    assert (hint.severity, hint.table, hint.column, hint.count, hint.rows) == (Severity.WARNING, "billing", "customer_id", 3, [2, 3, 4])
    assert "('33001234' here, '0033001234' in customers)" in hint.message


def test_orphans_unlike_any_archive_id_get_no_lost_zeros_hint(make_dataset):
    billing = [list(r) for r in BILLING_ROWS] + [["0099", "2024-03", "1", "1"], ["33001234X", "2024-03", "1", "1"]]
    problems = problems_of(make_dataset(billing=billing))
    assert only(problems, "orphan").count == 2
    assert not [p for p in problems if p.check == "lost_zeros"]


def test_a_directory_table_names_the_part_file_and_the_row_in_it(make_dataset):
    import polars as pl

    data = make_dataset()
    (data / "billing.csv").unlink()
    for year, kwh in (("2023", ["1", "2"]), ("2024", ["3", "n.a."])):
        (data / "billing" / f"year={year}").mkdir(parents=True)
        pl.DataFrame({"户号": ["0033001234", "0033001235"], "账期": [f"{year}-01"] * 2, "有功电量": kwh}).write_parquet(
            data / "billing" / f"year={year}" / "part.parquet"
        )
    p = only(problems_of(data), "unparsable")
    assert (p.rows, p.files) == ([2], ["year=2024/part.parquet"])
    assert p.line() == "error: billing.kwh: unparsable number in 1 row (year=2024/part.parquet row 2: 'n.a.')"


_BILL = st.tuples(
    st.sampled_from(["0033001234", "0033001235", "0033001236", "0099999999", "", " 0033001234"]),
    st.sampled_from(["2024-01", "2024-02", "2024-03", "2019-02", "x"]),
    st.sampled_from(["120", "", "-5", "abc"]),
    st.sampled_from(["60", ""]),
)


_ARCHIVE_ROW = st.tuples(
    st.sampled_from(["0033001234", "0033001237", "", " 0033001237", "合计"]),
    st.just("王五"),
    st.sampled_from(["居民生活", "火星"]),
    st.sampled_from(["0.4kV", "abc", ""]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    archive=st.lists(_ARCHIVE_ROW, max_size=5),
    billing=st.lists(_BILL, max_size=12),
    load=st.lists(_BILL, max_size=8),
    split=st.none() | st.integers(0, 12),
)
def test_every_count_equals_the_rows_failing_the_check(archive, billing, load, split):
    """The checks of the archive, billing and load, orphans and the customers that may repeat a month come
    from one group-by on customer_id (`_customer_pass`), the repeated customer-months' checks from a
    group-by on customer and month (`_Scope.counted`): each count is the number of rows whose condition
    holds. `split`: billing as a directory of two part files split at that row (the in_two_parts check)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        extra = [[*row, "50", "N", "2024-01-01", "正常"] for row in archive]
        write_csv(data / "customers.csv", CUSTOMERS_ZH, [*CUSTOMERS_ROWS, *extra])
        rows = [list(r) for r in billing]
        if split is None:
            write_csv(data / "billing.csv", BILLING_ZH, rows)
        else:
            write_csv(data / "billing" / "a.csv", BILLING_ZH, rows[:split])
            write_csv(data / "billing" / "b.csv", BILLING_ZH, rows[split:] or [["0033001234", "2024-09", "1", "1"]])
        write_csv(data / "load.csv", ["户号", "账期", "平均负荷", "最大负荷"], [list(r) for r in load])
        dataset = load_dataset(data)
        checked = []
        for name in ("customers", "billing", "load"):
            own, orphans = _scopes(dataset[name], dataset["customers"])
            for scope in [*own, *filter(None, [orphans])]:
                failing = (c.condition.sum().alias(f"n{i}") for i, c in enumerate(scope.checks))
                expected = scope.rows.select(pl.len().alias("rows"), *failing).collect()
                assert scope.counted().to_dicts() == expected.to_dicts()
                checked += [c.check for c in scope.checks]
        assert {"orphan", "negative", "several_rows", "duplicate", "total_row"} <= set(checked)
        assert checked.count("duplicate") == 2  # the archive's customer_id and load's customer-month
        assert ("in_two_parts" in checked) == (split is not None)
