"""Polars expressions that turn exported text into typed values (SPEC §2 spellings).

Every parser returns null for a value it cannot read; the reader keeps the raw text beside the
parsed column so validation can report the cell and rejects can carry it.

`parse_frame` parses a scanned frame in passes, each made of plain column expressions: the common
spelling is read once from the text as read, and the cells it missed (nearly none) are normalised
and tried again, then in the other spellings. Polars does not share a sub-expression used
twice within one expression, so writing a parser as one expression re-stripped and re-parsed every
cell several times (a 1 M-customer billing CSV spent 10x longer parsing than reading).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping

import polars as pl

from powercrm.io.schema import FALSE_WORDS, TRUE_WORDS, Column, Kind

RAW_PREFIX = "_raw_"
_OTHER = "_other_spellings"

_THOUSANDS = r"^[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?$"
# a month without a separator has two digits: `45292` (an Excel day number) is not the year 4529, month 2
_PERIOD = r"^(\d{4})(?:(?:\s*[-/.年]\s*|\s+)(\d{1,2})|(\d{2}))\s*月?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?(?:[ T].*)?$"
_DATE = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$"
_TIMESTAMP = (
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?$"
)


_CYCLE = 146_097  # days in 400 Gregorian years: the calendar repeats after them
# added to a day number (days since 1970-01-01): whole cycles, so every Int32 day number becomes positive,
# less the days from 1970-01-01 to 2000-01-01, so the remainder counts from the cycle's first day
_TO_CYCLE = _CYCLE * 15_000 - (dt.date(2000, 1, 1) - dt.date(1970, 1, 1)).days


@functools.cache
def _days_into_month() -> pl.Series:
    """day − 1 for each day of one 400-year cycle starting 2000-01-01 (a cycle's first day)."""
    first = dt.date(2000, 1, 1)
    return pl.date_range(first, first + dt.timedelta(days=_CYCLE - 1), "1d", eager=True).dt.day().cast(pl.Int32) - 1


def month_start(d: pl.Expr) -> pl.Expr:
    """The first day of the month of date `d`: d − (day − 1) days, day − 1 looked up by the date's place
    in the 400-year cycle (every date of the years 1 to 9999 is checked in the tests). A lookup costs
    half of `dt.day`, which is 2.5x faster than `dt.month_start`: 0.4 against 0.7–0.9 s on the 35 M
    periods of a 1 M-customer billing export."""
    days = d.cast(pl.Int32)
    place = (days.cast(pl.Int64) + _TO_CYCLE) % _CYCLE
    return (days - pl.lit(_days_into_month()).gather(place)).cast(pl.Date)


def raw_name(column: str) -> str:
    """The column keeping a fallible column's text, so a problem can quote the cell."""
    return RAW_PREFIX + column


# Read as a blank cell in every column: what databases, SQL tools and dataframe libraries write for a
# missing value (pandas reads these as missing by default). A `NULL` payment date rejected the unpaid
# bill whole, a `NULL` area made one area of every customer without one. `#N/A` is not among them: an
# Excel error is reported (`io.xlsx`), not taken for a blank.
NULL_WORDS = ("NULL", "null", "Null", "(null)", "<null>", "<NA>", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "None", "none")
# Also blank in a date or a month, which they cannot be, and in the identifiers that group customers: a
# dash, a slash or 无 ("none"), as an unpaid bill's payment date or a customer on no area is written (an
# area `-` made one area of all of them, a meter `无` one meter of many customers). Elsewhere they stay
# values: a dash in a number column can be Excel's accounting zero, and a phone written 无 is a non-empty
# invalid phone (SPEC §7 A02), not a missing one. So written, a transformer ratio is a customer metered
# without one (A08 then said "unreadable ratio '-'" for a missing one), a transformer count or capacity a
# customer on a public transformer (公变: as 0 it would be an A05 mismatch with the contract), an
# importance or a power-factor standard none (SG186 writes 无 for a customer that is not an important
# one); in a category (importance, customer_class, status) a dash names no category either.
DASHES = ("-", "--", "—", "——", "/", "无")
DASH_BLANK = frozenset(
    {"line_id", "area_id", "meter_id", "ct_ratio", "pt_ratio", "pf_standard", "transformer_count", "transformer_capacity_kva"}
)


def blank_words(col: Column) -> tuple[str, ...]:
    """The words besides NULL_WORDS that stand for a blank cell in `col`."""
    return DASHES if col.kind in (Kind.DATE, Kind.PERIOD, Kind.TIMESTAMP, Kind.ENUM) or col.name in DASH_BLANK else ()


def text(e: pl.Expr, col: Column | None = None) -> pl.Expr:
    """Stripped text; empty or whitespace-only, NULL_WORDS and `col`'s `blank_words` become null (a blank
    cell). (`parse_frame` does the same in two passes, stripping once; `replace("", None)` would hold
    1 GB per 35 M ids.)"""
    s = e.cast(pl.String).str.strip_chars()
    return _unblank(s, () if col is None else blank_words(col))


def _unblank(s: pl.Expr, words: tuple[str, ...] = ()) -> pl.Expr:
    return pl.when((s.str.len_bytes() > 0) & ~s.is_in([*NULL_WORDS, *words])).then(s)


def _unless(fast: pl.Expr, s: pl.Expr) -> pl.Expr:
    """`s` where the fast parser gave nothing: regex fallbacks then run only on the unusual spellings
    (string kernels skip nulls), which keeps a 35-million-row export fast."""
    return pl.when(fast.is_null()).then(s)


def _four_digit_year(d: pl.Expr, *, timestamp: bool = False) -> pl.Expr:
    """chrono reads `24-01-01` as the year 24; exports always write four digits. (A comparison, not
    `dt.year()`, which converts every value to a calendar date.)"""
    first = dt.datetime(1000, 1, 1) if timestamp else dt.date(1000, 1, 1)
    return pl.when(d >= first).then(d)


_FULL_WIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"．": ".", "－": "-", "＋": "+"}


