"""How new bronze rows merge into a silver table: which are copies, which older versions, and the counts
per batch that ops.data_quality records."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def with_merge_roles(new: DataFrame, target: DataFrame | None) -> DataFrame:
    """Flag `_duplicate` (same record and content already seen) and `_superseded` (a later delivery wins).

    Both windows partition by record_id first, so the new rows are shuffled once (the per-content
    window reuses the record_id partitioning). (One sort serving both, with the record as an ordered
    frame, measured slower: 19 against 15 CPU seconds for 665 k rows.)
    """
    latest_first = [F.col("_delivery").desc(), F.col("_batch_id").desc()]
    versions = Window.partitionBy("record_id").orderBy(*latest_first, F.col("_content_hash"))
    copies = Window.partitionBy("record_id", "_content_hash").orderBy(*latest_first)
    out = new.withColumn("_version", F.row_number().over(versions)).withColumn("_copy_no", F.row_number().over(copies))
    if target is None:
        out = out.withColumn("_t_hash", F.lit(None).cast("string")).withColumn("_t_delivery", F.lit(None).cast("string"))
    else:
        current = target.select("record_id", F.col("_content_hash").alias("_t_hash"), F.col("_delivery").alias("_t_delivery"))
        out = out.join(current, on="record_id", how="left")
    # Without a current row the comparisons are null; coalesced, or a null would hide a superseded row from the counts.
    duplicate = (F.col("_copy_no") > 1) | F.coalesce(F.col("_t_hash") == F.col("_content_hash"), F.lit(False))
    superseded = ~duplicate & ((F.col("_version") > 1) | F.coalesce(F.col("_t_delivery") > F.col("_delivery"), F.lit(False)))
    return (
        out.withColumn("_duplicate", duplicate).withColumn("_superseded", superseded).drop("_copy_no", "_version", "_t_hash", "_t_delivery")
    )


def quality_counts(roles: DataFrame, table: str, run_id: str) -> DataFrame:
    """Per batch: rows, and rows per issue (including duplicate_exact and superseded)."""
    rows = roles.groupBy("_batch_id").agg(F.count(F.lit(1)).alias("rows"))
    issue_codes = F.concat(
        F.array_distinct("_issues"),
        F.array_compact(F.array(F.when(F.col("_duplicate"), F.lit("duplicate_exact")), F.when(F.col("_superseded"), F.lit("superseded")))),
    )
    issues = (
        roles.select("_batch_id", F.explode(issue_codes).alias("issue"))
        .groupBy("_batch_id", "issue")
        .agg(F.count(F.lit(1)).alias("issue_rows"))
    )
    counts = rows.join(issues, on="_batch_id", how="left")
    return counts.select(
        F.lit(table).alias("source"),
        F.col("_batch_id").alias("batch_id"),
        F.col("rows").cast("long").alias("rows"),
        "issue",
        F.coalesce(F.col("issue_rows"), F.lit(0)).cast("long").alias("issue_rows"),
        F.lit(run_id).alias("run_id"),
        F.current_timestamp().alias("measured_at"),
    )
