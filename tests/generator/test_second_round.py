"""generate --round 2562 at run-all's scale (0.001): the 2561 world moved on a year, beside round 2561's files."""

from __future__ import annotations

import json

import pytest
from pyspark.sql import functions as F

from jobs import deliveries, generate
from jobs.runs import JobRun

pytestmark = pytest.mark.slow  # a second world (about 2.5 minutes): make test-slow, so CI


def _valid(pid: str) -> bool:
    check = (11 - sum((14 - i) * int(d) for i, d in enumerate(pid[:12], start=1)) % 11) % 10
    return len(pid) == 13 and pid.isdigit() and check == int(pid[12])


@pytest.fixture(scope="module")
def rounds(spark, config, pipeline, tmp_path_factory):
    """(truth of 2561, truth of 2562, landing of 2562): round 2562 generated into a landing zone of its own."""
    pipeline("generate")
    root = tmp_path_factory.mktemp("round2562")
    paths = config.paths.model_copy(update={"landing": str(root / "landing"), "truth": str(root / "truth")})
    args = generate.Options(scale=config.run_all.scale, seed=config.run_all.seed, survey_round=2562)
    generate.run(spark, config.model_copy(update={"paths": paths}), args, JobRun("generate", args.model_dump()))
    return config.paths.resolved("truth"), str(root / "truth" / "rounds" / "2562"), root / "landing"


def test_deliveries_are_dated_and_marked_with_their_round(spark, rounds):
    _, _, landing = rounds
    later = generate.load_settings().for_round(1)
    for source in generate.generated_sources():
        folder = landing / source / later.delivery
        assert deliveries.delivery_round(folder) == 2562, source
    first_line = next((landing / "cdd_bmn" / later.delivery).glob("*.jsonl")).read_bytes().split(b"\n", 1)[0]  # broken lines come last
    survey = json.loads(first_line.decode("utf-8"))
    assert survey["survey_round"] == "2562"
    assert survey["interview_date"].endswith("/2562")  # BE: fieldwork in early 2019
    elderly = next((landing / "dla_elderly" / later.delivery).glob("*.csv")).read_bytes()
    assert b"2562-03" in elderly and b"2561-03" not in elderly  # paid month of the new period


def test_everyone_of_2561_is_still_in_the_registry_with_the_same_id_and_births_are_new(spark, rounds):
    first, second, _ = rounds
    before = spark.read.parquet(f"{first}/persons").select(
        "person_id", F.col("pid").alias("pid_before"), F.col("is_alive").alias("alive_before")
    )
    after = spark.read.parquet(f"{second}/persons")
    both = after.join(before, "person_id", "full")
    assert both.where(F.col("pid").isNull()).count() == 0  # nobody lost
    assert both.where(F.col("pid_before").isNotNull() & (F.col("pid") != F.col("pid_before"))).count() == 0
    assert both.where(~F.col("alive_before") & F.col("is_alive")).count() == 0  # nobody comes back
    born = both.where(F.col("pid_before").isNull())
    assert born.count() > 0 and born.where("age != 0 or not is_alive").count() == 0
    assert after.select("pid").distinct().count() == after.count()
    assert all(_valid(r.pid) for r in born.select("pid").collect())
    died = both.where(F.col("alive_before") & ~F.col("is_alive"))
    living = before.where("alive_before").count()
    assert 0.004 < died.count() / living < 0.012  # Thailand: ~0.75 % a year
    assert died.where("surveyed").count() == 0  # the survey counts the living


def test_poverty_persists_and_stays_at_the_published_rate(spark, rounds):
    first, second, _ = rounds
    h1 = spark.read.parquet(f"{first}/households").select("hh_key", F.col("is_poor").alias("poor_before"))
    h2 = spark.read.parquet(f"{second}/households")
    rate_before, rate_after = (h.agg(F.avg(F.col(c).cast("double"))).first()[0] for h, c in ((h1, "poor_before"), (h2, "is_poor")))
    assert abs(rate_after - rate_before) < 0.015  # published 2561: 9.66 % of households
    both = h2.join(h1, "hh_key")
    stayed = both.where("poor_before and is_poor").count() / both.where("poor_before").count()
    assert 0.4 < stayed < 0.85, stayed  # persistence of poverty (conf/generator.yaml rounds)
    n1, n2 = h1.count(), h2.count()
    assert abs(n2 / n1 - 1) < 0.02  # published: -0.9 % over 2561-2564
    assert h2.select("hh_id").distinct().count() == n2


def test_households_move_together_and_to_real_places(spark, rounds):
    first, second, _ = rounds
    before = spark.read.parquet(f"{first}/persons").select("person_id", F.col("house_code").alias("house_before"), "hh_key")
    after = spark.read.parquet(f"{second}/persons").select(
        "person_id", "house_code", "village_code", "district_code", F.col("hh_key").alias("hh_after")
    )
    moved = after.join(before, "person_id").where(F.col("house_code") != F.col("house_before"))
    assert moved.count() > 0
    # A household that moved (kept its key) is in one house afterwards.
    assert moved.where("hh_after = hh_key").groupBy("hh_key").agg(F.countDistinct("house_code").alias("n")).where("n > 1").count() == 0
    villages = spark.table("ref.village").select("village_code", "district_code")
    placed = moved.where(F.col("village_code").isNotNull()).join(villages, ["village_code", "district_code"], "left_anti")
    assert placed.count() == 0
