"""Erasure reaches every survey round in gold: the indicators run after an erasure recomputes the latest
round only, so the earlier rounds' person rows are deleted by key (jobs/erase_tables.erase_gold_rounds)."""

from __future__ import annotations

from chispa import assert_df_equality

from jobs.erase_tables import erase_gold_rounds
from jobs.tables import save_table
from udfs.pseudonym import hmac_sha256

SECRET = "test-secret"
DB = "erase_rounds_gold"


def _keyed(spark, rows, schema):
    df = spark.createDataFrame(rows, schema)
    return df.select(hmac_sha256("person_id", SECRET).alias("person_key"), *[c for c in df.columns if c != "person_id"])


def test_every_rounds_rows_of_the_person_are_deleted(spark):
    spark.sql(f"DROP DATABASE IF EXISTS {DB} CASCADE")
    spark.sql(f"CREATE DATABASE {DB}")
    rows = [("P1", "2561", "h1"), ("P2", "2561", "h1"), ("P1", "2562", "h9"), ("P2", "2562", "h1")]
    comments = {"person_key": "key", "survey_round": "round", "hh_id": "household"}
    save_table(_keyed(spark, rows, "person_id string, survey_round string, hh_id string"), f"{DB}.person_poverty", comments)
    areas = spark.createDataFrame([("2561", "TH", 2)], "survey_round string, area_code string, persons int")
    save_table(areas, f"{DB}.area_indicators", {"survey_round": "round", "area_code": "area", "persons": "persons"})
    removed: dict[str, int] = {}
    erase_gold_rounds(spark, DB, spark.createDataFrame([("P1",)], "person_id string"), SECRET, removed)
    expected = _keyed(spark, [("P2", "2561", "h1"), ("P2", "2562", "h1")], "person_id string, survey_round string, hh_id string")
    assert_df_equality(spark.table(f"{DB}.person_poverty"), expected, ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)
    assert removed == {f"{DB}.person_poverty": 2}
    assert spark.table(f"{DB}.area_indicators").count() == 1  # no person key: untouched
    spark.sql(f"DROP DATABASE {DB} CASCADE")
