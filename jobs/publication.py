"""What readers see: every table as complete runs left it, never half of a stage.

Delta commits one table at a time, so a stage that writes several tables (ingest: bronze.<source> and
bronze.quarantine; standardize: the silver tables; link: link_pairs, person_xref, person; indicators: every
gold and public table) would be seen half-done while it runs, and half-done for good if it is killed. Two
records make a run's tables one unit:

- every commit a recorded run makes carries the run's id in Delta's commitInfo.userMetadata (ingest's batch
  commits carry it as their batch_id);
- a run that succeeds records, in the one commit that marks it succeeded, the version of every table it
  wrote (ops.job_runs.published): its publication.

A reader takes a table at its latest version, unless a commit after the table's last published version was
made by a run that has not succeeded (running, failed or abandoned): then at the version before that
commit, which is what the last complete run left. The jobs read their inputs this way, and so does
scripts/duckdb_query.py. Erase runs count as complete from their first commit: an erasure is never hidden.
A run that finishes another's work (ingest completing a killed run's batch) publishes the table, so the
adopted commit becomes visible with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:  # scripts/duckdb_query.py uses this module without Spark
    from pyspark.sql import DataFrame, SparkSession

# Delta's session setting whose value every commit's commitInfo.userMetadata carries.
COMMIT_RUN_SETTING = "spark.databricks.delta.commitInfo.userMetadata"
UNFINISHED = ("running", "failed", "abandoned")
RUN_RECORDS = "ops.job_runs"  # read as it is: it records the runs, unfinished ones included
NEVER_HIDDEN_JOBS = ("erase",)  # an erasure's deletions are never hidden behind older versions


class NoCompleteVersion(RuntimeError):
    """Every commit of a table was made by runs that did not finish: there is nothing complete to read."""


@dataclass(frozen=True)
class Publication:
    """Each table's last published version, the runs whose commits readers skip, and the reader's own runs."""

    versions: dict[str, int]
    unfinished: frozenset[str]
    own: frozenset[str] = frozenset()


def commit_run_id(user_metadata: str | None) -> str | None:
    """The run that made a commit: userMetadata is the run id, or an ingest batch's JSON with its batch_id."""
    if not user_metadata:
        return None
    if user_metadata.startswith("{"):
        try:
            return json.loads(user_metadata).get("batch_id")
        except ValueError:
            return None
    return user_metadata


def readable_version(commits: list[tuple[int, str | None]], unfinished: frozenset[str], own: frozenset[str] = frozenset()) -> int | None:
    """The version a reader should take: None for the latest, else the version before the first of `commits`
    an unfinished run made (-1: the table has no complete version). `commits` are the table's (version,
    run id) after its published version (all of them when nothing is published), oldest first: whatever
    follows an unfinished commit was built on it, except by the reader's own run, which sees what it wrote."""
    if commits and commits[-1][1] in own:
        return None
    for version, run_id in commits:
        if run_id in unfinished:
            return version - 1
    return None


def log_folder(location: str) -> Path | None:
    """A Delta table's _delta_log on this machine, or None (an object store: read through Spark)."""
    uri = urlparse(location)
    if uri.scheme not in ("", "file"):
        return None
    log = Path(uri.path) / "_delta_log"
    return log if log.is_dir() else None


def commit_versions(log: Path) -> list[int]:
    return sorted(int(p.stem) for p in log.glob("*.json") if p.stem.isdigit())


def commits_after(log: Path, version: int) -> list[tuple[int, str | None]]:
    """(version, run id) of the table's commits after `version`, oldest first, from its log files."""
    out = []
    for number in (v for v in commit_versions(log) if v > version):
        run_id = None
        with (log / f"{number:020d}.json").open(encoding="utf-8") as commit:
            for line in commit:
                info = json.loads(line).get("commitInfo")
                if info is not None:
                    run_id = commit_run_id(info.get("userMetadata"))
                    break
        out.append((number, run_id))
    return out


def managed_location(spark: SparkSession, table: str) -> str:
    """Where a project table lives: its database's folder and its name (how the jobs create them)."""
    database, name = table.split(".")
    return f"{spark.catalog.getDatabase(database).locationUri.rstrip('/')}/{name}"


