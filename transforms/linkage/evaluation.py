"""Pairwise linkage quality against the truth: precision, recall, F1; split and merged clusters; blocking."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

METHOD_RANK = {"pid": 0, "probabilistic": 1, "review": 2, "new_person": 3}


def _pairs_within(df: DataFrame, group: str, extra: list[str]) -> DataFrame:
    left = df.select("record_id", group, *extra).alias("a")
    right = df.select("record_id", group, *extra).alias("b")
    return left.join(
        right, on=(F.col(f"a.{group}") == F.col(f"b.{group}")) & (F.col("a.record_id") < F.col("b.record_id")), how="inner"
    ).select(
        F.col("a.record_id").alias("record_id_l"),
        F.col("b.record_id").alias("record_id_r"),
        *[F.col(f"a.{c}").alias(f"{c}_l") for c in extra],
        *[F.col(f"b.{c}").alias(f"{c}_r") for c in extra],
    )


def labelled_pairs(xref: DataFrame, truth: DataFrame) -> DataFrame:
    """Every pair predicted or true, with predicted/actual flags, the two sources and the pair's method
    (the weaker method of its two records). Records absent from either side are left out."""
    both = xref.select("record_id", "source", "person_id", "match_method").join(
        truth.select("record_id", F.col("person_id").alias("true_person_id")), on="record_id", how="inner"
    )
    predicted = _pairs_within(both, "person_id", ["source", "match_method"]).withColumn("predicted", F.lit(True))
    actual = _pairs_within(both, "true_person_id", ["source", "match_method"]).withColumn("actual", F.lit(True))
    keys = ["record_id_l", "record_id_r", "source_l", "source_r", "match_method_l", "match_method_r"]
    pairs = predicted.join(actual, on=keys, how="full_outer").fillna(False, subset=["predicted", "actual"])
    rank = F.create_map(*[x for k, v in METHOD_RANK.items() for x in (F.lit(k), F.lit(v))])
    names = F.create_map(*[x for k, v in METHOD_RANK.items() for x in (F.lit(v), F.lit(k))])
    return pairs.withColumn("method", names[F.greatest(rank[F.col("match_method_l")], rank[F.col("match_method_r")])])


def _scores(pairs: DataFrame, scope: str, scope_value: F.Column) -> DataFrame:
    counted = pairs.groupBy(scope_value.alias("scope_value")).agg(
        F.sum(F.col("predicted").cast("long")).alias("predicted_pairs"),
        F.sum(F.col("actual").cast("long")).alias("true_pairs"),
        F.sum((F.col("predicted") & F.col("actual")).cast("long")).alias("true_positives"),
    )
    precision = F.col("true_positives") / F.col("predicted_pairs")
    recall = F.col("true_positives") / F.col("true_pairs")
    scored = counted.withColumns({"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)})
    metrics = ["predicted_pairs", "true_pairs", "true_positives", "precision", "recall", "f1"]
    return scored.select(
        F.lit(scope).alias("scope"),
        "scope_value",
        F.explode(F.array(*[F.struct(F.lit(m).alias("metric"), F.col(m).cast("double").alias("value")) for m in metrics])).alias("m"),
    ).select("scope", "scope_value", "m.metric", "m.value")


def pairwise_quality(pairs: DataFrame) -> DataFrame:
    """Long rows scope, scope_value, metric, value: overall, per source (pairs touching it) and per method."""
    per_source = pairs.select("*", F.explode(F.array_distinct(F.array("source_l", "source_r"))).alias("_source"))
    return reduce(
        lambda a, b: a.unionByName(b),
        [
            _scores(pairs, "overall", F.lit("all")),
            _scores(per_source, "source", F.col("_source")),
            _scores(pairs, "method", F.col("method")),
        ],
    )


def _with_true_person(xref: DataFrame, truth: DataFrame) -> DataFrame:
    """record_id, person_id (predicted), true_person_id of every record both sides know."""
    return xref.select("record_id", "person_id").join(
        truth.select("record_id", F.col("person_id").alias("true_person_id")), on="record_id", how="inner"
    )


def cluster_quality(xref: DataFrame, truth: DataFrame) -> DataFrame:
    """Persons split over several clusters and clusters merging several persons."""
    both = _with_true_person(xref, truth)
    split = both.groupBy("true_person_id").agg(F.countDistinct("person_id").alias("n")).filter("n > 1").count()
    merged = both.groupBy("person_id").agg(F.countDistinct("true_person_id").alias("n")).filter("n > 1").count()
    spark = xref.sparkSession
    return spark.createDataFrame(
        [("clusters", "all", "persons_split", float(split)), ("clusters", "all", "clusters_merging_persons", float(merged))],
        "scope string, scope_value string, metric string, value double",
    )


def lookalike_quality(xref: DataFrame, truth: DataFrame, lookalikes: DataFrame) -> DataFrame:
    """Per kind of look-alike (twin, namesake, ...): pairs of different persons built alike that both have
    records, and how many of them ended up in one predicted person (none should).

    truth: record_id, person_id (true); lookalikes: person_id, lookalike_of, lookalike_kind (the generator's)."""
    placed = _with_true_person(xref, truth).select("true_person_id", "person_id").distinct()
    pairs = lookalikes.where(F.col("lookalike_of").isNotNull()).select(
        "lookalike_kind", F.col("person_id").cast("string").alias("a"), F.col("lookalike_of").cast("string").alias("b")
    )

    def side(name):
        return placed.select(F.col("true_person_id").alias(name), "person_id")

    with_records = pairs.join(side("a").select("a").distinct(), "a", "left_semi").join(side("b").select("b").distinct(), "b", "left_semi")
    merged = with_records.join(side("a"), "a").join(side("b"), ["b", "person_id"]).select("lookalike_kind", "a", "b").distinct()
    counted = (
        with_records.groupBy("lookalike_kind")
        .agg(F.count("*").alias("pairs"))
        .join(merged.groupBy("lookalike_kind").agg(F.count("*").alias("merged_pairs")), "lookalike_kind", "left")
    )
    return counted.select(
        F.lit("lookalike").alias("scope"),
        F.col("lookalike_kind").alias("scope_value"),
        F.explode(
            F.array(
                F.struct(F.lit("pairs").alias("metric"), F.col("pairs").cast("double").alias("value")),
                F.struct(F.lit("merged_pairs").alias("metric"), F.coalesce("merged_pairs", F.lit(0)).cast("double").alias("value")),
            )
        ).alias("m"),
    ).select("scope", "scope_value", "m.metric", "m.value")


def error_kind_quality(xref: DataFrame, truth: DataFrame, errors: DataFrame) -> DataFrame:
    """Per error kind the generator injected: records carrying it (of true persons with another record) and
    recall, the share that reached their person: placed in the predicted person holding most of their true
    person's records, with at least one of those.

    truth: record_id, person_id (true); errors: record_id, error_kind."""
    both = _with_true_person(xref, truth)
    together = both.groupBy("true_person_id", "person_id").agg(F.count("*").alias("together"))
    best = together.groupBy("true_person_id").agg(F.max("together").alias("best"), F.sum("together").alias("records"))
    placed = (
        both.join(together, ["true_person_id", "person_id"])
        .join(best, "true_person_id")
        .where("records > 1")
        .select("record_id", ((F.col("together") == F.col("best")) & (F.col("together") > 1)).alias("reached"))
    )
    counted = (
        errors.select("record_id", "error_kind")
        .distinct()
        .join(placed, "record_id")
        .groupBy("error_kind")
        .agg(F.count("*").alias("records"), F.sum(F.col("reached").cast("long")).alias("reached"))
    )
    return counted.select(
        F.lit("error_kind").alias("scope"),
        F.col("error_kind").alias("scope_value"),
        F.explode(
            F.array(
                F.struct(F.lit("records").alias("metric"), F.col("records").cast("double").alias("value")),
                F.struct(F.lit("recall").alias("metric"), (F.col("reached") / F.col("records")).alias("value")),
            )
        ).alias("m"),
    ).select("scope", "scope_value", "m.metric", "m.value")


def blocking_quality(linkage_input: DataFrame, candidates: DataFrame, truth: DataFrame) -> DataFrame:
    """Candidate pairs per record and blocking recall (true non-spine-spine pairs the rules generate)."""
    labelled = linkage_input.select("record_id", "is_spine").join(truth.select("record_id", "person_id"), on="record_id", how="inner")
    true_pairs = _pairs_within(labelled, "person_id", ["is_spine"]).filter(~(F.col("is_spine_l") & F.col("is_spine_r")))
    found = true_pairs.join(candidates, on=["record_id_l", "record_id_r"], how="left_semi").count()
    n_true = true_pairs.count()
    n_records = linkage_input.count()
    n_pairs = candidates.count()
    spark = linkage_input.sparkSession
    rows = [
        ("blocking", "all", "input_records", float(n_records)),
        ("blocking", "all", "candidate_pairs", float(n_pairs)),
        ("blocking", "all", "pairs_per_record", n_pairs / n_records if n_records else None),
        ("blocking", "all", "blocking_recall", found / n_true if n_true else None),
    ]
    return spark.createDataFrame(rows, "scope string, scope_value string, metric string, value double")
