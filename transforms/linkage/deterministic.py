"""Deterministic pass: a valid PID equal to a spine PID, corroborated by birth date or name, links (method `pid`)."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def _corroborated(fields: list[str]) -> F.Column:
    # A null on either side is not agreement: coalesce to false.
    return reduce(lambda a, b: a | b, [F.coalesce(F.col(f"r.{f}") == F.col(f"s.{f}"), F.lit(False)) for f in fields])


def deterministic_links(records: DataFrame, spine: str, corroborate_any: list[str]) -> DataFrame:
    """Non-spine records linked to a spine record by PID: record_id, spine_record_id.

    A record whose PID matches but agrees on none of `corroborate_any` (someone else's ID) is left for the
    probabilistic pass. Only the canonical `pid` column is used (never a payload such as a mother's ID).
    """
    spine_records = records.filter(F.col("source") == spine).alias("s")
    others = records.filter((F.col("source") != spine) & F.col("pid_valid") & F.col("pid").isNotNull()).alias("r")
    joined = others.join(spine_records, on=F.col("r.pid") == F.col("s.pid"), how="inner")
    return joined.filter(_corroborated(corroborate_any)).select(
        F.col("r.record_id").alias("record_id"), F.col("s.record_id").alias("spine_record_id")
    )
