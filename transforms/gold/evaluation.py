"""Checks of gold against the generator's truth and the published figures (evaluation code only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

if TYPE_CHECKING:
    import pandas as pd


def truth_xref(truth_records: DataFrame) -> DataFrame:
    """The truth's linkage in the shape of silver.person_xref: every record to its true person."""
    return truth_records.select(
        F.concat_ws(":", "source", "record_key").alias("record_id"),
        "source",
        F.col("person_id").cast("string").alias("person_id"),
        F.lit("truth").alias("match_method"),
        F.lit(1.0).alias("match_probability"),
        F.lit(None).cast("double").alias("match_weight"),
        F.lit("truth").alias("run_id"),
    )


def truth_persons(truth_persons_df: DataFrame) -> DataFrame:
    """Truth persons in the shape of silver.person (the columns gold reads)."""
    sex = F.when(F.col("sex").isin("M", "1"), "M").when(F.col("sex").isin("F", "2"), "F")
    return truth_persons_df.select(
        F.col("person_id").cast("string").alias("person_id"),
        sex.alias("sex"),
        "birth_date",
        "village_code",
        "subdistrict_code",
        "district_code",
        "province_code",
    )


def province_rates(area_indicators: DataFrame) -> DataFrame:
    return area_indicators.where(F.col("level") == "province").select(
        F.col("area_code").alias("province_code"), F.col("jpt_mofval_pov_rate").alias("rate")
    )


def spearman(ours: pd.DataFrame, published: pd.DataFrame, key: str = "province_code") -> float:
    """Spearman rank correlation of `rate` between two small pandas frames joined on key."""
    joined = ours.merge(published, on=key, how="inner", suffixes=("_ours", "_published"))
    return float(joined["rate_ours"].rank().corr(joined["rate_published"].rank()))
