"""Job `link`: silver records -> persons (silver.person_xref, silver.person) and scored pairs (silver.link_pairs).

1. Deterministic pass: a valid PID equal to a civil-registry PID, corroborated by birth date or first name
   (and not contested by a member of the record's survey household who agrees on the birth date).
2. Splink 5 on the records the deterministic pass left and the registry records sharing a blocking key with
   them: the model trained in DuckDB on a sample (u by random sampling, m by EM), every candidate pair scored
   on Spark, pairs above a floor weight kept for explain-link; the model is saved as JSON under <runs>/<run_id>/.
   A first name two members of a survey household share is compared as unknown (one carries the other's).
3. Assignment: best accepted pair to a registry record (not one a household member's ID holds), else to an
   already placed record, else new persons clustered among themselves; person_id derived from the anchor
   record, so ids are stable across runs.
   A record that gets another person than the last run gave it is appended to silver.person_changes, as a
   merge, a split or a renumbering (transforms.linkage.changes).
4. Golden record per person (transforms.linkage.golden).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from pathlib import Path

from pydantic import Field
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config import AppConfig
from jobs.console import say
from jobs.options import JobOptions
from jobs.publication import latest_versions, load_publication, read_published, version_to_read
from jobs.runs import JobRun
from jobs.tables import ensure_databases, save_table, table_exists
from transforms.linkage.assign import assign_persons, held_by_id, review_rows, spine_choice
from transforms.linkage.blocking import with_spine_candidates_only
from transforms.linkage.changes import CHANGE_COMMENTS, person_changes
from transforms.linkage.deterministic import pid_matches, unlinked_records, without_contested_claims
from transforms.linkage.golden import golden_persons
from transforms.linkage.records import union_canonical, with_blocking_keys, with_latin_flag, with_roman_names, with_shared_values_unknown
from transforms.linkage.schema import PAIRS_COMMENTS, PERSON_COMMENTS, REVIEW_COMMENTS, XREF_COMMENTS
from transforms.linkage.settings import SETTINGS_FILE, LinkageSettings, load_linkage_settings
from transforms.linkage.splink_settings import level_labels, splink_level_records, with_waterfall
from transforms.linkage.training import train_model, training_sample

DESCRIPTION = "Link silver records into persons: deterministic PID pass, Splink for the rest, golden records"
MODEL_FILE = "splink_model.json"
CHECKPOINTS = "splink_checkpoints"

REVIEW_TABLE = "ops.link_review"


class Options(JobOptions):
    silver_db: str = Field(default="silver", description="Database holding the silver source tables")
    output_db: str | None = Field(default=None, description="Database for link_pairs, person_xref and person (default: --silver-db)")
    settings: Path = Field(default=SETTINGS_FILE, description="Linkage settings YAML (default: conf/linkage.yaml)")


def linkage_options(args: Options) -> tuple[LinkageSettings, str, str]:
    """The settings, the input database and the output database a run was given."""
    return load_linkage_settings(args.settings), args.silver_db, args.output_db or args.silver_db


def read_records(spark: SparkSession, settings: LinkageSettings, database: str, job_run: JobRun | None = None) -> DataFrame:
    """Every configured source table's columns (canonical by default), with blocking keys; a missing table is an error."""
    missing = [s for s in settings.sources if not table_exists(spark, f"{database}.{s}")]
    if missing:
        raise ValueError(f"link: silver table(s) missing: {', '.join(f'{database}.{m}' for m in missing)}")
    publication = load_publication(spark, job_run.own_run_ids if job_run is not None else ())
    frames = [read_published(spark, f"{database}.{s}", publication) for s in settings.sources]
    if job_run is not None:
        for source, frame in zip(settings.sources, frames, strict=True):
            job_run.read(f"{database}.{source}", frame.count())
    return with_blocking_keys(union_canonical(frames, settings.columns), settings.spine, settings.derived_keys)


def score_pairs(
    spark: SparkSession, linkage_input: DataFrame, residual: int, settings: LinkageSettings, run_dir: Path, job_run: JobRun
) -> DataFrame:
    """Train the model in DuckDB on (a sample of) the linkage input, save it as JSON, and score every candidate
    pair with Splink on Spark; return the pairs above the floor weight."""
    from splink import Linker, SparkAPI

    prob = settings.probabilistic
    started = time.monotonic()
    sample = training_sample(linkage_input, settings, prob.training_max_records / max(residual, 1)).toArrow()
    model = train_model(sample, settings)
    job_run.timed("training", time.monotonic() - started)
    say(f"link: model trained in DuckDB on {sample.num_rows:,} records in {job_run.phase_seconds['training']:.1f} s")
    (run_dir / MODEL_FILE).write_text(json.dumps(model, indent=2), encoding="utf-8")
    db_api = SparkAPI(spark_session=spark, break_lineage_method="parquet")
    # A fresh name per call: Splink refuses a name already registered in this session (tests share one).
    table = db_api.register(linkage_input, dataset_display_name=f"linkage_input_{uuid.uuid4().hex[:12]}")
    linker = Linker(table, model, log_level=logging.WARNING)
    predictions = linker.inference.predict(threshold_match_weight=prob.pairs_floor_match_weight).as_spark_dataframe()
    labels = level_labels(splink_level_records(linker))
    return with_waterfall(predictions, labels, settings.id_column).localCheckpoint()


