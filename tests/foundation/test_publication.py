"""A stage's tables are seen together: readers take each table as complete runs left it (jobs/publication.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest
from chispa import assert_df_equality

from jobs import vacuum
from jobs.config import PROJECT_ROOT
from jobs.publication import (
    NoCompleteVersion,
    commit_run_id,
    load_publication,
    publication_of,
    read_published,
    readable_version,
)
from jobs.runs import recorded_run
from jobs.tables import save_table

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import duckdb_query

DB = "pubtest"
COMMENTS = {"id": "row id", "made_by": "which write made the row"}


def test_the_run_of_a_commit_is_its_user_metadata_or_an_ingest_batch_id():
    assert commit_run_id("6d1f-run") == "6d1f-run"
    assert commit_run_id(json.dumps({"tpmap_ingest": 1, "batch_id": "run-7", "files": []})) == "run-7"
    assert commit_run_id(None) is None
    assert commit_run_id("{not json") is None


def test_readers_stop_before_the_first_commit_of_an_unfinished_run():
    unfinished = frozenset({"killed"})
    assert readable_version([(4, "ok"), (5, None)], unfinished) is None  # latest
    assert readable_version([(4, "ok"), (5, "killed"), (6, "ok")], unfinished) == 4  # what follows was built on it
    assert readable_version([(0, "killed")], unfinished) == -1  # created by the killed run
    assert readable_version([], unfinished) is None
    assert readable_version([(4, "killed"), (5, "me")], unfinished, own=frozenset({"me"})) is None  # a run sees its own writes


def test_later_publications_win_and_own_and_erase_runs_are_never_hidden():
    runs = [
        ("a", "link", "succeeded", {"silver.person": 3, "silver.link_pairs": 7}, 1),
        ("b", "link", "succeeded", {"silver.person": 5}, 2),
        ("c", "link", "abandoned", None, None),
        ("d", "erase", "failed", None, 3),
        ("e", "indicators", "running", None, None),
        ("f", "link", "failed", None, 4),
    ]
    publication = publication_of(runs, own_run_ids=("e",))
    assert publication.versions == {"silver.person": 5, "silver.link_pairs": 7}
    assert publication.unfinished == frozenset({"c", "f"})


def _write(spark, table: str, made_by: str, rows: int) -> None:
    save_table(spark.createDataFrame([(i, made_by) for i in range(rows)], "id long, made_by string"), table, COMMENTS)


def _rows(spark, made_by: str, rows: int):
    return spark.createDataFrame([(i, made_by) for i in range(rows)], "id long, made_by string")


@pytest.fixture()
def two_tables(spark):
    spark.sql(f"DROP DATABASE IF EXISTS {DB} CASCADE")
    spark.sql(f"CREATE DATABASE {DB}")
    with recorded_run(spark, "unit-stage", {}) as first:
        for table in ("first_table", "second_table"):
            _write(spark, f"{DB}.{table}", "complete", 3)
            first.wrote(f"{DB}.{table}", 3)
    yield
    spark.sql(f"DROP DATABASE IF EXISTS {DB} CASCADE")


def _same(actual, made_by: str, rows: int) -> None:
    assert_df_equality(actual, _rows(actual.sparkSession, made_by, rows), ignore_row_order=True, ignore_metadata=True)


def _duckdb_rows(config, table: str) -> list[tuple]:
    con = duckdb_query.connect(Path(config.paths.resolved("warehouse")), (DB,))
    return con.sql(f"SELECT id, made_by FROM {table} ORDER BY id").fetchall()


def test_a_stage_that_fails_half_way_is_not_seen_and_its_rerun_is_seen_whole(spark, config, two_tables):
    with pytest.raises(RuntimeError):
        with recorded_run(spark, "unit-stage", {}) as failed:
            _write(spark, f"{DB}.first_table", "failed run", 5)
            _write(spark, f"{DB}.new_table", "failed run", 1)
            failed.wrote(f"{DB}.first_table", 5)
            raise RuntimeError("killed before the stage's second table")
    assert spark.table(f"{DB}.first_table").count() == 5  # the half-written table as Delta has it
    # The run records are read as they are: the failure's own record is not hidden as the failed run's commit.
    assert spark.sql("DESCRIBE HISTORY ops.job_runs LIMIT 3").where(f"userMetadata = '{failed.run_id}'").count() == 0
    records = duckdb_query.connect(Path(config.paths.resolved("warehouse")), ("ops",))
    assert records.sql(f"SELECT status FROM ops.job_runs WHERE run_id = '{failed.run_id}'").fetchall() == [("failed",)]
    publication = load_publication(spark)
    for table in ("first_table", "second_table"):
        _same(read_published(spark, f"{DB}.{table}", publication), "complete", 3)
        assert _duckdb_rows(config, f"{DB}.{table}") == [(0, "complete"), (1, "complete"), (2, "complete")]
    with pytest.raises(NoCompleteVersion, match=f"{DB}.new_table has no complete version"):
        read_published(spark, f"{DB}.new_table", publication)  # only the failed run wrote it
    with pytest.raises(duckdb.CatalogException):
        duckdb_query.connect(Path(config.paths.resolved("warehouse")), (DB,)).sql(f"SELECT * FROM {DB}.new_table")

    vacuumed = vacuum.vacuum_database(spark, DB, config.retention.of("silver"), hours=0)
    assert set(vacuumed) == {f"{DB}.second_table"}  # the files readers still read are kept
    _same(read_published(spark, f"{DB}.first_table", load_publication(spark)), "complete", 3)

    with recorded_run(spark, "unit-stage", {}) as rerun:
        for table in ("first_table", "second_table"):
            _write(spark, f"{DB}.{table}", "rerun", 4)
            rerun.wrote(f"{DB}.{table}", 4)
            if table == "first_table":  # half-way through the re-run: only the re-run itself sees its writes
                _same(read_published(spark, f"{DB}.first_table", load_publication(spark)), "complete", 3)
                _same(read_published(spark, f"{DB}.first_table", load_publication(spark, rerun.own_run_ids)), "rerun", 4)
    published = spark.table("ops.job_runs").where(f"run_id = '{rerun.run_id}'").first().published
    assert set(published) == {f"{DB}.first_table", f"{DB}.second_table"}
    publication = load_publication(spark)
    for table in ("first_table", "second_table"):
        _same(read_published(spark, f"{DB}.{table}", publication), "rerun", 4)


def test_indicators_discards_what_an_unfinished_run_wrote_before_replacing_a_round(spark, two_tables):
    """A killed run's round rows would be published by the next run's replaceWhere of another round: the
    indicators job restores each table to its complete version first (a table only that run wrote is dropped)."""
    from jobs.indicators import discard_unfinished

    with pytest.raises(RuntimeError):
        with recorded_run(spark, "unit-stage", {}):
            _write(spark, f"{DB}.first_table", "failed run", 5)
            _write(spark, f"{DB}.new_table", "failed run", 1)
            raise RuntimeError("killed")
    with recorded_run(spark, "indicators", {}) as rerun:
        tables = [f"{DB}.{t}" for t in ("first_table", "second_table", "new_table", "absent_table")]
        discard_unfinished(spark, tables, load_publication(spark, rerun.own_run_ids))
    _same(spark.table(f"{DB}.first_table"), "complete", 3)
    _same(spark.table(f"{DB}.second_table"), "complete", 3)
    assert not spark.catalog.tableExists(f"{DB}.new_table")
