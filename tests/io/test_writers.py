"""Writers (SPEC §8): CSV with BOM for Excel, none on stdout; XLSX keeps ids as text; a failed write leaves nothing."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from powercrm.errors import InputError, UsageError
from powercrm.io import writers
from powercrm.io.parse import NULL_WORDS
from powercrm.io.readers import read_table
from powercrm.io.schema import CUSTOMERS
from powercrm.io.writers import atomic_path, check_outputs, check_writable, display_width, output_format, write_table

BOM = b"\xef\xbb\xbf"

FRAME = pl.DataFrame(
    {
        "customer_id": ["0033001234", "0033001235"],
        "name": ["王䶮", 'A,"B"\n二楼'],
        "kwh": [1234.5, 0.0],
        "period": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
        "segment": ["key", None],
    }
)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize(
    ("target", "fmt"),
    [("-", "stdout"), ("a.csv", "csv"), ("a.CSV", "csv"), ("a.txt", "csv"), ("a.parquet", "parquet"),
     ("a.pq", "parquet"), ("a.xlsx", "xlsx"), ("dir/得分.xlsx", "xlsx")],
)
def test_output_format(target, fmt):
    assert output_format(target) == fmt


@pytest.mark.parametrize("target", ["a.json", "a", "a.xls", "a.csv.gz"])
def test_unknown_output_type_is_a_usage_error(target):
    with pytest.raises(UsageError, match="unknown output type") as info:
        output_format(target)
    assert info.value.exit_code == 2
    # every type it takes is named, the spare spellings too
    assert "use .csv (or .txt), .parquet (or .pq), .xlsx, or - for stdout" in str(info.value)


def test_csv_file_has_a_bom_by_default(tmp_path):
    write_table(FRAME, tmp_path / "out.csv")
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(BOM + b"customer_id,")
    assert data.count(BOM) == 1


def test_csv_from_a_lazy_frame_has_a_bom_too(tmp_path):
    write_table(FRAME.lazy(), tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes().startswith(BOM + b"customer_id,")


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8"])
def test_csv_without_bom_on_request(tmp_path, encoding):
    write_table(FRAME, tmp_path / "out.csv", encoding=encoding)
    assert (tmp_path / "out.csv").read_bytes().startswith(b"customer_id,")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_csv_in_gb18030(tmp_path, encoding):
    write_table(FRAME, tmp_path / "out.csv", encoding=encoding)
    raw = (tmp_path / "out.csv").read_bytes()
    assert not raw.startswith(BOM)
    assert "王䶮".encode("gb18030") in raw
    back = pl.read_csv(raw.decode("gb18030").encode(), schema_overrides={"customer_id": pl.String})
    assert back["name"].to_list() == FRAME["name"].to_list()
    # and our own reader detects it
    t = read_table(CUSTOMERS, tmp_path / "out.csv")
    assert t.encoding == "gb18030"
    assert t.typed().collect()["name"].to_list() == FRAME["name"].to_list()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_writes_a_date_and_time_as_excel_reads_it(tmp_path, encoding):
    frame = pl.DataFrame({"检查时间": [dt.datetime(2025, 1, 1, 8, 30)], "立户日期": [dt.date(2024, 2, 29)]})
    write_table(frame, tmp_path / "out.csv", encoding=encoding)
    buf = io.StringIO()
    write_table(frame, "-", stdout=buf)
    for text in ((tmp_path / "out.csv").read_bytes().decode("utf-8-sig" if encoding != "gb18030" else "gb18030"), buf.getvalue()):
        assert text.splitlines()[1] == "2025-01-01 08:30:00,2024-02-29"


def test_unknown_csv_encoding(tmp_path):
    with pytest.raises(UsageError, match="unknown output encoding --encoding 'latin-1'"):
        write_table(FRAME, tmp_path / "out.csv", encoding="latin-1")
    assert leftovers(tmp_path) == []


def test_stdout_gets_csv_without_bom():
    buf = io.StringIO()
    write_table(FRAME.lazy(), "-", stdout=buf)
    text = buf.getvalue()
    assert text.startswith("customer_id,")
    assert "\ufeff" not in text
    assert pl.read_csv(text.encode(), schema_overrides={"customer_id": pl.String})["customer_id"].to_list() == [
        "0033001234", "0033001235"
    ]


def test_stdout_default_is_sys_stdout(capsys):
    write_table(FRAME.head(1), "-")
    out = capsys.readouterr().out
    assert out.startswith("customer_id,") and "0033001234" in out


def test_xlsx_opens_with_read_excel_and_keeps_ids_as_text(tmp_path):
    write_table(FRAME, tmp_path / "out.xlsx", sheet="得分")
    back = pl.read_excel(tmp_path / "out.xlsx", sheet_name="得分")
    assert back.schema["customer_id"] == pl.String
    assert back["customer_id"].to_list() == ["0033001234", "0033001235"]
    assert back["name"].to_list() == FRAME["name"].to_list()
    assert back["kwh"].to_list() == [1234.5, 0.0]
    assert back["segment"].to_list() == ["key", None]


def test_xlsx_several_sheets_and_long_names(tmp_path):
    long = "客户价值矩阵与信用等级评价结果明细表（二〇二四年一月至二〇二四年十二月）"  # > 31 characters
    assert len(long) > 31
    write_table(FRAME, tmp_path / "out.xlsx", sheet="score", extra_sheets={long: FRAME.head(1), "summary": pl.DataFrame()})
    sheets = pl.read_excel(tmp_path / "out.xlsx", sheet_id=0, raise_if_empty=False)
    assert list(sheets) == ["score", long[:31], "summary"]
    assert sheets[long[:31]].height == 1


def test_xlsx_number_formats(tmp_path):
    write_table(FRAME, tmp_path / "out.xlsx", number_formats={"kwh": "#,##0", "absent": "0.00%"})
    styles = zipfile.ZipFile(tmp_path / "out.xlsx").read("xl/styles.xml").decode()
    assert 'formatCode="#,##0"' in styles
    assert "0.00%" not in styles


def _column_widths(path: Path) -> list[float]:
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    return [float(w) for w in re.findall(r'<col [^>]*width="([0-9.]+)"', sheet)]


def test_xlsx_columns_are_wide_enough_for_their_text(tmp_path):
    frame = pl.DataFrame({"customer_id": ["0033001234"], "name": ["某某钢铁有限公司"]})
    write_table(frame, tmp_path / "out.xlsx")
    widths = _column_widths(tmp_path / "out.xlsx")
    assert widths[0] >= display_width("0033001234")
    assert widths[1] >= display_width("某某钢铁有限公司")  # 16: a Chinese character is two columns wide


@pytest.mark.parametrize(("text", "width"), [("abc", 3), ("户号", 4), ("A户", 3), ("", 0), (12.5, 4), ("ｶ", 1), ("Ａ", 2)])
def test_display_width(text, width):
    assert display_width(text) == width


def test_xlsx_too_many_rows_is_a_usage_error_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 1)
    with pytest.raises(UsageError, match="do not fit in one Excel sheet"):
        write_table(FRAME, tmp_path / "out.xlsx")
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------------------------
# atomic writes


FAILING = pl.LazyFrame({"a": ["x"]}).select(pl.col("a").cast(pl.Int64))  # raises when collected


@pytest.mark.parametrize("name", ["out.csv", "out.parquet", "out.xlsx"])
def test_failing_write_leaves_no_file_and_no_temp_file(tmp_path, name):
    with pytest.raises(pl.exceptions.PolarsError):
        write_table(FAILING, tmp_path / name)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["out.csv", "out.parquet", "out.xlsx"])
def test_failing_write_keeps_the_previous_file(tmp_path, name):
    target = tmp_path / name
    target.write_bytes(b"previous run")
    with pytest.raises(pl.exceptions.PolarsError):
        write_table(FAILING, target)
    assert target.read_bytes() == b"previous run"
    assert leftovers(tmp_path) == [name]


def test_failing_gb18030_write_leaves_nothing(tmp_path):
    with pytest.raises(pl.exceptions.PolarsError):
        write_table(FAILING, tmp_path / "out.csv", encoding="gb18030")
    assert leftovers(tmp_path) == []


def test_atomic_path_renames_on_success_and_cleans_up_on_error(tmp_path):
    target = tmp_path / "x.csv"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_text("done")
        assert not target.exists()
    assert target.read_text() == "done"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "done"
    assert leftovers(tmp_path) == ["x.csv"]


def test_write_into_a_missing_directory_fails_and_creates_nothing(tmp_path):
    with pytest.raises(InputError, match=r"out.csv: cannot write in the directory .*missing"):
        write_table(FRAME, tmp_path / "missing" / "out.csv")
    assert leftovers(tmp_path) == []


def test_write_below_a_file_fails(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match=r"out.csv: cannot write in the directory .*file \(Not a directory\)"):
        write_table(FRAME, tmp_path / "file" / "out.csv")
    assert leftovers(tmp_path) == ["file"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions")
def test_write_into_a_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InputError, match="not writable"):
            check_writable(ro / "out.csv")
        with pytest.raises(OSError):
            write_table(FRAME, ro / "out.csv")
        assert leftovers(ro) == []
    finally:
        ro.chmod(0o755)


def test_check_writable(tmp_path):
    check_writable("-")
    check_writable(tmp_path / "out.xlsx")
    with pytest.raises(InputError, match="does not exist"):
        check_writable(tmp_path / "missing" / "out.csv")
    with pytest.raises(UsageError, match="unknown output type"):
        check_writable(tmp_path / "out.doc")
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------------------------
# round trips


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_round_trip_through_each_format(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    write_table(FRAME, path)
    if suffix == ".csv":
        back = pl.read_csv(path, schema_overrides={"customer_id": pl.String}, try_parse_dates=True)
    elif suffix == ".parquet":
        back = pl.read_parquet(path)
    else:
        back = pl.read_excel(path)
    assert_frame_equal(back, FRAME, check_dtypes=False)
    assert back["customer_id"].to_list() == FRAME["customer_id"].to_list()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_written_tables_read_back_through_powercrm(tmp_path, suffix):
    """A customers table written by powercrm is an input powercrm reads (e.g. a filtered customer list)."""
    frame = pl.DataFrame({"customer_id": ["0033001234"], "name": ["王䶮"], "status": ["cancelled"], "voltage_kv": [0.4]})
    write_table(frame, tmp_path / f"customers{suffix}")
    df = read_table(CUSTOMERS, tmp_path / f"customers{suffix}").typed().collect()
    assert df.select(frame.columns).rows() == frame.rows()


_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(',"\'\n\r\t;|户号王䶮𠈌电量，。 ')),
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),  # no control characters but \t \n \r
    ),
    max_size=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.none(), _text), min_size=1, max_size=5))
def test_text_round_trips_through_csv_and_parquet(tmp_path, values):
    frame = pl.DataFrame({"customer_id": [f"{i:010d}" for i in range(len(values))], "text": values}, schema={"customer_id": pl.String, "text": pl.String})
    for name in ("h.csv", "h.parquet"):
        write_table(frame, tmp_path / name)
    back_csv = pl.read_csv(tmp_path / "h.csv", infer_schema=False)
    back_parquet = pl.read_parquet(tmp_path / "h.parquet")
    assert back_parquet.equals(frame)
    # CSV cannot tell an empty string from a missing value
    expected = frame.with_columns(pl.col("text").replace("", None))
    assert back_csv.with_columns(pl.col("text").replace("", None)).equals(expected)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# a cell reading NULL, N/A … is a blank one (`parse.NULL_WORDS`): not a name
@given(values=st.lists(_text.map(str.strip).filter(lambda v: v and v not in NULL_WORDS), min_size=1, max_size=4))
def test_names_round_trip_through_csv_and_the_powercrm_reader(tmp_path, values):
    frame = pl.DataFrame({"customer_id": [f"{i:010d}" for i in range(len(values))], "name": values})
    write_table(frame, tmp_path / "customers.csv")
    df = read_table(CUSTOMERS, tmp_path / "customers.csv").typed().collect()
    assert df.select("customer_id", "name").equals(frame)


def test_check_outputs_refuses_inputs_their_directories_and_shared_paths(tmp_path):
    billing = tmp_path / "billing"
    billing.mkdir()
    archive = tmp_path / "customers.csv"
    archive.write_text("户号\n1\n")
    inputs = [archive, billing]
    check_outputs({"-o": tmp_path / "scores.csv", "--rejects": tmp_path / "rejects.csv", "--chart": None}, inputs)
    check_outputs({"-o": "-"}, inputs)
    with pytest.raises(UsageError, match="an input file, which -o would overwrite"):
        check_outputs({"-o": tmp_path / "sub" / ".." / "customers.csv"}, inputs)
    with pytest.raises(UsageError, match="inside the input table directory"):
        check_outputs({"--rejects": billing / "part-9.parquet"}, inputs)
    with pytest.raises(UsageError, match="given to both -o and --report"):
        check_outputs({"-o": tmp_path / "f.xlsx", "--report": tmp_path / "f.xlsx"}, inputs)


def test_check_writable_names_what_is_wrong_with_the_path(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError, match="afile is a file, not a directory"):
        check_writable(tmp_path / "afile" / "s.csv")
    with pytest.raises(UsageError, match="a directory; give the output a file name"):
        check_writable(tmp_path)
    with pytest.raises(InputError, match="cannot write in the directory /proc"):
        check_writable("/proc/m.png", table=False)


def test_xlsx_is_the_same_bytes_under_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764720000")
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_table(FRAME, first)
    write_table(FRAME, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert "2025-12-03T00:00:00Z" in z.read("docProps/core.xml").decode()


def test_xlsx_writes_text_that_looks_like_a_formula_or_a_link_as_text(tmp_path):
    """An archive anyone can edit: `=3+4` showed as 7 and `=HYPERLINK(...)` as a link in every workbook."""
    texts = ["=3+4", '=HYPERLINK("http://example.invalid","x")', "http://example.invalid", "+8613800138000", "0033"]
    out = tmp_path / "t.xlsx"
    write_table(pl.DataFrame({"area_id": texts, "kwh": [1.0] * len(texts)}), out)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        shared = z.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "<hyperlink" not in sheet
    assert "=3+4" in shared and "+8613800138000" in shared and ">0033<" in shared


@pytest.mark.parametrize("option", ["--rejects", "--chart"])
def test_only_o_writes_to_stdout(option):
    """`--rejects -` put a second CSV after the scores (or before the --json line) on stdout, exit 0."""
    check_outputs({"-o": "-"})
    with pytest.raises(UsageError, match=f"{option} -: only -o writes to standard output"):
        check_outputs({"-o": "s.csv", option: Path("-")})


@pytest.mark.skipif(os.devnull != "/dev/null", reason="a POSIX null device")
def test_dev_null_discards_the_table_and_stays_a_device():
    """`-o /dev/null` (cron wanting only --json) was 'unknown output type'; a temporary file renamed onto it
    would have replaced the device."""
    assert output_format("/dev/null") == "discard"
    check_writable("/dev/null")
    check_outputs({"-o": "/dev/null", "--rejects": "/dev/null"})
    write_table(pl.DataFrame({"a": [1]}), "/dev/null")
    assert Path("/dev/null").is_char_device()


def test_an_empty_output_name_says_so():
    with pytest.raises(UsageError, match="an empty output file name; give the output a file name"):
        check_writable("")


def test_an_interrupted_xlsx_write_leaves_no_file_anywhere(tmp_path, monkeypatch):
    """xlsxwriter's per-sheet temporary files stayed in /tmp after Ctrl-C or SIGTERM (20 files, up to
    271 MB, for an audit of 200,000 customers), and closing on the interrupt wrote the workbook first."""
    real = pl.DataFrame.write_excel

    def interrupted(self, workbook, **kwargs):
        real(self, workbook, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(pl.DataFrame, "write_excel", interrupted)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    (tmp_path / "out").mkdir()
    with pytest.raises(KeyboardInterrupt):
        write_table(pl.DataFrame({"a": list(range(1000)), "b": ["x"] * 1000}), tmp_path / "out" / "t.xlsx", extra_sheets={"s2": pl.DataFrame({"c": [1]})})
    assert list((tmp_path / "out").iterdir()) == [] and list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_and_a_symbolic_link_is_written_through(tmp_path):
    """Both were replaced by a regular file: the pipe's reader got nothing, the link pointed nowhere new."""
    fifo = tmp_path / "f.csv"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        check_writable(fifo)
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old")
    link.symlink_to(real)
    check_writable(link)
    write_table(pl.DataFrame({"a": [1]}), link)
    assert link.is_symlink() and pl.read_csv(real).to_dict(as_series=False) == {"a": [1]}
