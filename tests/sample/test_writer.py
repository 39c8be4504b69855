"""Writing a dataset: formats, Chinese headers and values, GBK, --force, and reading it back."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from powercrm.errors import UsageError
from powercrm.io.readers import load_dataset
from powercrm.io.schema import TABLES, zh_header
from powercrm.io.usable import usable_tables
from powercrm.io.validate import Severity, validate
from powercrm.sample import SampleData, generate, write_dataset


@pytest.fixture(scope="module")
def small() -> SampleData:
    return generate(120, 14, 5, interval_days=2)


def read_back(out: Path) -> dict[str, pl.DataFrame]:
    usable = usable_tables(load_dataset(out))
    return {name: lf.collect() for name, lf in usable.tables.items()}


def same_values(a: pl.DataFrame, b: pl.DataFrame) -> None:
    cols = a.columns
    b = b.select(cols)
    for name in cols:
        x, y = a[name], b[name]
        if x.dtype.is_float():
            assert ((x - y).abs().fill_null(0) < 1e-6).all() and (x.is_null() == y.is_null()).all(), name
        else:
            assert x.equals(y), name


@pytest.mark.parametrize(("fmt", "zh"), [("csv", False), ("csv", True), ("parquet", False), ("parquet", True), ("xlsx", True)])
def test_round_trip_through_the_readers(small: SampleData, tmp_path: Path, fmt: str, zh: bool) -> None:
    files = write_dataset(small, tmp_path, fmt=fmt, zh=zh)
    assert {p.name for p in files} == {f"{t}.{fmt}" for t in small.tables()} | {"ground_truth.csv"}
    dataset = load_dataset(tmp_path)
    assert dataset.structural == []
    problems = validate(dataset)
    assert not [p for p in problems if p.severity is Severity.ERROR], [p.line() for p in problems]
    back = read_back(tmp_path)
    for name, df in small.tables().items():
        if name == "customers":
            # whitespace-only cells (an injected A01 case) read back as blank
            df = df.with_columns(pl.col(pl.String).str.strip_chars().replace("", None))
        same_values(df, back[name])


def test_zh_headers_and_values(small: SampleData, tmp_path: Path) -> None:
    write_dataset(small, tmp_path, zh=True)
    raw = (tmp_path / "customers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header == [zh_header("customers", c) for c in TABLES["customers"].names]
    assert header[:3] == ["户号", "户名", "联系电话"]
    assert "居民生活" in text and "正常" in text and ",否," in text
    billing = (tmp_path / "billing.csv").read_text(encoding="utf-8-sig").splitlines()
    assert billing[0].startswith("户号,账期,有功电量")
    period, due = billing[1].split(",")[1], billing[1].split(",")[8]
    assert len(period) == 7 and period[4] == "-"
    assert "/" in due and "/0" not in due
    truth = (tmp_path / "ground_truth.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert truth == "rule,customer_id,line_id,area_id,period,detail,theft,injected"


def test_gbk_output_decodes_as_gb18030(small: SampleData, tmp_path: Path) -> None:
    write_dataset(small, tmp_path, zh=True, encoding="gbk")
    raw = (tmp_path / "customers.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("gb18030")
    assert raw.decode("gbk") == text
    assert text.startswith("户号,户名")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    back = read_back(tmp_path)
    assert back["customers"]["name"].equals(small.customers["name"].str.strip_chars().replace("", None))


def test_existing_dataset_needs_force(small: SampleData, tmp_path: Path) -> None:
    write_dataset(small, tmp_path, fmt="parquet")
    with pytest.raises(UsageError, match="--force"):
        write_dataset(small, tmp_path)
    (tmp_path / "README.md").write_text("kept")
    write_dataset(small, tmp_path, force=True)
    names = {p.name for p in tmp_path.iterdir()}
    assert "customers.csv" in names and "customers.parquet" not in names and "README.md" in names


def test_bad_format_and_encoding(small: SampleData, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--format"):
        write_dataset(small, tmp_path, fmt="json")
    with pytest.raises(UsageError, match="--encoding"):
        write_dataset(small, tmp_path, encoding="latin-1")
    with pytest.raises(UsageError, match="CSV only"):
        write_dataset(small, tmp_path, fmt="parquet", encoding="gbk")


def test_xlsx_keeps_ids_as_text(small: SampleData, tmp_path: Path) -> None:
    write_dataset(small, tmp_path, fmt="xlsx")
    sheet = pl.read_excel(tmp_path / "customers.xlsx", infer_schema_length=0)
    assert sheet["customer_id"][0] == "0033000001"
    assert sheet["meter_id"].drop_nulls().str.len_chars().unique().to_list() == [18]


def test_interval_readings_match_monthly_load(small: SampleData) -> None:
    li = small.load_interval
    assert li.schema == pl.Schema({"customer_id": pl.String, "timestamp": pl.Datetime("us"), "load_kw": pl.Float64})
    per_day = li.group_by("customer_id", li["timestamp"].dt.date().alias("d")).len()
    assert (per_day["len"] == 96).all()
    assert li["timestamp"].dt.date().n_unique() == 2
    assert (li["load_kw"] >= 0).all()
    monthly = li.group_by("customer_id", pl.col("timestamp").dt.month_start().dt.date().alias("period")).agg(
        avg=pl.col("load_kw").mean(), mx=pl.col("load_kw").max()
    )
    j = monthly.join(small.load, on=["customer_id", "period"])
    assert ((j["avg"] - j["avg_load_kw"]).abs() < 0.002).all()
    ok = j.filter(pl.col("max_load_kw") >= pl.col("avg_load_kw"))
    assert (ok["mx"] <= ok["max_load_kw"] + 0.002).all()


def test_an_interrupted_write_leaves_no_table_behind(tmp_path, monkeypatch):
    """Ctrl-C 8 s into a 200,000-customer sample left customers and billing without load: `score` read
    it as a dataset without load, and a rerun refused to replace it."""
    from powercrm.sample import writer

    real = writer.write_table

    def interrupted(name, df, out, **kwargs):
        if name == "load":
            raise KeyboardInterrupt
        return real(name, df, out, **kwargs)

    monkeypatch.setattr(writer, "write_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        writer.write_sample(tmp_path / "s", customers=20, months=3)
    assert list((tmp_path / "s").iterdir()) == []
    monkeypatch.setattr(writer, "write_table", real)
    _, written = writer.write_sample(tmp_path / "s", customers=20, months=3)
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(p.name for p in written)
