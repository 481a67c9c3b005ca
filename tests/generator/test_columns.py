"""Column functions of the generator against values computed by hand."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms.generator.errors import inject, injected_errors, thai_date
from transforms.generator.world import check_digit


def _check(twelve: str) -> str:
    return str((11 - sum((14 - i) * int(d) for i, d in enumerate(twelve, start=1)) % 11) % 10)


def test_check_digit_matches_the_formula(spark):
    twelve = ["110010000001", "330010012345", "699990000007", "310060044563"]
    got = spark.createDataFrame([(t,) for t in twelve], "t string").select("t", check_digit(F.col("t")).alias("d"))
    expected = spark.createDataFrame([(t, _check(t)) for t in twelve], "t string, d string")
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_thai_dates_with_errors(spark):
    rows = [
        (dt.date(1967, 5, 12), None),
        (dt.date(1967, 5, 12), "be_as_ce"),
        (dt.date(1967, 5, 12), "day_month_swap"),
        (dt.date(1967, 5, 12), "year_only"),
        (dt.date(1967, 5, 12), "two_digit_year"),
    ]
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
            ("12/05/10", "12/05/10", "12/05/10"),  # a clerk's short form, whatever the column's pattern
        ],
        "a string, b string, c string",
    )
    assert_df_equality(got, expected, ignore_nullable=True)


def test_injected_thai_digit_ids_and_swapped_names(spark):
    """Rates of 1 force the kind on every record: the ID in Thai digits, first name and surname exchanged
    (one truth row, under first_name); a record whose two names are equal cannot be swapped."""
    columns = "record_key string, pid string, title string, first_name string, last_name string, birth_date date, other_pid string, other_first_name string, maiden_name string"
    df = spark.createDataFrame(
        [
            ("k1", "1100100000018", "นาย", "สมชาย", "ใจดี", dt.date(1967, 5, 12), None, None, "ใจดี"),
            ("k2", "3300100123451", "นาง", "น้อย", "น้อย", dt.date(1980, 1, 2), None, None, "น้อย"),
        ],
        columns,
    )
    rates = {"pid": {"thai_digits": 1.0}, "first_name": {"swapped_names": 1.0}, "last_name": {"tone_mark": 1.0}}
    out = inject(df, "mof_welfare", rates, seed=7)
    got = out.select("record_key", "written_pid", "written_first_name", "written_last_name")
    expected = spark.createDataFrame(
        [("k1", "๑๑๐๐๑๐๐๐๐๐๐๑๘", "ใจดี", "สมชาย"), ("k2", "๓๓๐๐๑๐๐๑๒๓๔๕๑", "น้อย", "นอย")],
        "record_key string, written_pid string, written_first_name string, written_last_name string",
    )
    assert_df_equality(got, expected, ignore_nullable=True, ignore_row_order=True)
    truth = injected_errors(out, "mof_welfare").select("record_key", "field", "error_kind")
    expected_truth = spark.createDataFrame(
        [
            ("k1", "pid", "thai_digits"),
            ("k1", "first_name", "swapped_names"),
            ("k2", "pid", "thai_digits"),
            ("k2", "last_name", "tone_mark"),
        ],
        "record_key string, field string, error_kind string",
    )
    assert_df_equality(truth, expected_truth, ignore_nullable=True, ignore_row_order=True)


def test_normal_cdf_matches_the_standard_library(spark):
    from statistics import NormalDist

    from transforms.generator.random import normal_cdf

    xs = [-6.0, -3.5, -2.71, -1.0, -0.1, 0.0, 0.3, 1.96, 4.0]
    got = spark.createDataFrame([(x,) for x in xs], "x double").select("x", normal_cdf(F.col("x")).alias("p")).collect()
    for row in got:
        exact = NormalDist().cdf(row.x)
        assert abs(row.p - exact) < 2e-7
        assert abs(row.p / exact - 1) < 5e-3


def test_elderly_head_probability_solves_the_area_target(spark):
    """p such that young + p * (old - young) elderly members = target share * members, clipped to [0, 1]."""
    from transforms.generator.world import elderly_head_probability

    rows = [  # district, surveyed, age if the head is 25-59, age if the head is elderly, target share
        ("1001", True, 30, 70, 0.375),
        ("1001", True, 65, 68, 0.375),
        ("1001", True, 10, 30, 0.375),
        ("1001", True, 40, 40, 0.375),
        ("1001", False, 30, 70, 0.9),
        ("1001", False, 20, 20, 0.9),
        ("2002", True, 61, 75, 0.0),
        ("2002", True, 35, 62, 0.0),
    ]
    members = spark.createDataFrame(rows, "district_code string, surveyed boolean, _age_young int, _age_old int, elderly_rate double")
    expected = spark.createDataFrame(
        # 1001 surveyed: 1 elderly if young-headed, 2 if elderly-headed, target 1.5 of 4 -> 0.5;
        # 1001 not surveyed: target 1.8 of 2 needs more than all elderly-headed -> 1; 2002: target 0 -> 0.
        [("1001", True, 0.5), ("1001", False, 1.0), ("2002", True, 0.0)],
        "district_code string, surveyed boolean, p_elderly_head double",
    )
    assert_df_equality(elderly_head_probability(members), expected, ignore_row_order=True, ignore_nullable=True)
