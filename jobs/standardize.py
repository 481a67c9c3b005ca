"""Job `standardize`: new bronze batches -> silver.<source> (MERGE on record_id), with data-quality counts.

Per source, the bronze batches not yet recorded in ops.standardize_batches are standardised
(transforms.silver), then merged: an exact redelivery (same record_id, same content) is counted, not
standardised or re-inserted, and the row moves to the redelivering batch (so a second round on top of the
first leaves silver as a rebuild from both rounds' deliveries would); for the same record_id a later
delivery replaces an earlier one. ops.data_quality gets, per source and batch, the rows and how many rows
had each issue. Sources run `spark.concurrent_sources` at a time; a source that fails stops no other, and the
job fails after all have run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from threading import Lock

from delta.tables import DeltaTable
from pydantic import Field
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.concurrent import run_concurrently
from jobs.config import PROJECT_ROOT, AppConfig, ConfigError
from jobs.console import say
from jobs.options import JobOptions
from jobs.publication import Publication, load_publication, read_published
from jobs.runs import JobRun, release_plans
from jobs.spark import Kept
from jobs.tables import ensure_databases, save_table, table_exists
from transforms.conf import load
from transforms.contracts import SourceContract, load_contracts
from transforms.silver.canonical import Transform
from transforms.silver.merge import (
    latest_per_record,
    latest_redeliveries,
    quality_counts,
    split_redelivered,
    with_held_flag,
    with_merge_roles,
)
from transforms.silver.pipeline import (
    adapt_households,
    adapt_persons,
    household_comments,
    person_source,
    standardize_adapted_households,
    standardize_adapted_persons,
)
from transforms.silver.settings import StandardizeSettings
from udfs.areas import LEVELS

DESCRIPTION = "Standardise new bronze batches into silver (IDs, Thai names, BE dates, phones, area codes)"
SETTINGS_FILE = PROJECT_ROOT / "conf" / "standardize.yaml"


@dataclass(frozen=True)
class Databases:
    """Where the job reads and writes (tests point it at their own databases)."""

    bronze: str = "bronze"
    silver: str = "silver"
    ops: str = "ops"

    @property
    def batches(self) -> str:
        return f"{self.ops}.standardize_batches"

    @property
    def quality(self) -> str:
        return f"{self.ops}.data_quality"


BATCHES_COMMENTS = {
    "source": "Bronze source (table bronze.<source>)",
    "batch_id": "Bronze batch standardised into silver",
    "rows": "Bronze rows in the batch",
    "run_id": "The standardize run that processed it (ops.job_runs)",
    "standardized_at": "When it was standardised",
}
QUALITY_COMMENTS = {
    "source": "Silver table the counts are about (one per source, the survey's members apart)",
    "batch_id": "Bronze batch",
    "rows": "Rows of the batch for this table",
    "issue": "Reason code from _issues, or duplicate_exact (same record and content redelivered: not re-inserted, and its issues not counted again when silver held it already) "
    "or superseded (replaced by a later delivery of the same record); null on the row of a batch with no issue",
    "issue_rows": "Rows of the batch with this issue",
    "run_id": "The standardize run (ops.job_runs)",
    "measured_at": "When the counts were taken",
}


def load_settings(path: Path = SETTINGS_FILE) -> StandardizeSettings:
    """conf/standardize.yaml as a validated model; ConfigError names the file, key and reason."""
    return load(path, StandardizeSettings, "standardize settings")


class Options(JobOptions):
    source: str | None = Field(default=None, description="standardise only this source (default: every source with a silver section)")


def silver_sources(contracts: dict[str, SourceContract]) -> list[str]:
    """The sources standardize builds silver from (conf/sources/*.yaml with a silver section)."""
    return [name for name, c in contracts.items() if c.silver is not None]


def validate(args: Options) -> Options:
    try:
        load_settings()
        known = silver_sources(load_contracts())
    except ConfigError as err:
        raise ValueError(str(err)) from None
    if args.source is not None and args.source not in known:
        raise ValueError(f"unknown --source {args.source!r}; sources with a silver section: {', '.join(known)}")
    return args


@dataclass(frozen=True)
class Output:
    table: str  # silver table name without database
    adapt: Transform  # bronze rows -> the source's rows with record_id and _content_hash
    standardise: Transform  # adapted rows -> silver rows
    comments: dict[str, str]
    nested: bool = False  # the adapter parses JSON on every row: its rows are cached before the per-distinct passes


def outputs_of(contract: SourceContract, settings: StandardizeSettings, known: dict[str, DataFrame]) -> list[Output]:
    persons = person_source(contract)
    out = [
        Output(
            persons.silver, adapt_persons(persons), standardize_adapted_persons(persons, settings, known), persons.comments, persons.nested
        )
    ]
    if contract.silver.shape == "household_survey":
        survey = contract.source
        out.insert(0, Output(survey, adapt_households(survey), standardize_adapted_households(known), household_comments(survey)))
    return out


def output_tables(contract: SourceContract) -> list[str]:
    """The silver tables a source's outputs go to (names without database), as outputs_of orders them."""
    survey = [contract.source] if contract.silver.shape == "household_survey" else []
    return [*survey, person_source(contract).silver]


def known_area_codes(spark: SparkSession) -> dict[str, DataFrame]:
    tables = {level: f"ref.{level.removesuffix('_code')}" for level in LEVELS}
    missing = [t for t in tables.values() if not table_exists(spark, t)]
    if missing:
        raise RuntimeError(f"reference tables missing ({', '.join(missing)}): run `python -m jobs reference` first")
    # Kept in memory: every output of every source checks its codes against them.
    return {level: spark.table(table).select(level).distinct().persist() for level, table in tables.items()}


def new_batches(spark: SparkSession, source: str, dbs: Databases, publication: Publication) -> DataFrame:
    """Bronze rows of the batches this job has not standardised yet (of complete ingest runs only)."""
    bronze = read_published(spark, f"{dbs.bronze}.{source}", publication)
    if not table_exists(spark, dbs.batches):
        return bronze
    done = spark.table(dbs.batches).filter(F.col("source") == source).select(F.col("batch_id").alias("_batch_id"))
    return bronze.join(F.broadcast(done), on="_batch_id", how="left_anti")


def merge_into_silver(spark: SparkSession, changes: DataFrame, redelivered: DataFrame | None, output: Output, table: str) -> int:
    """Insert new records, replace changed ones, and move the records redelivered as they are to their latest
    batch; return the rows the commit inserted or updated. `redelivered` is None when the table is new."""
    if redelivered is None:
        return save_table(changes, table, output.comments, table_comment=f"Standardised {output.table} records (one row per source record)")
    # A redelivered record's row has silver's content hash, a changed record's never does (split_redelivered).
    source = changes.unionByName(redelivered, allowMissingColumns=True)
    (
        DeltaTable.forName(spark, table)
        .alias("t")
        .merge(source.alias("s"), "t.record_id = s.record_id")
        .whenMatchedUpdate(
            condition="s._content_hash = t._content_hash AND s._delivery > t._delivery",
            set={"_batch_id": "s._batch_id", "_delivery": "s._delivery"},
        )
        .whenMatchedUpdateAll(condition="s._delivery >= t._delivery AND s._content_hash <> t._content_hash")
        .whenNotMatchedInsertAll()
        .execute()
    )
    metrics = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first().operationMetrics
    return int(metrics.get("numTargetRowsInserted", 0)) + int(metrics.get("numTargetRowsUpdated", 0))


def current_version(spark: SparkSession, table: str) -> DataFrame | None:
    """The table as of its latest version (pinned: a recomputation after the MERGE sees the same rows), or None."""
    if not table_exists(spark, table):
        return None
    version = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first().version
    return spark.read.format("delta").option("versionAsOf", version).table(table)


def standardize_source(
    spark: SparkSession,
    contract: SourceContract,
    settings: StandardizeSettings,
    known: dict[str, DataFrame],
    job_run: JobRun,
    dbs: Databases = Databases(),
    publication: Publication | None = None,
) -> None:
    """One pass per output: bronze -> standardised rows -> merge roles (one shuffle) -> silver, and the
    data-quality counts from the same rows, materialised once."""
    source = contract.source
    publication = publication or load_publication(spark, job_run.own_run_ids)
    bronze = new_batches(spark, source, dbs, publication)
    batches = bronze.groupBy("_batch_id").agg(F.count(F.lit(1)).alias("rows")).collect()  # a handful of batches
    job_run.read(f"bronze.{source}", sum(b.rows for b in batches))
    for table in output_tables(contract):
        # Published even with no new batch: a killed run may have merged into it and recorded its batches.
        job_run.changed(f"{dbs.silver}.{table}")
    if not batches:
        say(f"standardize {source}: no new bronze batch")
        return
    kept = Kept()
    for output in outputs_of(contract, settings, known):
        table = f"{dbs.silver}.{output.table}"
        target = current_version(spark, table)
        # An exact redelivery of what silver holds is counted, not standardised again (most of a new round's registry).
        flagged = with_held_flag(bronze.transform(output.adapt), target)
        fresh, held = split_redelivered(kept(flagged) if output.nested else flagged)
        # Materialised now, not cached on first use: a Delta MERGE plans its source anew, so rows cached during
        # it were standardised again for the counts after it (20 s of the registry's 66 s at S = 0.01).
        # A first load holds nothing: no action for it.
        held = None if target is None else held.localCheckpoint()
        latest = None if held is None else latest_per_record(held).localCheckpoint()
        roles = with_merge_roles(fresh.transform(output.standardise), target, latest).localCheckpoint()
        try:
            changes = roles.filter(~F.col("_duplicate") & ~F.col("_superseded")).drop("_duplicate", "_superseded")
            redelivered = None if latest is None else latest_redeliveries(latest, changes)
            job_run.wrote(table, merge_into_silver(spark, changes, redelivered, output, table))
            _append(spark, quality_counts(roles, output.table, job_run.run_id, held), dbs.quality, QUALITY_COMMENTS)
        finally:
            kept.release()
    now = datetime.now(UTC)
    done = spark.createDataFrame(
        [(source, b["_batch_id"], int(b.rows), job_run.run_id, now) for b in batches],
        "source string, batch_id string, rows long, run_id string, standardized_at timestamp",
    )
    _append(spark, done, dbs.batches, BATCHES_COMMENTS)
    release_plans()  # each source's plans are large; free them before the next source's
    say(f"standardize {source}: {len(batches)} batch(es) done")


# Sources are standardised concurrently; their ops rows go to shared tables, which the first append creates.
_OPS_APPENDS = Lock()


def _append(spark: SparkSession, df: DataFrame, table: str, comments: dict[str, str]) -> None:
    del spark
    with _OPS_APPENDS:
        save_table(df, table, comments, mode="append")


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    settings = load_settings()
    ensure_databases(spark)
    known = {level: F.broadcast(df) for level, df in known_area_codes(spark).items()}
    contracts = load_contracts()
    selected = [args.source] if args.source else silver_sources(contracts)
    publication = load_publication(spark, job_run.own_run_ids)
    tasks = []
    for source in selected:
        if not table_exists(spark, f"bronze.{source}"):
            say(f"standardize {source}: bronze.{source} does not exist yet, skipped")
            continue
        tasks.append(partial(standardize_source, spark, contracts[source], settings, known, job_run, publication=publication))
    run_concurrently(spark, tasks, config.spark.concurrent_sources)