def number(s: pl.Expr) -> pl.Expr:
    """A decimal number from text; thousands separators (1,234.5) are removed only where they are one;
    full-width digits (３１２１．５, from a Chinese input method) are read as digits; a currency sign
    (`¥2,733.49`, `-￥5.00`: Excel's currency format saved as CSV) and a trailing 元 are dropped."""
    fast = s.cast(pl.Float64, strict=False)
    rest = _unless(fast, s).str.replace_many(list(_FULL_WIDTH), list(_FULL_WIDTH.values()))
    rest = rest.str.replace(r"^([+-]?)\s*[¥￥]\s*", "${1}").str.replace(r"\s*元$", "")
    grouped = pl.when(rest.str.contains(_THOUSANDS)).then(rest.str.replace_all(r"[,，]", ""))
    return pl.coalesce(fast, rest.cast(pl.Float64, strict=False), grouped.cast(pl.Float64, strict=False))


def voltage(s: pl.Expr) -> pl.Expr:
    """Voltage in kV: `10`, `10kV`, `0.4 kV`, `交流10kV` (SG186 names voltage classes so) or `AC 10kV`; a value
    in volts (`220V`) is divided by 1000."""
    fast = s.cast(pl.Float64, strict=False)
    low = _unless(fast, s).str.to_lowercase().str.replace_all(r"\s", "").str.strip_prefix("交流").str.strip_prefix("ac")
    kv = low.str.strip_suffix("kv")
    in_volts = low.str.ends_with("v") & ~low.str.ends_with("kv")
    value = number(kv.str.strip_suffix("v"))
    return pl.coalesce(fast, pl.when(in_volts).then(value / 1000).otherwise(value))


