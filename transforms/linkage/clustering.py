"""Clustering of accepted pairs into persons, and stable person ids."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

MAX_ITERATIONS = 50


def connected_components(nodes: DataFrame, edges: DataFrame) -> DataFrame:
    """node, component: the smallest node id reachable through edges (node_l, node_r), by min-label propagation.

    GraphFrames-free; iterates until no label changes (clusters here are small, so a few rounds).
    """
    undirected = (
        edges.select(F.col("node_l").alias("src"), F.col("node_r").alias("dst"))
        .unionByName(edges.select(F.col("node_r").alias("src"), F.col("node_l").alias("dst")))
        .distinct()
        .cache()
    )
    labels = nodes.select("node", F.col("node").alias("component")).localCheckpoint()
    for _ in range(MAX_ITERATIONS):
        proposed = (
            undirected.join(labels, on=undirected.src == labels.node, how="inner")
            .groupBy(F.col("dst").alias("node"))
            .agg(F.min("component").alias("proposed"))
        )
        updated = (
            labels.join(proposed, on="node", how="left")
            .select("node", F.least("component", F.coalesce("proposed", "component")).alias("component"))
            .localCheckpoint()
        )
        changed = updated.join(labels.withColumnRenamed("component", "old"), on="node", how="inner").filter(
            F.col("component") != F.col("old")
        )
        labels = updated
        if changed.isEmpty():
            break
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ITERATIONS} rounds")
    undirected.unpersist()
    return labels


def person_id_of(anchor_record_id: F.Column) -> F.Column:
    """A person id that depends only on the anchor record's id, so re-runs and new deliveries keep it."""
    return F.concat(F.lit("P"), F.substring(F.sha2(anchor_record_id, 256), 1, 16))
