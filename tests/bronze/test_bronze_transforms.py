"""Unit tests of the pure bronze transforms on hand-written DataFrames."""

from __future__ import annotations

from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms import bronze


def test_line_numbers_follow_block_then_scan_order(spark):
    # Two splits of one file: the later split (offset 50) was scanned first and got smaller ids.
    df = spark.createDataFrame(
        [("c", 50, 3), ("d", 50, 4), ("e", 50, 5), ("a", 0, 10), ("b", 0, 11)], "text string, _block long, _order long"
    )
    expected = spark.createDataFrame(
        [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)], "text string, line_number long"
    )
    result = bronze.with_line_numbers(df).select("text", "line_number").orderBy("line_number")
    assert_df_equality(result, expected, ignore_nullable=True)


def test_csv_field_count_respects_quotes(spark):
    df = spark.createDataFrame([("a,b,c",), ('a,"b,c"',), ('a,"b ""x"", c",d',), ('a,"b,c',), ("",), ("a,,",)], "text string")
    result = df.select("text", bronze.csv_field_count(F.col("text"), ",", '"').alias("n"))
    expected = spark.createDataFrame(
        [("a,b,c", 3), ('a,"b,c"', 2), ('a,"b ""x"", c",d', 3), ('a,"b,c', -1), ("", 1), ("a,,", 3)], "text string, n int"
    )
    assert_df_equality(result, expected, ignore_nullable=True)


def test_csv_problems_first_reason_wins(spark):
    df = spark.createDataFrame(
        [(2, "1,x"), (3, "\ufffd,x,y"), (4, ",x"), (5, "1,x,y"), (6, "1")], "line_number long, text string"
    )
    result = (
        df.transform(bronze.with_csv_fields(2, ",", '"'))
        .transform(bronze.with_csv_problems(2, {"id": 0}, last_line=6, ends_with_newline=False))
        .select("line_number", "_reason_code")
    )
    expected = spark.createDataFrame(
        [(2, None), (3, "bad_encoding"), (4, "missing_required"), (5, "wrong_column_count"), (6, "truncated_last_line")],
        "line_number long, _reason_code string",
    )
    assert_df_equality(result, expected, ignore_nullable=True)


def test_json_fields_keep_nested_values_as_json_text_and_extras(spark):
    df = spark.createDataFrame([(1, '{"hh_id": "H1", "members": [{"a": 1}], "x": 6.5}')], "line_number long, text string")
    result = df.transform(bronze.with_json_fields).transform(bronze.select_json_columns(["hh_id", "members", "survey_round"]))
    expected = spark.createDataFrame(
        [("H1", '[{"a":1}]', None, {"x": "6.5"}, 1)],
        "hh_id string, members string, survey_round string, _extra map<string,string>, line_number long",
    )
    assert_df_equality(result, expected, ignore_nullable=True)


def test_row_hash_depends_on_values_only(spark):
    df = spark.createDataFrame([("a", None, 1), ("a", None, 2), ("a", "b", 3)], "x string, y string, line_number long")
    hashes = [r._row_hash for r in df.transform(bronze.with_row_hash(["x", "y"])).orderBy("line_number").collect()]
    assert hashes[0] == hashes[1] != hashes[2]
