"""Identity numbers and phone numbers of the customer archive, as polars expressions (A02, A03).

- Resident ID (居民身份证号码, GB 11643-1999): 6-digit region, 8-digit birth date YYYYMMDD, 3-digit
  sequence, check character: Σ digit_i · (2^(17−i) mod 11) over the first 17 digits, mod 11,
  indexes "10X98765432".
- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from 0-9 and the
  capital letters except I, O, Z, S, V (31 symbols, values 0-30); characters 3-8 are a region code;
  check = 31 − (Σ value_i · (3^i mod 31)) mod 31, with 31 written as 0.
- Mainland phone: mobile 1[3-9] + 9 digits with an optional +86/86 prefix, or landline 0 + a 2-3 digit
  area code + 7-8 digits, with `-` or space separators and an optional extension. A cell holding
  two numbers (`138.../139...`) is not a valid number: the archive field is for one.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

RESIDENT_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
RESIDENT_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [3**i % 31 for i in range(17)]  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28

_USCC_CHAR = "[0-9A-HJ-NPQRTUWXY]"
_USCC_SHAPE = rf"^{_USCC_CHAR}{{2}}\d{{6}}{_USCC_CHAR}{{10}}$"
_RESIDENT_SHAPE = r"^\d{17}[\dX]$"
MOBILE = r"^(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}$"
LANDLINE = r"(?i)^(?:\(0\d{2,3}\)|0\d{2,3})[- ]?\d{7,8}(?:\s*(?:-|转|ext\.?|x|#)\s*\d{1,6})?$"


def _normalised(s: pl.Expr) -> pl.Expr:
    return s.str.strip_chars().str.to_uppercase()


def resident_id_check_char(s: pl.Expr) -> pl.Expr:
    """The GB 11643 check character due for the first 17 digits of `s` (null unless they are digits)."""
    total = pl.sum_horizontal(s.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(RESIDENT_WEIGHTS))
    return (total % 11).replace_strict(dict(enumerate(RESIDENT_CHECK)), default=None, return_dtype=pl.String)


def birth_date(s: pl.Expr) -> pl.Expr:
    """Birth date of an 18-digit resident ID; null when the 8 digits are not a calendar date."""
    return s.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)


def resident_id_valid(s: pl.Expr, earliest_birth_year: int = 1900, today: dt.date | None = None) -> pl.Expr:
    """True for an 18-digit resident ID with the right check character and a plausible birth date."""
    today = today or dt.date.today()
    ident = _normalised(s)
    born = birth_date(ident)
    return (
        ident.str.contains(_RESIDENT_SHAPE)
        & (resident_id_check_char(ident) == ident.str.slice(17, 1))
        & born.is_between(dt.date(earliest_birth_year, 1, 1), today)
    ).fill_null(False)


def uscc_check_char(s: pl.Expr) -> pl.Expr:
    """The GB 32100 check character due for the first 17 characters of `s` (null on a foreign character)."""
    values = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
    total = pl.sum_horizontal(
        (s.str.slice(i, 1).replace_strict(values, default=None, return_dtype=pl.Int32) * w for i, w in enumerate(USCC_WEIGHTS)),
        ignore_nulls=False,
    )
    return ((31 - total % 31) % 31).replace_strict(dict(enumerate(USCC_ALPHABET)), default=None, return_dtype=pl.String)


def uscc_valid(s: pl.Expr) -> pl.Expr:
    """True for an 18-character unified social credit code with the right check character."""
    code = _normalised(s)
    return (code.str.contains(_USCC_SHAPE) & (uscc_check_char(code) == code.str.slice(17, 1))).fill_null(False)


def id_number_valid(s: pl.Expr, earliest_birth_year: int = 1900, today: dt.date | None = None) -> pl.Expr:
    """A03: valid as a resident ID or as a unified social credit code."""
    return resident_id_valid(s, earliest_birth_year, today) | uscc_valid(s)


def phone_valid(s: pl.Expr) -> pl.Expr:
    """A02: the cell holds one mainland mobile or landline number."""
    phone = s.str.strip_chars()
    return (phone.str.contains(MOBILE) | phone.str.contains(LANDLINE)).fill_null(False)