def _checkpointed(df: DataFrame) -> DataFrame:
    return df.localCheckpoint()


def empty_pairs(spark: SparkSession) -> DataFrame:
    schema = (
        "record_id_l string, record_id_r string, source_l string, source_r string, match_weight double, "
        "match_probability double, same_pid boolean, comparisons array<struct<comparison:string,level:int,label:string,match_weight:double>>"
    )
    return spark.createDataFrame([], schema)


def id_pass(records: DataFrame, settings: LinkageSettings) -> tuple[DataFrame, DataFrame]:
    """The ID pass's matches (record_id, source, spine_record_id, persisted) and the non-spine records it left;
    without a deterministic section, no match and every non-spine record."""
    rules = settings.deterministic
    if rules is None:
        none = records.limit(0).select(
            "record_id", "source", F.lit(None).cast("string").alias("spine_record_id"), F.lit(False).alias("id_refuted")
        )
        return none, records.filter(~F.col("is_spine"))
    group = settings.probabilistic.distinct_within
    # The household key and birth date ride on the matches: the household rules read them there, not from silver again.
    carry = (group, "birth_date") if group is not None else ()
    # Materialised: read by the household contest, the unlinked records, the count and the assignment.
    matches = pid_matches(records, settings.spine, rules.corroborate_any, rules.max_birth_year_gap, rules.max_first_name_edits,
                          rules.id_column, rules.id_valid_column, carry).localCheckpoint()  # fmt: skip
    if group is not None:
        matches = without_contested_claims(matches, records, settings.spine, group, keep=_checkpointed)
    return matches, unlinked_records(records, matches, rules.id_column, rules.id_valid_column)


def with_name_scripts(candidates: DataFrame, settings: LinkageSettings) -> DataFrame:
    """The canonical input with latin_name and the romanised names (computed only where a record gives a name
    in Latin script, the only pairs that compare them); another schema as it is. Materialised."""
    if settings.columns is not None:
        return candidates.localCheckpoint()
    flagged = with_latin_flag(candidates).localCheckpoint()
    # From the checkpoint: each distinct-name table would otherwise run the plan before it again.
    return with_roman_names(flagged, romanise=not flagged.filter("latin_name").isEmpty()).localCheckpoint()


def household_exclusion(settings: LinkageSettings, linkage_input: DataFrame, by_pid: DataFrame) -> dict[str, DataFrame]:
    """spine_choice's groups and held for the `distinct_within` key (members of one survey household are
    different persons), or nothing without it."""
    group = settings.probabilistic.distinct_within
    if group is None:
        return {}
    scored_groups = linkage_input.filter(~F.col("is_spine")).select("record_id", F.col(group).alias("group"))
    return {"groups": scored_groups, "held": held_by_id(by_pid, group)}


def pinned_xref(spark: SparkSession, table: str, job_run: JobRun) -> DataFrame | None:
    """The cross-reference as the last complete link run left it, pinned to its version (this run overwrites
    the table), or None before the first run."""
    if not table_exists(spark, table):
        return None
    version = version_to_read(spark, table, load_publication(spark, job_run.own_run_ids))
    if version is None:
        version = latest_versions(spark, [table])[table]
    return spark.read.format("delta").option("versionAsOf", version).table(table)


