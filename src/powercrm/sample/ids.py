"""Identity numbers with their real check characters, generated and validated vectorised.

- Resident identity number (GB 11643-1999): 6-digit administrative division code, 8-digit birth
  date YYYYMMDD, 3-digit sequence (odd for men, even for women), check character from the ISO 7064
  MOD 11-2 weights 2^(17-i) mod 11, written `0`-`9` or `X`.
- Unified social credit code (GB 32100-2015): registration authority and entity type (`91`
  company, `92` sole trader, `93` farmers' cooperative, `12` public institution, ...), 6-digit
  division code, 9-character organisation code (8 characters plus the GB 11714 check), and a
  check character over the 31-symbol alphabet `0-9A-Y` without I, O, S, V, Z with weights
  3^i mod 31.

Generators take a numpy Generator and return polars String Series; validators are polars
expressions (null for a null input), usable by any engine that needs the same checks.
"""

from __future__ import annotations

import numpy as np
import polars as pl

RESIDENT_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
RESIDENT_CHECK = "10X98765432"  # index: weighted sum mod 11
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

_RESIDENT_CHECK_CODES = np.frombuffer(RESIDENT_CHECK.encode(), dtype=np.uint8)
_USCC_CODES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)


def codes_to_strings(codes: np.ndarray) -> pl.Series:
    """An (n, k) uint8 array of ASCII codes as a String Series of n strings of length k."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    if codes.shape[0] == 0:
        return pl.Series([], dtype=pl.String)
    return pl.Series(codes.view(f"S{codes.shape[1]}").ravel()).cast(pl.String)


def digits_codes(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers as an (n, width) uint8 code array."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + 48).astype(np.uint8)


def resident_check(body: np.ndarray) -> np.ndarray:
    """Check character codes for an (n, 17) array of digit codes."""
    total = ((body.astype(np.int64) - 48) * RESIDENT_WEIGHTS).sum(axis=1)
    return _RESIDENT_CHECK_CODES[total % 11]


def resident_ids(
    division: np.ndarray, birth_ymd: np.ndarray, sequence: np.ndarray, *, correct: bool = True
) -> np.ndarray:
    """(n, 18) codes of resident ids from division codes, birth dates as YYYYMMDD ints and 3-digit sequences."""
    body = np.concatenate(
        [digits_codes(division, 6), digits_codes(birth_ymd, 8), digits_codes(sequence, 3)], axis=1
    )
    check = resident_check(body) if correct else np.full(len(body), ord("0"), dtype=np.uint8)
    return np.concatenate([body, check[:, None]], axis=1)


def org_check(body: np.ndarray) -> np.ndarray:
    """GB 11714 check codes for an (n, 8) array of organisation-code characters (digits, A-Z)."""
    b = body.astype(np.int64)
    values = np.where(b >= 65, b - 55, b - 48)  # 0-9 -> 0-9, A -> 10 ... Z -> 35
    c = 11 - (values * ORG_WEIGHTS).sum(axis=1) % 11
    return np.where(c == 10, ord("X"), np.where(c == 11, ord("0"), c + 48)).astype(np.uint8)


def uscc_check(body: np.ndarray) -> np.ndarray:
    """GB 32100 check codes for an (n, 17) array of USCC characters."""
    lookup = np.full(128, -1, dtype=np.int64)
    lookup[_USCC_CODES] = np.arange(len(USCC_ALPHABET))
    values = lookup[body.astype(np.int64)]
    c = (31 - (values * USCC_WEIGHTS).sum(axis=1) % 31) % 31
    return _USCC_CODES[c]


def usccs(rng: np.random.Generator, prefix: np.ndarray, division: np.ndarray) -> np.ndarray:
    """(n, 18) codes of valid unified social credit codes.

    `prefix` holds 2-character registration/type codes (`91`, `12` ...) as an (n, 2) code array.
    About 60 % get a post-2015 organisation code `MA` + 6 symbols, the rest an older all-digit code.
    """
    n = len(division)
    new_style = rng.random(n) < 0.6
    body = np.empty((n, 8), dtype=np.uint8)
    body[:, :] = digits_codes(rng.integers(0, 10**8, n), 8)
    symbols = _USCC_CODES[rng.integers(0, len(USCC_ALPHABET), (n, 6))]
    body[new_style, 0] = ord("M")
    body[new_style, 1] = ord("A")
    body[new_style, 2:] = symbols[new_style]
    org = np.concatenate([body, org_check(body)[:, None]], axis=1)
    head = np.concatenate([np.asarray(prefix, dtype=np.uint8), digits_codes(division, 6), org], axis=1)
    return np.concatenate([head, uscc_check(head)[:, None]], axis=1)


def mobile_numbers(rng: np.random.Generator, n: int) -> pl.Series:
    """Mainland mobile numbers: real 3-digit network prefixes + 8 digits."""
    prefixes = np.array(
        [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
         166, 173, 177, 180, 181, 182, 183, 186, 187, 188, 189, 191, 198, 199]
    )
    number = prefixes[rng.integers(0, len(prefixes), n)].astype(np.int64) * 10**8 + rng.integers(0, 10**8, n)
    return codes_to_strings(digits_codes(number, 11))


def landline_numbers(rng: np.random.Generator, n: int, area_code: str = "0571") -> pl.Series:
    """Landlines `0571-8xxxxxxx` (8-digit local numbers starting 2-8)."""
    local = rng.integers(2, 9, n) * 10**7 + rng.integers(0, 10**7, n)
    digits = codes_to_strings(digits_codes(local, 8))
    return pl.select(pl.concat_str(pl.lit(area_code + "-"), pl.lit(digits))).to_series()


# ---------------------------------------------------------------- validators (polars expressions)

_RESIDENT_RE = r"^\d{17}[\dX]$"
_USCC_RE = r"^[0-9A-HJ-NPQRTUWXY]{18}$"


def resident_id_ok(e: pl.Expr, latest_birth: str = "2099-12-31") -> pl.Expr:
    """True for a valid 18-digit resident id: GB 11643 check and a real birth date from 1900-01-01
    up to `latest_birth` (ISO date); null for null input."""
    s = e.cast(pl.String).str.strip_chars()
    shape = s.str.contains(_RESIDENT_RE)
    total = pl.sum_horizontal(
        s.str.slice(i, 1).cast(pl.Int64, strict=False) * int(RESIDENT_WEIGHTS[i]) for i in range(17)
    )
    expected = (total % 11).replace_strict(dict(enumerate(RESIDENT_CHECK)), return_dtype=pl.String, default=None)
    birth = s.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    plausible = birth.is_between(pl.date(1900, 1, 1), pl.lit(latest_birth).str.to_date())
    return pl.when(s.is_null()).then(None).otherwise(
        (shape & (s.str.slice(17, 1) == expected) & plausible).fill_null(False)
    )


def uscc_ok(e: pl.Expr) -> pl.Expr:
    """True for a valid 18-character unified social credit code (GB 32100 check); null for null input."""
    s = e.cast(pl.String).str.strip_chars()
    shape = s.str.contains(_USCC_RE)
    index = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
    values = [
        s.str.slice(i, 1).replace_strict(index, default=None, return_dtype=pl.Int64) * int(USCC_WEIGHTS[i])
        for i in range(17)
    ]
    check = (31 - pl.sum_horizontal(values) % 31) % 31
    expected = check.replace_strict(dict(enumerate(USCC_ALPHABET)), return_dtype=pl.String, default=None)
    return pl.when(s.is_null()).then(None).otherwise((shape & (s.str.slice(17, 1) == expected)).fill_null(False))


def id_number_ok(e: pl.Expr, latest_birth: str = "2099-12-31") -> pl.Expr:
    """SPEC §7 A03: a valid resident id or a valid unified social credit code (null for null input)."""
    return resident_id_ok(e, latest_birth) | uscc_ok(e)


MOBILE_RE = r"^(?:\+?86)?1[3-9]\d{9}$"
LANDLINE_RE = r"^0\d{2,3}[- ]?\d{7,8}(?:[- ]\d{1,6})?$"


def phone_ok(e: pl.Expr) -> pl.Expr:
    """SPEC §7 A02: a mainland mobile (optional +86/86 prefix) or landline `0` + 2-3 digit area code +
    7-8 digits (separator `-` or space, optional extension after a separator)."""
    s = e.cast(pl.String).str.strip_chars()
    return s.str.contains(MOBILE_RE) | s.str.contains(LANDLINE_RE)