def capacity(s: pl.Expr) -> pl.Expr:
    """Capacity in kVA: `315`, `315kVA`, `315 KVA`, `315千伏安` (an archive typed by hand carries the unit)."""
    fast = s.cast(pl.Float64, strict=False)
    low = _unless(fast, s).str.to_lowercase().str.replace_all(r"\s", "")
    return pl.coalesce(fast, number(low.str.strip_suffix("kva").str.strip_suffix("千伏安")))


def period(s: pl.Expr) -> pl.Expr:
    """First day of the billing month from 2024-01, 202401, 2024/1, 2024-01-01, 2024年1月."""
    fast = _four_digit_year(
        pl.coalesce(
            (s + "-01").str.to_date("%Y-%m-%d", strict=False),
            (s + "/1").str.to_date("%Y/%m/%d", strict=False),
            # digits only: chrono skips spaces, so `2024 1` + "01" read as 2024-10-01
            pl.when(s.str.contains(r"^\d{6}$")).then(s + "01").str.to_date("%Y%m%d", strict=False),
        )
    )
    normalized = _unless(fast, s).str.replace(_PERIOD, "${1}-${2}${3}-01")
    return pl.coalesce(fast, normalized.str.to_date("%Y-%m-%d", strict=False))


_DOTTED_MONTH = r"^\s*\d{4}\.(\d{1,2})\s*$"
_AMBIGUOUS = ": January or October? (a number that lost its trailing 0; write periods as text)"


def lost_trailing_zero(s: pl.Expr, values: pl.Series) -> pl.Expr:
    """Period text `s` with `2024.1` as October where the column's `values` show it is the number 2024.10
    that lost its trailing zero (Excel stores `2024.10` typed in a cell as 2024.1): the column writes other
    months with two digits (`2024.01`). Where it writes one digit (`2024.2`) and has months past October
    but no `.10`, `2024.1` could be January or October: it is given text that no spelling reads, so the
    row is reported rather than guessed. Elsewhere `2024.1` is January."""
    months = values.cast(pl.String).str.extract(_DOTTED_MONTH, 1).drop_nulls()
    if not months.eq("1").any():
        return s
    lone = s.str.contains(r"^\s*\d{4}\.1\s*$")
    if months.str.starts_with("0").any():
        return pl.when(lone).then(s.str.strip_chars() + "0").otherwise(s)
    if months.is_in(["11", "12"]).any() and not months.eq("10").any():
        return pl.when(lone).then(s.str.strip_chars() + _AMBIGUOUS).otherwise(s)
    return s


def date(s: pl.Expr) -> pl.Expr:
    """A calendar date from 2024/1/5, 2024-01-05, 2024年1月5日, 20240105 (a time part is ignored)."""
    fast = _four_digit_year(
        pl.coalesce(
            s.str.to_date("%Y-%m-%d", strict=False),
            s.str.to_date("%Y/%m/%d", strict=False),
            pl.when(s.str.contains(r"^\d{8}$")).then(s).str.to_date("%Y%m%d", strict=False),
        )
    )
    normalized = _unless(fast, s).str.replace(_DATE, "${1}-${2}-${3}")
    return pl.coalesce(fast, normalized.str.to_date("%Y-%m-%d", strict=False))


def timestamp(s: pl.Expr) -> pl.Expr:
    """A reading time from `2024-01-05 00:15`, `2024/1/5 0:15:00`."""
    fast = _four_digit_year(
        pl.coalesce(
            s.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"),
            s.str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us"),
        ),
        timestamp=True,
    )
    # without seconds the replacement ends in ':' (an empty group), hence the second format
    normalized = _unless(fast, s).str.replace(_TIMESTAMP, "${1}-${2}-${3} ${4}:${5}:${6}")
    return pl.coalesce(
        fast,
        normalized.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"),
        normalized.str.to_datetime("%Y-%m-%d %H:%M:", strict=False, time_unit="us"),
    )


def boolean(s: pl.Expr) -> pl.Expr:
    low = s.str.to_lowercase()
    return pl.when(low.is_in(TRUE_WORDS)).then(True).when(low.is_in(FALSE_WORDS)).then(False)