def record_person_changes(previous: DataFrame, xref: DataFrame, table: str, job_run: JobRun) -> None:
    """Append the records whose person changed since the last link run to `table`, and say how many."""
    changes = person_changes(previous, xref).withColumn("run_id", F.lit(job_run.run_id))
    description = "Records a link run gave another person than the run before (merges, splits), per run"
    written = save_table(changes, table, CHANGE_COMMENTS, mode="append", table_comment=description)
    job_run.wrote(table, written)
    kinds = {
        r.change: r["count"]
        for r in xref.sparkSession.table(table).where(F.col("run_id") == job_run.run_id).groupBy("change").count().collect()
    }
    detail = ", ".join(f"{n:,} {kind}" for kind, n in sorted(kinds.items()))
    say(f"link: {written:,} records changed person since the last link run" + (f" ({detail}; in {table})" if written else ""))


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    settings, database, output = linkage_options(args)
    ensure_databases(spark)
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {output}")
    run_dir = Path(config.paths.resolved("runs")) / job_run.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    # Splink's scoring and clustering write their intermediate tables here; removed after each.
    spark.sparkContext.setCheckpointDir(str(run_dir / CHECKPOINTS))

    started = time.monotonic()
    records = read_records(spark, settings, database, job_run)  # read again where used: each use needs few columns
    matches, unlinked = id_pass(records, settings)
    by_pid = matches.filter(F.col("spine_record_id").isNotNull())
    # Materialised once (a few percent of the records): each blocking rule's key set is read from it, and
    # each read would otherwise scan every silver table again.
    residual = unlinked.localCheckpoint()
    prob = settings.probabilistic
    if prob.unknown_if_shared:
        own = matches.filter("id_refuted").select("record_id")  # another member's ID on the record: its name is its own
        residual = with_shared_values_unknown(residual, records, prob.distinct_within, prob.unknown_if_shared, own).localCheckpoint()
    spine = records.filter(F.col("is_spine"))
    candidates = with_spine_candidates_only(residual.unionByName(spine), settings.probabilistic.blocking_rules)
    linkage_input = with_name_scripts(candidates, settings)
    counts = {r.is_spine: r["count"] for r in linkage_input.groupBy("is_spine").count().collect()}
    left = counts.get(False, 0)
    total = sum(rows for name, rows in job_run.rows_read.items() if name.startswith(f"{database}."))  # Delta's own counts
    job_run.timed("pid pass and blocking", time.monotonic() - started)
    say(
        f"link: {total:,} records, {by_pid.count():,} linked by ID, {left:,} left for Splink "
        f"with the {counts.get(True, 0):,} spine records they share a blocking key with "
        f"({job_run.phase_seconds['pid pass and blocking']:.1f} s)"
    )

    started = time.monotonic()
    pairs = score_pairs(spark, linkage_input, left, settings, run_dir, job_run) if left else empty_pairs(spark)
    shutil.rmtree(run_dir / CHECKPOINTS, ignore_errors=True)
    threshold = settings.probabilistic.threshold_match_probability
    pairs = pairs.withColumns({"accepted": F.col("match_probability") >= threshold, "run_id": F.lit(job_run.run_id)})
    job_run.wrote(
        f"{output}.link_pairs",
        save_table(
            pairs,
            f"{output}.link_pairs",
            PAIRS_COMMENTS,
            table_comment="Scored candidate pairs of the latest link run, with Splink waterfall data",
        ),
    )
    job_run.timed("scoring", time.monotonic() - started - job_run.phase_seconds.get("training", 0.0))
    say(
        f"link: {job_run.rows_written[f'{output}.link_pairs']:,} pairs scored on Spark and saved in {job_run.phase_seconds['scoring']:.1f} s"
    )

    accepted = spark.table(f"{output}.link_pairs").filter("accepted")
    scored = linkage_input.filter(~F.col("is_spine")).select("record_id", "source")
    margin = settings.probabilistic.review_margin
    agrees_on = settings.probabilistic.id_conflict_agrees_on
    choice = spine_choice(
        accepted,
        scored,
        settings.spine,
        margin,
        agrees_on,
        keep=_checkpointed,
        id_refuted_by=settings.probabilistic.id_conflict_refuted_by,
        **household_exclusion(settings, linkage_input, by_pid),
    )
    review = review_rows(choice.candidates, choice.ambiguous).withColumn("run_id", F.lit(job_run.run_id))
    reviewed = save_table(
        review,
        REVIEW_TABLE,
        REVIEW_COMMENTS,
        table_comment="Records of the latest link run left for clerical review, with their two registry candidates",
    )
    job_run.wrote(REVIEW_TABLE, reviewed)
    say(
        f"link: {reviewed // 2:,} records left for clerical review in {REVIEW_TABLE} (two spine candidates within {margin} "
        "match weight, or one named by the record's ID and a better one by its other fields)"
    )
    xref = (
        assign_persons(
            spine.select("record_id", "source"),
            by_pid,
            scored,
            choice,
            keep=_checkpointed,
        )
        .drop("anchor_record_id")
        .withColumn("run_id", F.lit(job_run.run_id))
    )
    previous = pinned_xref(spark, f"{output}.person_xref", job_run)
    job_run.wrote(
        f"{output}.person_xref",
        save_table(
            xref, f"{output}.person_xref", XREF_COMMENTS, table_comment="Every silver person record -> person_id, with how it was matched"
        ),
    )
    if previous is not None:
        record_person_changes(previous, spark.table(f"{output}.person_xref"), f"{output}.person_changes", job_run)
    shutil.rmtree(run_dir / CHECKPOINTS, ignore_errors=True)  # the clustering's rounds, read by the save above

    if settings.golden_record:
        # The few records without a registry anchor are read twice; each read would otherwise scan every source table.
        persons = golden_persons(spark.table(f"{output}.person_xref"), records, settings.spine, settings.sources, keep=_checkpointed)
        job_run.wrote(
            f"{output}.person",
            save_table(
                persons.select(*PERSON_COMMENTS),
                f"{output}.person",
                PERSON_COMMENTS,
                table_comment="One row per person with the golden record (registry first, then agreement and recency)",
            ),
        )
    say(f"link: model saved to {run_dir / MODEL_FILE}")
