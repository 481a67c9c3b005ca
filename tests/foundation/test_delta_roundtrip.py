"""Delta through the project's session factory: MERGE, time travel, history, CHECK constraints."""

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T


def _people(spark, rows):
    schema = T.StructType([T.StructField("pid", T.StringType()), T.StructField("age", T.IntegerType())])
    return spark.createDataFrame(rows, schema)


def test_merge_time_travel_and_history(spark):
    spark.sql("DROP TABLE IF EXISTS ops.roundtrip")
    _people(spark, [("1", 30), ("2", 40)]).write.format("delta").saveAsTable("ops.roundtrip")
    _people(spark, [("2", 41), ("3", 50)]).createOrReplaceTempView("updates")
    spark.sql(
        """
        MERGE INTO ops.roundtrip t USING updates u ON t.pid = u.pid
        WHEN MATCHED THEN UPDATE SET age = u.age
        WHEN NOT MATCHED THEN INSERT *
        """
    )

    assert_df_equality(
        spark.table("ops.roundtrip"),
        _people(spark, [("1", 30), ("2", 41), ("3", 50)]),
        ignore_row_order=True,
        ignore_nullable=True,
    )
    assert_df_equality(
        spark.sql("SELECT * FROM ops.roundtrip VERSION AS OF 0"),
        _people(spark, [("1", 30), ("2", 40)]),
        ignore_row_order=True,
        ignore_nullable=True,
    )
    operations = [r.operation for r in spark.sql("DESCRIBE HISTORY ops.roundtrip").orderBy("version").collect()]
    assert operations == ["CREATE TABLE AS SELECT", "MERGE"]


def test_check_constraint_rejects_bad_write(spark):
    spark.sql("DROP TABLE IF EXISTS ops.constrained")
    _people(spark, [("1", 30)]).write.format("delta").saveAsTable("ops.constrained")
    spark.sql("ALTER TABLE ops.constrained ADD CONSTRAINT age_not_negative CHECK (age >= 0)")

    with pytest.raises(Exception, match="(?i)check constraint|CHECK_CONSTRAINT|violate"):
        _people(spark, [("2", -1)]).write.format("delta").mode("append").saveAsTable("ops.constrained")

    assert [r.pid for r in spark.table("ops.constrained").collect()] == ["1"]


def test_session_has_delta_and_hive_catalog(spark, lakehouse_root):
    assert spark.conf.get("spark.sql.catalogImplementation") == "hive"
    assert "DeltaSparkSessionExtension" in spark.conf.get("spark.sql.extensions")
    assert str(lakehouse_root) in spark.conf.get("spark.sql.warehouse.dir")
    assert {db.name for db in spark.catalog.listDatabases()} >= {"bronze", "silver", "gold", "ops", "ref"}


def _default_location(spark, table: str):
    from pathlib import Path
    from urllib.parse import urlparse

    database, name = table.split(".")
    return Path(urlparse(spark.catalog.getDatabase(database).locationUri).path) / name


def test_a_create_killed_before_its_commit_leaves_nothing_in_the_way(spark):
    from jobs.tables import save_table

    spark.sql("DROP TABLE IF EXISTS ops.killed_create")
    location = _default_location(spark, "ops.killed_create")
    location.mkdir(parents=True)
    (location / "part-00000-uncommitted.snappy.parquet").write_bytes(b"PAR1 half a file")
    (location / "_delta_log" / "_staged_commits").mkdir(parents=True)  # what a kill before the first commit leaves

    written = save_table(_people(spark, [("1", 30)]), "ops.killed_create", {"pid": "an id", "age": "an age"})

    assert written == 1
    assert_df_equality(spark.table("ops.killed_create"), _people(spark, [("1", 30)]), ignore_nullable=True, ignore_metadata=True)
    assert not (location / "part-00000-uncommitted.snappy.parquet").exists()


def test_a_committed_table_missing_from_the_catalog_is_registered_not_deleted(spark):
    from jobs.tables import save_table

    spark.sql("DROP TABLE IF EXISTS ops.lost_entry")
    location = _default_location(spark, "ops.lost_entry")
    _people(spark, [("1", 30)]).write.format("delta").save(str(location))  # committed; no catalog entry

    save_table(_people(spark, [("2", 40)]), "ops.lost_entry", {"pid": "an id", "age": "an age"}, mode="append")

    assert_df_equality(
        spark.table("ops.lost_entry"),
        _people(spark, [("1", 30), ("2", 40)]),
        ignore_row_order=True,
        ignore_nullable=True,
        ignore_metadata=True,
    )


def test_a_round_replaced_keeps_the_others_and_gains_new_columns(spark):
    """jobs.tables.save_round: one survey round's rows replaced (again, and with a new column), the other
    rounds' untouched; a table written before rows carried their round is replaced whole."""
    from jobs.tables import save_round, save_table

    comments = {"survey_round": "round", "hh": "household", "poor": "poor", "extra": "a new column"}
    table = "ops.rounds_probe"
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    save_table(spark.createDataFrame([("h0",)], "hh string"), table, comments)  # before rounds
    assert (
        save_round(spark.createDataFrame([("2561", "h1", True)], "survey_round string, hh string, poor boolean"), table, comments, 2561)
        == 1
    )
    save_round(
        spark.createDataFrame([("2562", "h1", False), ("2562", "h2", True)], "survey_round string, hh string, poor boolean"),
        table,
        comments,
        2562,
    )
    newer = spark.createDataFrame([("2562", "h1", True, 7)], "survey_round string, hh string, poor boolean, extra int")
    assert save_round(newer, table, comments, 2562) == 1
    expected = spark.createDataFrame(
        [("2561", "h1", True, None), ("2562", "h1", True, 7)], "survey_round string, hh string, poor boolean, extra int"
    )
    assert_df_equality(spark.table(table), expected, ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)
    spark.sql(f"DROP TABLE {table}")


def test_an_empty_append_reports_no_rows_written(spark):
    """Delta commits nothing for an empty append, so the table's last commit is the write before it: the
    rows it wrote must not be reported again (a link run with no person changes said 23)."""
    from jobs.tables import save_table

    comments = {"pid": "an id", "age": "an age"}
    assert save_table(_people(spark, [("1", 30), ("2", 40)]), "ops.appended_twice", comments, mode="append") == 2
    assert save_table(_people(spark, [("3", 50)]).limit(0), "ops.appended_twice", comments, mode="append") == 0
    assert save_table(_people(spark, [("4", 60)]), "ops.appended_twice", comments, mode="append") == 1
    assert spark.table("ops.appended_twice").count() == 3