def enum(s: pl.Expr, values: dict[str, tuple[str, ...]]) -> pl.Expr:
    """The canonical code of an enum value written as the code or one of its Chinese spellings."""
    mapping = {code: code for code in values}
    mapping.update({alias: code for code, aliases in values.items() for alias in aliases})
    mapping.update({k.lower(): v for k, v in list(mapping.items())})
    return s.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.String)


# Spellings tried as the common one of a column, best first; `common_format` picks one from a sample.
FORMATS: dict[Kind, tuple[str, ...]] = {
    Kind.PERIOD: ("%Y-%m", "%Y/%m", "%Y%m", "%Y-%m-%d", "%Y/%m/%d"),
    Kind.DATE: ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日"),
    Kind.TIMESTAMP: ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"),
}


def common_format(kind: Kind, sample: pl.Series) -> str | None:
    """The format of `FORMATS` that reads the most values of a sample of a column's normalised text
    (the first on a tie or an empty sample), so an export writing 2024/1/5 throughout is read in one
    kernel rather than through the fallbacks; None for a kind read without a format."""
    if kind not in FORMATS:
        return None
    formats = FORMATS[kind]
    if sample.null_count() == sample.len():
        return formats[0]
    counts = [_temporal(kind, pl.lit(sample), f).count().alias(f) for f in formats]
    found = pl.select(counts).row(0)
    return formats[max(range(len(formats)), key=lambda i: (found[i], -i))]


def _temporal(kind: Kind, s: pl.Expr, fmt: str) -> pl.Expr:
    if kind is Kind.TIMESTAMP:
        return s.str.to_datetime(fmt, strict=False, time_unit="us")
    d = s.str.to_date(fmt, strict=False)
    return month_start(d) if kind is Kind.PERIOD and "%d" in fmt else d


def _read_common(kind: Kind, s: pl.Expr, fmt: str | None = None) -> pl.Expr | None:
    """The usual spelling of a kind (`fmt` for dates and times), read in one kernel; None: the kind has
    no cheaper first reading."""
    if kind in (Kind.FLOAT, Kind.VOLTAGE, Kind.CAPACITY, Kind.INT):
        return s.cast(pl.Float64, strict=False)
    if kind in FORMATS:
        return _temporal(kind, s, fmt or FORMATS[kind][0])
    return None


def _checked(kind: Kind, common: pl.Expr) -> pl.Expr:
    """The first reading with two-digit years (dates and times), fractions (integers) and `NaN` (a word for
    a missing value, NULL_WORDS) refused, so the cell counts as missed and keeps its text."""
    if kind in (Kind.PERIOD, Kind.DATE, Kind.TIMESTAMP):
        return _four_digit_year(common, timestamp=kind is Kind.TIMESTAMP)
    if kind is Kind.INT:
        return pl.when(common == common.round(0)).then(common)
    return pl.when(common.is_not_nan()).then(common)


def _read_other(kind: Kind, rest: pl.Expr) -> pl.Expr:
    """The other spellings of a kind, read from text `rest` (null where the first reading succeeded)."""
    match kind:
        case Kind.FLOAT | Kind.INT:
            return number(rest)
        case Kind.VOLTAGE:
            return voltage(rest)
        case Kind.CAPACITY:
            return capacity(rest)
        case Kind.PERIOD:
            return period(rest)
        case Kind.DATE:
            return date(rest)
        case Kind.TIMESTAMP:
            return timestamp(rest)
    raise AssertionError(kind)


def _finish(kind: Kind, value: pl.Expr) -> pl.Expr:
    """Whole numbers only for an integer column."""
    if kind is Kind.INT:
        return pl.when(value == value.round(0)).then(value).cast(pl.Int64, strict=False)
    return value


