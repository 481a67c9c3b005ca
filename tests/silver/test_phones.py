"""Phones: every common Thai way of writing a number to E.164, with mobile / landline; invalid -> reason."""

from __future__ import annotations

from chispa import assert_df_equality
from pyspark.sql import functions as F

from udfs.phones import phone_e164, phone_issue, phone_type


def test_thai_phone_formats(spark):
    cases = [
        ("081-234-5678", "+66812345678", "mobile", None),
        ("0812345678", "+66812345678", "mobile", None),
        ("+66812345678", "+66812345678", "mobile", None),
        ("66812345678", "+66812345678", "mobile", None),
        ("+66 (0)81 234 5678", "+66812345678", "mobile", None),
        ("(081) 234 5678", "+66812345678", "mobile", None),
        ("812345678", "+66812345678", "mobile", None),  # trunk zero lost in Excel
        ("๐๙๑-๒๓๔-๕๖๗๘", "+66912345678", "mobile", None),  # Thai digits
        ("0066812345678", "+66812345678", "mobile", None),  # international prefix 00
        ("0066 2 123 4567", "+6621234567", "landline", None),
        ("+66 081 234 5678", "+66812345678", "mobile", None),  # country code and trunk zero
        ("00 66 81 234 5678", "+66812345678", "mobile", None),
        ("064.123.4567", "+66641234567", "mobile", None),
        ("02-123-4567", "+6621234567", "landline", None),
        ("053 123 456", "+6653123456", "landline", None),
        ("+66 2 123 4567", "+6621234567", "landline", None),
        ("081-234-567", None, None, "phone_invalid"),  # a digit short
        ("0012345678", None, None, "phone_invalid"),
        ("12345", None, None, "phone_invalid"),
        ("โทร 0812345678", None, None, "phone_invalid"),
        ("", None, None, None),
        (None, None, None, None),
    ]
    df = spark.createDataFrame([(c[0],) for c in cases], "raw string")
    raw = F.col("raw")
    actual = df.select("raw", phone_e164(raw).alias("phone"), phone_type(raw).alias("kind"), phone_issue(raw).alias("issue"))
    expected = spark.createDataFrame(cases, "raw string, phone string, kind string, issue string")
    assert_df_equality(actual, expected, ignore_nullable=True)
