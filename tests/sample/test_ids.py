"""GB 11643 resident ids and GB 32100 credit codes: real check characters, generated and validated."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from powercrm.sample import ids


@pytest.mark.parametrize(
    ("value", "resident", "uscc"),
    [
        ("11010519491231002X", True, False),  # the standard's example
        ("110105194912310021", False, False),  # wrong check digit
        ("91350100M000100Y43", False, True),  # a published credit code
        ("91350100M000100Y44", False, False),
        ("110105194902300021", False, False),  # 30 February
        ("110105491231002", False, False),  # 15-digit first-generation id
    ],
)
def test_known_values(value: str, resident: bool, uscc: bool) -> None:
    got = pl.select(r=ids.resident_id_ok(pl.lit(value)), u=ids.uscc_ok(pl.lit(value))).row(0)
    assert got == (resident, uscc)


def test_generated_ids_are_valid() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    births = np.full(n, 19800101) + rng.integers(0, 28, n)
    res = ids.codes_to_strings(ids.resident_ids(np.full(n, 330106), births, rng.integers(1, 1000, n)))
    org = ids.codes_to_strings(ids.usccs(rng, np.tile(np.frombuffer(b"91", np.uint8), (n, 1)), np.full(n, 330106)))
    assert pl.select(ids.resident_id_ok(pl.lit(res)).all()).item()
    assert pl.select(ids.uscc_ok(pl.lit(org)).all()).item()
    assert org.str.slice(8, 2).eq("MA").any()


def test_null_stays_null() -> None:
    assert pl.select(ids.id_number_ok(pl.lit(None, pl.String))).item() is None


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13812345678", True), ("+8613812345678", True), ("0571-87654321", True), ("010 62345678", True),
        ("057187654321", True), ("0571-87654321-801", True), ("1381234567", False), ("12012345678", False),
        ("87654321", False), ("0571-12345", False), ("13812345678/13912345678", False), ("无", False),
    ],
)
def test_phone_rule(phone: str, ok: bool) -> None:
    assert pl.select(ids.phone_ok(pl.lit(phone))).item() is ok