def _read_rest(kind: Kind, common: pl.Expr, s: pl.Expr) -> pl.Expr:
    """The value from `common` (the first reading), else from the other spellings of text `s`."""
    checked = _checked(kind, common)
    return _finish(kind, pl.coalesce(checked, _read_other(kind, _unless(checked, s))))


def _from_text(col: Column, s: pl.Expr) -> pl.Expr:
    """`col` from normalised text `s` (see `text`), as one expression."""
    common = _read_common(col.kind, s)
    if common is not None:
        return _read_rest(col.kind, common, s)
    match col.kind:
        case Kind.ID | Kind.TEXT:
            return s
        case Kind.BOOL:
            return boolean(s)
        case Kind.ENUM:
            return enum(s, col.values)
    raise AssertionError(col.kind)


def normalise_text(lf: pl.LazyFrame, names: list[str], blanks: Mapping[str, tuple[str, ...]] | None = None) -> pl.LazyFrame:
    """`lf` with the text columns `names` stripped, then blank text as null (two passes: see `text`): empty,
    NULL_WORDS and a column's own `blanks` words (`blank_words`)."""
    if not names:
        return lf
    blanks = blanks or {}
    return lf.with_columns(pl.col(names).str.strip_chars()).with_columns(_unblank(pl.col(n), blanks.get(n, ())).alias(n) for n in names)


def parse_frame(
    lf: pl.LazyFrame,
    columns: list[tuple[Column, pl.DataType]],
    sample: pl.DataFrame | None = None,
    *,
    keep_text: frozenset[str] = frozenset(),
) -> pl.LazyFrame:
    """`lf` with every listed column (present in `lf` with the given source dtype) in its canonical
    dtype, and in `raw_name(column)` of each fallible one (`can_fail`) the normalised text of the cells
    its common spelling did not read (null elsewhere, so every unreadable cell keeps its text). `sample`
    (the first rows of `lf`, source columns) chooses the common format of date and time columns. Text
    columns named in `keep_text` (identifiers only) are left as read, for the caller to `normalise_text`.

    A column with a common spelling (numbers, dates, times) is read in passes: the common spelling
    from the text as read (no strip: stripping and blanking every cell took a 100k-customer CSV score
    from 9.1 to 10.2 CPU-s); the cells it missed, nearly all null, are normalised, read again the
    common way (a padded `" 12.5"`), then in the other spellings. Other text columns are normalised
    first.
    """
    formats = {c.name: _sampled_format(c, sample) for c, source in columns if source == pl.String}
    later = [c for c, source in columns if source == pl.String and _read_common(c.kind, pl.col(c.name)) is not None]
    texts = [c.name for c, source in columns if source == pl.String and c not in later and c.name not in keep_text]
    lf = normalise_text(lf, texts, {c.name: blank_words(c) for c, _ in columns})
    raw = [
        (pl.col(c.name) if source == pl.String else text(pl.col(c.name))).alias(raw_name(c.name))
        for c, source in columns
        if can_fail(c, source) and c not in later
    ]
    first: list[pl.Expr] = []
    for c, source in columns:
        if source != pl.String:
            first.append(parse(c, pl.col(c.name), source).alias(c.name))
        elif c not in later and c.kind not in (Kind.ID, Kind.TEXT):
            first.append(_from_text(c, pl.col(c.name)).alias(c.name))
    value = {c.name: f"_value_{c.name}" for c in later}
    common = [_read_common(c.kind, pl.col(c.name), formats[c.name]).alias(value[c.name]) for c in later]
    lf = lf.with_columns(*raw, *first, *common)
    if not later:
        return lf
    lf = lf.with_columns(
        *[_checked(c.kind, pl.col(value[c.name])).alias(value[c.name]) for c in later],
        *[_unless(_checked(c.kind, pl.col(value[c.name])), pl.col(c.name)).alias(raw_name(c.name)) for c in later],
    )
    lf = normalise_text(lf, [raw_name(c.name) for c in later], {raw_name(c.name): blank_words(c) for c in later})
    again = [_checked(c.kind, _read_common(c.kind, pl.col(raw_name(c.name)), formats[c.name])) for c in later]
    lf = lf.with_columns(pl.coalesce(pl.col(value[c.name]), e).alias(value[c.name]) for c, e in zip(later, again, strict=True))
    rest = pl.struct(_unless(pl.col(value[c.name]), pl.col(raw_name(c.name))).alias(c.name) for c in later)
    lf = lf.with_columns(_other_spellings(later, rest).alias(_OTHER))
    return lf.with_columns(
        _finish(c.kind, pl.coalesce(pl.col(value[c.name]), pl.col(_OTHER).struct.field(c.name))).alias(c.name) for c in later
    ).drop(*value.values(), _OTHER)


