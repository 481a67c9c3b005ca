"""Clustering of accepted pairs into persons, and stable person ids."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def connected_components(nodes: DataFrame, edges: DataFrame, break_lineage_method: str = "parquet") -> DataFrame:
    """node, component: the smallest node id reachable through edges (node_l, node_r).

    Splink's own clustering (its cluster id is the smallest node id, as person ids need). It writes each
    round as Parquet under the session's checkpoint directory, which the caller sets and clears. Measured
    (scripts/bench_clustering.py, 10^4-10^6 nodes of person-sized clusters plus chains of 20-50 records):
    the same partitions as the min-label propagation it replaced, 2.4-11x faster (1 M nodes: 29 s against
    330 s), and no cap on a cluster's diameter (the old loop gave up after 50 hops). `break_lineage_method`
    "checkpoint" is the other that works ("persist" keeps every round's plan: out of heap on 300 nodes).
    """
    from splink.backends.spark import SparkAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    db_api = SparkAPI(spark_session=nodes.sparkSession, break_lineage_method=break_lineage_method, register_udfs_automatically=False)
    clusters = cluster_pairwise_predictions_at_threshold(
        nodes,
        edges,
        db_api=db_api,
        node_id_column_name="node",
        edge_id_column_name_left="node_l",
        edge_id_column_name_right="node_r",
        threshold_match_probability=None,
    )
    return clusters.as_spark_dataframe().select("node", F.col("cluster_id").alias("component"))


def person_id_of(anchor_record_id: F.Column) -> F.Column:
    """A person id that depends only on the anchor record's id, so re-runs and new deliveries keep it."""
    return F.concat(F.lit("P"), F.substring(F.sha2(anchor_record_id, 256), 1, 16))
