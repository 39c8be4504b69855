"""Interval readings → monthly load, and which source wins for a customer-month (SPEC §2)."""

from __future__ import annotations

import datetime as dt

from powercrm.indicators.interval import combined_monthly_load, monthly_load
from tests.indicators.frames import month, table


def readings(rows: list[tuple[str, dt.datetime, float | None]]):
    return table("load_interval", [{"customer_id": c, "timestamp": t, "load_kw": v} for c, t, v in rows])


def test_a_reading_belongs_to_the_calendar_month_of_its_timestamp():
    lf = readings(
        [
            ("A", dt.datetime(2024, 1, 31, 23, 45), 10.0),
            ("A", dt.datetime(2024, 2, 1, 0, 0), 20.0),
            ("A", dt.datetime(2024, 2, 1, 0, 15), 40.0),
            ("A", dt.datetime(2024, 2, 29, 23, 59, 59), 60.0),
            ("A", dt.datetime(2024, 2, 10, 12, 0), None),  # a missing reading is not a zero
            ("B", dt.datetime(2024, 2, 5, 8, 0), 7.0),
        ]
    )
    got = monthly_load(lf).sort("customer_id", "period").collect().rows()
    assert got == [
        ("A", month("2024-01"), 10.0, 10.0),
        ("A", month("2024-02"), 40.0, 60.0),
        ("B", month("2024-02"), 7.0, 7.0),
    ]


def test_96_points_a_day_for_a_month():
    start = dt.datetime(2024, 4, 1)
    rows = [("A", start + dt.timedelta(minutes=15 * i), float(i % 96)) for i in range(96 * 30)]
    got = monthly_load(readings(rows)).collect()
    assert got.rows() == [("A", month("2024-04"), 47.5, 95.0)]


def test_monthly_statistics_win_over_readings_for_the_same_customer_month():
    monthly = table("load", [{"customer_id": "A", "period": month("2024-02"), "avg_load_kw": 1.0, "max_load_kw": 2.0}])
    lf = readings([("A", dt.datetime(2024, 2, 3), 50.0), ("A", dt.datetime(2024, 3, 3), 30.0)])
    got = combined_monthly_load(monthly, lf).sort("period").collect().rows()
    assert got == [("A", month("2024-02"), 1.0, 2.0), ("A", month("2024-03"), 30.0, 30.0)]


def test_no_load_source():
    assert combined_monthly_load(None, None) is None