def _sampled_format(col: Column, sample: pl.DataFrame | None) -> str | None:
    if sample is None or col.name not in sample.columns or col.kind not in FORMATS:
        return None
    return common_format(col.kind, sample.select(text(pl.col(col.name))).to_series())


def _other_spellings(columns: list[Column], missed: pl.Expr) -> pl.Expr:
    """`_read_other` of every column of struct `missed` (the text of the cells the common spelling left
    null), batch by batch, skipping a batch with no missed cell (nearly every batch of a clean export):
    a dozen string kernels over all-null text cost more than reading the file, and one call per batch
    for all columns costs less than one per column."""
    dtypes = {c.name: pl.Float64 if c.kind is Kind.INT else c.dtype for c in columns}
    schema = pl.Struct(dtypes)

    def read(texts: pl.Series) -> pl.Series:
        frame = texts.struct.unnest()
        if all(frame[name].null_count() == frame.height for name in dtypes):
            return pl.Series(texts.name, dtype=schema).extend_constant(None, frame.height)
        return frame.select(_read_other(c.kind, pl.col(c.name)).alias(c.name) for c in columns).to_struct(texts.name)

    return missed.map_batches(read, return_dtype=schema, is_elementwise=True)


def can_fail(col: Column, source: pl.DataType) -> bool:
    """Whether parsing this column from this source type can reject a value (so the raw text is kept)."""
    if col.kind in (Kind.ID, Kind.TEXT):
        return False
    if col.kind is Kind.ENUM:
        return True
    if col.kind in (Kind.FLOAT, Kind.VOLTAGE, Kind.CAPACITY) and source.is_numeric():
        return False
    if col.kind in (Kind.DATE, Kind.PERIOD, Kind.TIMESTAMP) and source.is_temporal():
        return False
    return not (col.kind is Kind.BOOL and source == pl.Boolean)


def parse(col: Column, e: pl.Expr, source: pl.DataType) -> pl.Expr:
    """Expression giving `col` in its canonical dtype from a source column of dtype `source`."""
    kind = col.kind
    if kind in (Kind.FLOAT, Kind.VOLTAGE, Kind.CAPACITY) and source.is_numeric():
        return e.cast(pl.Float64)
    if kind is Kind.INT and source.is_integer():
        return e.cast(pl.Int64)
    if source.is_temporal() and getattr(source, "time_zone", None):
        # the wall-clock time of the export (2025-12-01 00:00 Asia/Shanghai is in December), not UTC
        e = e.dt.replace_time_zone(None)
    if kind in (Kind.PERIOD, Kind.DATE) and source.is_temporal():
        d = e.cast(pl.Date)
        return month_start(d) if kind is Kind.PERIOD else d
    if kind is Kind.TIMESTAMP and source.is_temporal():
        return e.cast(pl.Datetime("us"))
    if kind is Kind.BOOL and source == pl.Boolean:
        return e
    if kind is Kind.BOOL and source.is_numeric():
        return e != 0
    if kind in (Kind.ID, Kind.TEXT) and source.is_float():
        # Excel and some exports store numeric ids as floats: 33001234.0 -> "33001234"
        e = pl.when(e == e.round(0)).then(e.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(e.cast(pl.String))
    return _from_text(col, text(e, col))
