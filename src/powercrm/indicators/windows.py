"""Calendar-month windows ending at period_end E (SPEC §3).

current = E−11…E, previous = E−23…E−12, credit = E−35…E. Month arithmetic uses a month index
year·12 + month − 1, so E−12 is one subtraction and never a date-library corner case.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from powercrm.errors import DataError

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str) -> dt.date:
    """The first day of a `YYYY-MM` month; ValueError names the bad value."""
    match = _PERIOD.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return dt.date(int(match[1]), int(match[2]), 1)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_number(period: pl.Expr) -> pl.Expr:
    """Months since 1970-01 of a first-of-month date, from its day number alone (no calendar
    conversion, which costs more than the group-by it feeds): 146,097 days make 4,800 months, and a
    first of month lies within three days of that even spacing, so 16 days past it never reach the
    next month (checked for every month of the years 1000–2999 in the tests)."""
    return ((period.cast(pl.Int32).cast(pl.Int64) + 16) * 4800).floordiv(146097)


def month_bits(period: pl.Expr, last: int, months: int) -> pl.Expr:
    """2^k for a period k months before month index `last` (k < `months` ≤ 63), else null.

    Summed per customer, these bits stand for a set of months with constant state: the months are all
    distinct exactly when the sum has as many one-bits as rows were summed (a repeated month carries),
    where a per-group `n_unique` kept a hash set per customer (2 GB for 1 M customers' load rows).
    """
    k = pl.lit(last - month_index(dt.date(1970, 1, 1)), pl.Int64) - month_number(period)
    # both branches are computed on every row: the clip keeps the power defined where k is out of range
    return pl.when(k.is_between(0, months - 1)).then(pl.lit(2, pl.Int64).pow(k.clip(0, months - 1)))


def first_day(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def format_period(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class Window:
    """Months first…last (inclusive) as month indexes."""

    first: int
    last: int

    @property
    def start(self) -> dt.date:
        return first_day(self.first)

    @property
    def end(self) -> dt.date:
        """First day of the month after the window (exclusive bound for timestamps)."""
        return first_day(self.last + 1)

    def holds(self, period: pl.Expr) -> pl.Expr:
        """True where a first-of-month `period` lies in the window."""
        return period.is_between(self.start, first_day(self.last))

    def __str__(self) -> str:
        return f"{format_period(self.start)}…{format_period(first_day(self.last))}"


@dataclass(frozen=True)
class Windows:
    period_end: dt.date

    @property
    def e(self) -> int:
        return month_index(self.period_end)

    @property
    def current(self) -> Window:
        return Window(self.e - 11, self.e)

    @property
    def previous(self) -> Window:
        return Window(self.e - 23, self.e - 12)

    @property
    def credit(self) -> Window:
        return Window(self.e - 35, self.e)

    @property
    def month_e(self) -> Window:
        return Window(self.e, self.e)

    @property
    def month_e_minus_12(self) -> Window:
        return Window(self.e - 12, self.e - 12)


def window_sum(value: pl.Expr, rows: pl.Expr | None = None) -> pl.Expr:
    """Σ value over the selected rows; null (not 0) when none of them has a value (SPEC §3)."""
    selected = value if rows is None else value.filter(rows)
    return pl.when(selected.count() > 0).then(selected.sum())


def latest_period(billing: pl.LazyFrame) -> dt.date | None:
    """The latest billing period in the rows (null periods ignored); None when there is none."""
    return billing.select(pl.col("period").max()).collect(engine="streaming").item()


def choose_period_end(first: dt.date | None, last: dt.date | None, requested: str | None) -> dt.date:
    """E from the first and last usable billing periods: `requested` (YYYY-MM) when it lies within them, else the last."""
    if last is None:
        raise DataError("billing has no usable periods, so no window can be set")
    if requested is None:
        return last
    end = parse_period(requested)
    if not first <= end <= last:
        raise DataError(
            f"period_end {requested} is outside the billing data ({format_period(first)} to {format_period(last)})"
        )
    return end
