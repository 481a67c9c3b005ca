"""From links to persons: every record gets an anchor record and a method; person_id comes from the anchor."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from transforms.linkage.clustering import connected_components, person_id_of


def _best(pairs: DataFrame, key: str) -> DataFrame:
    """The best pair per `key` (highest probability, then weight, then smallest anchor: deterministic)."""
    order = Window.partitionBy(key).orderBy(F.desc("match_probability"), F.desc("match_weight"), F.asc("anchor"))
    return pairs.withColumn("_rank", F.row_number().over(order)).filter("_rank = 1").drop("_rank")


def _oriented(accepted: DataFrame) -> DataFrame:
    """Both orientations of each accepted pair: record_id, other, probability, weight."""
    cols = ["match_probability", "match_weight"]
    return accepted.select(F.col("record_id_l").alias("record_id"), F.col("record_id_r").alias("other"), *cols).unionByName(
        accepted.select(F.col("record_id_r").alias("record_id"), F.col("record_id_l").alias("other"), *cols)
    )


def assign_persons(records: DataFrame, deterministic: DataFrame, accepted: DataFrame) -> DataFrame:
    """record_id, source, anchor_record_id, person_id, match_method, match_probability, match_weight.

    Order of precedence: spine records anchor themselves; PID-corroborated records take their spine record;
    the rest take their best accepted pair to a spine record, else to a record already placed; records left
    become new persons, clustered among themselves (connected components, anchored at the smallest record_id).
    """
    base = records.select("record_id", "source", "is_spine")
    spine = base.filter("is_spine").select(
        "record_id", F.col("record_id").alias("anchor"), F.lit("pid").alias("match_method"),
        F.lit(1.0).alias("match_probability"), F.lit(None).cast("double").alias("match_weight"),
    )
    by_pid = deterministic.select(
        "record_id", F.col("spine_record_id").alias("anchor"), F.lit("pid").alias("match_method"),
        F.lit(1.0).alias("match_probability"), F.lit(None).cast("double").alias("match_weight"),
    )
    placed = spine.unionByName(by_pid)
    residual = base.filter(~F.col("is_spine")).join(placed.select("record_id"), on="record_id", how="left_anti")
    edges = _oriented(accepted).join(residual.select("record_id"), on="record_id", how="left_semi")

    spine_ids = base.filter("is_spine").select(F.col("record_id").alias("other"))
    to_spine = _best(edges.join(spine_ids, on="other", how="left_semi").withColumnRenamed("other", "anchor"), "record_id")
    probabilistic = to_spine.select("record_id", "anchor", F.lit("probabilistic").alias("match_method"), "match_probability", "match_weight")
    placed = placed.unionByName(probabilistic)

    left = residual.join(placed.select("record_id"), on="record_id", how="left_anti")
    via_placed = edges.join(left.select("record_id"), on="record_id", how="left_semi").join(
        placed.select(F.col("record_id").alias("other"), "anchor"), on="other", how="inner"
    )
    inherited = _best(via_placed, "record_id").select(
        "record_id", "anchor", F.lit("probabilistic").alias("match_method"), "match_probability", "match_weight"
    )
    placed = placed.unionByName(inherited)

    new = residual.join(placed.select("record_id"), on="record_id", how="left_anti").select(F.col("record_id").alias("node"))
    new_edges = (
        edges.join(new.withColumnRenamed("node", "record_id"), on="record_id", how="left_semi")
        .join(new.withColumnRenamed("node", "other"), on="other", how="left_semi")
    )
    components = connected_components(new, new_edges.select(F.col("record_id").alias("node_l"), F.col("other").alias("node_r")))
    best_edge = new_edges.groupBy("record_id").agg(F.max("match_probability").alias("match_probability"), F.max("match_weight").alias("match_weight"))
    new_persons = (
        components.select(F.col("node").alias("record_id"), F.col("component").alias("anchor"))
        .join(best_edge, on="record_id", how="left")
        .select("record_id", "anchor", F.lit("new_person").alias("match_method"), "match_probability", "match_weight")
    )
    placed = placed.unionByName(new_persons)
    return base.join(placed, on="record_id", how="inner").select(
        "record_id", "source", F.col("anchor").alias("anchor_record_id"), person_id_of(F.col("anchor")).alias("person_id"),
        "match_method", "match_probability", "match_weight",
    )
