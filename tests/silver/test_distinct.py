"""Derivations per distinct value: outputs joined back to every row, nulls kept, plans that grow linearly."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms.distinct import Step, per_distinct, per_row, steps, with_derived_per_distinct

ROWS = [(1, "ก", "x"), (2, "ก", None), (3, None, "x"), (4, "ข", "y")]


def upper_of(column: str, out: str):
    return per_distinct([column], lambda d: d.withColumn(out, F.concat(F.lit("<"), F.col(column), F.lit(">"))), [out])


def test_every_row_gets_its_distinct_value_derived(spark):
    df = spark.createDataFrame(ROWS, "id int, a string, b string")
    out = df.transform(with_derived_per_distinct(upper_of("a", "a2"), upper_of("b", "b2")))
    expected = spark.createDataFrame(
        [(1, "ก", "x", "<ก>", "<x>"), (2, "ก", None, "<ก>", None), (3, None, "x", None, "<x>"), (4, "ข", "y", "<ข>", "<y>")],
        "id int, a string, b string, a2 string, b2 string",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_each_distinct_table_comes_from_the_input_rows_not_from_the_previous_joins(spark):
    """Three derivations: the input's scan appears 1 + 3 times in the plan (chained, it would be 2^3 = 8)."""
    df = spark.createDataFrame(ROWS, "id int, a string, b string")
    out = df.transform(with_derived_per_distinct(upper_of("a", "a2"), upper_of("b", "b2"), upper_of("a", "a3")))
    plan = out._jdf.queryExecution().analyzed().toString()
    assert plan.count("LogicalRDD") == 4


def test_an_output_derived_twice_or_already_present_is_refused(spark):
    df = spark.createDataFrame(ROWS, "id int, a string, b string")
    with pytest.raises(ValueError, match="a2 derived twice"):
        with_derived_per_distinct(upper_of("a", "a2"), upper_of("b", "a2"))
    with pytest.raises(ValueError, match="b already exist"):
        df.transform(with_derived_per_distinct(upper_of("a", "b")))


def test_steps_prepare_all_then_derive_then_finish_in_order(spark):
    df = spark.createDataFrame(ROWS, "id int, a string, b string")
    first = Step(
        prepare=lambda d: d.withColumn("a_low", F.lower("a")),
        derivations=(upper_of("a_low", "a2"),),
        finish=lambda d: d.withColumn("trail", F.col("a2")),
    )
    second = Step(derivations=(upper_of("b", "b2"),), finish=lambda d: d.withColumn("trail", F.concat_ws("|", "trail", "b2")))
    third = per_row(lambda d: d.withColumn("trail", F.concat_ws("|", "trail", F.lit("end"))).drop("a_low", "a2", "b2"))
    out = df.transform(steps(first, second, third))
    expected = spark.createDataFrame(
        [(1, "ก", "x", "<ก>|<x>|end"), (2, "ก", None, "<ก>|end"), (3, None, "x", "<x>|end"), (4, "ข", "y", "<ข>|<y>|end")],
        "id int, a string, b string, trail string",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)
