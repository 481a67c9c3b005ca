"""Survey transforms against hand-computed frames."""

from __future__ import annotations

from chispa import assert_df_equality

from transforms.generator.survey import INDICATORS, _earlier_district_sums


def test_district_offsets_sum_the_earlier_districts(spark):
    """Offsets of the systematic sampling: per district, the sums of the districts with smaller codes (0 first),
    whatever order the rows come in."""
    columns = ", ".join(f"_t{n} long" for n in INDICATORS)
    rows = [("1002", 5), ("1001", 7), ("9601", 11), ("5001", 0)]
    totals = spark.createDataFrame([(code, *[value * n for n in INDICATORS]) for code, value in rows], f"district_code string, {columns}")
    expected_by_code = {"1001": 0, "1002": 7, "5001": 12, "9601": 12}
    expected = spark.createDataFrame(
        [(code, *[value * n for n in INDICATORS]) for code, value in expected_by_code.items()],
        f"district_code string, {columns.replace('_t', '_o')}",
    )
    assert_df_equality(_earlier_district_sums(totals), expected, ignore_row_order=True, ignore_nullable=True)
