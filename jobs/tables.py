"""Catalog and Delta table I/O shared by the jobs: databases, documented tables, writes with counts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.publication import latest_versions

DATABASES = {
    "bronze": "Agency deliveries exactly as sent, plus where each row came from",
    "silver": "Standardised records per source, linked persons",
    "gold": "TPMAP indicators, poverty and welfare coverage per person, household and area (officials only: no direct identifiers, but person grain)",
    "ops": "What ran: job runs, ingested files, data quality, linkage quality",
    "ref": "Reference data: administrative areas and the published TPMAP 2561 figures",
}


class UndocumentedColumnError(ValueError):
    """A table would be written with a column that has no comment."""


def ensure_databases(spark: SparkSession) -> None:
    for name, comment in DATABASES.items():
        if not spark.catalog.databaseExists(name):
            spark.sql(f"CREATE DATABASE IF NOT EXISTS {name} COMMENT '{_sql_string(comment)}'")


def table_exists(spark: SparkSession, table: str) -> bool:
    return spark.catalog.tableExists(table)


def with_comments(df: DataFrame, comments: Mapping[str, str], table: str) -> DataFrame:
    """Attach a comment to every column; refuse a column without one so every table explains itself."""
    missing = [c for c in df.columns if not comments.get(c)]
    if missing:
        raise UndocumentedColumnError(f"{table}: no comment for column(s) {', '.join(missing)}")
    # One projection: chaining withMetadata per column grows the plan quadratically (minutes on wide tables).
    return df.select([F.col(c).alias(c, metadata={"comment": comments[c]}) for c in df.columns])


def save_table(
    df: DataFrame,
    table: str,
    comments: Mapping[str, str],
    mode: str = "overwrite",
    table_comment: str | None = None,
) -> int:
    """Write a documented Delta table (overwrite or append) and return the number of rows written.

    A new table is created with its comment as a property of the CREATE (one commit; a separate COMMENT ON
    TABLE doubled the cost of a small write). An existing one is overwritten in place, which keeps its Delta
    table id and history (CREATE OR REPLACE would give it a new id, and the metastore would log an error).
    """
    if mode not in ("overwrite", "append"):
        raise ValueError(f"mode must be overwrite or append, not {mode!r}")
    spark = df.sparkSession
    documented = with_comments(df, comments, table)
    if not (table_exists(spark, table) or recover_location(spark, table)):
        creator = documented.writeTo(table).using("delta")
        if table_comment:
            creator = creator.tableProperty("comment", table_comment)
        creator.create()
    elif mode == "append":
        before = latest_versions(spark, [table])[table]  # from the log folder: no Spark job
        append_rows(df, table, comments)
        if _last_commit(spark, table).version == before:
            return 0  # Delta commits nothing for an empty append: the last commit is another write's
    else:
        # To the table's folder: a WRITE commit, not the CREATE OR REPLACE a catalog overwrite becomes.
        documented.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(table_location(spark, table))
    return last_write_rows(spark, table)


ROUND_COLUMN = "survey_round"


def save_round(df: DataFrame, table: str, comments: Mapping[str, str], survey_round: int, table_comment: str | None = None) -> int:
    """Replace one survey round's rows of a documented Delta table keyed by survey_round, keeping the other
    rounds' (one commit: Delta's replaceWhere); the rows written. A new table, or one written before its
    rows carried their round (it held one round), is written whole."""
    spark = df.sparkSession
    if not (table_exists(spark, table) or recover_location(spark, table)) or ROUND_COLUMN not in spark.table(table).columns:
        return save_table(df, table, comments, table_comment=table_comment)
    (
        with_comments(df, comments, table)
        .write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"{ROUND_COLUMN} = '{int(survey_round)}'")
        .option("mergeSchema", "true")  # a catalogue with a new indicator adds its columns
        .save(table_location(spark, table))
    )
    return last_write_rows(spark, table)


def append_rows(df: DataFrame, table: str, comments: Mapping[str, str], options: Mapping[str, str] | None = None) -> None:
    """Append documented rows to a Delta table (created on first use); `options` are Delta writer options
    (e.g. txnAppId and userMetadata for an idempotent batch, mergeSchema for a table gaining a column)."""
    with_comments(df, comments, table).write.format("delta").mode("append").options(**(options or {})).saveAsTable(table)


def recover_location(spark: SparkSession, table: str) -> bool:
    """Before creating `table`: what a killed run left at its default location. Files with no Delta commit
    were never committed (the run died inside its CREATE): they belong to no table, and Delta refuses to
    create one over them, so they are removed. A folder with a Delta log is a committed table whose catalog
    entry was not written: it is registered, never deleted (True: the table exists now)."""
    database, name = table.split(".")
    uri = urlparse(spark.catalog.getDatabase(database).locationUri)
    if uri.scheme not in ("", "file"):
        return False  # a cluster's object store: left to Delta's own error
    location = Path(uri.path) / name
    if _has_commit(location):
        spark.sql(f"CREATE TABLE {table} USING delta LOCATION '{_sql_string(str(location))}'")
        return True
    if location.exists():
        shutil.rmtree(location)
    return False


def _has_commit(location: Path) -> bool:
    """A Delta table has at least one commit (a killed CREATE can leave an empty _delta_log folder)."""
    log = location / "_delta_log"
    return log.is_dir() and any(p.suffix == ".json" and p.stem.isdigit() or ".checkpoint" in p.name for p in log.iterdir())


def table_location(spark: SparkSession, table: str) -> str:
    return spark.sql(f"DESCRIBE DETAIL {table}").first().location


def _last_commit(spark: SparkSession, table: str):
    return spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").select("version", "operationMetrics").first()


def last_write_rows(spark: SparkSession, table: str) -> int:
    """Rows written by the latest commit to a Delta table, from its history (no re-scan of the data)."""
    metrics = _last_commit(spark, table).operationMetrics or {}
    for key in ("numOutputRows", "numTargetRowsInserted"):
        if key in metrics:
            return int(metrics[key])
    return 0


def column_comments(spark: SparkSession, table: str) -> dict[str, str | None]:
    return {f.name: f.metadata.get("comment") for f in spark.table(table).schema.fields}


def _sql_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


# Databases whose files anyone may read: the disclosure-controlled tables and the published reference data.
SHARED_DATABASES = ("public", "ref")


def _local(path: str) -> Path | None:
    return None if "://" in path and not path.startswith("file:") else Path(path.removeprefix("file:"))


def secure_lakehouse(config) -> None:
    """Private by default: what this process writes is its owner's only (umask 077), and every lakehouse
    folder is closed to other users except the shared databases (public, ref). Local paths only: on HDFS
    the same comes from fs.permissions.umask-mode (conf), on an object store from bucket policies."""
    os.umask(0o077)
    for name in ("root", "warehouse"):
        folder = _local(config.paths.resolved(name))
        if folder is not None and folder.is_dir():
            folder.chmod(0o711)  # others may pass through (to public.db, ref.db) but not list
    for name in ("landing", "truth", "runs", "metastore"):
        folder = _local(config.paths.resolved(name))
        if folder is not None and folder.is_dir():
            folder.chmod(0o700)
    warehouse = _local(config.paths.resolved("warehouse"))
    if warehouse is not None and warehouse.is_dir():
        for database in warehouse.glob("*.db"):
            if database.name.removesuffix(".db") in SHARED_DATABASES:
                share_folder(database)
            else:
                database.chmod(0o700)


def share_folder(folder: Path) -> None:
    """Folders 0755 and files 0644 below `folder`: readable by every user (for public and ref only)."""
    folder.chmod(0o755)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            (Path(root) / name).chmod(0o755)
        for name in files:
            (Path(root) / name).chmod(0o644)


def share_database(spark: SparkSession, database: str) -> None:
    """After writing a shared database: make its files readable by every user (the umask made them private)."""
    warehouse = _local(spark.conf.get("spark.sql.warehouse.dir"))
    folder = warehouse / f"{database}.db" if warehouse is not None else None
    if folder is not None and folder.is_dir():
        share_folder(folder)
