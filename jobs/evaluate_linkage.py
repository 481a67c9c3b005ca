"""Job `evaluate-linkage`: silver.person_xref vs the generator's truth -> ops.linkage_quality.

The only job that reads <truth>/records and <truth>/errors. Pairwise precision/recall/F1 overall, per source and per method;
persons split over several clusters and clusters merging several persons; candidate pairs per record and
blocking recall of the configured rules on the records the link stage gave to Splink; per kind of look-alike
(truth/persons), pairs of different persons built alike and how many were merged into one; per injected
error kind (truth/errors), the records carrying it and the share that reached their person.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import link
from jobs.config import AppConfig
from jobs.console import say
from jobs.generate import truth_rounds
from jobs.link import read_records
from jobs.publication import load_publication, read_published
from jobs.runs import JobRun
from jobs.tables import ensure_databases, save_table
from transforms.linkage.blocking import candidate_pairs
from transforms.linkage.evaluation import (
    blocking_quality,
    cluster_quality,
    error_kind_quality,
    labelled_pairs,
    lookalike_quality,
    pairwise_quality,
)
from transforms.linkage.settings import LinkageSettings

DESCRIPTION = "Measure linkage against the generator's truth (pairwise P/R/F1, split/merged persons, blocking)"
TABLE = "ops.linkage_quality"
COMMENTS = {
    "run_id": "The evaluate-linkage run",
    "link_run_id": "The link run evaluated (silver.person_xref.run_id)",
    "evaluated_at": "When it was evaluated",
    "scope": "overall, source, method, clusters, blocking, lookalike or error_kind",
    "scope_value": "The source, method, look-alike kind (twin, namesake, junior, family_phone) or injected error kind the row is about (all for overall)",
    "metric": "precision, recall, f1, predicted_pairs, true_pairs, true_positives, persons_split, pairs, merged_pairs, ...",
    "value": "The metric's value",
}


Options = link.Options  # the same inputs as the link run it evaluates


def _every_round(spark: SparkSession, config: AppConfig, name: str) -> DataFrame:
    """truth/<name> of every generated round, with its round (generate --round writes truth/rounds/<round>)."""
    frames = [
        spark.read.parquet(f"{folder}/{name}").withColumn("_round", F.lit(r)) for r, folder in truth_rounds(config.paths.resolved("truth"))
    ]
    return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def _latest_records(spark: SparkSession, config: AppConfig) -> DataFrame:
    """Truth records of every round keyed like silver (record_id = <source>:<record_key>), each from the latest
    round that delivered it (silver keeps a record's latest version), with that _round."""
    records = _every_round(spark, config, "records").withColumn("record_id", F.concat_ws(":", "source", "record_key"))
    latest = records.groupBy("record_id").agg(F.max("_round").alias("_round"))
    return records.join(latest, ["record_id", "_round"], "left_semi")


def read_truth(spark: SparkSession, config: AppConfig) -> DataFrame:
    """Truth records keyed like silver: record_id, person_id, _round (of every round, each from its latest)."""
    return _latest_records(spark, config).select("record_id", F.col("person_id").cast("string"), "_round")


def read_errors(spark: SparkSession, config: AppConfig, truth: DataFrame) -> DataFrame:
    """The generator's injected errors (truth/errors) keyed like silver: record_id, error_kind, as the record's
    latest round has them (`truth`: read_truth's records)."""
    errors = _every_round(spark, config, "errors").withColumn("record_id", F.concat_ws(":", "source", "record_key"))
    return errors.join(truth.select("record_id", "_round"), ["record_id", "_round"], "left_semi").select("record_id", "error_kind")


def read_lookalikes(spark: SparkSession, config: AppConfig) -> DataFrame | None:
    """The generator's look-alike persons (truth/persons of the latest round: nobody leaves the registry), or None
    for a truth written before it made them."""
    persons = spark.read.parquet(f"{truth_rounds(config.paths.resolved('truth'))[-1][1]}/persons")
    if "lookalike_of" not in persons.columns:
        return None
    return persons.select("person_id", "lookalike_of", "lookalike_kind")


def quality(spark: SparkSession, config: AppConfig, settings: LinkageSettings, database: str, output: str) -> tuple[DataFrame, str]:
    truth = read_truth(spark, config).localCheckpoint()
    xref = read_published(spark, f"{output}.person_xref", load_publication(spark)).localCheckpoint()
    pairs = labelled_pairs(xref, truth).localCheckpoint()
    records = read_records(spark, settings, database)
    linkage_input = records.join(
        xref.filter("match_method = 'pid' AND source <> '" + settings.spine + "'").select("record_id"), on="record_id", how="left_anti"
    ).localCheckpoint()
    candidates = candidate_pairs(linkage_input, settings.probabilistic.blocking_rules, settings.probabilistic.link_only)
    parts = [
        pairwise_quality(pairs),
        cluster_quality(xref, truth),
        blocking_quality(linkage_input, candidates, truth),
        error_kind_quality(xref, truth, read_errors(spark, config, truth)),
    ]
    lookalikes = read_lookalikes(spark, config)
    if lookalikes is not None:
        parts.append(lookalike_quality(xref, truth, lookalikes))
    rows = reduce(lambda a, b: a.unionByName(b), parts)
    link_run = xref.select("run_id").first()
    return rows, link_run["run_id"] if link_run else None


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    ensure_databases(spark)
    settings, database, output = link.linkage_options(args)
    rows, link_run_id = quality(spark, config, settings, database, output)
    out = rows.select(
        F.lit(job_run.run_id).alias("run_id"),
        F.lit(link_run_id).cast("string").alias("link_run_id"),
        F.lit(datetime.now(UTC)).alias("evaluated_at"),
        "scope",
        "scope_value",
        "metric",
        "value",
    )
    job_run.wrote(
        TABLE,
        save_table(out, TABLE, COMMENTS, mode="append", table_comment="Linkage quality against the generator's truth, one row per metric"),
    )
    for row in (
        spark.table(TABLE)
        .filter(F.col("run_id") == job_run.run_id)
        .filter("scope IN ('overall', 'clusters', 'blocking', 'lookalike') OR metric IN ('f1', 'recall')")
        .orderBy("scope", "scope_value", "metric")
        .collect()
    ):
        say(f"{row.scope:9} {row.scope_value:16} {row.metric:26} {row.value}")