def latest_versions(spark: SparkSession, tables: Iterable[str]) -> dict[str, int]:
    """The latest version of each existing Delta table: from its log folder (no Spark job), else its history."""
    out = {}
    for table in sorted(set(tables)):
        if not spark.catalog.tableExists(table):
            continue
        log = log_folder(managed_location(spark, table))
        versions = commit_versions(log) if log is not None else []
        if versions:
            out[table] = versions[-1]
        else:
            out[table] = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first().version
    return out


def load_publication(spark: SparkSession, own_run_ids: Iterable[str] = ()) -> Publication:
    """From ops.job_runs: the latest published version of each table, and the unfinished runs (but the
    reader's own run and its parent, whose commits are the reader's own)."""
    if not spark.catalog.tableExists(RUN_RECORDS):
        return Publication({}, frozenset())
    runs = spark.sql(
        f"SELECT run_id, job, status, published, ended_at FROM {RUN_RECORDS} "
        f"WHERE status IN {UNFINISHED} OR (status = 'succeeded' AND published IS NOT NULL)"
    ).collect()
    return publication_of([(r.run_id, r.job, r.status, r.published, r.ended_at) for r in runs], own_run_ids)


def publication_of(runs: list[tuple], own_run_ids: Iterable[str] = ()) -> Publication:
    """Publication from (run_id, job, status, published map, ended_at) rows; later publications win."""
    versions: dict[str, int] = {}
    succeeded = sorted((r for r in runs if r[2] == "succeeded" and r[3]), key=lambda r: r[4])
    for _, _, _, published, _ in succeeded:
        versions.update({table: int(v) for table, v in dict(published).items()})
    own = set(own_run_ids)
    unfinished = frozenset(r[0] for r in runs if r[2] in UNFINISHED and r[1] not in NEVER_HIDDEN_JOBS and r[0] not in own)
    return Publication(versions, unfinished, frozenset(own))


def log_version(log: Path, table: str, publication: Publication) -> int | None:
    """The version of a table with a local log a reader takes (None: the latest; -1: none is complete)."""
    if not publication.unfinished or table == RUN_RECORDS:
        return None
    commits = commits_after(log, publication.versions.get(table, -1))
    return readable_version(commits, publication.unfinished, publication.own)


def folder_versions(folders: dict[str, Path], publication: Publication) -> dict[str, int]:
    """For tables read from their folders (DuckDB): {table: version} where a reader must not take the latest
    (-1: no complete version)."""
    versions = {table: log_version(folder / "_delta_log", table, publication) for table, folder in folders.items()}
    return {table: v for table, v in versions.items() if v is not None}


def version_to_read(spark: SparkSession, table: str, publication: Publication) -> int | None:
    """The version of `table` a reader takes (None: the latest); NoCompleteVersion when there is none."""
    if not publication.unfinished:
        return None
    log = log_folder(managed_location(spark, table))
    if log is not None:
        version = log_version(log, table, publication)
    else:  # an object store: the commits from the table's history
        published = publication.versions.get(table, -1)
        history = spark.sql(f"DESCRIBE HISTORY {table}").where(f"version > {published}").select("version", "userMetadata").collect()
        commits = sorted((r.version, commit_run_id(r.userMetadata)) for r in history)
        version = readable_version(commits, publication.unfinished, publication.own)
    if version is not None and version < 0:
        raise NoCompleteVersion(f"{table} has no complete version yet: the run that created it did not finish; run its stage again")
    return version


def has_hidden_commits(spark: SparkSession, table: str, publication: Publication) -> bool:
    """Whether readers take `table` at an older version than its latest (an unfinished run wrote to it)."""
    try:
        return version_to_read(spark, table, publication) is not None
    except NoCompleteVersion:
        return True


def read_published(spark: SparkSession, table: str, publication: Publication) -> DataFrame:
    """`table` as the last complete runs left it (see the module's description)."""
    version = version_to_read(spark, table, publication)
    if version is None:
        return spark.table(table)
    return spark.read.format("delta").option("versionAsOf", version).table(table)
