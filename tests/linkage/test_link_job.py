"""The link job end to end on a tiny hand-made silver world (Splink on Spark), explain-link, evaluation."""

from __future__ import annotations

import pytest

from tests.linkage.conftest import SILVER_SCHEMA, small_world
from transforms.linkage.evaluation import labelled_pairs, pairwise_quality
from transforms.linkage.settings import load_linkage_settings

DB = "linktest"


@pytest.fixture(scope="module")
def linked(spark, config):
    from jobs import link
    from jobs.runs import JobRun

    tables, truth = small_world()
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {DB}")
    for source in load_linkage_settings().sources:
        rows = tables.get(source, [])
        df = spark.createDataFrame([tuple(r[c] for c in SILVER_SCHEMA.fieldNames()) for r in rows], SILVER_SCHEMA)
        df.write.format("delta").mode("overwrite").saveAsTable(f"{DB}.{source}")
    job_run = JobRun("link", {})
    link.run(spark, config, link.Options(silver_db=DB), job_run)
    truth_df = spark.createDataFrame([(k, str(v)) for k, v in truth.items()], "record_id string, person_id string")
    return job_run, truth, truth_df


def test_every_record_gets_one_person(spark, linked):
    job_run, truth, _ = linked
    xref = spark.table(f"{DB}.person_xref")
    assert xref.count() == len(truth)
    assert xref.select("record_id").distinct().count() == len(truth)
    methods = {r.match_method for r in xref.select("match_method").distinct().collect()}
    assert methods <= {"pid", "probabilistic", "new_person"} and "probabilistic" in methods
    registry = spark.table(f"{DB}.dopa_registry").count()
    assert spark.table(f"{DB}.person").count() >= registry


def test_f1_against_truth(spark, linked):
    _, _, truth_df = linked
    quality = pairwise_quality(labelled_pairs(spark.table(f"{DB}.person_xref"), truth_df))
    overall = {r.metric: r.value for r in quality.filter("scope = 'overall'").collect()}
    assert overall["f1"] >= 0.95, overall


def test_model_saved_and_explain(spark, config, linked):
    from pathlib import Path

    from jobs.explain_link import explanation
    from jobs.link import MODEL_FILE

    job_run, _, _ = linked
    assert (Path(config.paths.resolved("runs")) / job_run.run_id / MODEL_FILE).exists()
    probabilistic = spark.table(f"{DB}.person_xref").filter("match_method = 'probabilistic'").first()
    lines = explanation(spark, probabilistic.record_id, DB)
    assert lines[0].startswith(f"record {probabilistic.record_id} -> person {probabilistic.person_id} by probabilistic")
    assert any("(accepted)" in line for line in lines)
    assert any(line.strip().startswith("birth_date") for line in lines)
