"""Column functions of the generator against values computed by hand."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms.generator.errors import thai_date
from transforms.generator.world import check_digit


def _check(twelve: str) -> str:
    return str((11 - sum((14 - i) * int(d) for i, d in enumerate(twelve, start=1)) % 11) % 10)


def test_check_digit_matches_the_formula(spark):
    twelve = ["110010000001", "330010012345", "699990000007", "310060044563"]
    got = spark.createDataFrame([(t,) for t in twelve], "t string").select("t", check_digit(F.col("t")).alias("d"))
    expected = spark.createDataFrame([(t, _check(t)) for t in twelve], "t string, d string")
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_thai_dates_with_errors(spark):
    rows = [(dt.date(1967, 5, 12), None), (dt.date(1967, 5, 12), "be_as_ce"), (dt.date(1967, 5, 12), "day_month_swap"), (dt.date(1967, 5, 12), "year_only")]
    df = spark.createDataFrame(rows, "d date, e string")
    got = df.select(
        thai_date(F.col("d"), F.col("e"), "dd/mm/yyyy").alias("a"),
        thai_date(F.col("d"), F.col("e"), "yyyymmdd").alias("b"),
        thai_date(F.col("d"), F.col("e"), "yyyy-mm-dd").alias("c"),
    )
    expected = spark.createDataFrame(
        [
            ("12/05/2510", "25100512", "2510-05-12"),
            ("12/05/1967", "19670512", "1967-05-12"),
            ("05/12/2510", "25101205", "2510-12-05"),
            ("00/00/2510", "25100000", "2510-00-00"),
        ],
        "a string, b string, c string",
    )
    assert_df_equality(got, expected, ignore_nullable=True)


def test_normal_cdf_matches_the_standard_library(spark):
    from statistics import NormalDist

    from transforms.generator.random import normal_cdf

    xs = [-6.0, -3.5, -2.71, -1.0, -0.1, 0.0, 0.3, 1.96, 4.0]
    got = spark.createDataFrame([(x,) for x in xs], "x double").select("x", normal_cdf(F.col("x")).alias("p")).collect()
    for row in got:
        exact = NormalDist().cdf(row.x)
        assert abs(row.p - exact) < 2e-7
        assert abs(row.p / exact - 1) < 5e-3
