"""Date parser: BE/CE in the sources' formats, Thai month names, precision, corrections (chispa + hypothesis)."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from udfs.dates import parse_ce_date, parse_thai_date

SCHEMA = "value string, date date, precision string, issues array<string>"


def parsed(spark, values, era):
    df = spark.createDataFrame([(v,) for v in values], "value string")
    return df.select("value", parse_thai_date(F.col("value"), era, 1880, 2030).alias("p")).select(
        "value", "p.date", "p.precision", "p.issues"
    )


def test_be_dates_in_every_source_format(spark):
    d = dt.date
    cases = [
        ("12/05/2510", d(1967, 5, 12), "day", []),
        ("1/5/2510", d(1967, 5, 1), "day", []),
        ("31/12/2561", d(2018, 12, 31), "day", []),
        ("25611231", d(2018, 12, 31), "day", []),
        ("2561-12-31", d(2018, 12, 31), "day", []),
        ("31 ธ.ค. 2561", d(2018, 12, 31), "day", []),
        ("5 มกราคม 2500", d(1957, 1, 5), "day", []),
        ("๓๑/๑๒/๒๕๖๑", d(2018, 12, 31), "day", []),
        ("00/05/2510", d(1967, 5, 1), "month", []),
        ("00/00/2490", d(1947, 1, 1), "year", []),
        ("15/00/2490", d(1947, 1, 1), "year", []),
        ("12/05/1967", d(1967, 5, 12), "day", ["date_era_corrected"]),  # CE written in a BE column
        ("05/25/2510", d(1967, 5, 25), "day", ["date_day_month_swapped"]),
        ("29/02/2563", d(2020, 2, 29), "day", []),  # leap year
        ("29/02/2562", None, None, ["date_impossible"]),
        ("31/04/2561", None, None, ["date_impossible"]),
        ("25/13/2510", None, None, ["date_impossible"]),  # month 13 and day > 12: no swap possible
        ("12/05/2610", None, None, ["date_implausible_year"]),  # 2067 CE, 2610 CE: neither plausible
        ("12/05/61", d(2018, 5, 12), "day", ["date_two_digit_year"]),  # 2561: the latest plausible century
        ("12/05/89", d(1946, 5, 12), "day", ["date_two_digit_year"]),  # 2589 (2046) is out of range: 2489
        ("31 ธ.ค. 61", d(2018, 12, 31), "day", ["date_two_digit_year"]),
        ("00/00/10", d(1967, 1, 1), "year", ["date_two_digit_year"]),
        ("12/05/610", None, None, ["date_unparseable"]),
        ("ไม่ทราบ", None, None, ["date_unparseable"]),
        ("", None, None, []),
        (None, None, None, []),
    ]
    assert_df_equality(parsed(spark, [c[0] for c in cases], "BE"), spark.createDataFrame(cases, SCHEMA), ignore_nullable=True)


def test_a_two_digit_birth_year_is_not_in_the_future(spark):
    next_year = dt.date.today().year + 1  # in the window, but a birth cannot be next year
    short = f"12/05/{(next_year + 543) % 100:02d}"
    df = spark.createDataFrame([(short,)], "value string")
    births = df.select(parse_thai_date(F.col("value"), "BE", 1880, next_year + 5, past=True).date.alias("d"))
    events = df.select(parse_thai_date(F.col("value"), "BE", 1880, next_year + 5).date.alias("d"))  # an expiry may be
    assert births.first().d == dt.date(next_year - 100, 5, 12)
    assert events.first().d == dt.date(next_year, 5, 12)


def test_ce_dates_and_be_years_in_a_ce_column(spark):
    d = dt.date
    cases = [
        ("2018-12-31", d(2018, 12, 31), "day", []),
        ("31/12/2018", d(2018, 12, 31), "day", []),
        ("2561-12-31", d(2018, 12, 31), "day", ["date_era_corrected"]),
        ("1850-01-01", None, None, ["date_implausible_year"]),
        ("12/05/18", d(2018, 5, 12), "day", ["date_two_digit_year"]),
        ("12/05/61", d(1961, 5, 12), "day", ["date_two_digit_year"]),  # 2061 is out of range
    ]
    assert_df_equality(parsed(spark, [c[0] for c in cases], "CE"), spark.createDataFrame(cases, SCHEMA), ignore_nullable=True)


def test_typed_ce_dates(spark):
    rows = [
        (dt.date(2019, 3, 1), dt.date(2019, 3, 1), []),
        (dt.date(2562, 3, 1), dt.date(2019, 3, 1), ["date_era_corrected"]),
        (None, None, []),
    ]
    df = spark.createDataFrame([(r[0],) for r in rows], "value date")
    actual = df.select("value", parse_ce_date(F.col("value"), 1880, 2030).alias("p")).select("value", "p.date", "p.issues")
    expected = spark.createDataFrame(rows, "value date, date date, issues array<string>")
    assert_df_equality(actual, expected, ignore_nullable=True)


@hsettings(max_examples=30, deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date(2030, 12, 31)), min_size=1, max_size=20))
def test_any_ce_date_written_as_be_round_trips(spark, days):
    written = [f"{day.day:02d}/{day.month:02d}/{day.year + 543}" for day in days]
    rows = parsed(spark, written, "BE").collect()
    assert [(r.date, r.precision, r.issues) for r in rows] == [(day, "day", []) for day in days]
