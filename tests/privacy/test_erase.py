"""PDPA erasure end to end on a copy of the shared test world: after erase + vacuum the person's ID and
name are in no file of the copied warehouse folders (every Parquet file read, old versions included,
and every log file), the audit row holds only a keyed hash, and everyone else's results are unchanged."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from tests.privacy.scan import files_mentioning

pytestmark = pytest.mark.slow  # copies the world's bronze and silver, erases, recomputes gold, vacuums (~3-5 min)

COPY = {"bronze": "erase_bronze", "silver": "erase_silver", "gold": "erase_gold", "public": "erase_public"}


def _pick_subject(spark):
    """A registry person with a survey member record and other sources, whose name is unique (so the
    scan for the name means this person); a mother named in a child-grant record if there is one."""
    unique = spark.table("silver.person").groupBy("first_name", "last_name").count().where("count = 1").drop("count")
    mothers = spark.table("silver.dcy_child_grant").select(F.col("mother_pid").alias("pid")).distinct().withColumn("is_mother", F.lit(True))
    candidates = (
        spark.table("silver.person")
        .join(unique, ["first_name", "last_name"])
        .join(mothers, "pid", "left")
        .where(F.array_contains("sources", "cdd_bmn_member") & F.array_contains("sources", "mof_welfare") & F.col("pid").isNotNull())
        .orderBy(F.col("is_mother").desc_nulls_last(), F.size("sources").desc(), "pid")
    )
    return candidates.select("pid", "person_id", "first_name", "last_name", "is_mother").first()


def _warehouse(spark) -> Path:
    return Path(spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:"))


def _copied_folders(spark) -> list[Path]:
    warehouse = _warehouse(spark)
    return [warehouse / f"{db}.db" for db in COPY.values()] + [warehouse / "ops.db" / "erasures", warehouse / "ops.db" / "job_runs"]


def _mentions(spark, subject) -> dict:
    found = {}
    for folder in _copied_folders(spark):
        if folder.is_dir():
            found.update(
                {f"{folder.name}/{k}": v for k, v in files_mentioning(folder, subject.pid, subject.first_name, subject.last_name).items()}
            )
    return found


@pytest.fixture(scope="module")
def erased(spark, config, pipeline):
    pipeline("indicators")
    return erase_a_copy(spark, config)


def erase_a_copy(spark, config) -> dict:
    """Copy bronze and silver, erase a person there (gold and public recomputed into copies), vacuum."""
    from jobs import erase, vacuum
    from jobs.options import recorded
    from jobs.runs import recorded_run

    subject = _pick_subject(spark)
    assert subject is not None, "the shared world must have a surveyed person with a welfare record and a unique name"
    for layer in ("bronze", "silver"):
        spark.sql(f"DROP DATABASE IF EXISTS {COPY[layer]} CASCADE")
        spark.sql(f"CREATE DATABASE {COPY[layer]}")
        for table in spark.catalog.listTables(layer):
            if not table.isTemporary:
                spark.sql(f"CREATE TABLE {COPY[layer]}.{table.name} USING delta AS SELECT * FROM {layer}.{table.name}")
    before = _mentions(spark, subject)
    args = erase.Options(pid=subject.pid, reason="PDPA s.33 request T-1", **{f"{layer}_db": db for layer, db in COPY.items()})
    args = erase.validate(args)
    erase.preflight(config, args, ())
    with recorded_run(spark, "erase", recorded(args, config.env)) as job_run:
        erase.run(spark, config, args, job_run)
    for layer, db in COPY.items():
        vacuum.vacuum_database(spark, db, config.retention.of(layer), hours=0)
    vacuum.vacuum_database(spark, "ops", config.retention.ops, hours=0)
    return {"subject": subject, "before": before, "after": _mentions(spark, subject), "run": job_run}


def test_the_copy_held_the_person_before(erased):
    assert any(name.startswith("erase_bronze.db") for name in erased["before"])
    assert any(name.startswith("erase_silver.db") for name in erased["before"])


def test_no_file_mentions_the_person_after_erase_and_vacuum(erased):
    assert erased["after"] == {}


def test_rows_removed_from_every_layer(erased):
    removed = erased["run"].rows_written
    for table in (
        "erase_bronze.dopa_registry",
        "erase_bronze.mof_welfare",
        "erase_bronze.cdd_bmn (members removed)",
        "erase_silver.dopa_registry",
        "erase_silver.cdd_bmn_member",
        "erase_silver.person",
        "erase_silver.person_xref",
    ):
        assert removed.get(table, 0) >= 1, table
    if erased["subject"].is_mother:
        assert removed.get("erase_silver.dcy_child_grant (mother cleared)", 0) >= 1


def test_audit_row_holds_a_keyed_hash_and_never_the_id(spark, config, erased):
    subject = erased["subject"]
    row = spark.table("ops.erasures").where(F.col("run_id") == erased["run"].run_id).first()
    expected = hmac.new(config.pseudonym_secret().encode(), subject.pid.encode(), hashlib.sha256).hexdigest()
    assert row["subject_key"] == expected and row["found"] and row["reason"] == "PDPA s.33 request T-1"
    assert row["purge_after"] > row["erased_at"]
    record = spark.table("ops.job_runs").where(F.col("run_id") == erased["run"].run_id).first()
    assert subject.pid not in record["arguments"] and "IDs redacted" in json.loads(record["arguments"])["requests"]


def test_other_persons_results_are_unchanged(spark, config, erased):
    from udfs.pseudonym import hmac_sha256

    subject = erased["subject"]
    key = spark.range(1).select(hmac_sha256(F.lit(subject.person_id), config.pseudonym_secret()).alias("k")).first()["k"]
    welfare_before = spark.table("gold.person_welfare").where(F.col("person_key") != key)
    welfare_after = spark.table(f"{COPY['gold']}.person_welfare")
    assert welfare_after.where(F.col("person_key") == key).count() == 0
    assert welfare_before.exceptAll(welfare_after).count() == 0 and welfare_after.exceptAll(welfare_before).count() == 0
    household = spark.table("gold.person_poverty").where(F.col("person_key") == key).select("hh_id").first()["hh_id"]
    poverty_before = spark.table("gold.person_poverty").where(F.col("hh_id") != household)
    poverty_after = spark.table(f"{COPY['gold']}.person_poverty").where(F.col("hh_id") != household)
    assert poverty_before.exceptAll(poverty_after).count() == 0 and poverty_after.exceptAll(poverty_before).count() == 0
    members_left = spark.table(f"{COPY['gold']}.person_poverty").where(F.col("hh_id") == household)
    assert members_left.where(F.col("person_key") == key).count() == 0
    assert members_left.count() == spark.table("gold.person_poverty").where(F.col("hh_id") == household).count() - 1


def test_published_tables_after_erasure_are_still_safe(spark, erased):
    from transforms.gold.privacy import recoverable

    area = spark.table(f"{COPY['public']}.area_indicators").toPandas()
    cover = spark.table(f"{COPY['public']}.welfare_coverage").toPandas()
    assert recoverable(area, cover).empty
