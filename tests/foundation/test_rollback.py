"""`python -m jobs rollback --run <run_id>`: the tables a run changed, back to their versions before it."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality

from jobs import rollback
from jobs.runs import recorded_run
from jobs.tables import save_table, table_exists

COMMENTS = {"pid": "an id", "age": "an age"}


def _people(spark, rows):
    return spark.createDataFrame(rows, "pid string, age int")


def _roll_back(spark, run_id: str) -> None:
    with recorded_run(spark, "rollback", {"run": run_id}) as job_run:  # as the command line records it
        rollback.run(spark, None, rollback.Options(run=run_id), job_run)


def _status(spark, run_id: str) -> str:
    return spark.table("ops.job_runs").where(f"run_id = '{run_id}'").first().status


@pytest.mark.slow  # four stages run then rolled back (31 s): in make test-slow, so CI
def test_runs_rolled_back_newest_first(spark):
    for table in ("silver.rb_people", "gold.rb_made"):
        spark.sql(f"DROP TABLE IF EXISTS {table}")
    with recorded_run(spark, "unit-first", {}) as first:
        save_table(_people(spark, [("1", 30)]), "silver.rb_people", COMMENTS)
    with recorded_run(spark, "unit-second", {}) as second:
        save_table(_people(spark, [("2", 40)]), "silver.rb_people", COMMENTS, mode="append")
        save_table(_people(spark, [("3", 50)]), "gold.rb_made", COMMENTS)

    with pytest.raises(RuntimeError, match=r"silver.rb_people changed after run .* roll back the later run first"):
        _roll_back(spark, first.run_id)
    assert spark.table("silver.rb_people").count() == 2  # refused: nothing changed

    _roll_back(spark, second.run_id)
    assert_df_equality(spark.table("silver.rb_people"), _people(spark, [("1", 30)]), ignore_nullable=True, ignore_metadata=True)
    assert not table_exists(spark, "gold.rb_made")  # created by the run: gone
    assert _status(spark, second.run_id) == "rolled_back"

    _roll_back(spark, first.run_id)  # the second run's commits and the rollback's no longer stand in the way
    assert not table_exists(spark, "silver.rb_people")
    with pytest.raises(ValueError, match="already rolled back"):
        _roll_back(spark, first.run_id)


def test_erase_and_unknown_runs_are_refused(spark):
    with recorded_run(spark, "erase", {}) as erased:
        assert _status(spark, erased.run_id) == "running"
    assert _status(spark, erased.run_id) == "succeeded"
    with pytest.raises(ValueError, match="erase runs are not undone"):
        _roll_back(spark, erased.run_id)
    with pytest.raises(ValueError, match="no run nope"):
        _roll_back(spark, "nope")
