"""How new bronze rows merge into a silver table: which are copies, which older versions, and the counts
per batch that ops.data_quality records."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

HELD = ["record_id", "_batch_id", "_delivery", "_content_hash"]


def with_held_flag(adapted: DataFrame, target: DataFrame | None) -> DataFrame:
    """`_held`: the target holds the row's record with the same content (an exact redelivery, which the MERGE
    would leave as it is). One join with the target, whose rows are unique per record."""
    if target is None:
        return adapted.withColumn("_held", F.lit(False))
    held = target.select("record_id", "_content_hash", F.lit(True).alias("_held"))
    return adapted.join(held, on=["record_id", "_content_hash"], how="left").withColumn("_held", F.coalesce("_held", F.lit(False)))


def split_redelivered(flagged: DataFrame) -> tuple[DataFrame, DataFrame]:
    """with_held_flag's rows: those to standardise, and the held ones' record, batch, delivery and content hash."""
    return flagged.filter(~F.col("_held")).drop("_held"), flagged.filter("_held").select(*HELD)


def latest_per_record(held: DataFrame) -> DataFrame:
    """split_redelivered's `held` rows, one per record: the latest batch and delivery that brought it again."""
    latest = F.max_by(F.struct("_batch_id", "_delivery", "_content_hash"), F.struct("_delivery", "_batch_id"))
    return held.groupBy("record_id").agg(latest.alias("m")).select("record_id", "m.*")


def latest_redeliveries(latest: DataFrame, changes: DataFrame) -> DataFrame:
    """latest_per_record's rows but those the run changes: silver's row of a record redelivered as it is is
    then as a rebuild from every delivery would have it (the latest delivery of its content), which golden
    records' recency reads."""
    return latest.join(changes.select("record_id"), on="record_id", how="left_anti")


def with_merge_roles(new: DataFrame, target: DataFrame | None, latest_held: DataFrame | None = None) -> DataFrame:
    """Flag `_duplicate` (same record and content already seen) and `_superseded` (a later delivery wins,
    among the new rows, the target's row or the rows split_redelivered held back, one per record as
    latest_per_record gives them; with one delivery date, a held row gives way to a changed one).

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
    if latest_held is not None:
        out = out.join(latest_held.select("record_id", F.col("_delivery").alias("_h_delivery")), on="record_id", how="left")
    else:
        out = out.withColumn("_h_delivery", F.lit(None).cast("string"))
    # Without a current row the comparisons are null; coalesced, or a null would hide a superseded row from the counts.
    duplicate = (F.col("_copy_no") > 1) | F.coalesce(F.col("_t_hash") == F.col("_content_hash"), F.lit(False))
    later = F.greatest("_t_delivery", "_h_delivery") > F.col("_delivery")
    superseded = ~duplicate & ((F.col("_version") > 1) | F.coalesce(later, F.lit(False)))
    return (
        out.withColumn("_duplicate", duplicate)
        .withColumn("_superseded", superseded)
        .drop("_copy_no", "_version", "_t_hash", "_t_delivery", "_h_delivery")
    )


def quality_counts(roles: DataFrame, table: str, run_id: str, held: DataFrame | None = None) -> DataFrame:
    """Per batch: rows, and rows per issue (including duplicate_exact and superseded). `held`: rows of the
    batches silver already held as they are (split_redelivered), counted as duplicate_exact only: their
    issues were counted when they were first delivered."""
    flags = roles.select("_batch_id", "_issues", "_duplicate", "_superseded")
    if held is not None:
        redelivered = {"_issues": F.array().cast("array<string>"), "_duplicate": F.lit(True), "_superseded": F.lit(False)}
        flags = flags.unionByName(held.select("_batch_id", *[value.alias(name) for name, value in redelivered.items()]))
    rows = flags.groupBy("_batch_id").agg(F.count(F.lit(1)).alias("rows"))
    issue_codes = F.concat(
        F.array_distinct("_issues"),
        F.array_compact(F.array(F.when(F.col("_duplicate"), F.lit("duplicate_exact")), F.when(F.col("_superseded"), F.lit("superseded")))),
    )
    issues = (
        flags.select("_batch_id", F.explode(issue_codes).alias("issue"))
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
