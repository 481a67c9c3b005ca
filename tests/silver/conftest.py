"""Fixtures of the silver tests: the project's standardize settings and a helper to apply a column function."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def settings():
    from jobs.standardize import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def apply_column(spark):
    """apply_column(values, fn, type) -> DataFrame(value, out) where out = fn(col('value'))."""
    from pyspark.sql import functions as F

    def apply(values, fn, value_type="string"):
        df = spark.createDataFrame([(v,) for v in values], f"value {value_type}")
        return df.select("value", fn(F.col("value")).alias("out"))

    return apply
