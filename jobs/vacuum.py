"""Job `vacuum`: apply each layer's Delta retention (conf/<env>.yaml `retention`) and remove old files.

    python -m jobs vacuum                      # every table of bronze, silver, gold, public, ops, ref
    python -m jobs vacuum --layer bronze --layer silver
    python -m jobs vacuum --retain-hours 0     # remove every file no longer in a table now (tests, after an erasure)
    python -m jobs vacuum --full               # also files no commit referenced (slower: lists every folder)

Per table it sets delta.logRetentionDuration and delta.deletedFileRetentionDuration from the layer's
log_days and deleted_file_days, turns off min/max statistics in the log (they would copy IDs and names
into log files), then runs VACUUM: files no longer part of the table and older than the deleted-file
retention are deleted. That is when an erased person's rows leave the disk. Delta itself drops log
entries older than log_days when it writes a checkpoint.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession

from jobs.config import AppConfig, LayerRetention
from jobs.console import say
from jobs.options import JobOptions
from jobs.publication import has_hidden_commits, load_publication
from jobs.runs import JobRun

DESCRIPTION = "Apply each layer's Delta retention and VACUUM old files (after an erasure: the erased rows leave the disk)"
LAYERS = ("bronze", "silver", "gold", "public", "ops", "ref")
DELTA_SAFETY_HOURS = 168  # Delta refuses a shorter VACUUM retention unless its check is switched off


class Options(JobOptions):
    layer: list[Literal[LAYERS]] | None = Field(default=None, description="layer (database) to vacuum; repeatable (default: all)")
    retain_hours: float | None = Field(
        default=None, description="keep files removed from tables for this many hours instead of the layer's deleted_file_days"
    )
    full: bool = Field(default=False, description="list every table folder (also removes files no commit referenced); slower")


def validate(args: Options) -> Options:
    if args.retain_hours is not None and args.retain_hours < 0:
        raise ValueError("--retain-hours must be 0 or more")
    return args


def table_properties(log_days: int, deleted_file_days: int) -> dict[str, str]:
    return {
        "delta.logRetentionDuration": f"interval {log_days} days",
        "delta.deletedFileRetentionDuration": f"interval {deleted_file_days} days",
        "delta.dataSkippingNumIndexedCols": "0",
    }


def delta_tables(spark: SparkSession, database: str) -> list[str]:
    if not spark.catalog.databaseExists(database):
        return []
    names = [f"{database}.{t.name}" for t in spark.catalog.listTables(database) if not t.isTemporary and t.tableType != "VIEW"]
    return [n for n in names if spark.sql(f"DESCRIBE DETAIL {n}").first()["format"] == "delta"]


def apply_retention(spark: SparkSession, table: str, log_days: int, deleted_file_days: int) -> None:
    settings = ", ".join(f"'{k}' = '{v}'" for k, v in table_properties(log_days, deleted_file_days).items())
    spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ({settings})")


def vacuum_table(spark: SparkSession, table: str, hours: float | None, full: bool = False) -> int:
    """VACUUM the table (with its own retention, or `hours`); the number of files deleted (from the
    VACUUM END entry Delta writes into the table's history).

    LITE (the default) deletes the files the log says were removed from the table, without listing the
    table's folder: seconds instead of a minute per table. FULL also deletes files no commit ever
    referenced (left by failed writes); LITE falls back to it when the log no longer covers the files.
    """
    retain = f" RETAIN {hours} HOURS" if hours is not None else ""
    if full:
        spark.sql(f"VACUUM {table} FULL{retain}")
    else:
        try:
            spark.sql(f"VACUUM {table} LITE{retain}")
        except AnalysisException:
            spark.sql(f"VACUUM {table} FULL{retain}")
    last = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()
    return int((last["operationMetrics"] or {}).get("numDeletedFiles", 0)) if last["operation"] == "VACUUM END" else 0


def vacuum_database(
    spark: SparkSession, database: str, retention: LayerRetention, hours: float | None = None, full: bool = False
) -> dict[str, int]:
    """Retention properties on every Delta table of the database, then VACUUM; {table: files deleted}."""
    settings = {
        "spark.databricks.delta.vacuum.logging.enabled": "true",
        # Asked for explicitly: a shorter retention than Delta's safety default is allowed for this run.
        "spark.databricks.delta.retentionDurationCheck.enabled": "false" if hours is not None and hours < DELTA_SAFETY_HOURS else "true",
    }
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    publication = load_publication(spark)
    try:
        deleted = {}
        for table in delta_tables(spark, database):
            if has_hidden_commits(spark, table, publication):
                # Readers take an older version (a killed or failed run's commits are hidden): its files stay.
                say(f"vacuum: {table} skipped: a run that did not finish wrote to it; run that stage again first")
                continue
            apply_retention(spark, table, retention.log_days, retention.deleted_file_days)
            deleted[table] = vacuum_table(spark, table, hours, full)
        return deleted
    finally:
        for key, value in before.items():
            spark.conf.unset(key) if value is None else spark.conf.set(key, value)


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    for layer in args.layer or LAYERS:
        deleted = vacuum_database(spark, layer, config.retention.of(layer), args.retain_hours, args.full)
        for table, files in deleted.items():
            job_run.wrote(f"{table} (files deleted)", files)
