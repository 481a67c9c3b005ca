"""Unit tests of the pure bronze transforms on hand-written DataFrames."""

from __future__ import annotations

from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms import bronze


def test_split_index_is_the_record_number_in_the_partition(spark):
    # monotonically_increasing_id of partition 3, records 0-2: the partition id sits above bit 33.
    df = spark.createDataFrame([("a", (3 << 33) + 0), ("b", (3 << 33) + 1), ("c", (3 << 33) + 2)], "text string, _order long")
    expected = spark.createDataFrame([("a", 0), ("b", 1), ("c", 2)], "text string, _index long")
    assert_df_equality(df.transform(bronze.with_split_index()), expected, ignore_nullable=True)


def test_line_numbers_count_the_lines_of_earlier_splits_and_the_header(spark):
    # A CSV file in three splits: 4 data lines after the header in the first, 3 in the second, 2 in the last.
    offsets = bronze.split_offsets({0: 4, 64: 3, 128: 2}, header_lines=1)
    assert offsets == {0: 0, 64: 5, 128: 8}
    df = spark.createDataFrame([(0, 1, 0), (64, 0, 5), (128, 1, 8)], "_block long, _index long, _offset long")
    expected = spark.createDataFrame([(0, 1, 2), (64, 0, 6), (128, 1, 10)], "_block long, _index long, line_number long")
    assert_df_equality(df.transform(bronze.with_line_numbers), expected, ignore_nullable=True)
    assert bronze.split_offsets({0: 3}) == {0: 0}


def test_csv_field_count_respects_quotes(spark):
    df = spark.createDataFrame([("a,b,c",), ('a,"b,c"',), ('a,"b ""x"", c",d',), ('a,"b,c',), ("",), ("a,,",)], "text string")
    result = df.select("text", bronze.csv_field_count(F.col("text"), ",", '"').alias("n"))
    expected = spark.createDataFrame(
        [("a,b,c", 3), ('a,"b,c"', 2), ('a,"b ""x"", c",d', 3), ('a,"b,c', -1), ("", 1), ("a,,", 3)], "text string, n int"
    )
    assert_df_equality(result, expected, ignore_nullable=True)


def test_csv_problems_first_reason_wins(spark):
    df = spark.createDataFrame([(2, "1,x"), (3, "\ufffd,x,y"), (4, ",x"), (5, "1,x,y"), (6, "1")], "line_number long, text string")
    result = (
        df.transform(bronze.with_csv_fields(2, ",", '"'))
        .transform(bronze.with_csv_problems(2, {"id": 0}, unterminated_last=F.col("line_number") == 6))
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


def test_csv_problems_nul_bytes_and_over_long_fields(spark):
    df = spark.createDataFrame([(2, "1,ok"), (3, "1,a\u0000b"), (4, "1," + "x" * 11), (5, "," + "x" * 11)], "line_number long, text string")
    result = (
        df.transform(bronze.with_csv_fields(2, ",", '"'))
        .transform(bronze.with_csv_problems(2, {"id": 0}, {"id": (0, 10), "name": (1, 10)}))
        .select("line_number", "_reason_code", "_reason")
    )
    expected = spark.createDataFrame(
        [
            (2, None, None),
            (3, "nul_byte", "line holds a NUL byte"),
            (4, "field_too_long", "field(s) longer than allowed, in characters: name (11 > 10)"),
            (5, "field_too_long", "field(s) longer than allowed, in characters: name (11 > 10)"),
        ],
        "line_number long, _reason_code string, _reason string",
    )
    assert_df_equality(result, expected, ignore_nullable=True)


def test_json_is_strict_and_one_object_per_line(spark):
    lines = [
        '{"hh_id": "H1", "n": 1}',
        "{'hh_id': 'H2'}",  # a Python dict printed as text
        '{hh_id: "H3"}',
        '{"hh_id": "H4" /* note */}',
        '{"hh_id": "H5", "n": NaN}',
        '{"hh_id": "H6", "n": Infinity}',
        '{"hh_id": "H7", "n": 007}',
        '{"hh_id": "H8"}{"hh_id": "H9"}',  # two records run together
        '{"hh_id": "H10"} trailing',
        '[{"hh_id": "H11"}]',
        '{"hh_id": "H12", "members": [{"a": \'x\'}]}',
    ]
    df = spark.createDataFrame(list(enumerate(lines, start=1)), "line_number long, text string")
    result = df.transform(bronze.with_json_fields).select("line_number", F.col("_map").isNotNull().alias("valid"))
    expected = spark.createDataFrame([(i, i == 1) for i in range(1, len(lines) + 1)], "line_number long, valid boolean")
    assert_df_equality(result, expected, ignore_nullable=True)


def test_json_problems_nul_escape_long_values_and_keys(spark):
    lines = [
        '{"id": "A", "x": "ok"}',
        '{"id": "B", "x": "a\\u0000b"}',
        '{"id": "C", "x": "' + "y" * 30 + '"}',
        '{"id": "D", "note": "' + "y" * 30 + '"}',
        '{"x": "1"}',
    ]
    df = spark.createDataFrame(list(enumerate(lines, start=1)), "line_number long, text string")
    result = (
        df.transform(bronze.with_json_fields)
        .transform(bronze.with_json_problems(["id"], {"id": 5, "x": 40}, default_limit=20))
        .select(
            "line_number",
            "_reason_code",
            "_reason",
            bronze.json_key_mask(["id", "x", "y"]).alias("mask"),
            bronze.json_extra_keys(["id", "x"]).alias("extra"),
        )
    )
    expected = spark.createDataFrame(
        [
            (1, None, None, 3, []),
            (2, "nul_byte", "a value holds a NUL character (\\u0000)", 3, []),
            (3, None, None, 3, []),
            (4, "field_too_long", "field(s) longer than allowed, in characters: note (30 > 20)", 1, ["note"]),
            (5, "missing_required", "required field(s) empty: id", 2, []),
        ],
        "line_number long, _reason_code string, _reason string, mask long, extra array<string>",
    )
    assert_df_equality(result, expected, ignore_nullable=True)


def test_record_problems_for_typed_records(spark):
    df = spark.createDataFrame([("A", "ok"), ("B", "a\u0000"), ("C", "z" * 9), (None, "ok")], "id string, name string")
    result = df.transform(bronze.with_record_problems(["id"], {"id": 8, "name": 8})).select("id", "_reason_code")
    expected = spark.createDataFrame(
        [("A", None), ("B", "nul_byte"), ("C", "field_too_long"), (None, "missing_required")], "id string, _reason_code string"
    )
    assert_df_equality(result, expected, ignore_nullable=True)
