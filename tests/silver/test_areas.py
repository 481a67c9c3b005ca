"""Area codes: parents filled from a child's prefix, every level checked against known codes."""

from __future__ import annotations

from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms.silver.areas import with_area_codes

RAW = "house_code_raw string, village_code_raw string, subdistrict_code_raw string, district_code_raw string, province_code_raw string"
OUT = "house_code string, village_code string, subdistrict_code string, district_code string, province_code string, _issues array<string>"


def known(spark):
    return {
        "province_code": spark.createDataFrame([("30",), ("50",)], "province_code string"),
        "district_code": spark.createDataFrame([("3001",), ("5001",)], "district_code string"),
        "subdistrict_code": spark.createDataFrame([("300101",), ("300151",)], "subdistrict_code string"),
        "village_code": spark.createDataFrame([("30010101",)], "village_code string"),
    }


def test_with_area_codes(spark):
    rows = [
        ("30010012345", "30010101", "300101", "3001", "30"),  # all known
        (None, "30010101", None, None, None),  # parents from the village code
        ("3001-001-2345", None, None, None, None),  # district and province from the house code
        (None, None, "300151", "3001", "30"),  # municipal pseudo-subdistrict
        (None, "30019999", None, None, None),  # unknown village, its parents known
        (None, None, "999999", "9999", "99"),
        ("12345", None, None, "5001", None),
        (None, None, None, None, None),
    ]
    expected = [
        ("30010012345", "30010101", "300101", "3001", "30", []),
        (None, "30010101", "300101", "3001", "30", []),
        ("30010012345", None, None, "3001", "30", []),
        (None, None, "300151", "3001", "30", []),
        (None, None, None, "3001", "30", ["subdistrict_code_unknown", "village_code_unknown"]),
        (None, None, None, None, None, ["province_code_unknown", "district_code_unknown", "subdistrict_code_unknown"]),
        ("12345", None, None, "5001", "50", ["house_code_malformed"]),
        (None, None, None, None, None, []),
    ]
    df = spark.createDataFrame(rows, RAW).withColumn("_issues", F.array().cast("array<string>"))
    actual = df.transform(with_area_codes(known(spark))).select(*[c.split()[0] for c in OUT.split(", ")])
    assert_df_equality(actual, spark.createDataFrame(expected, OUT), ignore_nullable=True, ignore_row_order=True)
